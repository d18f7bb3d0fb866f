/**
 * bench/scale: a `skiff server` with simulated nodes (default 1,000) takes Deployments totalling
 * many pods (default 30,000, 100 per Deployment) until every pod is Running. It prints the time
 * that took, the API's p99 latency for a mutating call during it (a ConfigMap create every
 * 100 ms; upstream's SLO is 1 s) as a ratio against the same call's p99 on the idle server
 * measured first in the same run, and the server's resident memory (idle, peak).
 * Sizes: BENCH_NODES, BENCH_PODS (a comma list, e.g. `30000,100000`, runs each size in turn on a
 * fresh server in the same invocation, so their figures are printed side by side);
 * BENCH_PROGRESS_S prints a progress line (pods Running, resident memory) every that many
 * seconds (default 60, 0 never); BENCH_SERVER_CPU_PROF=DIR profiles the server;
 * BENCH_SERVER_HEAP_SNAPSHOT=DIR writes a V8 heap snapshot of the server into DIR once every pod
 * is Running (before it is stopped); BENCH_SERVER_NODE_ARGS adds node flags to the server
 * (space-separated, e.g. `--max-semi-space-size=16`).
 * Run through `npm run bench -- scale` (own network namespace).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir, stat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BenchClient, quantile } from './https-client.js';

const nodes = Number(process.env.BENCH_NODES ?? 1000);
const sizes = (process.env.BENCH_PODS ?? '30000').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`BENCH_PODS: not a list of pod counts: ${process.env.BENCH_PODS}`);
const progressMs = Number(process.env.BENCH_PROGRESS_S ?? 60) * 1000;
const perDeployment = 100;
const skiff = fileURLToPath(new URL('../../bin/skiff', import.meta.url));

async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** The server's V8 heap (used of total) and off-heap memory, from its /metrics. */
async function heapOf(client: BenchClient): Promise<string> {
  const text = await client.getText('/metrics');
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return `heap ${mib(gauge('nodejs_heap_size_used_bytes'))} used of ${mib(gauge('nodejs_heap_size_total_bytes'))}, external ${mib(gauge('nodejs_external_memory_bytes'))}`;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;

/** Times one mutating call every 100 ms until stopped; returns the latencies. */
function probe(client: BenchClient, name: string): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  let n = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await client.send('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-${n++}` } });
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return latencies.sort((a, b) => a - b);
    },
  };
}

/** Has the server (started with --heapsnapshot-signal=SIGUSR2) write a heap snapshot into `dir`; returns its path once written. */
async function writeHeapSnapshot(server: ChildProcess, client: BenchClient, dir: string): Promise<string> {
  const before = new Set(await readdir(dir));
  process.kill(server.pid!, 'SIGUSR2');
  for (let lastSize = -1; ; ) {
    await new Promise((r) => setTimeout(r, 2000));
    // The server writes the snapshot on its main thread: an answer means it is not writing.
    await client.getJSON('/api/v1/namespaces/default/configmaps?limit=1');
    const name = (await readdir(dir)).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!name) continue;
    const size = (await stat(join(dir, name))).size;
    if (size === lastSize) return join(dir, name);
    lastSize = size;
  }
}

/** One run: a fresh server with `nodes` simulated nodes takes `pods` pods; prints its lines. */
async function run(pods: number): Promise<{ seconds: number; p99: number; peak: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-scale-'));
  let server: ChildProcess | undefined;
  try {
    // BENCH_SERVER_CPU_PROF=DIR: profile the server (node --cpu-prof) into DIR.
    const profile = process.env.BENCH_SERVER_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_CPU_PROF}`] : [];
    const snapshotDir = process.env.BENCH_SERVER_HEAP_SNAPSHOT;
    const snapshot = snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [];
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    server = spawn(process.execPath, [...nodeArgs, ...profile, ...snapshot, skiff, 'server', '--disable-agent', '--data-dir', dir, '--bind-address', '127.0.0.1', '--https-port', '16445', '--simulated-nodes', String(nodes),
      // A /24 per node: a /16 holds only 256 nodes. Simulated pod IPs are strings, never routed.
      '--cluster-cidr', '10.64.0.0/10'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    await new Promise<void>((resolve, reject) => {
      server!.stderr?.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('cluster ready')) resolve();
      });
      server!.on('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)));
    });
    const client = new BenchClient(join(dir, 'kubeconfig.yaml'), 64);
    const started = performance.now();
    for (;;) {
      const list = await client.getJSON<{ items: { status?: { conditions?: { type: string; status: string }[] } }[] }>('/api/v1/nodes');
      const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      if (ready === nodes) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`scale: ${nodes} simulated nodes Ready after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const idleProbe = probe(client, 'idle');
    await new Promise((r) => setTimeout(r, 5000));
    const idle = await idleProbe.stop();
    const idleMemory = await memoryOf(server.pid!);

    const loadProbe = probe(client, 'load');
    const t0 = performance.now();
    const deployments = Math.ceil(pods / perDeployment);
    for (let i = 0; i < deployments; i++) {
      const replicas = Math.min(perDeployment, pods - i * perDeployment);
      const code = await client.send('POST', '/apis/apps/v1/namespaces/default/deployments', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `scale-${i}` },
        spec: {
          replicas,
          selector: { matchLabels: { app: `scale-${i}` } },
          template: { metadata: { labels: { app: `scale-${i}` } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1m', memory: '1Mi' } } }] } },
        },
      });
      if (code !== 201) throw new Error(`deployment create answered ${code}`);
    }
    let peak = idleMemory.peak;
    let lastProgress = performance.now();
    for (;;) {
      // A server that died (out of memory, say) is reported with the end of its log.
      if (server.exitCode !== null || server.signalCode !== null) throw new Error(`server exited (${server.exitCode ?? server.signalCode}) after ${((performance.now() - t0) / 1000).toFixed(0)} s: ${log.slice(-2000)}`);
      const list = await client.getJSON<{ items: { status?: { readyReplicas?: number }; spec: { replicas: number } }[] }>('/apis/apps/v1/namespaces/default/deployments');
      const readyPods = list.items.reduce((n, d) => n + (d.status?.readyReplicas ?? 0), 0);
      const memory = await memoryOf(server.pid!);
      peak = Math.max(peak, memory.peak);
      if (readyPods >= pods) break;
      if (progressMs > 0 && performance.now() - lastProgress >= progressMs) {
        lastProgress = performance.now();
        const elapsed = (lastProgress - t0) / 1000;
        const heap = await heapOf(client);
        console.log(`scale: progress ${readyPods}/${pods} pods Running after ${elapsed.toFixed(0)} s, server resident ${mib(memory.rss)} (peak ${mib(memory.peak)}), ${heap}`);
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
    const seconds = (performance.now() - t0) / 1000;
    const loaded = await loadProbe.stop();
    const p99Idle = quantile(idle, 0.99);
    const p99Load = quantile(loaded, 0.99);
    console.log(`scale: ${pods} pods in ${deployments} Deployments Running on ${nodes} nodes after ${seconds.toFixed(1)} s (${(pods / seconds).toFixed(0)} pods/s)`);
    console.log(
      `scale: mutating API call p99 ${p99Load.toFixed(0)} ms under load vs ${p99Idle.toFixed(1)} ms idle -> ratio ${(p99Load / p99Idle).toFixed(1)} (upstream SLO: 1000 ms)`,
    );
    console.log(`scale: server resident memory ${mib(idleMemory.rss)} idle with ${nodes} nodes, peak ${mib(peak)}`);
    if (snapshotDir) console.log(`scale: heap snapshot ${await writeHeapSnapshot(server, client, snapshotDir)}`);
    client.agent.destroy();
    return { seconds, p99: p99Load, peak };
  } finally {
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      process.kill(server.pid, 'SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
}

const results: { pods: number; seconds: number; p99: number; peak: number }[] = [];
for (const pods of sizes) results.push({ pods, ...(await run(pods)) });
if (results.length > 1) {
  for (const r of results) {
    console.log(`scale: summary ${r.pods} pods: ${r.seconds.toFixed(1)} s (${(r.pods / r.seconds).toFixed(0)} pods/s), mutating p99 ${r.p99.toFixed(0)} ms, peak resident ${mib(r.peak)}`);
  }
}
