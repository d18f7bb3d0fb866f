import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { apiServerClient, testContext } from '../../testing/controllers.js';
import { waitFor } from '../../testing/wait.js';
import { GarbageCollector } from './controller.js';

const namespace = 'default';

/** A running garbage collector over a real in-process API server. */
async function harness() {
  const api = await apiServerClient();
  const t = testContext({ client: api.client, close: api.close });
  const { client, errors } = t;
  const gc = new GarbageCollector(t.ctx);
  t.start(gc);
  await t.informers.waitForSync(t.signal);

  const eventually = async <T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> => (await waitFor(what, probe, { timeoutMs: 10_000, errors })) as T;
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
    await t.stop();
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
