import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Registry } from '../apimachinery/metrics.js';
import { familyOf, parsePrometheusText, samplesOf } from '../testing/prometheus-text.js';
import { EndpointConnectionMetrics, tallyEndpointConnections } from './endpoint-connections.js';
import { frontendIndex } from './frontend-index.js';
import { service, testNode } from './testing.js';

const captured = async (): Promise<string[]> =>
  (await readFile(fileURLToPath(new URL('../../../src/proxy/testdata/nf_conntrack.txt', import.meta.url)), 'utf8')).split('\n');

/** The Service the captured table's DNAT stood for: 10.98.0.10, 80/TCP and 53/UDP. */
const web = service('web', { clusterIP: '10.98.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] }, {}, 'shop');

async function* batches(...lists: string[][]): AsyncGenerator<string[]> {
  for (const lines of lists) yield lines;
}

test('the captured table: two connections to each HTTP endpoint, one UDP flow; traffic to no frontend is not counted', async () => {
  const tally = await tallyEndpointConnections(batches(await captured()), frontendIndex([web], testNode));
  assert.equal(tally.entries, 8);
  assert.equal(tally.truncated, false);
  assert.deepEqual(
    [...tally.counts.values()].map((c) => `${c.ref.namespace}/${c.ref.service} ${c.ref.port} ${c.endpoint} ${c.count}`).sort(),
    ['shop/web 53/UDP 10.99.0.2:5353 1', 'shop/web 80 10.99.0.1:8080 2', 'shop/web 80 10.99.0.2:8081 2'],
  );
});

test('an entry to a frontend that nothing DNATed (its reply comes from the frontend itself) is no endpoint', async () => {
  const line = 'ipv4     2 tcp      6 119 SYN_SENT src=10.99.0.1 dst=10.98.0.10 sport=1234 dport=80 [UNREPLIED] src=10.98.0.10 dst=10.99.0.1 sport=80 dport=1234 mark=0 zone=0 use=2';
  const tally = await tallyEndpointConnections(batches([line]), frontendIndex([web], testNode));
  assert.equal(tally.counts.size, 0);
});

test('the cap: lines past maxEntries are not read, and the tally says so', async () => {
  const lines = await captured();
  const tally = await tallyEndpointConnections(batches(lines.slice(0, 3), lines.slice(3)), frontendIndex([web], testNode), { maxEntries: 2 });
  assert.equal(tally.truncated, true);
  assert.equal(tally.entries, 2);
  assert.equal([...tally.counts.values()].reduce((n, c) => n + c.count, 0), 2);
});

test('the gauge is read at each scrape: a gone endpoint loses its series; concurrent scrapes share one read', async () => {
  const registry = new Registry();
  let table = await captured();
  let reads = 0;
  const truncated: number[] = [];
  const metrics = new EndpointConnectionMetrics({
    registry,
    frontends: () => frontendIndex([web], testNode),
    readConntrack: () => {
      reads++;
      return batches(table);
    },
    maxEntries: 7,
    onTruncated: (n) => truncated.push(n),
  });
  const stop = metrics.register();
  const series = async (text: Promise<string>) =>
    samplesOf(familyOf(await parsePrometheusText(await text), 'skiff_proxy_endpoint_connections'), 'skiff_proxy_endpoint_connections')
      .map((s) => `${s.labels.namespace}/${s.labels.service} ${s.labels.port} ${s.labels.endpoint} ${s.value}`)
      .sort();
  const [first, second] = await Promise.all([series(registry.render()), series(registry.render())]);
  assert.equal(reads, 1);
  // The 8th line (UDP nobody answered) is past the cap of 7.
  assert.deepEqual(first, ['shop/web 53/UDP 10.99.0.2:5353 1', 'shop/web 80 10.99.0.1:8080 2', 'shop/web 80 10.99.0.2:8081 2']);
  assert.deepEqual(second, first);
  assert.deepEqual(truncated, [7]);
  table = table.filter((l) => !l.includes('sport=8081'));
  assert.deepEqual(await series(registry.render()), ['shop/web 53/UDP 10.99.0.2:5353 1', 'shop/web 80 10.99.0.1:8080 2']);
  assert.deepEqual(truncated, [7], 'told once while the table stays too large');
  assert.match(await registry.render(), /^skiff_proxy_conntrack_entries_read 6$/m);
  stop();
  table = [];
  assert.equal((await series(registry.render())).length, 2, 'no longer read once stopped');
});

test('the counter follows the kernel: increases add up, a forgotten pair counts again from 0, ambiguous and gone pairs have no series', async () => {
  const registry = new Registry();
  const ref = { namespace: 'shop', service: 'web', port: '80' };
  let kernel = new Map([['tcp 10.98.0.10 10.99.0.1:8080', 11], ['tcp 10.98.0.10 10.99.0.2:8081', 9], ['tcp 10.98.0.10 10.99.0.3:8080', 4]]);
  let attribution = new Map<string, typeof ref | null>([
    ['tcp 10.98.0.10 10.99.0.1:8080', ref],
    ['tcp 10.98.0.10 10.99.0.2:8081', ref],
    ['tcp 10.98.0.10 10.99.0.3:8080', null],
  ]);
  const stop = new EndpointConnectionMetrics({
    registry,
    frontends: () => new Map(),
    readConntrack: () => batches([]),
    counters: { read: async () => kernel, attribution: () => attribution },
  }).register();
  const totals = async () =>
    // The Python parser names the counter's family without `_total`, beside the gauge's.
    (await parsePrometheusText(await registry.render()))
      .filter((f) => f.type === 'counter' && f.name === 'skiff_proxy_endpoint_connections')
      .flatMap((f) => samplesOf(f, 'skiff_proxy_endpoint_connections_total'))
      .map((s) => `${s.labels.service} ${s.labels.port} ${s.labels.endpoint} ${s.value}`)
      .sort();
  assert.deepEqual(await totals(), ['web 80 10.99.0.1:8080 11', 'web 80 10.99.0.2:8081 9']);
  kernel = new Map([['tcp 10.98.0.10 10.99.0.1:8080', 15], ['tcp 10.98.0.10 10.99.0.2:8081', 9]]);
  assert.deepEqual(await totals(), ['web 80 10.99.0.1:8080 15', 'web 80 10.99.0.2:8081 9']);
  // 10.99.0.2's pair idled out of the kernel's set, then came back with 2 new connections.
  kernel = new Map([['tcp 10.98.0.10 10.99.0.1:8080', 15]]);
  assert.deepEqual(await totals(), ['web 80 10.99.0.1:8080 15', 'web 80 10.99.0.2:8081 9']);
  kernel = new Map([['tcp 10.98.0.10 10.99.0.1:8080', 15], ['tcp 10.98.0.10 10.99.0.2:8081', 2]]);
  assert.deepEqual(await totals(), ['web 80 10.99.0.1:8080 15', 'web 80 10.99.0.2:8081 11']);
  // The endpoint 10.99.0.1 left the Service: its series goes.
  attribution = new Map([['tcp 10.98.0.10 10.99.0.2:8081', ref]]);
  assert.deepEqual(await totals(), ['web 80 10.99.0.2:8081 11']);
  stop();
});
