import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterPolling, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const slowPolling = { ...clusterPolling, timeoutMs: 90_000 };

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: drain}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: drain}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
`;

function pinnedPod(name: string, node: string, cpu: string, priorityClass: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: prio}
spec:
  priorityClassName: ${priorityClass}
  nodeSelector: {kubernetes.io/hostname: ${node}}
  containers: [{name: c, image: nginx, resources: {requests: {cpu: "${cpu}"}}}]
`;
}

describe('policy APIs with kubectl on simulated nodes', { concurrency: 1 }, () => {
  let c: TestCluster;
  let nodes: string[];
  before(async () => {
    c = await TestCluster.start({ backend: 'sqlite', serverArgs: ['--simulated-nodes', '2', '--service-cidr', '10.171.0.0/16'] });
    await waitFor('two Ready nodes', async () => {
      const out = await c.kubectlOK(['get', 'nodes', '--no-headers']);
      return out.split('\n').filter((l) => /\sReady\s/.test(l)).length === 2;
    }, clusterPolling);
    nodes = (await c.kubectlOK(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}'])).trim().split(/\s+/);
  });
  after(async () => {
    await c?.stop();
  });

  test('kubectl drain is blocked by a PodDisruptionBudget, then proceeds once the budget allows', async () => {
    await c.kubectlOK(['create', 'namespace', 'drain']);
    await c.kubectlOK(['apply', '-f', '-'], { input: deployment });
    await waitFor('the budget to see two healthy pods', async () => {
      const out = await c.kubectlOK(['get', 'pdb', 'web', '-n', 'drain', '-o', 'jsonpath={.status.currentHealthy}/{.status.desiredHealthy}/{.status.disruptionsAllowed}/{.status.expectedPods}']);
      return out === '2/2/0/2';
    }, slowPolling);
    const table = await c.kubectlOK(['get', 'pdb', '-n', 'drain']);
    assert.match(table, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\n/);
    assert.match(table, /\nweb\s+2\s+N\/A\s+0\s+/);
    assert.equal(await c.kubectlOK(['get', 'pdb', 'web', '-n', 'drain', '-o', 'jsonpath={.status.conditions[0].type}={.status.conditions[0].status}/{.status.conditions[0].reason}']), 'DisruptionAllowed=False/InsufficientPods');
    const node = (await c.kubectlOK(['get', 'pods', '-n', 'drain', '-l', 'app=web', '-o', 'jsonpath={.items[0].spec.nodeName}'])).trim();
    const blocked = await c.kubectl(['drain', node, '--pod-selector', 'app=web', '--timeout=8s'], { timeoutMs: 60_000 });
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.stderr + blocked.stdout, /Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.equal((await c.kubectlOK(['get', 'pods', '-n', 'drain', '-l', 'app=web', '--no-headers'])).trim().split('\n').length, 2);

    await c.kubectlOK(['patch', 'pdb', 'web', '-n', 'drain', '--type', 'merge', '-p', '{"spec":{"minAvailable":1}}']);
    await waitFor('the budget to allow one disruption', async () => {
      return (await c.kubectlOK(['get', 'pdb', 'web', '-n', 'drain', '-o', 'jsonpath={.status.disruptionsAllowed}'])) === '1';
    }, slowPolling);
    const drained = await c.kubectl(['drain', node, '--pod-selector', 'app=web', '--timeout=80s'], { timeoutMs: 120_000 });
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, new RegExp(`node/${node} drained`));
    const onNode = await c.kubectlOK(['get', 'pods', '-n', 'drain', '--field-selector', `spec.nodeName=${node}`, '-o', 'name']);
    assert.equal(onNode.trim(), '');
    await c.kubectlOK(['uncordon', node]);
  });

  test('a ResourceQuota refuses the pod beyond its limit with 403 and upstream’s message', async () => {
    await c.kubectlOK(['create', 'namespace', 'quota']);
    await c.kubectlOK(['create', 'quota', 'pods-quota', '-n', 'quota', '--hard=pods=2,count/configmaps=5']);
    await waitFor('the quota status', async () => (await c.kubectlOK(['get', 'quota', 'pods-quota', '-n', 'quota', '-o', 'jsonpath={.status.used.pods}'])) === '0', clusterPolling);
    await c.kubectlOK(['run', 'one', '-n', 'quota', '--image=nginx', '--restart=Never']);
    await c.kubectlOK(['run', 'two', '-n', 'quota', '--image=nginx', '--restart=Never']);
    const refused = await c.kubectl(['run', 'three', '-n', 'quota', '--image=nginx', '--restart=Never']);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /Error from server \(Forbidden\): pods "three" is forbidden: exceeded quota: pods-quota, requested: pods=1, used: pods=2, limited: pods=2/,
    );
    assert.match(await c.kubectlOK(['get', 'quota', '-n', 'quota']), /^NAME\s+AGE\s+REQUEST\s+LIMIT\npods-quota\s+\S+\s+count\/configmaps: \d\/5, pods: 2\/2/);

    await c.kubectlOK(['create', 'quota', 'cpu-quota', '-n', 'quota', '--hard=limits.cpu=2']);
    await waitFor('the cpu quota status', async () => (await c.kubectlOK(['get', 'quota', 'cpu-quota', '-n', 'quota', '-o', 'jsonpath={.status.used.limits\\.cpu}'])) === '0', clusterPolling);
    await c.kubectlOK(['delete', 'pod', 'two', '-n', 'quota', '--wait=false']);
    await waitFor('pod two gone from the quota', async () => (await c.kubectlOK(['get', 'quota', 'pods-quota', '-n', 'quota', '-o', 'jsonpath={.status.used.pods}'])) === '1', slowPolling);
    const unlimited = await c.kubectl(['run', 'four', '-n', 'quota', '--image=nginx', '--restart=Never']);
    assert.match(unlimited.stderr, /pods "four" is forbidden: failed quota: cpu-quota: must specify limits\.cpu for: four/);
  });

  test('a LimitRange defaults a created pod’s requests and limits and refuses one above its max', async () => {
    await c.kubectlOK(['create', 'namespace', 'limits']);
    await c.kubectlOK(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: limits}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m}
    max: {cpu: "1"}
`,
    });
    await c.kubectlOK(['run', 'plain', '-n', 'limits', '--image=nginx', '--restart=Never']);
    const resources = JSON.parse(await c.kubectlOK(['get', 'pod', 'plain', '-n', 'limits', '-o', 'jsonpath={.spec.containers[0].resources}'])) as unknown;
    assert.deepEqual(resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '256Mi' } });
    assert.match(await c.kubectlOK(['get', 'limits', '-n', 'limits']), /^NAME\s+CREATED AT\ndefaults\s+\d{4}-/);
    const big = await c.kubectl(['run', 'big', '-n', 'limits', '--image=nginx', '--restart=Never', '--overrides', '{"spec":{"containers":[{"name":"big","image":"nginx","resources":{"limits":{"cpu":"2"}}}]}}']);
    assert.match(big.stderr, /pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2/);
  });

  test('a high-priority pod preempts a low-priority one on a full simulated node', async () => {
    const classes = await c.kubectlOK(['get', 'priorityclasses']);
    assert.match(classes, /system-cluster-critical\s+2000000000\s+false/);
    assert.match(classes, /system-node-critical\s+2000001000\s+false/);
    await c.kubectlOK(['create', 'namespace', 'prio']);
    await c.kubectlOK(['create', 'priorityclass', 'low', '--value=100']);
    await c.kubectlOK(['create', 'priorityclass', 'high', '--value=1000']);
    const node = nodes[1]!;
    await c.kubectlOK(['apply', '-f', '-'], { input: pinnedPod('low', node, '6', 'low') });
    await waitFor('the low-priority pod running', async () => (await c.kubectlOK(['get', 'pod', 'low', '-n', 'prio', '-o', 'jsonpath={.status.phase}'])) === 'Running', slowPolling);
    assert.equal(await c.kubectlOK(['get', 'pod', 'low', '-n', 'prio', '-o', 'jsonpath={.spec.priority}']), '100');
    await c.kubectlOK(['apply', '-f', '-'], { input: pinnedPod('high', node, '6', 'high') });
    await waitFor('the high-priority pod running on the node', async () => {
      return (await c.kubectlOK(['get', 'pod', 'high', '-n', 'prio', '-o', 'jsonpath={.spec.nodeName}/{.status.phase}'])) === `${node}/Running`;
    }, slowPolling);
    const low = await c.kubectl(['get', 'pod', 'low', '-n', 'prio']);
    assert.match(low.stderr, /NotFound/);
    assert.equal(await c.kubectlOK(['get', 'pod', 'high', '-n', 'prio', '-o', 'jsonpath={.status.nominatedNodeName}']), node);
    const events = await c.kubectlOK(['get', 'events', '-n', 'prio', '--field-selector', 'reason=Preempted', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, new RegExp(`Preempted by pod \\S+ on node ${node}`));
  });
});
