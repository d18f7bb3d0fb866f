import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../apimachinery/clock.js';
import { MemoryClient } from '../testing/memory-client.js';
import type { SkippedPort } from './desired-ruleset.js';
import type { CommandResult } from './nftables.js';
import { ServiceProxy } from './service-proxy.js';
import { seedCluster, service, slice, testNode } from './testing.js';

/** Moves the fake clock 10 ms a round until `condition` holds; fails after 10 s of real time. */
async function waitFor(clock: FakeClock, condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await clock.advanceAsync(10);
  }
}

const services = { group: '', version: 'v1', resource: 'services' };
const endpointSlices = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

test('ServiceProxy loads the seed fully, then an EndpointSlice change as an element delta', async () => {
  const clock = new FakeClock();
  const client = new MemoryClient({ clock });
  const seed = seedCluster();
  for (const svc of seed.services) await client.create(services, 'default', svc);
  for (const s of seed.endpointSlices) await client.create(endpointSlices, 'default', s);
  const loaded: string[] = [];
  const skipped: SkippedPort[][] = [];
  const proxy = new ServiceProxy({
    client,
    node: testNode,
    clock,
    run: async (_program, _args, stdin): Promise<CommandResult> => {
      loaded.push(stdin);
      return { code: 0, stdout: '', stderr: '' };
    },
    onSkipped: (s) => skipped.push(s),
  });
  const stop = new AbortController();
  const running = proxy.start(stop.signal);
  try {
    await waitFor(clock, () => loaded.length === 1, 'the full sync');
    assert.match(loaded[0]!, /10\.170\.11\.11 \. tcp \. 99 : goto endpoints-2/);

    const changed = seed.endpointSlices[2]!;
    changed.endpoints = changed.endpoints.slice(0, 3);
    await client.update(endpointSlices, 'default', changed);
    await client.create(services, 'default', service('sctp', { clusterIP: '10.170.11.50', ports: [{ name: 'assoc', port: 9, protocol: 'SCTP' }] }));
    await waitFor(clock, () => loaded.length === 2, 'one partial sync for both changes');
    assert.match(loaded[1]!, /^add map ip skiff endpoints-3/);
    assert.match(loaded[1]!, /add element ip skiff frontends \{ 10\.170\.11\.88 \. tcp \. 80 : goto endpoints-3 \}/);
    assert.match(loaded[1]!, /add element ip skiff cluster-ips \{ 10\.170\.11\.50 \}/);
    assert.deepEqual(skipped, [[{ service: 'default/sctp', port: 'assoc', reason: 'protocol SCTP is not supported by the Service proxy' }]]);
  } finally {
    stop.abort();
    await running;
  }
});

test('ServiceProxy flushes the conntrack entries of a UDP endpoint once a sync removed it', async () => {
  const clock = new FakeClock();
  const client = new MemoryClient({ clock });
  const ports = [{ name: 'dns', port: 10053, protocol: 'UDP' }];
  await client.create(services, 'default', service('dns', { clusterIP: '10.170.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }));
  const dnsSlice = slice('dns', 'dns-1', ports, [{ ip: '10.42.0.5' }, { ip: '10.42.0.6' }]);
  await client.create(endpointSlices, 'default', dnsSlice);
  const flushed: string[] = [];
  let syncs = 0;
  const proxy = new ServiceProxy({
    client,
    node: testNode,
    clock,
    run: async (): Promise<CommandResult> => ({ code: 0, stdout: '', stderr: '' }),
    onSynced: () => syncs++,
    flushUdpEntries: async (pairs) => void flushed.push(...pairs.map((p) => `${p.frontendIP}:${p.frontendPort}>${p.endpointIP}`)),
  });
  const stop = new AbortController();
  const running = proxy.start(stop.signal);
  try {
    await waitFor(clock, () => syncs === 1, 'the full sync');
    assert.deepEqual(flushed, []);
    await client.update(endpointSlices, 'default', { ...dnsSlice, endpoints: dnsSlice.endpoints.slice(1) });
    await waitFor(clock, () => flushed.length > 0, 'the flush');
    assert.deepEqual(flushed, ['10.170.0.10:53>10.42.0.5']);
  } finally {
    stop.abort();
    await running;
  }
});

test('ServiceProxy.frontendIndex follows the Services in its cache', async () => {
  const clock = new FakeClock();
  const client = new MemoryClient({ clock });
  for (const svc of seedCluster().services) await client.create(services, 'default', svc);
  let syncs = 0;
  const proxy = new ServiceProxy({ client, node: testNode, clock, run: async (): Promise<CommandResult> => ({ code: 0, stdout: '', stderr: '' }), onSynced: () => syncs++ });
  const stop = new AbortController();
  const running = proxy.start(stop.signal);
  try {
    await waitFor(clock, () => syncs === 1, 'the full sync');
    assert.deepEqual([...proxy.frontendIndex().keys()].sort(), ['tcp 10.170.11.11:80', 'tcp 10.170.11.11:99', 'tcp 10.170.11.88:80']);
    await client.delete(services, 'default', 'cluster-service-test');
    await waitFor(clock, () => !proxy.frontendIndex().has('tcp 10.170.11.11:80'), 'the deleted Service gone from the index');
    assert.deepEqual([...proxy.frontendIndex().keys()], ['tcp 10.170.11.88:80']);
  } finally {
    stop.abort();
    await running;
  }
});
