/**
 * bench/proxy-sync: the Service proxy's syncs against loading the same `nft -f` text alone.
 * Run through `npm run bench -- proxy-sync` (scripts/bench.sh), which puts it in a network
 * namespace of its own (our table is made there and goes with it).
 *  1. A full sync of BENCH_PROXY_FULL (10,000) Services × 2 endpoints: desired state, render and
 *     `nft -f`, beside `nft -f` of the same text alone.
 *  2. With BENCH_PROXY_SERVICES (1,000 and 10,000) Services present, a ServiceProxy watching an
 *     in-memory API: the time from one EndpointSlice update to the partial sync being in the
 *     kernel (BENCH_PROXY_CHANGES changes, spaced beyond the minimum sync interval), beside
 *     `nft -f` of a delta of the same shape alone (the proxy's partial syncs go through its
 *     long-lived `nft -i` instead, so this ratio is below 1).
 */
import { performance } from 'node:perf_hooks';
import { desiredRuleset, type NodeFacts } from '../src/proxy/desired-ruleset.js';
import { NftablesSyncer, spawnCommand, type SyncOutcome } from '../src/proxy/nftables.js';
import { renderRuleset } from '../src/proxy/ruleset.js';
import { rulesetDelta } from '../src/proxy/ruleset-delta.js';
import { ServiceProxy } from '../src/proxy/service-proxy.js';
import { manyServices } from '../src/proxy/testing.js';
import { MemoryClient } from '../src/testing/memory-client.js';

const fullServices = Number(process.env.BENCH_PROXY_FULL ?? 10_000);
const sizes = (process.env.BENCH_PROXY_SERVICES ?? '1000,10000').split(',').map(Number);
const changes = Number(process.env.BENCH_PROXY_CHANGES ?? 20);
const minSyncIntervalMs = 100;
const node: NodeFacts = { nodeName: 'bench-node', nodeIPs: ['192.168.77.2'], clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.170.0.0/16' };
const servicesRef = { group: '', version: 'v1', resource: 'services' };
const slicesRef = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

async function nft(text: string): Promise<void> {
  const result = await spawnCommand('nft', ['-f', '-'], text);
  if (result.code !== 0) throw new Error(`nft -f: ${result.stderr.trim()}`);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

async function fullSync(): Promise<void> {
  const cluster = manyServices(fullServices, 2);
  const syncer = new NftablesSyncer();
  const ours = await timed(() => syncer.sync(desiredRuleset({ ...cluster, node }).ruleset, { full: true }));
  syncer.close();
  const text = renderRuleset(desiredRuleset({ ...cluster, node }).ruleset);
  const alone = await timed(() => nft(text));
  console.log(
    `full sync, ${fullServices} Services x 2 endpoints: ${ms(ours)} (nft -f of the same ${(text.length / 1e6).toFixed(1)} MB alone: ${ms(alone)}, ratio ${(ours / alone).toFixed(2)})`,
  );
}

/** A new address for the second endpoint of Service `index`, change `n`. */
function movedAddress(n: number): string {
  return `10.99.${(n >>> 8) & 255}.${n & 255}`;
}

async function endpointChanges(count: number): Promise<void> {
  await nft('add table ip skiff\ndelete table ip skiff\n');
  const cluster = manyServices(count, 2);
  const client = new MemoryClient();
  for (const svc of cluster.services) await client.create(servicesRef, 'default', svc);
  for (const slice of cluster.endpointSlices) await client.create(slicesRef, 'default', slice);
  const synced: { at: number; outcome: SyncOutcome }[] = [];
  const proxy = new ServiceProxy({ client, node, minSyncIntervalMs, syncPeriodMs: 3_600_000, onSynced: (outcome) => synced.push({ at: performance.now(), outcome }) });
  const stop = new AbortController();
  const running = proxy.start(stop.signal);
  const waitForSync = async (seen: number, what: string): Promise<{ at: number; outcome: SyncOutcome }> => {
    const deadline = performance.now() + 60_000;
    while (synced.length <= seen) {
      if (performance.now() > deadline) throw new Error(`no sync for ${what}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return synced[seen]!;
  };
  await waitForSync(0, 'the first full sync');
  const latencies: number[] = [];
  const modes = new Set<string>();
  for (let n = 0; n < changes; n++) {
    await new Promise((resolve) => setTimeout(resolve, minSyncIntervalMs * 1.5));
    const slice = cluster.endpointSlices[(n * 7919) % count]!;
    slice.endpoints[1]!.addresses = [movedAddress(n)];
    const seen = synced.length;
    const start = performance.now();
    await client.update(slicesRef, 'default', slice);
    const { at, outcome } = await waitForSync(seen, `change ${n}`);
    if (!outcome.text.includes(movedAddress(n))) throw new Error(`change ${n} not in its sync: ${outcome.text}`);
    modes.add(outcome.mode);
    latencies.push(at - start);
  }
  stop.abort();
  await running;

  // The baseline: deltas of the same shape, loaded alone (each reverted, untimed, after).
  const baseline = manyServices(count, 2);
  let state = desiredRuleset({ ...baseline, node }).ruleset;
  await nft(renderRuleset(state));
  const alone: number[] = [];
  for (let n = 0; n < changes; n++) {
    const slice = baseline.endpointSlices[(n * 7919) % count]!;
    const before = slice.endpoints[1]!.addresses;
    slice.endpoints[1]!.addresses = [movedAddress(n)];
    const next = desiredRuleset({ ...baseline, node }).ruleset;
    const forward = rulesetDelta(state, next)!;
    const back = rulesetDelta(forward.applied, state)!;
    alone.push(await timed(() => nft(forward.text)));
    await nft(back.text);
    slice.endpoints[1]!.addresses = before;
    state = back.applied;
  }
  const ours = median(latencies);
  const base = median(alone);
  console.log(
    `one EndpointSlice change, ${count} Services x 2 endpoints: median ${ms(ours)} from update to kernel (${[...modes].join('/')} syncs; ` +
      `max ${ms(Math.max(...latencies))}), nft -f of the delta alone: median ${ms(base)}, ratio ${(ours / base).toFixed(2)}`,
  );
}

async function main(): Promise<void> {
  console.log(`proxy-sync: nft ${(await spawnCommand('nft', ['--version'], '')).stdout.trim()}`);
  await fullSync();
  for (const count of sizes) await endpointChanges(count);
  await nft('add table ip skiff\ndelete table ip skiff\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
