/**
 * bench/api: API writes against the raw store they sit on, and watch delivery latency.
 * Run through `npm run bench -- api` (scripts/bench.sh), which puts it in a network
 * namespace of its own. For each backend (SQLite, etcd):
 *  1. the raw store's create throughput with 100 concurrent writers (the baseline);
 *  2. the API server's create throughput (POST ConfigMap) with 100 concurrent writers;
 *  3. with 1,000 watchers attached, watch delivery latency p50/p99 of further creates.
 * Sizes can be changed with BENCH_CREATES, BENCH_WATCHERS, BENCH_WATCHED_CREATES.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startTestEtcd, type TestEtcd } from '../src/storage/etcd-test-server.js';
import { EtcdStore } from '../src/storage/etcd.js';
import { measureRawCreates } from '../src/storage/raw-throughput.js';
import { SqliteStore } from '../src/storage/sqlite.js';
import type { Store } from '../src/storage/store.js';
import { BenchClient } from './https-client.js';

const writers = 100;
const creates = Number(process.env.BENCH_CREATES ?? 5000);
const watchers = Number(process.env.BENCH_WATCHERS ?? 1000);
const watchedCreates = Number(process.env.BENCH_WATCHED_CREATES ?? 300);
const valueBytes = 1500;
const skiff = fileURLToPath(new URL('../../bin/skiff', import.meta.url));
const watcherScript = fileURLToPath(new URL('./api-watchers.js', import.meta.url));

function lines(child: ChildProcess, onLine: (l: string) => void): void {
  let buf = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

async function startServer(dataDir: string, port: number, endpoint: string): Promise<ChildProcess> {
  const args = [skiff, 'server', '--data-dir', dataDir, '--bind-address', '127.0.0.1', '--https-port', String(port)];
  if (endpoint) args.push('--datastore-endpoint', endpoint);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes('cluster ready')) resolve();
    };
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)));
  });
  return child;
}

async function apiCreates(client: BenchClient, namespace: string, total: number, prefix: string): Promise<number> {
  let next = 0;
  const filler = 'x'.repeat(valueBytes - 200);
  const writer = async () => {
    for (;;) {
      const n = next++;
      if (n >= total) return;
      const code = await client.send('POST', `/api/v1/namespaces/${namespace}/configmaps`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${prefix}-${n}` },
        data: { sentAt: String(performance.timeOrigin + performance.now()), filler },
      });
      if (code !== 201) throw new Error(`create answered ${code}`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, writer));
  return total / ((performance.now() - started) / 1000);
}

async function benchBackend(name: string, raw: () => Promise<Store>, endpoint: string, port: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `skiff-bench-${name}-`));
  const store = await raw();
  let server: ChildProcess | undefined;
  let watcherProc: ChildProcess | undefined;
  try {
    const rawRate = (await measureRawCreates(store, { writers, total: creates, valueBytes, prefix: '/bench/raw/' })).perSecond;
    await store.close();
    server = await startServer(dir, port, endpoint);
    const client = new BenchClient(join(dir, 'kubeconfig.yaml'), writers);
    await client.send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    await client.send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watched' } });
    const apiRate = await apiCreates(client, 'bench', creates, 'cm');
    console.log(
      `api/${name}: creates/s ${apiRate.toFixed(0)} vs raw store ${rawRate.toFixed(0)} -> ratio ${(apiRate / rawRate).toFixed(3)} (aim >= 0.5)`,
    );
    watcherProc = spawn(process.execPath, [watcherScript, join(dir, 'kubeconfig.yaml'), 'watched', String(watchers), String(watchedCreates)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const result = new Promise<{ deliveries: number; p50: number; p99: number }>((resolve, reject) => {
      lines(watcherProc!, (l) => {
        if (l === 'ready') void apiCreates(client, 'watched', watchedCreates, 'w').catch(reject);
        else if (l.startsWith('{')) resolve(JSON.parse(l) as { deliveries: number; p50: number; p99: number });
      });
      watcherProc!.on('exit', (code) => code && reject(new Error(`watchers exited ${code}`)));
    });
    const r = await result;
    console.log(
      `api/${name}: watch delivery with ${watchers} watchers, ${writers} writers: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms over ${r.deliveries} deliveries (aim p99 < 50 ms)`,
    );
    client.agent.destroy();
  } finally {
    if (watcherProc?.pid && watcherProc.exitCode === null) process.kill(watcherProc.pid, 'SIGKILL');
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      process.kill(server.pid, 'SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
}

const only = process.argv[2];
if (!only || only === 'sqlite') {
  const rawDir = await mkdtemp(join(tmpdir(), 'skiff-bench-raw-'));
  try {
    await benchBackend('sqlite', async () => SqliteStore.open(join(rawDir, 'raw.db')), '', 16443);
  } finally {
    await rm(rawDir, { recursive: true, force: true });
  }
}
if (!only || only === 'etcd') {
  let etcd: TestEtcd | undefined;
  try {
    etcd = await startTestEtcd();
    const endpoint = etcd.endpoint;
    await benchBackend('etcd', async () => EtcdStore.connect({ endpoints: [endpoint], prefix: '/bench-raw' }), endpoint, 16444);
  } finally {
    await etcd?.stop();
  }
}
