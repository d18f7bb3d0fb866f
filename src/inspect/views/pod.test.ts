import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertGolden, seedSnapshot } from '../testing.js';
import { emptySnapshot } from '../snapshot.js';
import { podView } from './pod.js';

describe('the Pod view', () => {
  test('the seed pod: three containers side by side in the pod holding its IP, 8080 wanted twice, with the log line (golden)', () => {
    const model = podView.select(seedSnapshot(), { namespace: 'seed', name: 'tomcat-redis' });
    assert.ok(model);
    assert.deepEqual(model.containers.map((c) => c.name), ['tomcat-container', 'redis-container', 'container-03']);
    assert.equal(model.podIP, '10.42.0.5');
    assert.deepEqual(model.conflicts, [
      { port: 8080, protocol: 'TCP', containers: ['tomcat-container', 'container-03'], failing: ['container-03'], logLine: { container: 'container-03', previous: true, line: 'httpd: bind: Address in use' } },
    ]);
    const c3 = model.containers[2];
    assert.equal(c3?.state, 'waiting: CrashLoopBackOff');
    assert.equal(c3?.restarts, 4);
    assert.equal(c3?.lastTermination, 'Error (exit code 1)');
    const svg = podView.render(model);
    assert.match(svg, /IP 10\.42\.0\.5/);
    assert.match(svg, /port 8080\/TCP is wanted by tomcat-container and container-03/);
    assert.match(svg, /container-03 log \(previous run\): httpd: bind: Address in use/);
    assertGolden('pod-seed-conflict.svg', svg);
    const text = podView.describe(model);
    assert.match(text, /Port conflict: port 8080\/TCP is wanted by tomcat-container and container-03.*Failing: container-03\./);
    assert.match(text, /container-03 log \(previous run\): httpd: bind: Address in use/);
    assert.match(text, /Selected by Service cluster-service-test\./);
    assert.deepEqual(podView.links(model), [{ view: 'service', params: { namespace: 'seed', name: 'cluster-service-test' } }, { view: 'network', params: {} }]);
  });

  test('without the log tail the conflict is still drawn, without a log line', () => {
    const model = podView.select({ ...seedSnapshot(), containerLogs: [] }, { namespace: 'seed', name: 'tomcat-redis' });
    assert.ok(model);
    assert.equal(model.conflicts[0]?.logLine, undefined);
    assert.doesNotMatch(podView.render(model), /log \(previous run\)/);
  });

  test('a Deployment pod links to its Deployment and the Services selecting it (golden)', () => {
    const model = podView.select(seedSnapshot(), { namespace: 'seed', name: 'tomcat-stable-6d8f7c9b54-abcde' });
    assert.ok(model);
    assert.deepEqual(model.workload, { kind: 'Deployment', namespace: 'seed', name: 'tomcat-stable' });
    assert.deepEqual(model.conflicts, []);
    assert.deepEqual(podView.links(model)[0], { view: 'workload', params: { namespace: 'seed', kind: 'Deployment', name: 'tomcat-stable' } });
    assertGolden('pod-deployment.svg', podView.render(model));
  });

  test('a pod not scheduled yet has no IP and no node, and says so', () => {
    const model = podView.select(
      { ...emptySnapshot(), pods: [{ metadata: { namespace: 'default', name: 'new' }, spec: { containers: [{ name: 'app', image: 'app:1' }] } }] },
      { name: 'new' },
    );
    assert.ok(model);
    assert.match(podView.describe(model), /IP none yet, on node \(not scheduled\), phase Pending, not ready\.\n1 container side by side/);
    assert.match(podView.describe(model), /- app \(app:1\): no ports; not started; not ready; 0 restarts\./);
  });

  test('an unknown pod selects nothing; instances list every pod, sorted', () => {
    assert.equal(podView.select(seedSnapshot(), { namespace: 'seed', name: 'nope' }), undefined);
    const instances = podView.instances?.(seedSnapshot()) ?? [];
    assert.deepEqual(instances[0], { namespace: 'seed', name: 'client' });
    assert.equal(instances.length, seedSnapshot().pods.length);
  });

  test('rendering is deterministic and escapes names', () => {
    const snap = { ...emptySnapshot(), pods: [{ metadata: { namespace: 'default', name: 'a' }, spec: { containers: [{ name: 'x', image: 'img<&>"' }] } }] };
    const model = podView.select(snap, { name: 'a' });
    assert.ok(model);
    assert.equal(podView.render(model), podView.render(podView.select(snap, { name: 'a' }) ?? model));
    assert.match(podView.render(model), /img&lt;&amp;&gt;&quot;/);
  });
});
