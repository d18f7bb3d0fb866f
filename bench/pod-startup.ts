/**
 * bench/pod-startup: pods created at once (default 50, BENCH_PODS) on one real node (`skiff
 * agent` with its containerd). Prints the creation-to-started latency p50/p99/max (upstream's
 * pod startup SLO measure: creation until all containers are reported started, seen through a
 * watch) beside the raw CRI floor measured first in the same run against the same containerd
 * (the same number of concurrent RunPodSandbox + CreateContainer + StartContainer, no Skiff in
 * between), and the agent process's resident memory idle and with the pods running.
 *
 * Run through `npm run bench -- pod-startup`: scripts/bench.sh joins it to a fresh network
 * namespace with nsenter --net only, so containerd and runc see the host's cgroup mounts.
 * BENCH_FLOOR_IN_FLIGHT limits the floor's calls in flight (default: all pods at once, as created).
 * BENCH_AGENT_CPU_PROF=DIR runs the agent with --cpu-prof, writing its profile into DIR.
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
import { buildBusyboxImageTar } from '../src/kubelet/images/busybox.js';
import { buildContainerConfig, podUidLabel } from '../src/kubelet/pod/container-config.js';
import { parseResolvConf, podDnsConfig } from '../src/apimachinery/pod-dns.js';
import { buildSandboxConfig } from '../src/kubelet/pod/sandbox-config.js';
import { removeRuntimeState, unmountUnder } from '../test/harness/runtime-cleanup.js';
import { testImages } from '../test/harness/images.js';
import { BenchClient, quantile } from './https-client.js';

const podCount = Number(process.env.BENCH_PODS ?? 50);
/** Pods the floor starts at a time (default all of them, as created at once). */
const floorInFlight = Number(process.env.BENCH_FLOOR_IN_FLIGHT ?? podCount);
const cpuProfileDir = process.env.BENCH_AGENT_CPU_PROF ?? '';
const nodeName = 'bench-node';
const image = testImages.busybox;
const skiff = fileURLToPath(new URL('../../bin/skiff', import.meta.url));
const label = 'skiff-bench=pod-startup';

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const ms = (n: number) => `${n.toFixed(0)} ms`;

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * Polls `check` until true; throws after the deadline with `what` and the last error, or at
 * once when `alive` throws (a process it depends on has died).
 */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 200, alive: () => void = () => undefined): Promise<void> {
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

/** A child process whose output is kept for failure messages. */
function start(args: string[], nodeArgs: string[] = []): { child: ChildProcess; log: () => string } {
  const child = spawn(process.execPath, [...nodeArgs, skiff, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (log += d));
  return { child, log: () => log };
}

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

/** The pod both runs start: one busybox container sleeping, nothing else. */
function benchPod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { 'skiff-bench': 'pod-startup' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent' }],
    },
  };
}

/**
 * The raw CRI floor: `n` RunPodSandbox + CreateContainer + StartContainer, `inFlight` at a time,
 * with the configs Skiff's builders make for the same pod (without volume mounts), each timed
 * from the start of the batch (as the pods' creation) to StartContainer's answer. The pod-UID label is left out, so the agent's relist
 * does not take these sandboxes for orphans of its own. Returns sorted latencies in ms.
 */
async function criFloor(cri: CriClient, n: number, inFlight: number, logRoot: string): Promise<number[]> {
  const imageRef = (await cri.imageStatus(image))?.id;
  if (!imageRef) throw new Error(`${image} is not in containerd`);
  const hostResolvConf = parseResolvConf(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
  const prepared = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const pod = benchPod(`floor-${i}`);
      pod.metadata = { ...pod.metadata, namespace: 'bench-floor', uid: randomUUID() };
      const container = pod.spec!.containers[0]!;
      const dnsConfig = podDnsConfig(pod, { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local', hostResolvConf });
      const sandbox = buildSandboxConfig(pod, { attempt: 0, logRoot, dnsConfig, nodeHostname: nodeName });
      delete sandbox.labels?.[podUidLabel];
      const config = buildContainerConfig(pod, container, { attempt: 0, imageRef, env: [], mounts: [], restartCount: 0, containerType: 'regular' });
      delete config.labels?.[podUidLabel];
      if (sandbox.logDirectory) await mkdir(sandbox.logDirectory, { recursive: true });
      return { sandbox, config };
    }),
  );
  const latencies: number[] = [];
  const t0 = performance.now();
  const lane = async () => {
    for (let next = prepared.shift(); next; next = prepared.shift()) {
      const sandboxId = await cri.runPodSandbox(next.sandbox);
      const containerId = await cri.createContainer(sandboxId, next.config, next.sandbox);
      await cri.startContainer(containerId);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, lane));
  return latencies.sort((a, b) => a - b);
}

/** Stops and removes the floor's sandboxes (the ones without a pod-UID label). */
async function removeFloorSandboxes(cri: CriClient): Promise<void> {
  const sandboxes = (await cri.listPodSandbox()).filter((s) => s.metadata?.namespace === 'bench-floor');
  await Promise.all(
    sandboxes.map(async (s) => {
      await cri.stopPodSandbox(s.id);
      await cri.removePodSandbox(s.id);
    }),
  );
}

interface PodEvent {
  type: string;
  object: Pod;
}

/** Whether every container of the pod is reported running and started. */
function allStarted(pod: Pod): boolean {
  const statuses = pod.status?.containerStatuses ?? [];
  const wanted = pod.spec?.containers?.length ?? 0;
  return statuses.length === wanted && statuses.every((s) => !!s.state?.running && s.started !== false);
}

function isReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Times of one pod in the Skiff run, client clock (performance.now()). */
interface PodTimes {
  sent: number;
  created?: number;
  scheduled?: number;
  started?: number;
  ready?: number;
}

/**
 * Creates the pods at once and watches them: per pod, the client time the create was sent,
 * the create answered, and the watch first showed it scheduled, all containers started, Ready.
 * Fails when `agentExit` rejects (the agent died) or after 180 s.
 */
async function skiffRun(client: BenchClient, n: number, agentExit: Promise<never>): Promise<Map<string, PodTimes>> {
  const times = new Map<string, PodTimes>();
  const abort = new AbortController();
  let done: () => void = () => undefined;
  const allSeen = new Promise<void>((r) => (done = r));
  const onEvent = (line: string) => {
    const received = performance.now();
    const event = JSON.parse(line) as PodEvent;
    const t = times.get(event.object.metadata?.name ?? '');
    if (!t || event.type === 'DELETED') return;
    if (t.scheduled === undefined && event.object.spec?.nodeName) t.scheduled = received;
    if (t.started === undefined && allStarted(event.object)) t.started = received;
    if (t.ready === undefined && isReady(event.object)) t.ready = received;
    if ([...times.values()].every((x) => x.started !== undefined && x.ready !== undefined)) done();
  };
  await client.watch(`/api/v1/namespaces/default/pods?watch=1&labelSelector=${encodeURIComponent(label)}`, onEvent, abort.signal);
  // Warm the connection pool: n TLS handshakes would otherwise be part of every create.
  await Promise.all(Array.from({ length: n }, () => client.getJSON('/api/v1/namespaces/default/pods?limit=1')));
  try {
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const name = `startup-${i}`;
        const t: PodTimes = { sent: performance.now() };
        times.set(name, t);
        const code = await client.send('POST', '/api/v1/namespaces/default/pods', benchPod(name));
        if (code !== 201) throw new Error(`pod create answered ${code}`);
        t.created = performance.now();
      }),
    );
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('pods not all started within 180 s')), 180_000).unref());
    await Promise.race([allSeen, deadline, agentExit]);
  } finally {
    abort.abort();
  }
  return times;
}

function summary(sorted: number[]): string {
  return `p50 ${ms(quantile(sorted, 0.5))}, p99 ${ms(quantile(sorted, 0.99))}, max ${ms(sorted[sorted.length - 1] ?? NaN)}`;
}

const serverDir = await mkdtemp(join(tmpdir(), 'skiff-bench-startup-server-'));
const agentDir = await mkdtemp(join(tmpdir(), 'skiff-bench-startup-agent-'));
const socket = join(agentDir, 'agent', 'containerd', 'containerd.sock');
let server: ReturnType<typeof start> | undefined;
let agent: ReturnType<typeof start> | undefined;
let cri: CriClient | undefined;
let client: BenchClient | undefined;
try {
  server = start(['server', '--disable-agent', '--data-dir', serverDir, '--bind-address', '127.0.0.1', '--https-port', '6443']);
  const s = server;
  const serverAlive = () => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) throw new Error(`server exited (${s.child.exitCode ?? s.child.signalCode}):\n${s.log()}`);
  };
  await until('the server', async () => s.log().includes('cluster ready'), 60_000, 200, serverAlive);
  const token = (await readFile(join(serverDir, 'server', 'token'), 'utf8')).trim();
  const profileArgs = cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [];
  agent = start(['agent', '--server', 'https://127.0.0.1:6443', '--token', token, '--node-name', nodeName, '--data-dir', agentDir], profileArgs);
  const a = agent;
  const agentPid = a.child.pid!;
  const agentAlive = () => {
    if (a.child.exitCode !== null || a.child.signalCode !== null) throw new Error(`agent exited (${a.child.exitCode ?? a.child.signalCode}):\n${a.log()}`);
  };
  const agentExit = new Promise<never>((_, reject) => a.child.once('exit', () => reject(new Error(`agent exited:\n${a.log()}`))));
  agentExit.catch(() => undefined); // observed where it is raced; a normal stop at the end is no error

  await until('containerd', async () => existsSync(socket), 60_000, 200, agentAlive);
  cri = CriClient.connect(`unix://${socket}`, { callTimeoutMs: 60_000 });
  await cri.waitUntilReady(AbortSignal.timeout(60_000), 60_000);
  const imageTar = join(agentDir, 'bench-image.tar');
  await writeFile(imageTar, await buildBusyboxImageTar({ name: image, cmd: ['sleep', '3600'] }));
  const imported = start(['images', 'import', '--data-dir', agentDir, imageTar]);
  const importCode = await new Promise<number | null>((r) => imported.child.once('exit', r));
  if (importCode !== 0) throw new Error(`skiff images import failed (${importCode}):\n${imported.log()}`);

  client = new BenchClient(join(serverDir, 'kubeconfig.yaml'), podCount + 8);
  const c = client;
  await until(`${nodeName} to be Ready`, async () => {
    const node = await c.getJSON<{ status?: { conditions?: { type: string; status: string }[] } }>(`/api/v1/nodes/${nodeName}`);
    return !!node.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
  }, 120_000, 250, agentAlive);
  // The CNI config is written once the node has its podCIDR: the floor's sandboxes need it.
  await until('the CNI config', async () => ((await cri!.status()).status?.conditions ?? []).every((x) => x.status), 60_000, 200, agentAlive);
  // Let the agent's start-up work (informer lists, first status posts) finish before measuring it idle.
  await new Promise((r) => setTimeout(r, 3000));
  const idleRss = await residentBytes(agentPid);

  // The floor first, on a runtime that has run nothing yet; then the pods through Skiff.
  const floor = await criFloor(cri, podCount, floorInFlight, join(agentDir, 'floor-logs'));
  await removeFloorSandboxes(cri);

  const times = await skiffRun(c, podCount, agentExit);
  const loadedRss = await residentBytes(agentPid);
  const lat = (pick: (t: PodTimes) => number | undefined) =>
    [...times.values()].map((t) => (pick(t) ?? NaN) - t.sent).sort((x, y) => x - y);
  const started = lat((t) => t.started);
  const ready = lat((t) => t.ready);
  const scheduled = lat((t) => t.scheduled);
  const created = lat((t) => t.created);

  const floorP99 = quantile(floor, 0.99);
  const p99 = quantile(started, 0.99);
  const aim = 2 * floorP99 + 200;
  console.log(`pod-startup: ${podCount} pods at once on one node (busybox, imagePullPolicy IfNotPresent, image present)`);
  console.log(`pod-startup: raw CRI floor, ${podCount} RunPodSandbox+CreateContainer+StartContainer, ${floorInFlight} in flight (measured first): ${summary(floor)}`);
  console.log('pod-startup: Skiff latencies are client clock, from sending the create to receiving the watch event (creationTimestamp has 1 s resolution)');
  console.log(`pod-startup:   create answered ${summary(created)}`);
  console.log(`pod-startup:   scheduled       ${summary(scheduled)}`);
  console.log(`pod-startup:   all started     ${summary(started)}`);
  console.log(`pod-startup:   Ready           ${summary(ready)}`);
  console.log(`pod startup p99: ${ms(p99)} vs raw CRI floor p99 ${ms(floorP99)}: ratio ${(p99 / floorP99).toFixed(2)}; aim 2*${ms(floorP99)}+200 ms = ${ms(aim)}: ${p99 <= aim ? 'met' : 'missed'} (upstream SLO: 5000 ms)`);
  console.log(`pod-startup: agent resident memory ${mib(idleRss)} idle, ${mib(loadedRss)} with ${podCount} pods running`);

  // Delete the pods through the API and wait until the agent has removed them.
  await Promise.all([...times.keys()].map((name) => c.send('DELETE', `/api/v1/namespaces/default/pods/${name}`, {})));
  await until('the pods to be gone', async () => {
    const list = await c.getJSON<{ items: unknown[] }>(`/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(label)}`);
    return list.items.length === 0 && (await cri!.listPodSandbox()).length === 0;
  }, 120_000, 500, agentAlive);
} finally {
  cri?.close();
  client?.agent.destroy();
  // Whatever is left (a failed run) goes through CRI, before containerd stops.
  await removeRuntimeState(socket);
  // SIGTERM lets the agent stop containerd (and write its CPU profile).
  await stop(agent?.child, 20_000);
  await stop(server?.child, 10_000);
  await unmountUnder(agentDir);
  await rm(agentDir, { recursive: true, force: true });
  await rm(serverDir, { recursive: true, force: true });
}
