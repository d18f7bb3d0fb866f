import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import { seedNetworkSnapshot } from './seed-fixtures/testing.js';
import { portEndpoints } from './port-endpoints.js';

const service = (name: string): Service => seedNetworkSnapshot().services.find((s) => s.metadata?.name === name)!;

test("each Service port's endpoints come from the slice port of the same name, with the containers declaring it", () => {
  const s = seedNetworkSnapshot();
  const svc = service('cluster-service-test');
  const [abc, redis] = svc.spec?.ports ?? [];
  assert.deepEqual(portEndpoints(s, svc, abc!).map((e) => [e.podName, e.address, e.port, e.containers, e.ready, e.nodeName]), [['tomcat-redis', '10.244.1.5', 8080, ['tomcat-container'], true, 'node-a']]);
  assert.deepEqual(portEndpoints(s, svc, redis!).map((e) => [e.port, e.containers]), [[6379, ['redis-container']]]);
  assert.deepEqual(portEndpoints(s, svc, { ...abc!, name: 'other' }), [], 'no slice port of that name');
});

test('unknown conditions read as the API documents: ready and serving, not terminating; a pod is found by address without a targetRef', () => {
  const s = seedNetworkSnapshot();
  const svc = service('cluster-service-test');
  const slice = s.endpointSlices.find((e) => e.metadata?.labels?.['kubernetes.io/service-name'] === 'cluster-service-test')!;
  for (const e of slice.endpoints) {
    delete e.conditions;
    delete e.targetRef;
  }
  const [e] = portEndpoints(s, svc, svc.spec!.ports![0]!);
  assert.deepEqual([e?.ready, e?.serving, e?.terminating, e?.podName], [true, true, false, 'tomcat-redis']);
});

test('an endpoint pod names its workload: a ReplicaSet pod its Deployment', () => {
  const s = seedNetworkSnapshot();
  const svc = service('tomcat-canary');
  assert.deepEqual(portEndpoints(s, svc, svc.spec!.ports![0]!).map((e) => e.workload), [{ kind: 'Deployment', namespace: 'default', name: 'tomcat-canary' }]);
});
