import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import { seedSnapshot } from './seed-fixtures/testing.js';
import { owningWorkload, serviceEndpoints } from './service-endpoints.js';

const service = (name: string): Service => seedSnapshot().services.find((s) => s.metadata?.name === name)!;

test("each Service port's endpoints come from the slice port of the same name, with the containers declaring it", () => {
  const s = seedSnapshot();
  const svc = service('cluster-service-test');
  const [abc, redis] = svc.spec?.ports ?? [];
  assert.deepEqual(serviceEndpoints(s, svc, abc!).map((e) => [e.podName, e.address, e.port, e.containers, e.ready, e.nodeName]), [['tomcat-redis', '10.244.1.5', 8080, ['tomcat-container'], true, 'node-a']]);
  assert.deepEqual(serviceEndpoints(s, svc, redis!).map((e) => [e.port, e.containers]), [[6379, ['redis-container']]]);
  assert.deepEqual(serviceEndpoints(s, svc, { ...abc!, name: 'other' }), [], 'no slice port of that name');
});

test('unknown conditions read as the API documents: ready and serving, not terminating; a pod is found by address without a targetRef', () => {
  const s = seedSnapshot();
  const svc = service('cluster-service-test');
  const slice = s.endpointSlices.find((e) => e.metadata?.labels?.['kubernetes.io/service-name'] === 'cluster-service-test')!;
  for (const e of slice.endpoints) {
    delete e.conditions;
    delete e.targetRef;
  }
  const [e] = serviceEndpoints(s, svc, svc.spec!.ports![0]!);
  assert.deepEqual([e?.ready, e?.serving, e?.terminating, e?.podName], [true, true, false, 'tomcat-redis']);
});

test('a pod owned by a ReplicaSet belongs to its Deployment', () => {
  const s = seedSnapshot();
  const pod = s.pods.find((p) => p.metadata?.name?.startsWith('tomcat-canary-'))!;
  assert.deepEqual(owningWorkload(s, pod), { kind: 'Deployment', name: 'tomcat-canary' });
  assert.deepEqual(owningWorkload({ ...s, replicaSets: [] }, pod), { kind: 'ReplicaSet', name: 'tomcat-canary-7b4d9f6c8' });
  assert.equal(owningWorkload(s, s.pods.find((p) => p.metadata?.name === 'client')!), undefined);
});
