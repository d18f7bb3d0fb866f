import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterPolling, TestCluster, testBackends } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
      annotations:
        skiff.dev/simulated-usage: cpu=200m,memory=64Mi
    spec:
      containers:
      - name: web
        image: nginx:1
        resources:
          requests: {cpu: 100m, memory: 128Mi}
`;

const polling = { ...clusterPolling, timeoutMs: 45_000 };

for (const backend of testBackends().slice(0, 1)) {
  describe(`kubectl top and autoscale on simulated nodes (${backend})`, { concurrency: 1 }, () => {
    let c: TestCluster;
    before(async () => {
      c = await TestCluster.start({
        backend,
        serverArgs: [
          '--simulated-nodes', '2',
          '--service-cidr', '10.171.0.0/16',
          // Short periods so that the scale-up and the stabilized scale-down happen within seconds.
          '--metric-resolution', '1s',
          '--horizontal-pod-autoscaler-sync-period', '1s',
          '--horizontal-pod-autoscaler-downscale-stabilization', '3s',
        ],
      });
      await waitFor('two Ready nodes', async () => {
        const out = await c.kubectlOK(['get', 'nodes', '--no-headers']);
        return out.split('\n').filter((l) => /\sReady\s/.test(l)).length === 2;
      }, clusterPolling);
      await c.kubectlOK(['apply', '-f', '-'], { input: deployment });
      await c.kubectlOK(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    });
    after(async () => {
      await c?.stop();
    });

    test('metrics.k8s.io is in discovery; kubectl top nodes and top pods print figures', async () => {
      const resources = await c.kubectlOK(['api-resources', '--api-group=metrics.k8s.io', '--no-headers']);
      assert.match(resources, /^nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics$/m);
      assert.match(resources, /^pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics$/m);
      const nodes = await waitFor('kubectl top nodes', async () => {
        const r = await c.kubectl(['top', 'nodes', '--no-headers']);
        return r.code === 0 && /^sim-node-0\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m.test(r.stdout) ? r.stdout : undefined;
      }, polling);
      assert.match(nodes, /^sim-node-1\s+\d+m/m);
      const pods = await waitFor('kubectl top pods', async () => {
        const r = await c.kubectl(['top', 'pods', '-l', 'app=web', '--no-headers']);
        return r.code === 0 && /^web-\S+\s+200m\s+64Mi\s*$/m.test(r.stdout) ? r.stdout : undefined;
      }, polling);
      assert.equal(pods.trim().split('\n').length, 1);
      const containers = await c.kubectlOK(['top', 'pods', '--containers', '--no-headers']);
      assert.match(containers, /^web-\S+\s+web\s+200m\s+64Mi/m);
    });

    test('kubectl autoscale scales the Deployment up under load and back down once the load drops', async () => {
      await c.kubectlOK(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5']);
      // 200m used of 100m requested is 200% against 50%: 4 times the replicas (1 → 4), then 16, held at the maximum, 5.
      await waitFor('the Deployment scaled to the maximum', async () => (await c.kubectlOK(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])) === '5', polling);
      const table = await waitFor('the HPA table shows usage and replicas', async () => {
        const out = await c.kubectlOK(['get', 'hpa', 'web']);
        return /web\s+Deployment\/web\s+cpu: 200%\/50%\s+1\s+5\s+5\s/.test(out) ? out : undefined;
      }, polling);
      assert.match(table, /NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE/);
      // Events are written after the scale: wait for both rescales' events.
      await waitFor('SuccessfulRescale events', async () => {
        const events = await c.kubectlOK(['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
        return (
          events.includes('SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target') &&
          events.includes('SuccessfulRescale: New size: 5; reason: cpu resource utilization (percentage of request) above target')
        );
      }, polling);
      const v1 = JSON.parse(await c.kubectlOK(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'json'])) as { spec: { targetCPUUtilizationPercentage: number } };
      assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);

      const limited = JSON.parse(await c.kubectlOK(['get', 'hpa', 'web', '-o', 'json'])) as { status: { conditions: { type: string; status: string; reason: string }[] } };
      assert.ok(limited.status.conditions.some((cnd) => cnd.type === 'ScalingLimited' && cnd.status === 'True' && cnd.reason === 'TooManyReplicas'));
      await waitFor('five Running pods', async () => {
        const out = await c.kubectlOK(['get', 'pods', '-l', 'app=web', '--no-headers']);
        return out.trim().split('\n').filter((l) => /\sRunning\s/.test(l)).length === 5;
      }, polling);
      // The load drops: 10m of 100m is 10%, which takes 5 replicas to 1 once the stabilization window has passed.
      await c.kubectlOK(['annotate', 'pods', '-l', 'app=web', '--overwrite', 'skiff.dev/simulated-usage=cpu=10m,memory=64Mi']);
      await waitFor('the Deployment scaled back to 1', async () => (await c.kubectlOK(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])) === '1', polling);
      const status = JSON.parse(await c.kubectlOK(['get', 'hpa', 'web', '-o', 'json'])) as { status: { conditions: { type: string; status: string; reason: string }[]; lastScaleTime?: string } };
      assert.ok(status.status.lastScaleTime);
      assert.ok(status.status.conditions.some((cnd) => cnd.type === 'ScalingActive' && cnd.status === 'True' && cnd.reason === 'ValidMetricFound'));
    });

    test('bad HPAs are refused with upstream\'s messages', async () => {
      const r = await c.kubectl(['apply', '-f', '-'], {
        input: `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: bad}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 2
`,
      });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /spec\.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`/);
    });
  });
}
