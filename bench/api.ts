/**
 * bench/api: API writes against the raw store they sit on, and watch delivery latency.
 * Run through `npm run bench -- api` (scripts/bench.sh), which puts it in a network
 * namespace of its own. For each backend (SQLite, etcd):
 *  1. the raw store's create throughput with 100 concurrent writers (the baseline);
 *  2. the API server's create throughput (POST ConfigMap with generateName) from wrk with 100
 *     connections (wrk is C, so the load generator takes less of the 2 cores than a node one);
 *  3. with 1,000 watchers attached, watch delivery latency p50/p99 of further creates made at a
 *     steady rate (below saturation), measured twice in the same run: on the machine as it is,
 *     then while a CPU-bound process of the benchmark's own (a busy loop, killed by PID after)
 *     takes one of the two cores; both are printed with the ratio of loaded to unloaded. Both
 *     are measured for watchers on HTTP/1.1 (a connection each) and on HTTP/2 (one connection
 *     for all, as client-go and kubectl share one), after three seconds of warm-up creates that are
 *     not counted (BENCH_WATCH_PROTOCOLS=http1 or http2 measures one, BENCH_WATCH_WARMUP the
 *     warm-up's creates). Each measurement is repeated against a bare fan-out server of the
 *     same certificate (watch-baseline-server.ts: no store, authentication or selection; the
 *     lines written as the API server writes them), the baseline of one event loop doing only
 *     that, and the server's CPU per delivery is printed as a ratio against the baseline's.
 *     The watchers run in a process of their own (api-watchers.ts) kept cheap (no JSON.parse of
 *     the events) so that the figure is the server's.
 * Sizes can be changed with BENCH_CREATES (0 skips steps 1 and 2), BENCH_WATCHERS (0 skips
 * step 3), BENCH_WATCHED_CREATES and BENCH_WATCHED_RATE (creates per second while watched).
 * Step 2 also prints wrk's p50 and p99 create latency and the server's CPU per create.
 * With BENCH_RBAC=1 (SQLite only), step 2 also measures a user outside system:masters, allowed by
 * a RoleBinding to `edit` (bearer token from tokens.csv, no groups), so the RBAC authorizer runs on
 * every request; after a warm-up, admin and RBAC runs alternate (admin, rbac, admin, rbac; more
 * rounds with BENCH_RBAC_ROUNDS) and the ratio of their medians is printed.
 * With BENCH_SERVER_CPU_PROF=DIR the server runs under `node --cpu-prof` and is restarted between
 * steps 2 and 3, so DIR gets one profile per step (api-<store>-creates, api-<store>-watch), and
 * the watchers' process one per measurement (api-<store>-watchers-watched-http1, …-http1-loaded, …);
 * summarise with cpu-profile-top.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startTestEtcd, type TestEtcd } from '../src/testing/etcd-server.js';
import { EtcdStore } from '../src/storage/etcd.js';
import { measureRawCreates } from '../src/testing/raw-throughput.js';
import { SqliteStore } from '../src/storage/sqlite.js';
import type { Store } from '../src/storage/store.js';
import { waitFor } from '../src/testing/wait.js';
import { BenchClient } from './https-client.js';

const writers = 100;
const creates = Number(process.env.BENCH_CREATES ?? 20000);
const watchers = Number(process.env.BENCH_WATCHERS ?? 1000);
const watchedCreates = Number(process.env.BENCH_WATCHED_CREATES ?? 300);
/** Creates per second while watchers are attached: latency is measured below saturation. */
const watchedRate = Number(process.env.BENCH_WATCHED_RATE ?? 30);
/** Creates made (at the same rate) once the watchers are ready and before the measured ones: not counted. */
const watchWarmup = Number(process.env.BENCH_WATCH_WARMUP ?? 90);
/**
 * How the watchers connect, each measured in turn: `http1` (a connection per watch, as the
 * issue's first figures) and `http2` (all on one HTTP/2 connection, as client-go and kubectl
 * share one per server).
 */
const watchProtocols = (process.env.BENCH_WATCH_PROTOCOLS ?? 'http1,http2').split(',');
if (watchProtocols.some((p) => p !== 'http1' && p !== 'http2')) throw new Error(`BENCH_WATCH_PROTOCOLS: not a list of http1, http2: ${process.env.BENCH_WATCH_PROTOCOLS}`);
const valueBytes = 1500;
const rbacBench = process.env.BENCH_RBAC === '1';
/** The user of the RBAC comparison: not in system:masters, allowed only by a RoleBinding. */
const rbacUser = 'bench-editor';
/** Rounds of (admin, rbac) wrk runs in the RBAC comparison. */
const rbacRounds = Number(process.env.BENCH_RBAC_ROUNDS ?? 2);
const skiff = fileURLToPath(new URL('../../bin/skiff', import.meta.url));
const watcherScript = fileURLToPath(new URL('./api-watchers.js', import.meta.url));
const baselineScript = fileURLToPath(new URL('./watch-baseline-server.js', import.meta.url));

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

/** BENCH_SERVER_CPU_PROF: node flags that write a CPU profile named `name` into that folder. */
function cpuProfileFlags(name: string): string[] {
  const dir = process.env.BENCH_SERVER_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
}

/** CPU seconds (user and system) a process has used so far, from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (!server.pid || server.exitCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  process.kill(server.pid, 'SIGTERM');
  await exited;
}

async function startServer(dataDir: string, port: number, endpoint: string, profileName: string): Promise<ChildProcess> {
  const args = [...cpuProfileFlags(profileName), skiff, 'server', '--disable-agent', '--data-dir', dataDir, '--bind-address', '127.0.0.1', '--https-port', String(port)];
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

/** Starts the bare fan-out server of the watch baseline on `port`, with the cluster's serving certificate. */
async function startWatchBaseline(dataDir: string, port: number): Promise<ChildProcess> {
  const tls = join(dataDir, 'server', 'tls');
  const child = spawn(process.execPath, [...cpuProfileFlags('api-watch-baseline'), baselineScript, join(tls, 'serving-kube-apiserver.crt'), join(tls, 'serving-kube-apiserver.key'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`watch baseline server exited ${code}`)));
  });
  return child;
}

async function apiCreates(client: BenchClient, namespace: string, total: number, prefix: string, perSecond = 0, stamped = true): Promise<number> {
  let next = 0;
  const started0 = performance.now();
  // With a rate, create n is due at n/perSecond seconds; the writers share the schedule.
  const due = async (n: number) => {
    if (!perSecond) return;
    const wait = started0 + (n * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
  const filler = 'x'.repeat(valueBytes - 200);
  const writer = async () => {
    for (;;) {
      const n = next++;
      if (n >= total) return;
      await due(n);
      const code = await client.send('POST', `/api/v1/namespaces/${namespace}/configmaps`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${prefix}-${n}` },
        data: stamped ? { sentAt: String(performance.timeOrigin + performance.now()), filler } : { filler },
      });
      if (code !== 201) throw new Error(`create answered ${code}`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, writer));
  return total / ((performance.now() - started) / 1000);
}

/** One wrk run: creates per second and the latency percentiles wrk measured (ms). */
interface WrkResult {
  perSecond: number;
  /** Requests wrk completed. */
  requests: number;
  p50: number;
  p99: number;
}

/** A wrk latency figure ("812.00us", "3.51ms", "1.02s") in milliseconds. */
function wrkMillis(figure: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(figure);
  if (!m) throw new Error(`unreadable wrk latency ${figure}`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * scale;
}

/** Creates per second that wrk reaches with 100 connections for `seconds` (default 10; bearer token auth: `token`, default the admin's). */
async function wrkCreates(dataDir: string, port: number, namespace: string, token?: string, seconds = 10): Promise<WrkResult> {
  token ??= (await readFile(join(dataDir, 'server', 'admin-token'), 'utf8')).trim();
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'cm-' }, data: { filler: 'x'.repeat(valueBytes - 200) } });
  const script = join(dataDir, `post-${randomBytes(4).toString('hex')}.lua`);
  await writeFile(
    script,
    [
      'wrk.method = "POST"',
      'wrk.headers["Content-Type"] = "application/json"',
      `wrk.headers["Authorization"] = "Bearer ${token}"`,
      `wrk.body = '${body}'`,
    ].join('\n'),
  );
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', ['-t1', '--latency', `-c${writers}`, `-d${seconds}s`, '-s', script, `https://127.0.0.1:${port}/api/v1/namespaces/${namespace}/configmaps`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
  });
  // Count only successful creates: wrk reports any other answer, and then the figure is void.
  if (/Non-2xx or 3xx responses/.test(out)) throw new Error(`some creates failed:\n${out}`);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`no rate in wrk output: ${out}`);
  const percentile = (p: number) => {
    const line = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    if (!line) throw new Error(`no ${p}% latency in wrk output: ${out}`);
    return wrkMillis(line[1]!);
  };
  const count = /(\d+) requests in/.exec(out);
  if (!count) throw new Error(`no request count in wrk output: ${out}`);
  return { perSecond: Number(m[1]), requests: Number(count[1]), p50: percentile(50), p99: percentile(99) };
}

/**
 * wrk create throughput of the admin (system:masters: the authorizer short-circuits) against a user
 * allowed by a RoleBinding to `edit` in the namespace, alternated to spread the noise of a shared
 * machine; prints each run and the ratio of the means. Resolves with the admin's mean.
 */
async function compareRBAC(admin: BenchClient, dir: string, port: number, token: string): Promise<WrkResult> {
  const code = await admin.send('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/bench/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bench-editor-edit' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: rbacUser }],
  });
  if (code !== 201) throw new Error(`RoleBinding create answered ${code}`);
  const editor = new BenchClient(join(dir, 'kubeconfig.yaml'), 1, { bearerToken: token });
  let probe = 0;
  try {
    await waitFor(`${rbacUser} to be allowed to create ConfigMaps`, async () => {
      const answer = await editor.send('POST', '/api/v1/namespaces/bench/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `probe-${probe++}` } });
      if (answer !== 201 && answer !== 403) throw new Error(`probe create answered ${answer}`);
      return answer === 201;
    });
  } finally {
    editor.agent.destroy();
  }
  // Warm-up for both (JIT, the server settling after start), not counted.
  await wrkCreates(dir, port, 'bench', undefined, 3);
  await wrkCreates(dir, port, 'bench', token, 3);
  const runs: Record<'admin' | 'rbac', WrkResult[]> = { admin: [], rbac: [] };
  for (let round = 0; round < rbacRounds; round++) {
    for (const who of ['admin', 'rbac'] as const) {
      const result = await wrkCreates(dir, port, 'bench', who === 'rbac' ? token : undefined);
      runs[who].push(result);
      const rate = result.perSecond;
      console.log(`api/sqlite: round ${round + 1} ${who === 'admin' ? 'admin (system:masters)' : `${rbacUser} (RoleBinding to edit)`}: creates/s ${rate.toFixed(0)}`);
    }
  }
  // Medians: one run starved by other work on a shared machine should not decide the figure.
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const medianRun = (rs: WrkResult[]): WrkResult => ({
    perSecond: median(rs.map((r) => r.perSecond)),
    requests: median(rs.map((r) => r.requests)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
  });
  const adminRun = medianRun(runs.admin);
  const rbacRate = median(runs.rbac.map((r) => r.perSecond));
  console.log(`api/sqlite: creates/s via RBAC ${rbacRate.toFixed(0)} vs system:masters ${adminRun.perSecond.toFixed(0)} (medians of ${rbacRounds}) -> ratio ${(rbacRate / adminRun.perSecond).toFixed(3)} (aim >= 0.95)`);
  return adminRun;
}

/** Delivery latencies of one watch measurement, in ms. */
interface WatchResult {
  deliveries: number;
  p50: number;
  p99: number;
  /** The server's CPU time (user and system) over the measurement per delivery, in µs. */
  serverMicrosPerDelivery?: number;
}

/**
 * Attaches the watchers' process to `namespace` (which must hold no objects: initial events
 * would count), makes the watched creates at the set rate once they are ready, and resolves with
 * the latencies the watchers saw. `started` learns the process (killed by the caller on failure).
 */
/** Where the watchers of one measurement connect: the API server, or the fan-out baseline. */
interface WatchTarget {
  /** A kubeconfig naming it (the watchers' process reads it). */
  kubeconfig: string;
  /** The writers' client. */
  client: BenchClient;
  /** Its process, whose CPU time is measured. */
  pid: number;
  /** How profiles of the watchers' process are named (`api-<label>-watchers-<namespace>`). */
  label: string;
}

async function measureWatch(target: WatchTarget, namespace: string, http2: boolean, started: (p: ChildProcess) => void): Promise<WatchResult> {
  const { kubeconfig, client } = target;
  await client.send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const proc = spawn(process.execPath, [...cpuProfileFlags(`api-${target.label}-watchers-${namespace}`), watcherScript, kubeconfig, namespace, String(watchers), String(watchedCreates), http2 ? '1' : '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started(proc);
  let cpuBefore = 0;
  const result = await new Promise<WatchResult>((resolve, reject) => {
    lines(proc, (l) => {
      if (l === 'ready') {
        // The first events after the watchers attached are slow (code not yet optimised on
        // either side): three seconds of warm-up creates (90 at 30/s), left out of the figures, come first.
        void apiCreates(client, namespace, watchWarmup, 'warm', watchedRate, false)
          .then(() => cpuSeconds(target.pid))
          .then((seconds) => {
            cpuBefore = seconds;
            return apiCreates(client, namespace, watchedCreates, 'w', watchedRate);
          })
          .catch(reject);
      }
      else if (l.startsWith('{')) resolve(JSON.parse(l) as WatchResult);
    });
    proc.on('exit', (code) => code && reject(new Error(`watchers exited ${code}`)));
  });
  // Once every delivery arrived, the server's CPU time since the creates started is theirs
  // (and the creates'): a figure that other work on the machine disturbs less than latency.
  result.serverMicrosPerDelivery = ((await cpuSeconds(target.pid)) - cpuBefore) * 1e6 / result.deliveries;
  // The watchers exit by themselves once done (writing their profile, when asked for one).
  if (proc.exitCode === null) await new Promise((resolve) => proc.once('exit', resolve));
  return result;
}

async function benchBackend(name: string, raw: () => Promise<Store>, endpoint: string, port: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `skiff-bench-${name}-`));
  const store = await raw();
  let server: ChildProcess | undefined;
  let watcherProc: ChildProcess | undefined;
  let baseline: ChildProcess | undefined;
  const rbacToken = rbacBench && name === 'sqlite' ? randomBytes(24).toString('hex') : undefined;
  try {
    if (rbacToken) {
      // Read by the server at start: a static token for a user with no groups (upstream's token file format).
      await mkdir(join(dir, 'server'), { recursive: true });
      await writeFile(join(dir, 'server', 'tokens.csv'), `${rbacToken},${rbacUser},${rbacUser}\n`, { mode: 0o600 });
    }
    const rawRate = creates > 0 ? (await measureRawCreates(store, { writers, total: creates, valueBytes, prefix: '/bench/raw/' })).perSecond : 0;
    await store.close();
    server = await startServer(dir, port, endpoint, `api-${name}-creates`);
    let client = new BenchClient(join(dir, 'kubeconfig.yaml'), writers);
    await client.send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    if (creates > 0) {
      const cpuBefore = await cpuSeconds(server.pid!);
      const api = rbacToken ? await compareRBAC(client, dir, port, rbacToken) : await wrkCreates(dir, port, 'bench');
      // The server's CPU per create: less sensitive than the rates to other work on a shared machine.
      const cpuPerCreate = rbacToken ? undefined : ((await cpuSeconds(server.pid!)) - cpuBefore) / api.requests;
      console.log(
        `api/${name}: creates/s ${api.perSecond.toFixed(0)} vs raw store ${rawRate.toFixed(0)} -> ratio ${(api.perSecond / rawRate).toFixed(3)} (aim >= 0.5); create latency p50 ${api.p50.toFixed(1)} ms, p99 ${api.p99.toFixed(1)} ms (wrk, ${writers} connections)` +
          (cpuPerCreate === undefined ? '' : `; server CPU ${(cpuPerCreate * 1e6).toFixed(0)} µs per create`),
      );
    }
    if (watchers <= 0) {
      client.agent.destroy();
      return;
    }
    if (process.env.BENCH_SERVER_CPU_PROF && creates > 0) {
      // One profile per step: the watch step's server starts afresh on the same data.
      client.agent.destroy();
      await stopServer(server);
      server = await startServer(dir, port, endpoint, `api-${name}-watch`);
      client = new BenchClient(join(dir, 'kubeconfig.yaml'), writers);
    }
    // The baseline: the same watchers and writers on a bare fan-out server of the same
    // certificate (bench/watch-baseline-server), what one event loop does with no API around it.
    baseline = await startWatchBaseline(dir, port + 100);
    const baselineConfig = join(dir, 'kubeconfig-baseline.yaml');
    const kubeconfigText = await readFile(join(dir, 'kubeconfig.yaml'), 'utf8');
    if (!kubeconfigText.includes(`https://127.0.0.1:${port}`)) throw new Error(`kubeconfig.yaml does not name https://127.0.0.1:${port}`);
    await writeFile(baselineConfig, kubeconfigText.replace(`https://127.0.0.1:${port}`, `https://127.0.0.1:${port + 100}`));
    const targets: WatchTarget[] = [
      { kubeconfig: join(dir, 'kubeconfig.yaml'), client, pid: server.pid!, label: name },
      { kubeconfig: baselineConfig, client: new BenchClient(baselineConfig, writers), pid: baseline.pid!, label: `${name}-baseline` },
    ];
    for (const protocol of watchProtocols) {
      const http2 = protocol === 'http2';
      const how = http2 ? 'HTTP/2, one connection for all' : 'HTTP/1.1, a connection each';
      // Unloaded first, then with a busy loop of the benchmark's own on one of the two cores;
      // each time the API server, then the baseline.
      const [unloaded, unloadedBase] = [
        await measureWatch(targets[0]!, `watched-${protocol}`, http2, (p) => (watcherProc = p)),
        await measureWatch(targets[1]!, `watched-${protocol}`, http2, (p) => (watcherProc = p)),
      ];
      const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
      let loaded: WatchResult;
      let loadedBase: WatchResult;
      try {
        loaded = await measureWatch(targets[0]!, `watched-${protocol}-loaded`, http2, (p) => (watcherProc = p));
        loadedBase = await measureWatch(targets[1]!, `watched-${protocol}-loaded`, http2, (p) => (watcherProc = p));
      } finally {
        if (hog.pid && hog.exitCode === null) process.kill(hog.pid, 'SIGKILL');
      }
      const figures = (r: WatchResult) => `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.serverMicrosPerDelivery!.toFixed(1)} µs CPU per delivery`;
      console.log(
        `api/${name}: watch delivery with ${watchers} watchers (${how}), ${writers} writers at ${watchedRate} creates/s, ${unloaded.deliveries} deliveries: p50 ${unloaded.p50.toFixed(1)} ms, p99 ${unloaded.p99.toFixed(1)} ms (aim p99 < 50 ms); server CPU ${unloaded.serverMicrosPerDelivery!.toFixed(1)} µs per delivery; bare fan-out baseline ${figures(unloadedBase)} -> CPU ratio ${(unloaded.serverMicrosPerDelivery! / unloadedBase.serverMicrosPerDelivery!).toFixed(2)}`,
      );
      console.log(
        `api/${name}: same (${how}) with a CPU-bound process on one core: p50 ${loaded.p50.toFixed(1)} ms, p99 ${loaded.p99.toFixed(1)} ms (aim p99 < 200 ms); server CPU ${loaded.serverMicrosPerDelivery!.toFixed(1)} µs per delivery -> loaded/unloaded p50 ${(loaded.p50 / unloaded.p50).toFixed(2)}, p99 ${(loaded.p99 / unloaded.p99).toFixed(2)}; bare fan-out baseline ${figures(loadedBase)}`,
      );
    }
    targets[1]!.client.agent.destroy();
    client.agent.destroy();
  } finally {
    if (watcherProc?.pid && watcherProc.exitCode === null) process.kill(watcherProc.pid, 'SIGKILL');
    if (baseline?.pid && baseline.exitCode === null) process.kill(baseline.pid, 'SIGKILL');
    if (server) await stopServer(server);
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
