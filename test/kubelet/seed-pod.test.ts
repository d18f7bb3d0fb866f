/**
 * The seed's pod on a real node: `skiff server` with its own agent and containerd, inside a
 * network namespace the test makes. Images are built from busybox-static by the test and
 * imported with `skiff images import`; nothing is downloaded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPolling, kubectlBinary, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';
import { testImages } from '../harness/images.js';
import { startNodeCluster } from '../harness/node-cluster.js';
import { buildBusyboxImageTar } from '../../src/kubelet/images/busybox.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));
const canRun = process.getuid?.() === 0 && existsSync('/usr/bin/containerd') && existsSync('/usr/sbin/runc');

interface PodJSON {
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      name: string;
      ready: boolean;
      restartCount: number;
      containerID?: string;
      state?: { waiting?: { reason?: string; message?: string }; running?: object; terminated?: { exitCode: number; reason?: string } };
      lastState?: { terminated?: { exitCode: number; reason?: string } };
    }[];
  };
}

const seedPod = `
apiVersion: v1
kind: Pod
metadata:
  name: tomcat-redis
  labels: {app: canary-tomcat}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: tomcat-container
    image: ${testImages.tomcat}
    imagePullPolicy: IfNotPresent
    ports: [{containerPort: 8080}]
  - name: redis-container
    image: ${testImages.redis}
    imagePullPolicy: IfNotPresent
    ports: [{containerPort: 6379}]
  - name: container-03
    image: ${testImages.tomcat}
    imagePullPolicy: IfNotPresent
    ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: client
    image: ${testImages.busybox}
    imagePullPolicy: IfNotPresent
`;

describe('the seed pod on a real node (containerd)', { skip: canRun ? false : 'needs root, containerd and runc' }, () => {
  let c: TestCluster;
  let imagesDir: string;

  const pod = async (name: string): Promise<PodJSON> => JSON.parse(await c.kubectlOK(['get', 'pod', name, '-o', 'json'])) as PodJSON;
  const containerStatus = async (podName: string, container: string) => (await pod(podName)).status?.containerStatuses?.find((s) => s.name === container);

  before(async () => {
    imagesDir = await mkdtemp(join(tmpdir(), 'skiff-images-'));
    c = await startNodeCluster('node-a', imagesDir, { serverArgs: ['--service-cidr', '10.170.0.0/16'] });
    await c.kubectlOK(['apply', '-f', '-'], { input: seedPod });
    await waitFor('tomcat and redis running', async () => {
      const s = (await pod('tomcat-redis')).status?.containerStatuses ?? [];
      return ['tomcat-container', 'redis-container'].every((n) => s.find((x) => x.name === n)?.ready);
    }, { ...clusterPolling, timeoutMs: 90_000, intervalMs: 500 });
    await waitFor('the client pod running', async () => (await pod('client')).status?.phase === 'Running', { ...clusterPolling, timeoutMs: 60_000, intervalMs: 500 });
  });

  after(async () => {
    if (c) {
      if (process.env.SKIFF_TEST_VERBOSE) console.error(c.log);
      await c.stop();
    }
    if (imagesDir) await rm(imagesDir, { recursive: true, force: true });
  });

  test('skiff images ls lists the imported images and the pause image', async () => {
    const r = await c.netns.run(process.execPath, [skiffBin, 'images', 'ls', '--data-dir', c.dataDir]);
    assert.equal(r.code, 0, r.stderr);
    for (const name of ['docker.io/library/tomcat', 'docker.io/library/redis', 'skiff.dev/pause']) assert.match(r.stdout, new RegExp(name.replace(/\./g, '\\.')));
  });

  test('the node reports capacity, nodeInfo and a podCIDR', async () => {
    const node = JSON.parse(await c.kubectlOK(['get', 'node', 'node-a', '-o', 'json'])) as {
      spec: { podCIDR?: string };
      status: { capacity: Record<string, string>; nodeInfo: { containerRuntimeVersion: string; kubeletVersion: string } };
    };
    assert.match(node.spec.podCIDR ?? '', /^10\.42\.\d+\.0\/24$/);
    assert.equal(node.status.capacity.pods, '110');
    assert.match(node.status.capacity.memory ?? '', /^\d+Ki$/);
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
  });

  test('from the tomcat container, localhost:6379 reaches redis (one pod, one network)', async () => {
    const out = await c.kubectlOK(['exec', 'tomcat-redis', '-c', 'tomcat-container', '--', 'nc', '127.0.0.1', '6379']);
    assert.match(out, /\+PONG/);
  });

  test('container-03 may not take 8080: it fails and backs off, its log shows the bind error, the others keep running', async () => {
    await waitFor('container-03 in back-off', async () => {
      const s = await containerStatus('tomcat-redis', 'container-03');
      return s?.state?.waiting?.reason === 'CrashLoopBackOff' && (s.lastState?.terminated?.exitCode ?? 0) !== 0;
    }, { ...clusterPolling, timeoutMs: 90_000, intervalMs: 500 });
    const logs = await c.kubectl(['logs', 'tomcat-redis', '-c', 'container-03', '--previous']);
    const current = await c.kubectl(['logs', 'tomcat-redis', '-c', 'container-03']);
    assert.match(`${logs.stdout}${current.stdout}`, /bind.*[Aa]ddress (already )?in use/);
    for (const name of ['tomcat-container', 'redis-container']) {
      const s = await containerStatus('tomcat-redis', name);
      assert.ok(s?.state?.running, `${name} keeps running`);
      assert.equal(s?.restartCount, 0);
    }
  });

  test('a pod has an IP, so it is a host: 8080 answers from the node and from another pod', async () => {
    const ip = (await pod('tomcat-redis')).status?.podIP ?? '';
    assert.match(ip, /^10\.42\.\d+\.\d+$/);
    const fromNode = await c.netns.run('busybox', ['wget', '-qO-', `http://${ip}:8080/`]);
    assert.equal(fromNode.stdout, 'tomcat latest\n', fromNode.stderr);
    const fromPod = await c.kubectlOK(['exec', 'client', '--', 'wget', '-qO-', `http://${ip}:8080/`]);
    assert.equal(fromPod, 'tomcat latest\n');
  });

  test('kubectl logs shows the container log, with --timestamps and --tail', async () => {
    await c.netns.run('busybox', ['wget', '-qO-', `http://${(await pod('tomcat-redis')).status?.podIP}:8080/`]);
    const plain = await c.kubectlOK(['logs', 'tomcat-redis', '-c', 'tomcat-container']);
    assert.match(plain, /response:200/);
    const stamped = await c.kubectlOK(['logs', 'tomcat-redis', '-c', 'tomcat-container', '--timestamps', '--tail', '1']);
    assert.equal(stamped.trim().split('\n').length, 1);
    assert.match(stamped, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z /);
  });

  test('metrics.k8s.io has the running pod\'s CPU and memory, from the node\'s /stats/summary (cgroup figures)', async () => {
    interface PodMetricsJSON { containers: { name: string; usage: { cpu: string; memory: string } }[] }
    const metrics = await waitFor('PodMetrics of tomcat-redis', async () => {
      const r = await c.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/tomcat-redis']);
      return r.code === 0 ? (JSON.parse(r.stdout) as PodMetricsJSON) : undefined;
    }, clusterPolling);
    const redis = metrics.containers.find((x) => x.name === 'redis-container');
    // A started container has used some CPU time and has a working set.
    assert.match(redis?.usage.cpu ?? '', /^[1-9]\d*n$/, JSON.stringify(metrics));
    assert.match(redis?.usage.memory ?? '', /^[1-9]\d*(Ki)?$/, JSON.stringify(metrics));
  });

  test('kubectl exec -it runs a shell on a terminal', async () => {
    // `script` gives kubectl a pseudo-terminal, as a user's shell would.
    const r = await c.netns.run('script', ['-qec', `${kubectlBinary} exec -it client -- sh -c 'tty; echo in-pod-$((6*7))'`, '/dev/null'], {
      env: { ...process.env, KUBECONFIG: c.kubeconfig },
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.match(r.stdout, /in-pod-42/);
  });

  test('kubectl cp copies a file into a pod and back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-cp-'));
    try {
      await writeFile(join(dir, 'hello.txt'), 'hello from the test\n');
      await c.kubectlOK(['cp', join(dir, 'hello.txt'), 'client:/tmp/hello.txt']);
      assert.equal(await c.kubectlOK(['exec', 'client', '--', 'cat', '/tmp/hello.txt']), 'hello from the test\n');
      await c.kubectlOK(['cp', 'client:/tmp/hello.txt', join(dir, 'back.txt')]);
      assert.equal(await readFile(join(dir, 'back.txt'), 'utf8'), 'hello from the test\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('kubectl port-forward reaches tomcat on 8080', async () => {
    const pf = c.netns.spawn(kubectlBinary, ['port-forward', 'pod/tomcat-redis', '18080:8080'], { env: { ...process.env, KUBECONFIG: c.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    pf.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    pf.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
    try {
      await waitFor('port-forward to listen', async () => out.includes('Forwarding from'), { ...clusterPolling, timeoutMs: 20_000 });
      const r = await c.netns.run('busybox', ['wget', '-qO-', 'http://127.0.0.1:18080/']);
      assert.equal(r.stdout, 'tomcat latest\n', `${r.stderr}\n${out}`);
    } finally {
      if (pf.pid && pf.exitCode === null) process.kill(pf.pid, 'SIGTERM');
    }
  });

  test('kubectl 1.27, 1.30 and 1.33 exec and port-forward too (SPDY, after the WebSocket refusal from 1.30 on)', async () => {
    for (const [i, version] of ['1.27', '1.30', '1.33'].entries()) {
      const kubectl = `/usr/lib/google-cloud-sdk/bin/kubectl.${version}`;
      if (!existsSync(kubectl)) continue;
      const env = { ...process.env, KUBECONFIG: c.kubeconfig };
      const r = await c.netns.run(kubectl, ['exec', 'tomcat-redis', '-c', 'tomcat-container', '--', 'nc', '127.0.0.1', '6379'], { env });
      assert.match(r.stdout, /\+PONG/, `kubectl ${version} exec: ${r.stderr}`);
      const port = 18100 + i;
      const pf = c.netns.spawn(kubectl, ['port-forward', 'pod/tomcat-redis', `${port}:8080`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      pf.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
      pf.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
      try {
        await waitFor(`kubectl ${version} port-forward to listen`, async () => out.includes('Forwarding from'), { ...clusterPolling, timeoutMs: 20_000 });
        const got = await c.netns.run('busybox', ['wget', '-qO-', `http://127.0.0.1:${port}/`]);
        assert.equal(got.stdout, 'tomcat latest\n', `kubectl ${version} port-forward: ${got.stderr}\n${out}`);
      } finally {
        if (pf.pid && pf.exitCode === null) process.kill(pf.pid, 'SIGTERM');
      }
    }
  });

  test('an image that cannot be pulled shows ErrImagePull, then ImagePullBackOff, with events', async () => {
    await c.kubectlOK(['run', 'nopull', '--image', 'skiff.dev/not-there:1', '--restart', 'Never']);
    const reasons = new Set<string>();
    await waitFor('ImagePullBackOff', async () => {
      const s = await containerStatus('nopull', 'nopull');
      if (s?.state?.waiting?.reason) reasons.add(s.state.waiting.reason);
      return reasons.has('ImagePullBackOff');
    }, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 200 });
    const events = await c.kubectlOK(['get', 'events', '--field-selector', 'involvedObject.name=nopull', '-o', 'jsonpath={.items[*].reason}']);
    assert.match(events, /Pulling/);
    assert.match(events, /Failed/);
    await c.kubectlOK(['delete', 'pod', 'nopull', '--wait=false']);
  });

  test('an agent restart adopts running containers instead of restarting them', async () => {
    const before = (await pod('tomcat-redis')).status?.containerStatuses?.find((s) => s.name === 'redis-container');
    assert.ok(before?.containerID);
    // An air-gapped install drops image tars into <data-dir>/agent/images: imported at start.
    await writeFile(join(c.dataDir, 'agent', 'images', 'airgap.tar'), await buildBusyboxImageTar({ name: 'skiff.dev/airgap:1', cmd: ['true'] }));
    await c.stopServer('SIGTERM');
    await c.startServer();
    await waitFor('node-a Ready again', async () => (await c.kubectl(['get', 'node', 'node-a', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True', { ...clusterPolling, timeoutMs: 90_000, intervalMs: 500 });
    // The node's endpoint answers again once the agent is back.
    let out = '';
    await waitFor('exec through the restarted agent', async () => {
      const r = await c.kubectl(['exec', 'tomcat-redis', '-c', 'tomcat-container', '--', 'nc', '127.0.0.1', '6379']);
      out = r.stdout;
      return r.code === 0;
    }, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 500 });
    assert.match(out, /\+PONG/);
    const after = await containerStatus('tomcat-redis', 'redis-container');
    assert.equal(after?.containerID, before.containerID);
    assert.equal(after?.restartCount, 0);
    const images = await c.netns.run(process.execPath, [skiffBin, 'images', 'ls', '-q', '--data-dir', c.dataDir]);
    assert.match(images.stdout, /skiff\.dev\/airgap:1/);
  });

  test('containerd killed under the agent is started again; the pods keep running', async () => {
    // The server started containerd: find that child by the server's PID.
    const containerdChild = async (): Promise<number | undefined> => {
      const pid = c.serverPid;
      if (!pid) return undefined;
      for (const task of await readdir(`/proc/${pid}/task`)) {
        const children = (await readFile(`/proc/${pid}/task/${task}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
        for (const child of children) {
          const comm = await readFile(`/proc/${child}/comm`, 'utf8').catch((err: NodeJS.ErrnoException) => {
            // The child exited between the two reads.
            if (err.code === 'ENOENT') return '';
            throw err;
          });
          if (comm.trim() === 'containerd') return child;
        }
      }
      return undefined;
    };
    const first = await containerdChild();
    assert.ok(first, 'the server runs containerd');
    const before = await containerStatus('tomcat-redis', 'redis-container');
    process.kill(first, 'SIGKILL');
    await waitFor('a new containerd', async () => {
      const next = await containerdChild();
      return next !== undefined && next !== first;
    }, { ...clusterPolling, timeoutMs: 30_000, intervalMs: 200 });
    await waitFor('exec through the new containerd', async () => (await c.kubectl(['exec', 'tomcat-redis', '-c', 'tomcat-container', '--', 'true'])).code === 0, { ...clusterPolling, timeoutMs: 30_000, intervalMs: 500 });
    const after = await containerStatus('tomcat-redis', 'redis-container');
    assert.equal(after?.containerID, before?.containerID);
    assert.equal(after?.restartCount, before?.restartCount);
  });

  test('deleting a pod stops its containers, then the pod object goes', async () => {
    await c.kubectlOK(['delete', 'pod', 'client', '--wait=true', '--timeout=60s']);
    const r = await c.kubectl(['get', 'pod', 'client']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /NotFound|not found/);
  });
});

