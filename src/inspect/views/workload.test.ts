import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertGolden, seedSnapshot } from '../testing.js';
import { workloadView } from './workload.js';

const view = workloadView();

describe('the Workload view', () => {
  test('Deployment → ReplicaSets (revision, pod-template-hash), newest first → Pods (golden)', () => {
    const model = view.select(seedSnapshot(), { namespace: 'seed', kind: 'Deployment', name: 'tomcat-stable' });
    assert.ok(model);
    assert.deepEqual(model.groups.map((g) => [g.name, g.lines[0], g.lines[1], g.pods.length]), [
      ['tomcat-stable-6d8f7c9b54', 'revision 2 (current)', 'pod-template-hash 6d8f7c9b54', 3],
      ['tomcat-stable-5b7d9c8f66', 'revision 1', 'pod-template-hash 5b7d9c8f66', 0],
    ]);
    assert.match(view.describe(model), /RollingUpdate: maxSurge 25%, maxUnavailable 25%/);
    assertGolden('workload-deployment.svg', view.render(model));
    const links = view.links(model);
    assert.ok(links.some((l) => l.view === 'pod' && l.params.name === 'tomcat-stable-6d8f7c9b54-abcde'));
  });

  test('StatefulSet: pods by ordinal with their claims and full DNS names (golden)', () => {
    const model = view.select(seedSnapshot(), { namespace: 'seed', kind: 'statefulset', name: 'web' });
    assert.ok(model);
    assert.deepEqual(model.pods.map((p) => [p.ordinal, p.dnsName, p.claims?.[0]?.name, p.claims?.[0]?.status]), [
      [0, 'web-0.nginx.seed.svc.cluster.local', 'www-web-0', 'Bound'],
      [1, 'web-1.nginx.seed.svc.cluster.local', 'www-web-1', 'Bound'],
      [2, 'web-2.nginx.seed.svc.cluster.local', 'www-web-2', 'Pending'],
    ]);
    assertGolden('workload-statefulset.svg', view.render(model));
    assert.ok(view.links(model).some((l) => l.view === 'service' && l.params.name === 'nginx'));
  });

  test('a StatefulSet scaled up shows the ordinals not created yet; claims are "not readable" without access', () => {
    const snap = seedSnapshot();
    const web = snap.statefulSets[0];
    assert.ok(web?.spec);
    web.spec.replicas = 4;
    snap.forbidden = ['persistentvolumeclaims'];
    const model = workloadView({ clusterDomain: 'example.internal' }).select(snap, { namespace: 'seed', kind: 'StatefulSet', name: 'web' });
    assert.ok(model);
    assert.deepEqual(model.pods[3], { name: 'web-3', status: 'not created', tone: 'warn', exists: false, restarts: 0, ordinal: 3, dnsName: 'web-3.nginx.seed.svc.example.internal', claims: [{ name: 'www-web-3', status: 'not readable' }] });
    assert.match(view.describe(model), /Pod web-3: not created yet; web-3\.nginx\.seed\.svc\.example\.internal/);
  });

  test('DaemonSet: one row per node (golden)', () => {
    const model = view.select(seedSnapshot(), { namespace: 'seed', kind: 'DaemonSet', name: 'node-logs' });
    assert.ok(model);
    assert.deepEqual(model.groups.map((g) => [g.name, g.pods.map((p) => p.name)]), [
      ['node-a', ['node-logs-q8w2e']],
      ['node-b', ['node-logs-r5t7y']],
    ]);
    assertGolden('workload-daemonset.svg', view.render(model));
  });

  test('CronJob → Jobs → Pods (golden); a Job alone → its Pods', () => {
    const model = view.select(seedSnapshot(), { namespace: 'seed', kind: 'CronJob', name: 'cron-forbid' });
    assert.ok(model);
    assert.deepEqual(model.groups.map((g) => [g.name, g.lines[0], g.pods.map((p) => p.status)]), [
      ['cron-forbid-29000007', 'Complete', ['Succeeded']],
      ['cron-forbid-29000009', 'Running', ['Running, ready']],
    ]);
    assert.match(view.describe(model), /concurrencyPolicy Forbid, startingDeadlineSeconds 600/);
    assertGolden('workload-cronjob.svg', view.render(model));
    const job = view.select(seedSnapshot(), { namespace: 'seed', kind: 'job', name: 'cron-forbid-29000009' });
    assert.equal(job?.pods.length, 1);
  });

  test('unknown kinds and names select nothing; instances are the top-level workloads, sorted', () => {
    assert.equal(view.select(seedSnapshot(), { namespace: 'seed', kind: 'Pod', name: 'client' }), undefined);
    assert.equal(view.select(seedSnapshot(), { namespace: 'seed', kind: 'Deployment', name: 'nope' }), undefined);
    assert.deepEqual(view.instances?.(seedSnapshot()), [
      { namespace: 'seed', kind: 'CronJob', name: 'cron-forbid' },
      { namespace: 'seed', kind: 'DaemonSet', name: 'node-logs' },
      { namespace: 'seed', kind: 'Deployment', name: 'tomcat-canary' },
      { namespace: 'seed', kind: 'Deployment', name: 'tomcat-stable' },
      { namespace: 'seed', kind: 'StatefulSet', name: 'web' },
    ]);
  });
});
