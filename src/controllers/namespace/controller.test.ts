import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources, type ResourceRef } from '../../client/client.js';
import { apiServerClient, testContext } from '../../testing/controllers.js';
import { waitFor } from '../../testing/wait.js';
import { NamespaceController, namespaceDeletionConditions } from './controller.js';

type NamespaceObject = Namespace & KubeObject;

/** A running Namespace controller over a real in-process API server (for the finalize subresource). */
async function harness() {
  const api = await apiServerClient();
  const t = testContext({ client: api.client, close: api.close });
  const { client, clock, errors } = t;
  const controller = new NamespaceController(t.ctx);
  t.start(controller);

  const eventually = async <T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> => (await waitFor(what, probe, { timeoutMs: 10_000, errors })) as T;
  const tryGet = async <T extends KubeObject>(ref: ResourceRef, ns: string, name: string): Promise<T | undefined> => {
    try {
      return await client.get<T>(ref, ns, name);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return undefined;
      throw err;
    }
  };
  async function stop(): Promise<void> {
    await t.stop();
    assert.deepEqual(errors, []);
  }
  return { client, clock, eventually, tryGet, stop };
}

describe('NamespaceController', () => {
  test('a deleted namespace is emptied, waits for finalizers of its content, then is finalized and goes', async () => {
    const h = await harness();
    try {
      const ns = 'doomed';
      await h.client.create(resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns }, spec: { finalizers: ['kubernetes'] } });
      await h.client.create(resources.configmaps, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' }, data: { a: 'b' } });
      await h.client.create(resources.configmaps, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
      await h.client.create(resources.secrets, ns, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { x: 'y' } });
      await h.client.create(resources.services, ns, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }], selector: { app: 'x' } } });
      await h.client.create(resources.pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
      await h.client.create(resources.deployments, ns, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
      });
      // Bystanders elsewhere stay.
      await h.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' } });

      await h.client.delete(resources.namespaces, '', ns);
      // Everything but the object held by its finalizer goes; the namespace waits for it.
      await h.eventually(
        'the content to go',
        async () =>
          (await h.client.list(resources.configmaps, ns)).items.length === 1 &&
          !(await h.tryGet(resources.pods, ns, 'p')) &&
          !(await h.tryGet(resources.services, ns, 'svc')) &&
          !(await h.tryGet(resources.secrets, ns, 's')) &&
          !(await h.tryGet(resources.deployments, ns, 'd')),
      );
      const terminating = await h.tryGet<NamespaceObject>(resources.namespaces, '', ns);
      assert.equal(terminating?.status?.phase, 'Terminating');
      assert.ok((await h.tryGet(resources.configmaps, ns, 'held'))?.metadata?.deletionTimestamp);
      for (const [ref, name] of [
        [resources.configmaps, 'plain'],
        [resources.secrets, 's'],
        [resources.services, 'svc'],
        [resources.pods, 'p'],
        [resources.deployments, 'd'],
      ] as const) {
        assert.equal(await h.tryGet(ref, ns, name), undefined, `${ref.resource}/${name} is deleted`);
      }
      assert.deepEqual(terminating?.spec?.finalizers, ['kubernetes']);
      assert.ok(await h.tryGet(resources.configmaps, 'default', 'plain'));

      // The last object's finalizer goes: at the next look the namespace is finalized and deleted.
      const held = await h.tryGet(resources.configmaps, ns, 'held');
      await h.client.patch(resources.configmaps, ns, 'held', 'merge', { metadata: { finalizers: null, resourceVersion: held?.metadata?.resourceVersion } });
      await h.eventually('the namespace to go', async () => {
        await h.clock.advanceAsync(1000);
        return (await h.tryGet(resources.namespaces, '', ns)) === undefined;
      });
    } finally {
      await h.stop();
    }
  });

  test('with writeConditions, the status carries upstream\'s deletion conditions', () => {
    const conditions = namespaceDeletionConditions({
      remaining: new Map([
        ['pods', 2],
        ['configmaps', 1],
      ]),
      finalizers: new Map([['example.com/hold', 1]]),
      failures: [],
      estimateSeconds: 30,
    });
    const byType = Object.fromEntries(conditions.map((c) => [c.type, c]));
    assert.deepEqual(byType.NamespaceContentRemaining, {
      type: 'NamespaceContentRemaining',
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: configmaps has 1 resource instances, pods has 2 resource instances',
    });
    assert.equal(byType.NamespaceFinalizersRemaining?.message, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    assert.equal(byType.NamespaceDeletionContentFailure?.reason, 'ContentDeleted');
  });

  test('a namespace that is not being deleted is left alone', async () => {
    const h = await harness();
    try {
      await h.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
      await h.clock.advanceAsync(5000);
      assert.ok(await h.tryGet(resources.configmaps, 'default', 'c'));
      assert.ok(await h.tryGet(resources.namespaces, '', 'default'));
    } finally {
      await h.stop();
    }
  });
});
