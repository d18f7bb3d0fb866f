import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { bootstrapCluster } from '../../apiserver/bootstrap.js';
import { StatusError } from '../../apiserver/errors.js';
import type { KubeObject } from '../../apiserver/object.js';
import { ApiServer } from '../../apiserver/server.js';
import { resources } from '../../client/client.js';
import { FakeClock, settle } from '../../client/clock.js';
import { MemoryEventRecorder } from '../../client/events.js';
import { InformerFactory } from '../../client/informer.js';
import { InProcessClient } from '../../client/in-process.js';
import { SqliteStore } from '../../storage/sqlite.js';
import type { ControllerContext } from '../controller.js';
import { GarbageCollector } from './controller.js';

const namespace = 'default';

/** A running garbage collector over a real in-process API server. */
async function harness() {
  const store = SqliteStore.open(':memory:');
  const api = new ApiServer({ store, authenticator: { authenticate: () => undefined } });
  await bootstrapCluster({ kubernetesServiceIP: '10.43.0.1', endpointAddress: '127.0.0.1', endpointPort: 6443, store: (g, v, p) => api.store(g, v, p) });
  const client = new InProcessClient(api.operations);
  const clock = new FakeClock();
  const informers = new InformerFactory(client, { clock });
  const errors: unknown[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    clock,
    recorder: () => new MemoryEventRecorder(),
    onError: (err) => errors.push(err),
    settings: { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local', clusterDNS: '10.43.0.10', dataDir: '/tmp' },
  };
  const gc = new GarbageCollector(ctx);
  const abort = new AbortController();
  informers.start(abort.signal);
  const running = gc.run(abort.signal);
  await informers.waitForSync(abort.signal);

  async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; errors: ${errors.map(String).join('; ')}`);
      await settle();
    }
  }
  const configMap = async (name: string, owners: KubeObject[] = [], extra: { blockOwnerDeletion?: boolean; finalizers?: string[] } = {}) =>
    client.create(resources.configmaps, namespace, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        ...(extra.finalizers ? { finalizers: extra.finalizers } : {}),
        ...(owners.length ? { ownerReferences: owners.map((o) => ownerRef(o, extra.blockOwnerDeletion)) } : {}),
      },
      data: { k: 'v' },
    });
  const get = async (name: string): Promise<KubeObject | undefined> => {
    try {
      return await client.get(resources.configmaps, namespace, name);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return undefined;
      throw err;
    }
  };
  async function stop(): Promise<void> {
    abort.abort();
    await running;
    await store.close();
    assert.deepEqual(errors, []);
  }
  return { client, gc, eventually, configMap, get, stop };
}

function ownerRef(owner: KubeObject, blockOwnerDeletion?: boolean): OwnerReference {
  return {
    apiVersion: 'v1',
    kind: owner.kind ?? 'ConfigMap',
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    ...(blockOwnerDeletion !== undefined ? { blockOwnerDeletion } : {}),
  };
}

describe('GarbageCollector', () => {
  test('background: dependents of a deleted owner go; one with another live owner only loses the reference', async () => {
    const h = await harness();
    try {
      const owner = await h.configMap('owner');
      const other = await h.configMap('other');
      await h.configMap('dep-a', [owner]);
      await h.configMap('dep-b', [owner], { blockOwnerDeletion: true });
      await h.configMap('shared', [owner, other]);
      await h.client.delete(resources.configmaps, namespace, 'owner', { propagationPolicy: 'Background' });
      await h.eventually('dep-a and dep-b to go', async () => !(await h.get('dep-a')) && !(await h.get('dep-b')));
      const shared = await h.eventually('shared to lose its reference to owner', async () => {
        const s = await h.get('shared');
        return s?.metadata?.ownerReferences?.length === 1 ? s : undefined;
      });
      assert.equal(shared.metadata?.ownerReferences?.[0]?.name, 'other');
      assert.ok(await h.get('other'));
    } finally {
      await h.stop();
    }
  });

  test('an object whose owner never existed (or was replaced) goes; one with a live owner stays', async () => {
    const h = await harness();
    try {
      const owner = await h.configMap('owner');
      await h.configMap('kept', [owner]);
      await h.configMap('orphaned', [{ kind: 'ConfigMap', metadata: { name: 'owner', uid: 'not-the-owners-uid' } }]);
      await h.configMap('ghost', [{ kind: 'ConfigMap', metadata: { name: 'never', uid: 'never-uid' } }]);
      await h.eventually('the dangling dependents to go', async () => !(await h.get('orphaned')) && !(await h.get('ghost')));
      await h.gc.sync(`/configmaps|${namespace}/kept`);
      assert.ok(await h.get('kept'));
    } finally {
      await h.stop();
    }
  });

  test('foreground: the owner waits for its blocking dependents, then goes', async () => {
    const h = await harness();
    try {
      const owner = await h.configMap('owner');
      await h.configMap('blocking', [owner], { blockOwnerDeletion: true, finalizers: ['example.com/hold'] });
      await h.configMap('free', [owner]);
      await h.client.delete(resources.configmaps, namespace, 'owner', { propagationPolicy: 'Foreground' });
      // The blocking dependent is being deleted but held by its own finalizer: the owner waits.
      const blocking = await h.eventually('the blocking dependent to be deleting', async () => {
        const b = await h.get('blocking');
        return b?.metadata?.deletionTimestamp ? b : undefined;
      });
      await h.eventually('the free dependent to go', async () => !(await h.get('free')));
      const waiting = await h.get('owner');
      assert.ok(waiting?.metadata?.deletionTimestamp);
      assert.deepEqual(waiting?.metadata?.finalizers, ['foregroundDeletion']);
      await h.client.patch(resources.configmaps, namespace, 'blocking', 'merge', {
        metadata: { finalizers: null, resourceVersion: blocking.metadata?.resourceVersion },
      });
      await h.eventually('the owner to go', async () => !(await h.get('owner')) && !(await h.get('blocking')));
    } finally {
      await h.stop();
    }
  });

  test('orphan: dependents lose the reference and stay; the owner goes', async () => {
    const h = await harness();
    try {
      const owner = await h.configMap('owner');
      const other = await h.configMap('other');
      await h.configMap('dep', [owner], { blockOwnerDeletion: true });
      await h.configMap('shared', [owner, other]);
      await h.client.delete(resources.configmaps, namespace, 'owner', { propagationPolicy: 'Orphan' });
      await h.eventually('the owner to go', async () => !(await h.get('owner')));
      const dep = await h.get('dep');
      assert.ok(dep);
      assert.equal(dep.metadata?.ownerReferences, undefined);
      assert.deepEqual(
        (await h.get('shared'))?.metadata?.ownerReferences?.map((r) => r.name),
        ['other'],
      );
    } finally {
      await h.stop();
    }
  });
});
