import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../apimachinery/metrics.js';
import { SqliteStore } from '../storage/sqlite.js';
import { InstrumentedStore, resourceOfKey, trackStorageObjects } from './storage-metrics.js';
import { familyOf, parsePrometheusText, samplesOf } from '../testing/prometheus-text.js';

test('a key names its group-resource as upstream does', () => {
  assert.equal(resourceOfKey('/registry/core/pods/default/web'), 'pods');
  assert.equal(resourceOfKey('/registry/core/namespaces/'), 'namespaces');
  assert.equal(resourceOfKey('/registry/apps/deployments/'), 'deployments.apps');
  assert.equal(resourceOfKey('/registry/rbac.authorization.k8s.io/roles/ns/r'), 'roles.rbac.authorization.k8s.io');
  assert.equal(resourceOfKey('/registry'), '');
});

test('store operations are timed per operation and type; objects are counted per resource at scrape', async () => {
  const registry = new Registry();
  const backend = SqliteStore.open(':memory:');
  const store = new InstrumentedStore(backend, registry);
  trackStorageObjects(registry, backend, ['/registry/core/pods/', '/registry/apps/deployments/', '/registry/core/pods/']);
  try {
    const kv = await store.create('/registry/core/pods/default/a', '{}');
    await store.create('/registry/core/pods/default/b', '{}');
    await store.update('/registry/core/pods/default/a', '{"x":1}', kv.modRevision);
    await store.get('/registry/core/pods/default/a');
    await store.list('/registry/apps/deployments/');
    await assert.rejects(store.delete('/registry/core/pods/default/missing'));
    const families = await parsePrometheusText(await registry.render());
    const latency = familyOf(families, 'etcd_request_duration_seconds');
    const count = (operation: string, type: string) => samplesOf(latency, 'etcd_request_duration_seconds_count', { operation, type })[0]?.value;
    assert.equal(count('create', 'pods'), 2);
    assert.equal(count('update', 'pods'), 1);
    assert.equal(count('get', 'pods'), 1);
    assert.equal(count('list', 'deployments.apps'), 1);
    assert.equal(count('delete', 'pods'), 1);
    const objects = familyOf(families, 'apiserver_storage_objects');
    assert.deepEqual(
      objects.samples.map((s) => [s.labels.resource, s.value]),
      [
        ['pods', 2],
        ['deployments.apps', 0],
      ],
    );
  } finally {
    await store.close();
  }
});
