/**
 * The watcher side of bench/api, run as its own process so that parsing a million events
 * does not slow the writers: `node api-watchers.js KUBECONFIG NAMESPACE COUNT EXPECTED`.
 * Opens COUNT watches, prints "ready", then waits until each saw EXPECTED creates and prints
 * the delivery latencies' p50/p99 in ms (from the `sentAt` the writer put in each object).
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

await Promise.all(
  Array.from({ length: count }, async () => {
    let seen = 0;
    await client.watch(
      `/api/v1/namespaces/${namespace}/configmaps?watch=true&resourceVersion=0`,
      (line) => {
        const ev = JSON.parse(line) as { type: string; object: { data?: { sentAt?: string } } };
        if (ev.type !== 'ADDED' || !ev.object.data?.sentAt) return;
        latencies.push(now() - Number(ev.object.data.sentAt));
        if (++seen === expected && ++done === count) finish();
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
