/**
 * `skiff demo` on a real node: a server with its own agent and containerd in a network
 * namespace the test makes; the demo builds and imports the stand-in images itself, applies
 * the seed's scenarios, and `skiff demo --clean` removes them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clusterPolling, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));
const canRun = process.getuid?.() === 0 && existsSync('/usr/bin/containerd') && existsSync('/usr/sbin/runc') && existsSync('/bin/busybox');

interface PodJSON {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { containers: { name: string }[] };
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: { name: string; restartCount: number; state?: { waiting?: { reason?: string }; running?: object } }[];
  };
}

interface ServiceJSON {
  spec: { clusterIP: string; ports: { name?: string; port: number; targetPort: number | string }[] };
}

describe('skiff demo on a real node (containerd)', { skip: canRun ? false : 'needs root, containerd, runc and busybox-static' }, () => {
  let c: TestCluster;
  let firstRun = '';
  const slow = { ...clusterPolling, timeoutMs: 180_000, intervalMs: 1000 };

  const demo = (args: string[]) => c.netns.run(process.execPath, [skiffBin, 'demo', '--data-dir', c.dataDir, ...args], { timeoutMs: 240_000 });
  const get = async <T>(what: string[]): Promise<T> => JSON.parse(await c.kubectlOK(['get', ...what, '-n', 'seed', '-o', 'json'])) as T;

  before(async () => {
    c = await TestCluster.start({ agent: true, serverArgs: ['--node-name', 'node-a', '--service-cidr', '10.170.0.0/16'] });
    await waitFor('containerd to answer', async () => existsSync(c.containerdSocket), { ...clusterPolling, timeoutMs: 60_000 });
    await waitFor('node-a to be Ready', async () => (await c.kubectl(['get', 'node', 'node-a', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True', { ...clusterPolling, timeoutMs: 90_000, intervalMs: 500 });
    await waitFor('the default service account', async () => (await c.kubectl(['get', 'serviceaccount', 'default'])).code === 0, clusterPolling);
    const r = await demo([]);
    assert.equal(r.code, 0, `skiff demo failed:\n${r.stderr}\n${r.stdout}`);
    firstRun = r.stdout;
  });

  after(async () => {
    if (c) {
      if (process.env.SKIFF_TEST_VERBOSE) console.error(c.log);
      await c.stop();
    }
  });

  test('it imports the stand-ins, applies everything and says what to try', async () => {
    assert.match(firstRun, /imported docker\.io\/library\/tomcat:v1/);
    assert.match(firstRun, /statefulset\/web applied/);
    assert.doesNotMatch(firstRun, /refused clusterIP/);
    assert.match(firstRun, /kubectl get pods -n seed -o wide/);
    assert.match(firstRun, /kubectl logs tomcat-redis -c container-03 -n seed --previous/);
    assert.match(firstRun, /nslookup web-0\.nginx\.seed\.svc\.cluster\.local/);
  });

  test('the two Services at the seed\'s IPs and ports', async () => {
    const test = await get<ServiceJSON>(['service', 'cluster-service-test']);
    assert.equal(test.spec.clusterIP, '10.170.11.11');
    assert.deepEqual(test.spec.ports.map((p) => [p.name, p.port, p.targetPort]), [['abc', 80, 8080], ['redis', 99, 6379]]);
    const canary = await get<ServiceJSON>(['service', 'cluster-service-02']);
    assert.equal(canary.spec.clusterIP, '10.170.11.88');
    assert.deepEqual(canary.spec.ports.map((p) => [p.port, p.targetPort]), [[80, 8080]]);
  });

  test('tomcat-redis: three containers, the third crash-looping on the taken port 8080', async () => {
    await waitFor('container-03 restarting', async () => {
      const pod = await get<PodJSON>(['pod', 'tomcat-redis']);
      const s = pod.status?.containerStatuses ?? [];
      const third = s.find((x) => x.name === 'container-03');
      return s.length === 3 && (third?.state?.waiting?.reason === 'CrashLoopBackOff' || (third?.restartCount ?? 0) > 0) && s.find((x) => x.name === 'redis-container')?.state?.running;
    }, slow);
  });

  test('the canary by Service: the 4 pods (3 stable, 1 canary) are the endpoints of cluster-service-02', async () => {
    await waitFor('4 canary endpoints', async () => {
      const pods = (await get<{ items: PodJSON[] }>(['pods', '-l', 'app=canary-tomcat'])).items;
      const ips = pods.map((p) => p.status?.podIP ?? '').filter(Boolean).sort();
      const endpoints = await get<{ subsets?: { addresses?: { ip: string }[] }[] }>(['endpoints', 'cluster-service-02']);
      const ready = (endpoints.subsets ?? []).flatMap((s) => s.addresses ?? []).map((a) => a.ip).sort();
      const tracks = pods.map((p) => p.metadata.labels?.track).sort();
      return ips.length === 4 && JSON.stringify(tracks) === JSON.stringify(['canary', 'stable', 'stable', 'stable']) && JSON.stringify(ready) === JSON.stringify(ips);
    }, slow);
  });

  test('the StatefulSet: web-0, web-1, web-2 Running', async () => {
    await waitFor('web-0..2 running', async () => {
      const pods = (await get<{ items: PodJSON[] }>(['pods', '-l', 'app=nginx'])).items;
      return pods.filter((p) => p.status?.phase === 'Running').map((p) => p.metadata.name).sort().join() === 'web-0,web-1,web-2';
    }, { ...slow, timeoutMs: 240_000 });
  });

  test('the CronJobs: one per concurrency policy, startingDeadlineSeconds 600', async () => {
    const cronjobs = await get<{ items: { metadata: { name: string }; spec: { concurrencyPolicy: string; startingDeadlineSeconds: number } }[] }>(['cronjobs']);
    assert.deepEqual(
      cronjobs.items.map((j) => [j.metadata.name, j.spec.concurrencyPolicy, j.spec.startingDeadlineSeconds]).sort(),
      [['cron-allow', 'Allow', 600], ['cron-forbid', 'Forbid', 600], ['cron-replace', 'Replace', 600]],
    );
  });

  test('a second run updates without errors; --clean deletes the namespace', async () => {
    const again = await demo([]);
    assert.equal(again.code, 0, `${again.stderr}\n${again.stdout}`);
    assert.match(again.stdout, /cronjob\/cron-replace applied/);
    const cleaned = await demo(['--clean']);
    assert.equal(cleaned.code, 0, `${cleaned.stderr}\n${cleaned.stdout}`);
    assert.match(cleaned.stdout, /namespace seed deleted/);
    const r = await c.kubectl(['get', 'namespace', 'seed']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /NotFound|not found/);
  });
});
