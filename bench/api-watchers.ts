/**
 * The watcher side of bench/api, run as its own process so that reading a million events
 * does not slow the writers: `node api-watchers.js KUBECONFIG NAMESPACE COUNT EXPECTED [HTTP2]`.
 * Opens COUNT watches, prints "ready", then waits until each saw EXPECTED creates and prints
 * the delivery latencies' p50/p99 in ms (from the `sentAt` the writer put in each object;
 * objects without one, the writer's warm-up, are not counted). With BENCH_WATCH_DEBUG set, it
 * also prints (stderr) the events whose last delivery took longest.
 *
 * This process shares the machine's 2 cores with the server, so it is kept cheap so that the
 * benchmark measures the server: events are not JSON-parsed; each line's bytes are scanned for
 * its type (`{"type":"ADDED"` at its start, where the server puts it) and the `"sentAt":"…"`
 * value, the only fields the measurement needs.
 */
import { setMaxListeners } from 'node:events';
import { connect, type ClientHttp2Session } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { loadKubeconfig } from '../src/client/kubeconfig.js';
import { BenchClient, quantile } from './https-client.js';

const [kubeconfig, namespace, countArg, expectedArg, http2Arg] = process.argv.slice(2);
const count = Number(countArg);
const expected = Number(expectedArg);
/**
 * HTTP2 > 0: the watches share that many HTTP/2 connections (as client-go's watches share one),
 * with connection and stream windows as large as Go's HTTP/2 client opens them; 0 (or absent):
 * HTTP/1.1, one connection per watch.
 */
const http2Connections = Number(http2Arg ?? 0);
const client = new BenchClient(kubeconfig, count + 10);
const sessions: ClientHttp2Session[] = [];
if (http2Connections > 0) {
  const { server, ca, cert, key } = loadKubeconfig(kubeconfig);
  for (let i = 0; i < http2Connections; i++) {
    const session = connect(server, { ca, cert, key, settings: { initialWindowSize: 4 << 20 } });
    session.on('connect', () => session.setLocalWindowSize(1 << 30));
    session.on('error', (err) => console.error(`http2 session: ${err.message}`));
    sessions.push(session);
  }
}

/** Opens one watch on HTTP/2 and calls `onData` with each piece of its body. Resolves once open. */
function watchHttp2(session: ClientHttp2Session, path: string, onData: (data: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    stream.on('response', (headers) => {
      if (headers[':status'] !== 200) return reject(new Error(`watch ${path}: ${headers[':status']}`));
      resolve();
    });
    stream.on('data', onData);
    stream.on('error', (err: Error) => {
      if (!controller.signal.aborted) reject(err);
    });
  });
}

const controller = new AbortController();
setMaxListeners(count + 10, controller.signal);
const latencies: number[] = [];
const debug = Boolean(process.env.BENCH_WATCH_DEBUG);
/** The latest delivery of each event (by its `sentAt`), kept only with BENCH_WATCH_DEBUG. */
const perEvent = new Map<number, number>();
let done = 0;
const now = () => performance.timeOrigin + performance.now();
const added = Buffer.from('{"type":"ADDED"');
const sentAt = Buffer.from('"sentAt":"');
const newline = 0x0a;
const quote = 0x22;

/** The `sentAt` of an ADDED event's line (`line[start, end)`), or NaN for any other line. */
function sentAtOf(line: Buffer, start: number, end: number): number {
  if (end - start < added.length || line.compare(added, 0, added.length, start, start + added.length) !== 0) return NaN;
  const at = line.indexOf(sentAt, start);
  if (at < 0 || at >= end) return NaN;
  const from = at + sentAt.length;
  const to = line.indexOf(quote, from);
  return to < 0 || to > end ? NaN : Number(line.toString('latin1', from, to));
}

await Promise.all(
  Array.from({ length: count }, async (_, index) => {
    let seen = 0;
    /** The start of a line that the last piece did not finish. */
    let rest: Buffer | undefined;
    const path = `/api/v1/namespaces/${namespace}/configmaps?watch=true&resourceVersion=0`;
    const onData = (piece: Buffer): void => {
      const received = now();
      const data = rest ? Buffer.concat([rest, piece]) : piece;
      let start = 0;
      let nl: number;
      while ((nl = data.indexOf(newline, start)) >= 0) {
        const sent = sentAtOf(data, start, nl);
        start = nl + 1;
        if (Number.isNaN(sent)) continue;
        latencies.push(received - sent);
        if (debug) {
          const latest = perEvent.get(sent);
          if (latest === undefined || received - sent > latest) perEvent.set(sent, received - sent);
        }
        if (++seen === expected && ++done === count) finish();
      }
      rest = start < data.length ? data.subarray(start) : undefined;
    };
    if (sessions.length) await watchHttp2(sessions[index % sessions.length]!, path, onData);
    else await client.watchBytes(path, onData, controller.signal);
  }),
);
process.stdout.write('ready\n');

function finish(): void {
  latencies.sort((a, b) => a - b);
  if (debug) {
    const events = [...perEvent.entries()].sort((a, b) => a[0] - b[0]);
    const first = events[0]?.[0] ?? 0;
    const slow = events.map(([sent, worst], i) => ({ i, at: Math.round(sent - first), worst: Math.round(worst) })).sort((a, b) => b.worst - a.worst).slice(0, 12);
    process.stderr.write(`slowest events (index, ms after the first, latest delivery ms): ${JSON.stringify(slow)}\n`);
  }
  process.stdout.write(JSON.stringify({ deliveries: latencies.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) }) + '\n');
  controller.abort();
  client.agent.destroy();
  for (const session of sessions) session.destroy();
  process.exit(0);
}
