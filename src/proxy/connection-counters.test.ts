import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConnectionCounters, connectionCountersText, endpointAttribution, parseConnectionCounters } from './connection-counters.js';
import { desiredRuleset } from './desired-ruleset.js';
import { frontendIndex } from './frontend-index.js';
import type { CommandResult } from './nftables.js';
import { seedCluster, service, slice, testNode } from './testing.js';

test('the counting table: created if absent, its rule written again (never twice), its set keeps its counts', () => {
  assert.equal(
    connectionCountersText(),
    [
      'add table ip skiff-connections',
      'add set ip skiff-connections endpoint-connections { type ipv4_addr . inet_proto . ipv4_addr . inet_service; flags dynamic,timeout; timeout 3600s; size 65536; counter; }',
      'add chain ip skiff-connections count { type filter hook postrouting priority 90; policy accept; }',
      'flush chain ip skiff-connections count',
      'add rule ip skiff-connections count meta l4proto { tcp, udp } ct status & (dnat | confirmed) == dnat update @endpoint-connections { ct original ip daddr . meta l4proto . ip daddr . th dport }',
      '',
    ].join('\n'),
  );
  assert.match(connectionCountersText({ idleTimeoutSeconds: 60, maxElements: 1024 }), /timeout 60s; size 1024;/);
});

test('the set as nft lists it (captured after 20 connections through a DNAT to two endpoints; table and set named as ours)', async () => {
  const text = await readFile(fileURLToPath(new URL('../../../src/proxy/testdata/connection-counters.txt', import.meta.url)), 'utf8');
  assert.deepEqual([...parseConnectionCounters(text)], [
    ['tcp 10.98.0.10 10.99.0.1:8080', 11],
    ['tcp 10.98.0.10 10.99.0.2:8081', 9],
  ]);
  assert.equal(parseConnectionCounters('table ip skiff-connections {\n\tset endpoint-connections {\n\t}\n}\n').size, 0);
});

test('attribution from the ruleset: each pair to its Service port; the seed\'s named port resolves per endpoint', () => {
  const seed = seedCluster();
  const ruleset = desiredRuleset({ ...seed, node: testNode }).ruleset;
  const attribution = endpointAttribution(ruleset, frontendIndex(seed.services, testNode));
  assert.deepEqual([...attribution].map(([pair, ref]) => `${pair} ${ref?.service}:${ref?.port}`).sort(), [
    'tcp 10.170.11.11 10.42.0.7:6379 cluster-service-test:99',
    'tcp 10.170.11.11 10.42.0.7:8080 cluster-service-test:80',
    'tcp 10.170.11.11 10.42.1.9:6379 cluster-service-test:99',
    'tcp 10.170.11.11 10.42.1.9:8081 cluster-service-test:80',
    'tcp 10.170.11.88 10.42.0.3:8080 cluster-service-02:80',
    'tcp 10.170.11.88 10.42.0.4:8080 cluster-service-02:80',
    'tcp 10.170.11.88 10.42.1.5:8080 cluster-service-02:80',
    'tcp 10.170.11.88 10.42.1.6:8080 cluster-service-02:80',
  ]);
});

test('a pair two Service ports share is ambiguous (null); a NodePort and a load-balancer port of one Service port are not', () => {
  const http = [{ name: '', port: 8080, protocol: 'TCP' as const }];
  const services = [
    // Two ports to one target: the kernel's key cannot tell them apart.
    service('twice', { clusterIP: '10.170.0.40', ports: [{ name: 'a', port: 80, targetPort: 8080 }, { name: 'b', port: 8080, targetPort: 8080 }] }),
    // Load-balancer IP = the node address, as ServiceLB gives: the NodePort and the port share the address, and are one Service port.
    service('lb', { type: 'LoadBalancer', clusterIP: '10.170.0.41', ports: [{ name: '', port: 8090, targetPort: 8080, nodePort: 30090 }] }, { status: { loadBalancer: { ingress: [{ ip: '192.168.50.2' }] } } }),
  ];
  const endpointSlices = [
    slice('twice', 'twice-a', [{ name: 'a', port: 8080, protocol: 'TCP' }, { name: 'b', port: 8080, protocol: 'TCP' }], [{ ip: '10.42.0.9' }]),
    slice('lb', 'lb-a', http, [{ ip: '10.42.0.10' }]),
  ];
  const ruleset = desiredRuleset({ services, endpointSlices, node: testNode }).ruleset;
  const attribution = endpointAttribution(ruleset, frontendIndex(services, testNode));
  assert.deepEqual([...attribution].map(([pair, ref]) => `${pair} ${ref ? `${ref.service}:${ref.port}` : 'ambiguous'}`).sort(), [
    'tcp 10.170.0.40 10.42.0.9:8080 ambiguous',
    'tcp 10.170.0.41 10.42.0.10:8080 lb:8090',
    'tcp 192.168.50.2 10.42.0.10:8080 lb:8090',
  ]);
});

test('ConnectionCounters: a table of another shape is made again; a refusal both times is an error; reading lists the set', async () => {
  const calls: string[] = [];
  let refusals = 1;
  const counters = new ConnectionCounters({
    run: async (program, args, stdin): Promise<CommandResult> => {
      calls.push(`${program} ${args.join(' ')}${stdin.startsWith('add table ip skiff-connections\ndelete table') ? ' (recreate)' : ''}`);
      if (args[0] === '-f' && refusals-- > 0) return { code: 1, stdout: '', stderr: 'Error: Could not process rule: File exists' };
      return { code: 0, stdout: 'elements = { 10.170.0.10 . udp . 10.42.0.5 . 53 counter packets 3 bytes 200 }', stderr: '' };
    },
  });
  await counters.install();
  assert.deepEqual(calls, ['nft -f -', 'nft -f - (recreate)']);
  assert.deepEqual([...(await counters.read())], [['udp 10.170.0.10 10.42.0.5:53', 3]]);
  refusals = 2;
  await assert.rejects(counters.install(), /connection counters.*File exists/);
});
