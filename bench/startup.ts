/**
 * bench/startup: how long `skiff server` (with its in-process node agent and containerd) takes
 * from its start until its node is Ready and until a first pod is Running, on a fresh data dir
 * (first start: certificates, database, images imported) and on a restart of the same one. The
 * baseline, measured first in the same run: containerd alone, started with the same config the
 * agent writes, until CRI answers with the runtime and network ready, and until one pod
 * (sandbox + busybox container, images imported the same way) is started straight through CRI.
 * Prints each time and its ratio to the baseline.
 *
 * Run through `npm run bench -- startup`: scripts/bench.sh joins it to a fresh network namespace
 * with nsenter --net only, so containerd and runc see the host's cgroup mounts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { CriClient } from '../src/kubelet/cri/client.js';
import { cniConflistFileName, renderCniConflist } from '../src/kubelet/containerd/cni.js';
import { containerdPaths, renderContainerdConfig } from '../src/kubelet/containerd/config.js';
import { buildBusyboxImageTar } from '../src/kubelet/images/busybox.js';
import { importImageTars } from '../src/kubelet/images/import.js';
import { buildPauseImageTar, pauseImageName } from '../src/kubelet/images/pause.js';
import { buildContainerConfig } from '../src/kubelet/pod/container-config.js';
import { buildSandboxConfig } from '../src/kubelet/pod/sandbox-config.js';
import { removeRuntimeState, unmountUnder } from '../test/harness/runtime-cleanup.js';
import { testImages } from '../test/harness/images.js';
import { BenchClient } from './https-client.js';

const nodeName = 'bench-node';
const image = testImages.busybox;
const skiff = fileURLToPath(new URL('../../bin/skiff', import.meta.url));
/** How often the bench looks at the node and the pod: the resolution of the Skiff times. */
const pollMs = 25;

const ms = (n: number) => `${n.toFixed(0)} ms`;
const ratio = (a: number, b: number) => (a / b).toFixed(2);

/** Polls `check` every `everyMs` until it is true; throws after the deadline, or at once when `alive` throws. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = pollMs, alive: () => void = () => undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    alive();
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A started process whose output is kept for failure messages, and a check that it still runs. */
interface Started {
  child: ChildProcess;
  log: () => string;
  alive: () => void;
}

/** Every process this bench started, stopped in its `finally` whatever happened. */
const started: Started[] = [];
/** Every CRI connection this bench opened, closed in its `finally`. */
const cris: CriClient[] = [];

function start(command: string, args: string[]): Started {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (log += d));
  const alive = () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} exited (${child.exitCode ?? child.signalCode}):\n${log}`);
  };
  const proc = { child, log: () => log, alive };
  started.push(proc);
  return proc;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
async function stop(child: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** The pod both runs start: one busybox container sleeping. */
function benchPod(name: string, namespace = 'default'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent' }] },
  };
}

/** Times of one containerd-alone start, from the spawn. */
interface BaselineTimes {
  /** CRI answers with RuntimeReady and NetworkReady true. */
  ready: number;
  /** The pod's container is started. */
  podStarted: number;
}

/**
 * Starts containerd alone on `dir` (config as the agent writes it, plus a CNI conflist), waits for
 * CRI to report the runtime and network ready, imports the tars unless `importTars` is empty, and
 * starts one pod through CRI. Leaves containerd running for the caller to stop.
 */
async function containerdAlone(dir: string, importTars: string[], podName: string): Promise<{ times: BaselineTimes; containerd: Started; cri: CriClient }> {
  const paths = containerdPaths(dir);
  const t0 = performance.now();
  const containerd = start('containerd', ['--config', paths.configFile]);
  const cri = CriClient.connect(`unix://${paths.address}`, { callTimeoutMs: 60_000 });
  cris.push(cri);
  await until('containerd alone to be ready', async () => ((await cri.status()).status?.conditions ?? []).every((c) => c.status), 60_000, pollMs, containerd.alive);
  const ready = performance.now() - t0;
  if (importTars.length > 0) await importImageTars(importTars, { address: paths.address });
  const imageRef = (await cri.imageStatus(image))?.id;
  if (!imageRef) throw new Error(`${image} is not in containerd`);
  const pod = benchPod(podName, 'bench-floor');
  pod.metadata = { ...pod.metadata, uid: randomUUID() };
  const logRoot = join(dir, 'logs');
  const sandbox = buildSandboxConfig(pod, { attempt: 0, logRoot, nodeHostname: nodeName });
  if (sandbox.logDirectory) await mkdir(sandbox.logDirectory, { recursive: true });
  const sandboxId = await cri.runPodSandbox(sandbox);
  const container = buildContainerConfig(pod, pod.spec!.containers[0]!, { attempt: 0, imageRef, env: [], mounts: [], restartCount: 0, containerType: 'regular' });
  await cri.startContainer(await cri.createContainer(sandboxId, container, sandbox));
  return { times: { ready, podStarted: performance.now() - t0 }, containerd, cri };
}

/** Times of one `skiff server` start, from the spawn. */
interface ServerTimes {
  /** The server logged "cluster ready" (API server and controllers up). */
  api: number;
  /** The node's Ready condition is True. */
  nodeReady: number;
  /** The pod (created as soon as the API takes it) is Running. */
  podRunning: number;
}

/**
 * Starts `skiff server` on `dataDir` and measures it (see {@link ServerTimes}): the pod is created
 * as soon as the API answers (retried while the default ServiceAccount does not exist yet).
 * Leaves the server running.
 */
async function serverStart(dataDir: string, podName: string): Promise<{ times: ServerTimes; server: Started; client: BenchClient }> {
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const t0 = performance.now();
  const server = start(process.execPath, [
    skiff, 'server', '--data-dir', dataDir, '--bind-address', '127.0.0.1', '--https-port', '6443',
    '--node-name', nodeName, '--dns-upstream', 'none',
  ]);
  let api = NaN;
  const apiSeen = until('"cluster ready"', async () => server.log().includes('cluster ready'), 120_000, pollMs, server.alive).then(() => (api = performance.now() - t0));
  await until('the kubeconfig', async () => existsSync(kubeconfig), 60_000, pollMs, server.alive);
  const client = new BenchClient(kubeconfig, 4);
  let nodeReady = NaN;
  const nodeSeen = until(`${nodeName} to be Ready`, async () => {
    const node = await client.getJSON<{ status?: { conditions?: { type: string; status: string }[] } }>(`/api/v1/nodes/${nodeName}`);
    return !!node.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
  }, 120_000, pollMs, server.alive).then(() => (nodeReady = performance.now() - t0));
  await until('the pod to be created', async () => (await client.send('POST', '/api/v1/namespaces/default/pods', benchPod(podName))) === 201, 120_000, pollMs, server.alive);
  await until(`${podName} to be Running`, async () => (await client.getJSON<Pod>(`/api/v1/namespaces/default/pods/${podName}`)).status?.phase === 'Running', 120_000, pollMs, server.alive);
  const podRunning = performance.now() - t0;
  await Promise.all([apiSeen, nodeSeen]);
  return { times: { api, nodeReady, podRunning }, server, client };
}

/** Deletes the pod through the API and waits until the node's runtime has removed it. */
async function deletePod(client: BenchClient, name: string, cri: CriClient, alive: () => void): Promise<void> {
  await client.send('DELETE', `/api/v1/namespaces/default/pods/${name}`, {});
  await until(`${name} to be gone`, async () => {
    const answer = await client.getJSON<{ kind?: string; code?: number }>(`/api/v1/namespaces/default/pods/${name}`);
    return answer.kind === 'Status' && answer.code === 404 && (await cri.listPodSandbox()).length === 0;
  }, 120_000, 200, alive);
}

const baselineDir = await mkdtemp(join(tmpdir(), 'skiff-bench-boot-ctd-'));
const serverDir = await mkdtemp(join(tmpdir(), 'skiff-bench-boot-server-'));
const baselineSocket = containerdPaths(baselineDir).address;
const serverSocket = join(serverDir, 'agent', 'containerd', 'containerd.sock');
let server: Started | undefined;
let client: BenchClient | undefined;
try {
  // The images both runs import: the pause image and a busybox sleeping.
  const busyboxTar = await buildBusyboxImageTar({ name: image, cmd: ['sleep', '3600'] });
  const pauseTar = join(baselineDir, 'pause.tar');
  const baselineBusyboxTar = join(baselineDir, 'busybox.tar');
  await writeFile(pauseTar, await buildPauseImageTar());
  await writeFile(baselineBusyboxTar, busyboxTar);
  await mkdir(join(serverDir, 'agent', 'images'), { recursive: true });
  await writeFile(join(serverDir, 'agent', 'images', 'busybox.tar'), busyboxTar);

  // Baseline: containerd alone, first start (images imported) and restart.
  const paths = containerdPaths(baselineDir);
  await mkdir(paths.cniConfDir, { recursive: true });
  await writeFile(paths.configFile, renderContainerdConfig({ dataDir: baselineDir, sandboxImage: pauseImageName }));
  await writeFile(join(paths.cniConfDir, cniConflistFileName), renderCniConflist({ podCIDR: '10.99.0.0/24', ipamDataDir: paths.cniIpamDir, bridgeName: 'bench0' }));
  const cold = await containerdAlone(baselineDir, [pauseTar, baselineBusyboxTar], 'floor-cold');
  await removeRuntimeState(baselineSocket);
  await stop(cold.containerd.child, 20_000);
  const warm = await containerdAlone(baselineDir, [], 'floor-warm');
  await removeRuntimeState(baselineSocket);
  await stop(warm.containerd.child, 20_000);

  // Skiff: first start on a fresh data dir, then a restart.
  const first = await serverStart(serverDir, 'first');
  server = first.server;
  client = first.client;
  const serverCri = CriClient.connect(`unix://${serverSocket}`, { callTimeoutMs: 60_000 });
  cris.push(serverCri);
  await deletePod(client, 'first', serverCri, server.alive);
  client.agent.destroy();
  await stop(server.child, 20_000);
  const again = await serverStart(serverDir, 'again');
  server = again.server;
  client = again.client;
  await deletePod(client, 'again', serverCri, server.alive);

  const report = (what: string, s: ServerTimes, b: BaselineTimes) => {
    console.log(`startup: ${what}: containerd alone ready ${ms(b.ready)}, one pod by CRI started ${ms(b.podStarted)}`);
    console.log(`startup: ${what}: skiff server: cluster ready ${ms(s.api)}, node Ready ${ms(s.nodeReady)}, first pod Running ${ms(s.podRunning)}`);
    console.log(`startup: ${what}: node Ready vs containerd ready: ratio ${ratio(s.nodeReady, b.ready)}; pod Running vs pod by CRI: ratio ${ratio(s.podRunning, b.podStarted)}`);
  };
  console.log(`startup: times from process start, the server's seen by polling every ${pollMs} ms; images from tars (pause, busybox)`);
  report('first start', first.times, cold.times);
  report('restart', again.times, warm.times);
} finally {
  for (const c of cris) c.close();
  client?.agent.destroy();
  // Whatever a failed run left goes through CRI, before containerd stops.
  await removeRuntimeState(serverSocket);
  await removeRuntimeState(baselineSocket);
  for (const s of started) await stop(s.child, 20_000);
  await unmountUnder(serverDir);
  await unmountUnder(baselineDir);
  await rm(serverDir, { recursive: true, force: true });
  await rm(baselineDir, { recursive: true, force: true });
}
