/**
 * Pod features on a real node (containerd), as a user sees them through kubectl: env and its
 * sources, volumes, init containers, probes, restart policies, lifecycle hooks and grace
 * periods, DNS files, security context and the pod's status. One cluster; most pods are
 * created at once in `before` and each test asserts on its own pods.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPolling, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';
import { testImages } from '../harness/images.js';
import { startNodeCluster } from '../harness/node-cluster.js';
import { CriClient } from '../../src/kubelet/cri/client.js';
import { runtimeLabels } from '../../src/kubelet/runtime-pod.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));
const canRun = process.getuid?.() === 0 && existsSync('/usr/bin/containerd') && existsSync('/usr/sbin/runc');

const clusterDNS = '10.171.0.10';

interface ContainerStatusJSON {
  name: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  image?: string;
  imageID?: string;
  containerID?: string;
  state?: { waiting?: { reason?: string; message?: string }; running?: { startedAt?: string }; terminated?: { exitCode: number; reason?: string; message?: string } };
  lastState?: { terminated?: { exitCode: number; reason?: string } };
}

interface PodJSON {
  metadata: { uid: string };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    hostIP?: string;
    startTime?: string;
    conditions?: { type: string; status: string }[];
    initContainerStatuses?: ContainerStatusJSON[];
    containerStatuses?: ContainerStatusJSON[];
  };
}

const busybox = testImages.busybox;

/** A busybox container running `script` under sh. */
function shContainer(name: string, script: string, extra = ''): string {
  return `
  - name: ${name}
    image: ${busybox}
    imagePullPolicy: IfNotPresent
    command: [sh, -c, ${JSON.stringify(script)}]${extra}`;
}

function podYaml(name: string, spec: string, meta = ''): string {
  return `---
apiVersion: v1
kind: Pod
metadata:
  name: ${name}${meta}
spec:
  terminationGracePeriodSeconds: 1
${spec}
`;
}

function manifests(hostDir: string): string {
  return [
    `---
apiVersion: v1
kind: Pod
metadata: {name: host-net}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: ${testImages.tomcat}
    imagePullPolicy: IfNotPresent
    command: [httpd, -f, -p, '18081', -h, /www]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: env-cm}
data: {color: blue, size: large}
---
apiVersion: v1
kind: Secret
metadata: {name: env-secret}
stringData: {password: s3cret}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: vol-cm}
data: {message: first}
---
apiVersion: v1
kind: Secret
metadata: {name: vol-secret}
stringData: {token: abc123}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  storageClassName: local-path
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 16Mi}}
`,
    podYaml('env', `  containers:
  - name: env
    image: ${busybox}
    imagePullPolicy: IfNotPresent
    workingDir: /tmp
    command: [sh, -c]
    args: ["echo 'expanded=$(GREETING)-ok $(UNDEFINED_VAR) $$(GREETING)'; sleep 3600"]
    resources: {limits: {memory: 64Mi}}
    env:
    - {name: GREETING, value: hello}
    - {name: COMPOSED, value: $(GREETING)-world}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: MEM_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    - {name: COLOR, valueFrom: {configMapKeyRef: {name: env-cm, key: color}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: env-secret, key: password}}}
    envFrom:
    - {prefix: CM_, configMapRef: {name: env-cm}}`),
    podYaml('late-cm', `  containers:${shContainer('main', 'echo "late=$LATE"; sleep 3600', `
    env:
    - {name: LATE, valueFrom: {configMapKeyRef: {name: late-cm, key: greeting}}}`)}`),
    podYaml('vols', `  volumes:
  - {name: shared, emptyDir: {}}
  - {name: mem, emptyDir: {medium: Memory}}
  - {name: cm, configMap: {name: vol-cm}}
  - {name: sec, secret: {secretName: vol-secret}}
  - name: proj
    projected:
      sources:
      - configMap: {name: vol-cm}
      - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
  - name: downward
    downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
  - name: host
    hostPath: {path: ${join(hostDir, 'made-by-kubelet')}, type: DirectoryOrCreate}
  containers:${shContainer('writer', 'echo from-writer > /shared/note; echo on-host > /host/file; sleep 3600', `
    volumeMounts: [{name: shared, mountPath: /shared}, {name: host, mountPath: /host}]`)}${shContainer('reader', 'sleep 3600', `
    volumeMounts:
    - {name: shared, mountPath: /shared, readOnly: true}
    - {name: sec, mountPath: /etc/token-file, subPath: token}
    - {name: mem, mountPath: /mem}
    - {name: cm, mountPath: /etc/cm}
    - {name: sec, mountPath: /etc/sec}
    - {name: proj, mountPath: /etc/proj}
    - {name: downward, mountPath: /etc/downward}`)}`, `
  labels: {app: vols, tier: backend}`),
    podYaml('pvc-writer', `  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
  containers:${shContainer('main', 'echo persisted > /data/file; sleep 3600', `
    volumeMounts: [{name: data, mountPath: /data}]`)}`),
    podYaml('init', `  volumes: [{name: work, emptyDir: {}}]
  initContainers:${shContainer('first', 'echo first >> /work/log', `
    volumeMounts: [{name: work, mountPath: /work}]`)}${shContainer('second', 'echo second >> /work/log', `
    volumeMounts: [{name: work, mountPath: /work}]`)}
  containers:${shContainer('main', 'echo main >> /work/log; cat /work/log; sleep 3600', `
    volumeMounts: [{name: work, mountPath: /work}]`)}`),
    podYaml('init-wait', `  volumes: [{name: work, emptyDir: {}}]
  initContainers:${shContainer('first', 'until [ -f /work/go ]; do sleep 0.2; done', `
    volumeMounts: [{name: work, mountPath: /work}]`)}${shContainer('second', 'true')}
  containers:${shContainer('main', 'sleep 3600')}`),
    podYaml('readiness', `  containers:
  - name: web
    image: ${testImages.tomcat}
    imagePullPolicy: IfNotPresent
    readinessProbe: {httpGet: {path: /ready.html, port: 8080}, periodSeconds: 1, failureThreshold: 1}`),
    // The initial delay keeps the first probe from running before the shell has touched the file.
    podYaml('liveness', `  containers:${shContainer('main', 'touch /tmp/alive; sleep 3600', `
    livenessProbe: {exec: {command: [test, -f, /tmp/alive]}, initialDelaySeconds: 2, periodSeconds: 1, failureThreshold: 1}`)}`),
    podYaml('startup', `  containers:${shContainer('main', 'sleep 3600', `
    startupProbe: {exec: {command: [test, -f, /tmp/started]}, periodSeconds: 1, failureThreshold: 600}
    readinessProbe: {exec: {command: ['true']}, periodSeconds: 1}`)}`),
    podYaml('never-fails', `  restartPolicy: Never
  containers:${shContainer('main', 'echo boom > /dev/termination-log; exit 1')}`),
    podYaml('fallback', `  restartPolicy: Never
  containers:${shContainer('main', 'echo last words; exit 2', `
    terminationMessagePolicy: FallbackToLogsOnError`)}`),
    podYaml('bad-command', `  restartPolicy: Never
  containers:
  - {name: main, image: ${busybox}, imagePullPolicy: IfNotPresent, command: [/no/such/binary]}`),
    podYaml('never-pull', `  containers:
  - {name: main, image: skiff.dev/absent:1, imagePullPolicy: Never}`),
    podYaml('onfailure-ok', `  restartPolicy: OnFailure
  containers:${shContainer('main', 'echo ok')}`),
    `---
apiVersion: batch/v1
kind: Job
metadata: {name: done}
spec:
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:${shContainer('main', 'echo done').replace(/\n/g, '\n    ')}
`,
    podYaml('poststart', `  containers:${shContainer('main', 'sleep 3600', `
    lifecycle: {postStart: {exec: {command: [sh, -c, 'echo hooked > /tmp/poststart']}}}`)}`),
    podYaml('prestop', `  volumes: [{name: host, hostPath: {path: ${hostDir}, type: Directory}}]
  containers:${shContainer('main', 'sleep 3600', `
    volumeMounts: [{name: host, mountPath: /host}]
    lifecycle: {preStop: {exec: {command: [sh, -c, 'echo bye > /host/prestop']}}}`)}`),
    podYaml('stubborn', `  containers:${shContainer('main', "trap '' TERM; while true; do sleep 1; done")}`).replace('terminationGracePeriodSeconds: 1', 'terminationGracePeriodSeconds: 3'),
    podYaml('dns', `  containers:${shContainer('main', 'sleep 3600')}`),
    podYaml('dns-none', `  dnsPolicy: None
  dnsConfig: {nameservers: [10.171.0.53], searches: [example.internal], options: [{name: ndots, value: '2'}]}
  containers:${shContainer('main', 'sleep 3600')}`),
    podYaml('web-1', `  hostname: web-1
  subdomain: nginx
  containers:${shContainer('main', 'sleep 3600')}`),
    podYaml('runas', `  securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000}
  volumes: [{name: data, emptyDir: {}}]
  containers:${shContainer('main', 'sleep 3600', `
    volumeMounts: [{name: data, mountPath: /data}]`)}`),
    podYaml('readonly', `  containers:${shContainer('main', 'sleep 3600', `
    securityContext: {readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}`)}`),
  ].join('');
}

/** Deletes every pod (and the Job) and waits until the node's runtime holds no sandbox. */
async function removePodsThroughTheAgent(c: TestCluster): Promise<void> {
  await c.kubectl(['delete', 'job', '--all', '--wait=false']);
  await c.kubectl(['delete', 'pods', '--all', '--wait=false']);
  const cri = CriClient.connect(`unix://${c.containerdSocket}`, { callTimeoutMs: 10_000 });
  try {
    await waitFor('the runtime to hold no sandbox', async () => (await cri.listPodSandbox()).length === 0, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 300 });
  } finally {
    cri.close();
  }
}

/** The runtime's containers of one pod. */
async function runtimeContainersOf(c: TestCluster, uid: string): Promise<string[]> {
  const cri = CriClient.connect(`unix://${c.containerdSocket}`, { callTimeoutMs: 10_000 });
  try {
    return (await cri.listContainers({ labelSelector: { [runtimeLabels.podUID]: uid } })).map((x) => `${x.id}:${x.state}`);
  } finally {
    cri.close();
  }
}

describe('pod features on a real node (containerd)', { skip: canRun ? false : 'needs root, containerd and runc' }, () => {
  let c: TestCluster;
  let imagesDir: string;
  let hostDir: string;

  const pod = async (name: string): Promise<PodJSON> => JSON.parse(await c.kubectlOK(['get', 'pod', name, '-o', 'json'])) as PodJSON;
  const status = async (name: string, container = 'main') => (await pod(name)).status?.containerStatuses?.find((s) => s.name === container);
  const exec = (name: string, args: string[], container?: string) => c.kubectlOK(['exec', name, ...(container ? ['-c', container] : []), '--', ...args]);
  const running = (name: string, timeoutMs = 60_000) =>
    waitFor(`${name} running`, async () => {
      const s = (await pod(name)).status;
      return s?.phase === 'Running' && (s.containerStatuses ?? []).every((x) => x.state?.running);
    }, { ...clusterPolling, timeoutMs: timeoutMs, intervalMs: 300 });
  const events = async (name: string) =>
    JSON.parse(await c.kubectlOK(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])) as { items: { reason: string; message: string }[] };

  before(async () => {
    imagesDir = await mkdtemp(join(tmpdir(), 'skiff-images-'));
    hostDir = await mkdtemp(join(tmpdir(), 'skiff-hostpath-'));
    c = await startNodeCluster('node-a', imagesDir, { serverArgs: ['--service-cidr', '10.171.0.0/16', '--cluster-dns', clusterDNS] });
    await waitFor('the default service account', async () => (await c.kubectl(['get', 'serviceaccount', 'default'])).code === 0, { ...clusterPolling, timeoutMs: 30_000, intervalMs: 300 });
    await c.kubectlOK(['apply', '-f', '-'], { input: manifests(hostDir) });
  });

  after(async () => {
    // The agent removes the pods' sandboxes itself before the cluster stops: sandboxes removed
    // behind a running agent's back are re-created by it and would outlive the test.
    if (c) await removePodsThroughTheAgent(c).catch((err: unknown) => console.error(`test cleanup: ${String(err)}`));
    if (c) {
      if (process.env.SKIFF_TEST_VERBOSE) console.error(c.log);
      await c.stop();
    }
    if (imagesDir) await rm(imagesDir, { recursive: true, force: true });
    if (hostDir) await rm(hostDir, { recursive: true, force: true });
  });

  test('env: value, fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef, envFrom with prefix, $(VAR) in env and args, workingDir', async () => {
    await running('env', 90_000);
    const ip = (await pod('env')).status?.podIP ?? '';
    const env = new Map((await exec('env', ['env'])).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
    assert.equal(env.get('GREETING'), 'hello');
    assert.equal(env.get('COMPOSED'), 'hello-world');
    assert.equal(env.get('POD_NAME'), 'env');
    assert.equal(env.get('POD_NAMESPACE'), 'default');
    assert.equal(env.get('POD_IP'), ip);
    assert.equal(env.get('NODE_NAME'), 'node-a');
    assert.equal(env.get('MEM_LIMIT'), '64');
    assert.equal(env.get('COLOR'), 'blue');
    assert.equal(env.get('PASSWORD'), 's3cret');
    assert.equal(env.get('CM_color'), 'blue');
    assert.equal(env.get('CM_size'), 'large');
    assert.equal(await exec('env', ['pwd']), '/tmp\n');
    await waitFor('the expanded command in the log', async () => (await c.kubectlOK(['logs', 'env'])).includes('expanded=hello-ok $(UNDEFINED_VAR) $(GREETING)'), { ...clusterPolling, timeoutMs: 10_000, intervalMs: 300 });
  });

  test('a missing ConfigMap, then a missing key: CreateContainerConfigError with upstream messages; the pod starts once the key exists', async () => {
    let message = '';
    await waitFor('CreateContainerConfigError', async () => {
      const s = await status('late-cm');
      message = s?.state?.waiting?.message ?? '';
      return s?.state?.waiting?.reason === 'CreateContainerConfigError';
    }, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 300 });
    assert.equal(message, 'configmap "late-cm" not found');
    await c.kubectlOK(['create', 'configmap', 'late-cm', '--from-literal', 'other=x']);
    await waitFor('the missing key message', async () => (await status('late-cm'))?.state?.waiting?.message === "couldn't find key greeting in ConfigMap default/late-cm", { ...clusterPolling, timeoutMs: 30_000, intervalMs: 300 });
    const get = await c.kubectlOK(['get', 'pod', 'late-cm']);
    assert.match(get, /CreateContainerConfigError/);
    await c.kubectlOK(['create', 'configmap', 'late-cm', '--from-literal', 'greeting=hi', '--dry-run=client', '-o', 'yaml'])
      .then((yaml) => c.kubectlOK(['apply', '-f', '-'], { input: yaml }));
    await running('late-cm', 60_000);
    await waitFor('the value in the log', async () => (await c.kubectlOK(['logs', 'late-cm'])).includes('late=hi'), { ...clusterPolling, timeoutMs: 10_000, intervalMs: 300 });
  });

  test('volumes: emptyDir shared (and read-only), tmpfs for medium Memory, secret (and subPath), projected, downwardAPI, hostPath DirectoryOrCreate', async () => {
    await running('vols', 90_000);
    await waitFor('the note from the writer', async () => (await exec('vols', ['cat', '/shared/note'], 'reader')) === 'from-writer\n', { ...clusterPolling, timeoutMs: 10_000, intervalMs: 300 });
    const mounts = await exec('vols', ['cat', '/proc/mounts'], 'reader');
    assert.match(mounts, /^tmpfs \/mem tmpfs /m);
    assert.equal(await exec('vols', ['cat', '/etc/cm/message'], 'reader'), 'first');
    assert.equal(await exec('vols', ['cat', '/etc/sec/token'], 'reader'), 'abc123');
    assert.equal(await exec('vols', ['stat', '-L', '-c', '%a', '/etc/sec/token'], 'reader'), '644\n');
    assert.equal(await exec('vols', ['cat', '/etc/token-file'], 'reader'), 'abc123');
    const readOnly = await c.kubectl(['exec', 'vols', '-c', 'reader', '--', 'touch', '/shared/other']);
    assert.match(readOnly.stderr, /Read-only file system/);
    assert.equal(await exec('vols', ['cat', '/etc/proj/message'], 'reader'), 'first');
    assert.equal(await exec('vols', ['cat', '/etc/proj/labels'], 'reader'), 'app="vols"\ntier="backend"');
    assert.equal(await exec('vols', ['cat', '/etc/downward/labels'], 'reader'), 'app="vols"\ntier="backend"');
    assert.equal(await readFile(join(hostDir, 'made-by-kubelet', 'file'), 'utf8'), 'on-host\n');
  });

  test('a configMap volume follows kubectl apply of the ConfigMap', async () => {
    await running('vols', 90_000);
    await c.kubectlOK(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: vol-cm}\ndata: {message: second}\n' });
    await waitFor('the updated file', async () => (await exec('vols', ['cat', '/etc/cm/message'], 'reader')) === 'second', { ...clusterPolling, timeoutMs: 60_000, intervalMs: 500 });
    await waitFor('the updated projected file', async () => (await exec('vols', ['cat', '/etc/proj/message'], 'reader')) === 'second', { ...clusterPolling, timeoutMs: 30_000, intervalMs: 500 });
  });

  test('a local-path PVC is bound and its data outlives the pod', async () => {
    await running('pvc-writer', 90_000);
    assert.equal(await c.kubectlOK(['get', 'pvc', 'data', '-o', 'jsonpath={.status.phase}']), 'Bound');
    await waitFor('the file written', async () => (await exec('pvc-writer', ['cat', '/data/file'])) === 'persisted\n', { ...clusterPolling, timeoutMs: 10_000, intervalMs: 300 });
    await c.kubectlOK(['delete', 'pod', 'pvc-writer', '--wait=true', '--timeout=60s']);
    await c.kubectlOK(['apply', '-f', '-'], {
      input: podYaml('pvc-reader', `  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
  containers:${shContainer('main', 'sleep 3600', `
    volumeMounts: [{name: data, mountPath: /data}]`)}`),
    });
    await running('pvc-reader', 60_000);
    assert.equal(await exec('pvc-reader', ['cat', '/data/file']), 'persisted\n');
  });

  test('init containers run in order before the containers and show Completed', async () => {
    await running('init', 90_000);
    await waitFor('the main log', async () => (await c.kubectlOK(['logs', 'init'])) === 'first\nsecond\nmain\n', { ...clusterPolling, timeoutMs: 10_000, intervalMs: 300 });
    const inits = (await pod('init')).status?.initContainerStatuses ?? [];
    assert.deepEqual(inits.map((s) => [s.name, s.state?.terminated?.reason, s.state?.terminated?.exitCode]), [['first', 'Completed', 0], ['second', 'Completed', 0]]);
    const conditions = (await pod('init')).status?.conditions ?? [];
    assert.equal(conditions.find((x) => x.type === 'Initialized')?.status, 'True');
  });

  test('kubectl get pod shows Init:0/2 while the first init container runs, then Running', async () => {
    await waitFor('the first init container running', async () => !!(await pod('init-wait')).status?.initContainerStatuses?.[0]?.state?.running, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 300 });
    assert.match(await c.kubectlOK(['get', 'pod', 'init-wait']), /init-wait\s+0\/1\s+Init:0\/2\s/);
    assert.equal((await pod('init-wait')).status?.phase, 'Pending');
    await exec('init-wait', ['touch', '/work/go'], 'first');
    await running('init-wait', 30_000);
    assert.match(await c.kubectlOK(['get', 'pod', 'init-wait']), /init-wait\s+1\/1\s+Running\s+0\s/);
  });

  test('a readiness probe flips Ready with the file it checks', async () => {
    await running('readiness', 90_000);
    const ready = async () => (await c.kubectlOK(['get', 'pod', 'readiness', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']));
    await waitFor('not Ready without the file', async () => (await ready()) === 'False', { ...clusterPolling, timeoutMs: 20_000, intervalMs: 300 });
    assert.match(await c.kubectlOK(['get', 'pod', 'readiness']), /readiness\s+0\/1\s+Running/);
    await exec('readiness', ['sh', '-c', 'echo ok > /www/ready.html']);
    await waitFor('Ready', async () => (await ready()) === 'True', { ...clusterPolling, timeoutMs: 20_000, intervalMs: 300 });
    assert.match(await c.kubectlOK(['get', 'pod', 'readiness']), /readiness\s+1\/1\s+Running/);
    await exec('readiness', ['rm', '/www/ready.html']);
    await waitFor('not Ready again', async () => (await ready()) === 'False', { ...clusterPolling, timeoutMs: 20_000, intervalMs: 300 });
  });

  test('a failing liveness probe restarts the container, with Unhealthy and Killing events', async () => {
    await running('liveness', 90_000);
    const before = await status('liveness');
    assert.equal(before?.restartCount, 0);
    await exec('liveness', ['rm', '/tmp/alive']);
    await waitFor('a restart', async () => {
      const s = await status('liveness');
      return s?.restartCount === 1 && !!s.state?.running;
    }, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 300 });
    const reasons = (await events('liveness')).items;
    assert.ok(reasons.some((e) => e.reason === 'Unhealthy' && /Liveness probe failed/.test(e.message)), JSON.stringify(reasons));
    assert.ok(reasons.some((e) => e.reason === 'Killing' && /failed liveness probe, will be restarted/.test(e.message)), JSON.stringify(reasons));
    // The restarted container touched the file again: it stays up.
    assert.equal((await status('liveness'))?.restartCount, 1);
  });

  test('a startup probe holds readiness back until it succeeds', async () => {
    await running('startup', 90_000);
    const startedAt = Date.parse((await status('startup'))?.state?.running?.startedAt ?? '');
    // Several probe periods with the startup probe failing.
    await waitFor('three seconds of running', async () => Date.now() - startedAt > 3000, { ...clusterPolling, timeoutMs: 10_000, intervalMs: 200 });
    const held = await status('startup');
    assert.equal(held?.started, false);
    assert.equal(held?.ready, false);
    await exec('startup', ['touch', '/tmp/started']);
    await waitFor('started and ready', async () => {
      const s = await status('startup');
      return s?.started === true && s.ready;
    }, { ...clusterPolling, timeoutMs: 20_000, intervalMs: 300 });
  });

  test('restartPolicy Never with exit 1 fails the pod, with its termination message (file or log); OnFailure with exit 0 succeeds; a Job completes', async () => {
    await waitFor('never-fails Failed', async () => (await pod('never-fails')).status?.phase === 'Failed', { ...clusterPolling, timeoutMs: 90_000, intervalMs: 300 });
    assert.equal((await status('never-fails'))?.state?.terminated?.exitCode, 1);
    assert.equal((await status('never-fails'))?.restartCount, 0);
    assert.equal((await status('never-fails'))?.state?.terminated?.message, 'boom\n');
    await waitFor('fallback Failed', async () => (await pod('fallback')).status?.phase === 'Failed', { ...clusterPolling, timeoutMs: 60_000, intervalMs: 300 });
    assert.equal((await status('fallback'))?.state?.terminated?.message, 'last words\n');
    await waitFor('onfailure-ok Succeeded', async () => (await pod('onfailure-ok')).status?.phase === 'Succeeded', { ...clusterPolling, timeoutMs: 60_000, intervalMs: 300 });
    assert.equal((await status('onfailure-ok'))?.state?.terminated?.reason, 'Completed');
    assert.match(await c.kubectlOK(['get', 'pod', 'never-fails', 'onfailure-ok']), /never-fails\s+0\/1\s+Error\s+0\s[\s\S]*onfailure-ok\s+0\/1\s+Completed\s+0\s/);
    await c.kubectlOK(['wait', '--for=condition=complete', 'job/done', '--timeout=60s']);
    assert.match(await c.kubectlOK(['logs', 'job/done']), /done/);
  });

  test('postStart runs in the container; preStop runs on delete, before the pod object goes', async () => {
    await running('poststart', 90_000);
    assert.equal(await exec('poststart', ['cat', '/tmp/poststart']), 'hooked\n');
    await running('prestop', 60_000);
    const uid = (await pod('prestop')).metadata.uid;
    await c.kubectlOK(['delete', 'pod', 'prestop', '--wait=true', '--timeout=60s']);
    assert.equal(await readFile(join(hostDir, 'prestop'), 'utf8'), 'bye\n');
    assert.deepEqual(await runtimeContainersOf(c, uid), [], 'no container of the deleted pod is left in the runtime');
    const reasons = (await events('prestop')).items.map((e) => e.reason);
    assert.ok(reasons.includes('Killing'), reasons.join(','));
  });

  test('a container ignoring SIGTERM is killed when the grace period (3 s) ends', async () => {
    await running('stubborn', 90_000);
    const t0 = Date.now();
    await c.kubectlOK(['delete', 'pod', 'stubborn', '--wait=true', '--timeout=60s']);
    const took = Date.now() - t0;
    assert.ok(took >= 2000 && took < 20_000, `delete took ${took} ms`);
  });

  test('DNS: ClusterFirst resolv.conf, dnsPolicy None with dnsConfig, /etc/hosts with hostname and subdomain', async () => {
    await running('dns', 90_000);
    const resolv = await exec('dns', ['cat', '/etc/resolv.conf']);
    assert.match(resolv, new RegExp(`^nameserver ${clusterDNS.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
    assert.match(resolv, /^options ndots:5$/m);
    await running('dns-none', 60_000);
    const none = await exec('dns-none', ['cat', '/etc/resolv.conf']);
    assert.match(none, /^nameserver 10\.171\.0\.53$/m);
    assert.match(none, /^search example\.internal$/m);
    assert.match(none, /^options ndots:2$/m);
    assert.doesNotMatch(none, new RegExp(clusterDNS.replace(/\./g, '\\.')));
    await running('web-1', 60_000);
    const ip = (await pod('web-1')).status?.podIP ?? '';
    const hosts = await exec('web-1', ['cat', '/etc/hosts']);
    assert.ok(hosts.includes(`${ip}\tweb-1.nginx.default.svc.cluster.local\tweb-1\n`), hosts);
    assert.equal(await exec('web-1', ['hostname']), 'web-1\n');
  });

  test('securityContext: runAsUser/runAsGroup/fsGroup, readOnlyRootFilesystem, dropped capabilities; memory limit in the cgroup', async () => {
    await running('runas', 90_000);
    assert.equal(await exec('runas', ['id', '-u']), '1000\n');
    assert.equal(await exec('runas', ['id', '-g']), '3000\n');
    assert.match(await exec('runas', ['id', '-G']), /\b2000\b/);
    assert.equal(await exec('runas', ['stat', '-c', '%g', '/data']), '2000\n');
    await exec('runas', ['touch', '/data/mine']);
    assert.match(await exec('readonly', ['grep', 'CapEff', '/proc/self/status']), /CapEff:\s+0000000000000000/);
    await running('readonly', 60_000);
    const write = await c.kubectl(['exec', 'readonly', '--', 'touch', '/written']);
    assert.notEqual(write.code, 0);
    assert.match(write.stderr + write.stdout, /Read-only file system/);
    await running('env', 60_000);
    const limit = await exec('env', ['sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes']);
    assert.equal(limit.trim(), String(64 * 1024 * 1024));
  });

  test('a command that does not exist: StartError, exit code 128; a missing image with pull policy Never: ErrImageNeverPull', async () => {
    await waitFor('bad-command Failed', async () => (await pod('bad-command')).status?.phase === 'Failed', { ...clusterPolling, timeoutMs: 60_000, intervalMs: 300 });
    const t = (await status('bad-command'))?.state?.terminated;
    assert.equal(t?.reason, 'StartError');
    assert.equal(t?.exitCode, 128);
    assert.match(t?.message ?? '', /no such file or directory/);
    await waitFor('ErrImageNeverPull', async () => (await status('never-pull'))?.state?.waiting?.reason === 'ErrImageNeverPull', { ...clusterPolling, timeoutMs: 60_000, intervalMs: 300 });
    assert.equal((await status('never-pull'))?.state?.waiting?.message, 'Container image "skiff.dev/absent:1" is not present with pull policy of Never');
  });

  test('hostNetwork: the pod has the node IP and serves on the node network', async () => {
    await running('host-net', 60_000);
    const p = await pod('host-net');
    assert.equal(p.status?.podIP, p.status?.hostIP);
    const r = await c.netns.run('busybox', ['wget', '-qO-', 'http://127.0.0.1:18081/']);
    assert.equal(r.stdout, 'tomcat latest\n', r.stderr);
  });

  test('pod status: conditions, IPs, startTime, container statuses; Pulled, Created, Started events', async () => {
    await running('env', 60_000);
    const p = await pod('env');
    const s = p.status;
    const conditions = new Map((s?.conditions ?? []).map((x) => [x.type, x.status]));
    for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) assert.equal(conditions.get(type), 'True', type);
    assert.match(s?.podIP ?? '', /^10\.42\.\d+\.\d+$/);
    assert.deepEqual(s?.podIPs, [{ ip: s?.podIP }]);
    assert.match(s?.hostIP ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    assert.ok(!Number.isNaN(Date.parse(s?.startTime ?? '')));
    const cs = s?.containerStatuses?.[0];
    assert.equal(cs?.image, busybox);
    assert.match(cs?.imageID ?? '', /sha256:[0-9a-f]{64}/);
    assert.match(cs?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
    assert.equal(cs?.started, true);
    assert.equal(cs?.ready, true);
    const reasons = (await events('env')).items.map((e) => e.reason);
    for (const r of ['Scheduled', 'Pulled', 'Created', 'Started']) assert.ok(reasons.includes(r), `${r} in ${reasons.join(',')}`);
  });
});
