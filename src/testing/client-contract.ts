import assert from 'node:assert/strict';
import { StatusError } from '../apimachinery/errors.js';
import { resources, type Client } from '../client/client.js';

const code = (e: unknown) => (e instanceof StatusError ? e.code : 0);

/**
 * What every {@link Client} must do against a freshly bootstrapped server: upstream defaults
 * and errors, selectors, watch transitions, bindings, conflicts and deletes. Shared by the
 * in-process and HTTPS clients' tests.
 */
export async function checkClientContract(client: Client): Promise<void> {
  const pod = await client.create(resources.pods, 'default', {
    metadata: { name: 'p', labels: { app: 'x' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  assert.equal((pod.spec as unknown as { restartPolicy: string }).restartPolicy, 'Always');
  await assert.rejects(client.create(resources.pods, 'nowhere', { metadata: { name: 'p' } }), (e) => code(e) === 404);
  await assert.rejects(client.create(resources.configmaps, 'default', { metadata: { name: 'Bad' } }), (e) => code(e) === 422);

  const list = await client.list(resources.pods, 'default', { labelSelector: 'app=x' });
  assert.equal(list.items.length, 1);
  const ac = new AbortController();
  const seen: string[] = [];
  const watching = (async () => {
    for await (const ev of client.watch(resources.pods, 'default', { resourceVersion: list.resourceVersion, labelSelector: 'app=x' }, ac.signal)) {
      seen.push(`${ev.type} ${ev.object.metadata?.name} ${ev.object.metadata?.labels?.app ?? ''}`);
      if (seen.length === 3) ac.abort();
    }
  })();
  await client.create(resources.pods, 'default', { metadata: { name: 'q', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  await client.patch(resources.pods, 'default', 'q', 'merge', { metadata: { labels: { app: 'y' } } });
  await client.create(
    resources.pods,
    'default',
    { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } },
    { subresource: 'binding' },
  );
  await watching;
  assert.deepEqual(seen, ['ADDED q x', 'DELETED q y', 'MODIFIED p x']);
  const bound = await client.get(resources.pods, 'default', 'p');
  assert.equal((bound.spec as { nodeName: string }).nodeName, 'n1');

  const stale = { ...bound, metadata: { ...bound.metadata, resourceVersion: '1' } };
  await assert.rejects(client.update(resources.pods, 'default', stale), (e) => code(e) === 409);
  await client.delete(resources.pods, 'default', 'q');
  await assert.rejects(client.get(resources.pods, 'default', 'q'), (e) => code(e) === 404);
  const applied = await client.patch(resources.configmaps, 'default', 'applied', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { a: '1' } }, { fieldManager: 'test' });
  assert.deepEqual(applied.data, { a: '1' });
}
