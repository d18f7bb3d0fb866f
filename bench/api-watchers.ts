/**
 * The watcher side of bench/api, run as its own process so that reading a million events
 * does not slow the writers: `node api-watchers.js KUBECONFIG NAMESPACE COUNT EXPECTED`.
 * Opens COUNT watches, prints "ready", then waits until each saw EXPECTED creates and prints
 * the delivery latencies' p50/p99 in ms (from the `sentAt` the writer put in each object).
 *
 * This process shares the machine's 2 cores with the server, so it is kept cheap so that the
 * benchmark measures the server: events are not JSON-parsed; each line's bytes are scanned for
 * its type (`{"type":"ADDED"` at its start, where the server puts it) and the `"sentAt":"…"`
 * value, the only fields the measurement needs.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { BenchClient, quantile } from './https-client.js';

const [kubeconfig, namespace, countArg, expectedArg] = process.argv.slice(2);
const count = Number(countArg);
const expected = Number(expectedArg);
const client = new BenchClient(kubeconfig, count + 10);
const controller = new AbortController();
setMaxListeners(count + 10, controller.signal);
const latencies: number[] = [];
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
  Array.from({ length: count }, async () => {
    let seen = 0;
    /** The start of a line that the last piece did not finish. */
    let rest: Buffer | undefined;
    await client.watchBytes(
      `/api/v1/namespaces/${namespace}/configmaps?watch=true&resourceVersion=0`,
      (piece) => {
        const received = now();
        const data = rest ? Buffer.concat([rest, piece]) : piece;
        let start = 0;
        let nl: number;
        while ((nl = data.indexOf(newline, start)) >= 0) {
          const sent = sentAtOf(data, start, nl);
          start = nl + 1;
          if (Number.isNaN(sent)) continue;
          latencies.push(received - sent);
          if (++seen === expected && ++done === count) finish();
        }
        rest = start < data.length ? data.subarray(start) : undefined;
      },
      controller.signal,
    );
  }),
);
process.stdout.write('ready\n');

function finish(): void {
  latencies.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ deliveries: latencies.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) }) + '\n');
  controller.abort();
  client.agent.destroy();
  process.exit(0);
}
