/**
 * The Service CIDR's route and its removal in a real kernel, inside a network namespace this
 * test creates (and deletes, also on failure).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawnCommand, type CommandRunner } from './nftables.js';
import { ensureBridgeNetfilter, ensureServiceRoute, removeServiceNetwork } from './service-network.js';

const isRoot = process.getuid?.() === 0;
const ns = `skiff-svcnet-${process.pid}`;
const inNamespace: CommandRunner = (program, args, stdin) => spawnCommand('nsenter', [`--net=/run/netns/${ns}`, program, ...args], stdin);

before(async () => {
  if (isRoot) assert.equal((await spawnCommand('ip', ['netns', 'add', ns], '')).code, 0);
});

after(async () => {
  if (isRoot) await spawnCommand('ip', ['netns', 'del', ns], '');
});

test('the Service CIDR is routed to the port-less bridge; network cleanup removes it and the tables', { skip: isRoot ? false : 'needs root for network namespaces' }, async () => {
  await ensureServiceRoute('10.170.0.0/16', { run: inNamespace });
  await ensureServiceRoute('10.170.0.0/16', { run: inNamespace });
  assert.match((await inNamespace('ip', ['route', 'show', '10.170.0.0/16'], '')).stdout, /10\.170\.0\.0\/16 dev skiff-svc0/);
  assert.match((await inNamespace('ip', ['route', 'get', '10.170.11.11'], '')).stdout, /dev skiff-svc0/);
  assert.equal((await inNamespace('nft', ['-f', '-'], 'table ip skiff { }\ntable ip skiff-connections { }\n')).code, 0);

  assert.deepEqual(await removeServiceNetwork({ run: inNamespace }), { table: true, counters: true, bridge: true });
  assert.equal((await inNamespace('ip', ['route', 'show', '10.170.0.0/16'], '')).stdout.trim(), '');
  assert.notEqual((await inNamespace('nft', ['list', 'table', 'ip', 'skiff'], '')).code, 0);
  assert.notEqual((await inNamespace('nft', ['list', 'table', 'ip', 'skiff-connections'], '')).code, 0);
  assert.deepEqual(await removeServiceNetwork({ run: inNamespace }), { table: false, counters: false, bridge: false });
});

test('bridged pod traffic is made to pass the ip hooks (bridge-nf-call-iptables)', { skip: isRoot ? false : 'needs root for network namespaces' }, async () => {
  await inNamespace('sysctl', ['-q', '-w', 'net.bridge.bridge-nf-call-iptables=0'], '');
  assert.equal(await ensureBridgeNetfilter({ run: inNamespace }), 'enabled');
  assert.equal((await inNamespace('sysctl', ['-n', 'net.bridge.bridge-nf-call-iptables'], '')).stdout.trim(), '1');
  assert.equal(await ensureBridgeNetfilter({ run: inNamespace }), 'already');
});
