import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { strategicMergePatch, StrategicMergePatchError } from './strategic.js';
import { testDefinitions } from './testing.js';

const pod = 'io.k8s.api.core.v1.Pod';
const smp = (original: object, patch: object, root = pod) => strategicMergePatch(original, patch, testDefinitions, root);

const base = {
  metadata: { name: 'p', labels: { app: 'web', tier: 'fe' }, finalizers: ['a', 'b'] },
  spec: {
    containers: [
      { name: 'web', image: 'nginx:1', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
      { name: 'side', image: 'busybox' },
    ],
    tolerations: [{ key: 'x' }, { key: 'y' }],
    volumes: [{ name: 'v', emptyDir: {} }],
  },
};

describe('strategicMergePatch', () => {
  test('maps merge and null deletes', () => {
    const out = smp(base, { metadata: { labels: { tier: null, env: 'prod' } } }) as typeof base;
    assert.deepEqual(out.metadata.labels, { app: 'web', env: 'prod' });
    assert.deepEqual(base.metadata.labels, { app: 'web', tier: 'fe' }, 'input untouched');
  });

  test('lists with merge key merge by key, recursively', () => {
    const out = smp(base, {
      spec: { containers: [{ name: 'web', image: 'nginx:2', env: [{ name: 'B', value: '3' }], ports: [{ containerPort: 443 }] }] },
    }) as typeof base;
    const web = out.spec.containers[0];
    assert.equal(web.image, 'nginx:2');
    assert.deepEqual(web.env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }]);
    assert.deepEqual(web.ports, [{ containerPort: 443 }, { containerPort: 80 }]);
    assert.equal(out.spec.containers[1].name, 'side');
  });

  test('new merge-list items go first, as upstream orders them', () => {
    const out = smp(base, { spec: { containers: [{ name: 'new', image: 'x' }] } }) as typeof base;
    assert.deepEqual(out.spec.containers.map((c) => c.name), ['new', 'web', 'side']);
  });

  test('$setElementOrder sets the order', () => {
    const out = smp(base, {
      spec: {
        '$setElementOrder/containers': [{ name: 'side' }, { name: 'web' }, { name: 'new' }],
        containers: [{ name: 'new', image: 'x' }],
      },
    }) as typeof base;
    assert.deepEqual(out.spec.containers.map((c) => c.name), ['side', 'web', 'new']);
  });

  test('lists without a merge strategy replace', () => {
    const out = smp(base, { spec: { tolerations: [{ key: 'z' }] } }) as typeof base;
    assert.deepEqual(out.spec.tolerations, [{ key: 'z' }]);
  });

  test('primitive merge lists union; $deleteFromPrimitiveList removes', () => {
    const added = smp(base, { metadata: { finalizers: ['b', 'c'] } }) as typeof base;
    assert.deepEqual(added.metadata.finalizers, ['a', 'b', 'c']);
    const removed = smp(base, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }) as typeof base;
    assert.deepEqual(removed.metadata.finalizers, ['b']);
  });

  test('$patch directives: delete and replace on list items and maps', () => {
    const deleted = smp(base, { spec: { containers: [{ name: 'side', $patch: 'delete' }] } }) as typeof base;
    assert.deepEqual(deleted.spec.containers.map((c) => c.name), ['web']);
    const replacedList = smp(base, { spec: { containers: [{ name: 'only', image: 'i' }, { $patch: 'replace' }] } }) as typeof base;
    assert.deepEqual(replacedList.spec.containers, [{ name: 'only', image: 'i' }]);
    const replacedMap = smp(base, { metadata: { labels: { $patch: 'replace', x: 'y' } } }) as typeof base;
    assert.deepEqual(replacedMap.metadata.labels, { x: 'y' });
    const deletedMap = smp(base, { metadata: { labels: { $patch: 'delete' } } }) as typeof base;
    assert.deepEqual(deletedMap.metadata.labels, {});
  });

  test('$retainKeys clears other keys and checks the patch', () => {
    const out = smp(base, {
      spec: { volumes: [{ name: 'v', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/x' } }] },
    }) as { spec: { volumes: unknown[] } };
    assert.deepEqual(out.spec.volumes, [{ name: 'v', hostPath: { path: '/x' } }]);
    assert.throws(
      () => smp(base, { spec: { volumes: [{ name: 'v', $retainKeys: ['name'], hostPath: { path: '/x' } }] } }),
      (e) => e instanceof StrategicMergePatchError && e.code === 'Unprocessable' && e.toStatusError().code === 422,
    );
  });

  test('unknown schema falls back to JSON merge semantics', () => {
    const out = smp({ x: { l: [1, 2], m: { a: 1 } } }, { x: { l: [3], m: { b: 2 } } }, 'no.such.Definition');
    assert.deepEqual(out, { x: { l: [3], m: { a: 1, b: 2 } } });
  });

  test('missing merge key and bad directives are errors', () => {
    assert.throws(
      () => smp(base, { spec: { containers: [{ image: 'x' }] } }),
      (e) => e instanceof StrategicMergePatchError && /does not contain declared merge key: name/.test(e.message),
    );
    assert.throws(
      () => smp(base, { metadata: { labels: { $patch: 'frob' } } }),
      (e) => e instanceof StrategicMergePatchError && /unknown patch type: frob/.test(e.message),
    );
  });
});
