/**
 * bench/dns: the cluster DNS server's queries per second and latency for Service names, on one
 * core, beside the same load against a trivial UDP echo server in the same run (the ratio is what
 * the server costs over Node's UDP path). Run through `npm run bench -- dns` (scripts/bench.sh),
 * which puts it in a network namespace of its own. Each server runs pinned to core 0
 * (bench/dns-target); dnsperf, pinned to core 1, sends A queries for random Service names with
 * BENCH_DNS_OUTSTANDING (default 100) queries in flight for BENCH_DNS_SECONDS (default 10).
 * Latency percentiles come from dnsperf's per-query report (-v). The servers take turns for
 * BENCH_DNS_ROUNDS rounds (default 2), the best round of each counting. Sizes: BENCH_DNS_SERVICES
 * (default 1000).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile } from './https-client.js';

const services = Number(process.env.BENCH_DNS_SERVICES ?? 1000);
const seconds = Number(process.env.BENCH_DNS_SECONDS ?? 10);
const outstanding = Number(process.env.BENCH_DNS_OUTSTANDING ?? 100);
const rounds = Number(process.env.BENCH_DNS_ROUNDS ?? 2);
const queryLines = 10_000;
const target = fileURLToPath(new URL('./dns-target.js', import.meta.url));

interface LoadResult {
  qps: number;
  p50Ms: number;
  p99Ms: number;
  completed: number;
  lost: number;
  rcodes: Map<string, number>;
}

async function startTarget(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn('taskset', ['-c', '0', process.execPath, target, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`${args[0]} target exited ${code}: ${out}`)));
  });
  return { child, port };
}

async function stopTarget(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || !child.pid) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGTERM');
  await exited;
}

/**
 * Runs dnsperf against `port` and reads its summary and per-query latencies. Its report goes to
 * a file, read afterwards: parsing it live would load the core the load generator runs on.
 */
async function dnsperf(port: number, queryFile: string, reportFile: string): Promise<LoadResult> {
  const args = ['-c', '1', 'dnsperf', '-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', String(seconds), '-q', String(outstanding), '-t', '2', '-v'];
  const report = await open(reportFile, 'w');
  let code: number | null;
  try {
    const child = spawn('taskset', args, { stdio: ['ignore', report.fd, 'inherit'] });
    code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', resolve);
    });
  } finally {
    await report.close();
  }
  const latencies: number[] = [];
  const rcodes = new Map<string, number>();
  let summary = '';
  for await (const line of createInterface({ input: createReadStream(reportFile), crlfDelay: Infinity })) {
    // Per query: `> NOERROR svc-1.ns-1.svc.cluster.local A 0.000123`.
    const m = /^> (\S+) \S+ \S+ ([\d.]+)$/.exec(line);
    if (m) {
      rcodes.set(m[1]!, (rcodes.get(m[1]!) ?? 0) + 1);
      latencies.push(Number(m[2]) * 1000);
    } else summary += `${line}\n`;
  }
  if (code !== 0) throw new Error(`dnsperf exited ${code}: ${summary}`);
  const qps = /Queries per second:\s+([\d.]+)/.exec(summary);
  const completed = /Queries completed:\s+(\d+)/.exec(summary);
  const lost = /Queries lost:\s+(\d+)/.exec(summary);
  if (!qps || !completed || !lost) throw new Error(`no summary in dnsperf output:\n${summary}`);
  latencies.sort((a, b) => a - b);
  return { qps: Number(qps[1]), p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), completed: Number(completed[1]), lost: Number(lost[1]), rcodes };
}

function describe(r: LoadResult): string {
  const codes = [...r.rcodes].map(([c, n]) => `${c} ${n}`).join(', ');
  return `${r.qps.toFixed(0)} queries/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms (${r.completed} completed, ${r.lost} lost; ${codes})`;
}

// This process shares core 1 with the load generator, leaving core 0 to the server measured.
spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-dns-'));
try {
  const queryFile = join(dir, 'queries.txt');
  const lines: string[] = [];
  for (let i = 0; i < queryLines; i++) {
    const n = Math.floor(Math.random() * services);
    lines.push(`svc-${n}.ns-${n % 10}.svc.cluster.local A`);
  }
  await writeFile(queryFile, lines.join('\n') + '\n');

  // Rounds alternate the two servers, so that other load on the machine falls on both alike;
  // each server's best round counts.
  const best = new Map<string, LoadResult>();
  for (let round = 1; round <= rounds; round++) {
    for (const kind of ['echo', 'cluster'] as const) {
      const target = await startTarget(kind === 'echo' ? ['echo'] : ['cluster', String(services)]);
      let result: LoadResult;
      try {
        result = await dnsperf(target.port, queryFile, join(dir, `${kind}.report`));
      } finally {
        await stopTarget(target.child);
      }
      const label = kind === 'echo' ? 'echo' : `cluster (${services} Services)`;
      console.log(`dns/${label} round ${round}: ${describe(result)}`);
      if (kind === 'cluster' && (result.rcodes.get('NOERROR') ?? 0) !== result.completed) throw new Error('some Service queries were not answered NOERROR');
      const previous = best.get(kind);
      if (!previous || result.qps > previous.qps) best.set(kind, result);
    }
  }
  const echoResult = best.get('echo')!;
  const clusterResult = best.get('cluster')!;
  console.log(
    `dns: cluster server / echo server (best of ${rounds}): queries/s ${clusterResult.qps.toFixed(0)} / ${echoResult.qps.toFixed(0)} = ratio ${(clusterResult.qps / echoResult.qps).toFixed(3)}; p99 ${clusterResult.p99Ms.toFixed(2)} ms vs ${echoResult.p99Ms.toFixed(2)} ms`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
