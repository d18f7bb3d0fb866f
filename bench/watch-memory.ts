/**
 * bench/watch-memory: the API server's resident memory under watch load, each figure a ratio
 * against the same server's idle RSS measured in the same run. Run through
 * `npm run bench -- watch-memory` (scripts/bench.sh), which puts it in a network namespace.
 *  1. 2,000 watches opened and closed, five times: RSS after, against RSS before (aim ≤ 1.2);
 *     beside the same load on a bare Node HTTPS server (bench/tls-baseline-server), whose
 *     growth is what Node and OpenSSL keep of 2,000 TLS connections, so the server's own share
 *     shows as the ratio of the two growths.
 *  2. 900 updates of a 900 KB ConfigMap fanned out to 100 watchers: peak RSS while they flow,
 *     against the idle RSS before (aim < 4).
 * Sizes: BENCH_WATCHES, BENCH_ROUNDS, BENCH_WATCHERS, BENCH_UPDATES, BENCH_VALUE_KB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchClient } from './https-client.js';

const watches = Number(process.env.BENCH_WATCHES ?? 2000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const watchers = Number(process.env.BENCH_WATCHERS ?? 100);
const updates = Number(process.env.BENCH_UPDATES ?? 900);
const valueBytes = Number(process.env.BENCH_VALUE_KB ?? 900) * 1000;
const port = 16443;
const skiff = fileURLToPath(new URL('../../bin/skiff', import.meta.url));

/** The resident set of a process, in MB. */
function rssMB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

/** RSS once it has stopped falling (V8 returns memory lazily): the lowest of a few seconds. */
async function settledRss(pid: number): Promise<number> {
  let lowest = rssMB(pid);
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    lowest = Math.min(lowest, rssMB(pid));
  }
  return lowest;
}

async function startServer(dataDir: string): Promise<ChildProcess> {
  const args = [skiff, 'server', '--disable-agent', '--disable-controllers', '--data-dir', dataDir, '--bind-address', '127.0.0.1', '--https-port', String(port), '--cluster-dns-port', '0'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('cluster ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)));
  });
  return child;
}

/** The server's heap figures from its /metrics, in MB, for BENCH_VERBOSE's per-round lines. */
function heapFigures(client: BenchClient): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/metrics', client.server), { agent: client.agent });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        const value = (name: string) => Number(/^(\S+) (\S+)$/m.exec(text.split('\n').find((l) => l.startsWith(`${name} `)) ?? '')?.[2] ?? NaN) / 2 ** 20;
        const names = ['nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes', 'nodejs_array_buffers_bytes'];
        resolve(names.map((n) => `${n.replace(/^nodejs_|_bytes$/g, '')} ${value(n).toFixed(0)}`).join(', '));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens `watches` watches at `path` `rounds` times and closes them; returns the settled RSS before and after. */
async function openAndClose(client: BenchClient, pid: number, path: string, label: string): Promise<{ before: number; after: number }> {
  const before = await settledRss(pid);
  for (let r = 0; r < rounds; r++) {
    const open = await Promise.all(Array.from({ length: watches }, () => openWatch(client, path)));
    for (const w of open) w.close();
    await Promise.all(open.map((w) => w.closed));
    if (process.env.BENCH_VERBOSE) console.log(`${label} round ${r + 1}: RSS ${(await settledRss(pid)).toFixed(0)} MB`);
  }
  return { before, after: await settledRss(pid) };
}

/** Runs the bare HTTPS server of the baseline with the cluster's serving certificate. */
async function startBaseline(dataDir: string): Promise<ChildProcess> {
  const tls = join(dataDir, 'server', 'tls');
  const script = fileURLToPath(new URL('./tls-baseline-server.js', import.meta.url));
  const child = spawn(process.execPath, [script, join(tls, 'serving-kube-apiserver.crt'), join(tls, 'serving-kube-apiserver.key'), String(port + 1)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`baseline server exited ${code}`)));
  });
  return child;
}

/** Opens a watch whose events are read and dropped; resolves with its request once answered 200. */
function openWatch(client: BenchClient, path: string): Promise<{ close(): void; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, client.server), { agent: client.agent });
    req.on('response', (res) => {
      if (res.statusCode !== 200) return reject(new Error(`watch: ${res.statusCode}`));
      const closed = new Promise<void>((done) => res.on('close', () => done()));
      res.resume();
      resolve({ close: () => req.destroy(), closed });
    });
    req.on('error', (err) => reject(err));
    req.end();
  });
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-bench-watchmem-'));
  let server: ChildProcess | undefined;
  try {
    server = await startServer(dataDir);
    const pid = server.pid ?? 0;
    const client = new BenchClient(join(dataDir, 'kubeconfig.yaml'), watches + watchers + 10);
    const path = '/api/v1/namespaces/default/configmaps?watch=true';

    // 1. Watches opened and closed, on Skiff then on the bare baseline server.
    await client.getJSON('/api/v1/namespaces/default/configmaps');
    const { before, after } = await openAndClose(client, pid, path, 'skiff');
    if (process.env.BENCH_VERBOSE) console.log(`skiff heap after: ${await heapFigures(client)} MB`);
    const baseline = await startBaseline(dataDir);
    let bare: { before: number; after: number };
    try {
      bare = await openAndClose(client, baseline.pid ?? 0, `https://127.0.0.1:${port + 1}/`, 'bare');
    } finally {
      baseline.kill('SIGTERM');
    }
    console.log(`watch-memory: ${watches} watches opened and closed ${rounds} times: RSS ${after.toFixed(0)} MB after vs ${before.toFixed(0)} MB before = ${(after / before).toFixed(2)}x (aim <= 1.2)`);
    console.log(
      `watch-memory: the same on a bare Node HTTPS server: ${bare.after.toFixed(0)} MB after vs ${bare.before.toFixed(0)} MB = ${(bare.after / bare.before).toFixed(2)}x; growth ${(after - before).toFixed(0)} MB vs ${(bare.after - bare.before).toFixed(0)} MB = ${((after - before) / Math.max(1, bare.after - bare.before)).toFixed(2)}x the baseline's`,
    );

    // 2. Large updates fanned out.
    const name = 'big';
    const value = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: String(i), blob: String(i % 10).repeat(valueBytes) } });
    if ((await client.send('POST', '/api/v1/namespaces/default/configmaps', value(0))) !== 201) throw new Error('create failed');
    const idle = await settledRss(pid);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMB(pid))), 20);
    const watching = await Promise.all(Array.from({ length: watchers }, () => openWatch(client, `${path}&fieldSelector=metadata.name%3D${name}`)));
    let closedEarly = 0;
    for (const w of watching) void w.closed.then(() => closedEarly++);
    const start = Date.now();
    for (let i = 1; i <= updates; i++) {
      const code = await client.send('PUT', `/api/v1/namespaces/default/configmaps/${name}`, value(i));
      if (code !== 200) throw new Error(`update ${i}: ${code}`);
    }
    const seconds = (Date.now() - start) / 1000;
    const lagging = closedEarly;
    for (const w of watching) w.close();
    clearInterval(sampler);
    console.log(
      `watch-memory: ${updates} updates of a ${valueBytes / 1000} KB ConfigMap to ${watchers} watchers in ${seconds.toFixed(1)} s: peak RSS ${peak.toFixed(0)} MB vs ${idle.toFixed(0)} MB idle = ${(peak / idle).toFixed(2)}x (aim < 4); ${lagging} watchers closed for lagging`,
    );
    client.agent.destroy();
  } finally {
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await new Promise((resolve) => server?.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
