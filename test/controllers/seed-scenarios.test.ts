import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { clusterPolling, raw, TestCluster, testBackends } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const seed = (file: string) => fileURLToPath(new URL(`../../../test/fixtures/seed/${file}`, import.meta.url));

interface PodList {
  items: {
    metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string>; creationTimestamp: string };
    spec: { nodeName?: string; containers: { image: string }[]; volumes?: { persistentVolumeClaim?: { claimName: string } }[] };
    status: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
  }[];
}

const ready = (p: PodList['items'][number]) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

const rollingDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: tomcat
spec:
  replicas: 4
  selector:
    matchLabels: {app: tomcat}
  template:
    metadata:
      labels: {app: tomcat}
    spec:
      containers:
      - name: tomcat-container
        image: tomcat:v1
        ports:
        - containerPort: 8080
`;

for (const backend of testBackends()) {
  describe(`the seed's workload scenarios on simulated nodes (${backend})`, { concurrency: 1 }, () => {
    let c: TestCluster;
    before(async () => {
      c = await TestCluster.start({ backend, serverArgs: ['--simulated-nodes', '2', '--service-cidr', '10.170.0.0/16'] });
      await waitFor('two Ready nodes', async () => {
        const out = await c.kubectlOK(['get', 'nodes', '--no-headers']);
        return out.split('\n').filter((l) => /\sReady\s/.test(l)).length === 2;
      }, clusterPolling);
    });
    after(async () => {
      await c?.stop();
    });

    test('rolling update: never fewer than 3 available nor more than 5 pods; status, undo and history', async () => {
      await c.kubectlOK(['apply', '-f', '-'], { input: rollingDeployment });
      await c.kubectlOK(['rollout', 'status', 'deployment/tomcat', '--timeout=90s']);
      // Sample the pods through the whole rollout.
      let sampling = true;
      let minAvailable = Infinity;
      let maxPods = 0;
      const sampler = (async () => {
        while (sampling) {
          const r = await raw(c, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dtomcat');
          const pods = (JSON.parse(r.body) as PodList).items.filter((p) => !p.metadata.deletionTimestamp);
          minAvailable = Math.min(minAvailable, pods.filter(ready).length);
          maxPods = Math.max(maxPods, pods.length);
        }
      })();
      await c.kubectlOK(['set', 'image', 'deployment/tomcat', 'tomcat-container=tomcat:v2']);
      await c.kubectlOK(['rollout', 'status', 'deployment/tomcat', '--timeout=90s']);
      sampling = false;
      await sampler;
      assert.ok(minAvailable >= 3, `available fell to ${minAvailable}`);
      assert.ok(maxPods <= 5, `${maxPods} pods existed at once`);
      const pods = JSON.parse(await c.kubectlOK(['get', 'pods', '-l', 'app=tomcat', '-o', 'json'])) as PodList;
      assert.deepEqual(pods.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0].image), ['tomcat:v2', 'tomcat:v2', 'tomcat:v2', 'tomcat:v2']);
      const history = await c.kubectlOK(['rollout', 'history', 'deployment/tomcat']);
      assert.match(history, /^1\s/m);
      assert.match(history, /^2\s/m);
      await c.kubectlOK(['rollout', 'undo', 'deployment/tomcat']);
      await c.kubectlOK(['rollout', 'status', 'deployment/tomcat', '--timeout=90s']);
      assert.equal(await c.kubectlOK(['get', 'deployment', 'tomcat', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'tomcat:v1');
      const events = await c.kubectlOK(['get', 'events', '--field-selector', 'reason=ScalingReplicaSet', '-o', 'name']);
      assert.ok(events.trim().length > 0, 'ScalingReplicaSet events are recorded');
      assert.match(await c.kubectlOK(['describe', 'deployment', 'tomcat']), /ScalingReplicaSet\s+.*Scaled (up|down) replica set tomcat-/);
    });

    test('rollout pause, resume and restart', async () => {
      await c.kubectlOK(['rollout', 'pause', 'deployment/tomcat']);
      await c.kubectlOK(['set', 'image', 'deployment/tomcat', 'tomcat-container=tomcat:v3']);
      const rsCount = async () => (await c.kubectlOK(['get', 'rs', '-l', 'app=tomcat', '-o', 'name'])).trim().split('\n').length;
      const before = await rsCount();
      await waitFor('the paused condition', async () => /DeploymentPaused/.test(await c.kubectlOK(['get', 'deployment', 'tomcat', '-o', 'jsonpath={.status.conditions[*].reason}'])), clusterPolling);
      assert.equal(await rsCount(), before, 'a paused Deployment starts no rollout');
      await c.kubectlOK(['rollout', 'resume', 'deployment/tomcat']);
      await c.kubectlOK(['rollout', 'status', 'deployment/tomcat', '--timeout=90s']);
      const images = await c.kubectlOK(['get', 'pods', '-l', 'app=tomcat', '-o', 'jsonpath={.items[*].spec.containers[0].image}']);
      assert.deepEqual([...new Set(images.trim().split(/\s+/))], ['tomcat:v3']);
      const uidsBefore = await c.kubectlOK(['get', 'pods', '-l', 'app=tomcat', '-o', 'jsonpath={.items[*].metadata.uid}']);
      await c.kubectlOK(['rollout', 'restart', 'deployment/tomcat']);
      await c.kubectlOK(['rollout', 'status', 'deployment/tomcat', '--timeout=90s']);
      await waitFor('only new pods', async () => {
        const now = (await c.kubectlOK(['get', 'pods', '-l', 'app=tomcat', '-o', 'jsonpath={.items[*].metadata.uid}'])).trim().split(/\s+/);
        return now.length === 4 && now.every((u) => !uidsBefore.includes(u));
      }, clusterPolling);
    });

    test('canary by Service: the endpoints hold all 4 pods of both Deployments', async () => {
      await c.kubectlOK(['apply', '-f', seed('canary-service.yaml')]);
      await c.kubectlOK(['rollout', 'status', 'deployment/tomcat-stable', '--timeout=90s']);
      await c.kubectlOK(['rollout', 'status', 'deployment/tomcat-canary', '--timeout=90s']);
      await waitFor('4 endpoint addresses', async () => {
        const ips = await c.kubectlOK(['get', 'endpoints', 'cluster-service-02', '-o', 'jsonpath={.subsets[*].addresses[*].ip}']);
        return ips.trim().split(/\s+/).filter(Boolean).length === 4;
      }, clusterPolling);
      const ports = await c.kubectlOK(['get', 'endpoints', 'cluster-service-02', '-o', 'jsonpath={.subsets[*].ports[*].port}']);
      assert.equal(ports.trim(), '8080');
    });

    test('StatefulSet: web-0, web-1, web-2 in order; web-1 comes back with its claim', async () => {
      await c.kubectlOK(['apply', '-f', seed('statefulset.yaml')]);
      await c.kubectlOK(['rollout', 'status', 'statefulset/web', '--timeout=90s']);
      const pods = (JSON.parse(await c.kubectlOK(['get', 'pods', '-l', 'app=nginx', '-o', 'json'])) as PodList).items;
      const byCreation = [...pods].sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name));
      assert.deepEqual(byCreation.map((p) => p.metadata.name), ['web-0', 'web-1', 'web-2']);
      const claims = await c.kubectlOK(['get', 'pvc', '-o', 'jsonpath={.items[*].metadata.name}']);
      assert.deepEqual(claims.trim().split(/\s+/).sort(), ['www-web-0', 'www-web-1', 'www-web-2']);
      const uid = await c.kubectlOK(['get', 'pod', 'web-1', '-o', 'jsonpath={.metadata.uid}']);
      // --wait=false: kubectl's wait can miss a deletion when the StatefulSet re-creates the
      // name between its two lists (it then waits for a DELETED that never comes); the new
      // web-1's UID below is what shows the old one went.
      await c.kubectlOK(['delete', 'pod', 'web-1', '--wait=false']);
      await waitFor('web-1 to come back Ready', async () => {
        const r = await c.kubectl(['get', 'pod', 'web-1', '-o', 'json']);
        if (r.code !== 0) return false;
        const p = JSON.parse(r.stdout) as PodList['items'][number] & { metadata: { uid: string } };
        return p.metadata.uid !== uid && ready(p);
      }, { ...clusterPolling, timeoutMs: 60_000 });
      const claim = await c.kubectlOK(['get', 'pod', 'web-1', '-o', "jsonpath={.spec.volumes[?(@.name=='www')].persistentVolumeClaim.claimName}"]);
      assert.equal(claim, 'www-web-1');
      assert.equal(await c.kubectlOK(['get', 'pod', 'web-1', '-o', 'jsonpath={.spec.hostname}.{.spec.subdomain}']), 'web-1.nginx');
    });

    test('a Job made from the seed CronJob runs its pod', async () => {
      await c.kubectlOK(['apply', '-f', seed('cronjobs.yaml')]);
      await c.kubectlOK(['create', 'job', 'manual', '--from=cronjob/cron-allow']);
      await waitFor('the job to have a running pod', async () => {
        const pods = JSON.parse(await c.kubectlOK(['get', 'pods', '-l', 'job-name=manual', '-o', 'json'])) as PodList;
        return pods.items.some((p) => p.status.phase === 'Running');
      }, { ...clusterPolling, timeoutMs: 60_000 });
      assert.equal(await c.kubectlOK(['get', 'job', 'manual', '-o', 'jsonpath={.status.active}']), '1');
    });

    test('LoadBalancer Services: EXTERNAL-IP lists the node addresses; one clashing on a port stays <pending> with a warning', async () => {
      const loadBalancer = (name: string) =>
        `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n  type: LoadBalancer\n  selector: {app: tomcat}\n  ports: [{port: 80, targetPort: 8080}]\n`;
      const externalIP = async (name: string) => (await c.kubectlOK(['get', 'svc', name, '--no-headers'])).trim().split(/\s+/)[3];
      const nodeIPs = await c.kubectlOK(['get', 'nodes', '-o', "jsonpath={.items[*].status.addresses[?(@.type=='InternalIP')].address}"]);
      const expected = nodeIPs.trim().split(/\s+/).sort().join(',');
      await c.kubectlOK(['apply', '-f', '-'], { input: loadBalancer('lb-first') });
      await waitFor('lb-first EXTERNAL-IP', async () => (await externalIP('lb-first')) === expected, clusterPolling);
      await c.kubectlOK(['apply', '-f', '-'], { input: loadBalancer('lb-second') });
      await waitFor('the clash warning', async () => /lb-second/.test(await c.kubectlOK(['get', 'events', '--field-selector', 'reason=SyncLoadBalancerFailed', '-o', 'jsonpath={.items[*].involvedObject.name}'])), clusterPolling);
      assert.equal(await externalIP('lb-second'), '<pending>');
      await c.kubectlOK(['delete', 'svc', 'lb-first']);
      await waitFor('lb-second EXTERNAL-IP', async () => (await externalIP('lb-second')) === expected, clusterPolling);
    });
  });
}
