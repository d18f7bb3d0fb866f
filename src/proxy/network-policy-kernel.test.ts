/**
 * NetworkPolicy enforcement in a real kernel, inside network namespaces this test creates (and
 * deletes, also on failure): a `node` namespace holds the Service proxy's table with the policy
 * part in it and three "pod" namespaces: `client` routed over its own veth pair, `other` and
 * `server` on one bridge, as a CNI bridge puts pods (bridged traffic reaches the `forward` hook
 * through br_netfilter, `bridge-nf-call-iptables=1`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { baseRuleset, serviceContribution, serviceKey } from './desired-ruleset.js';
import { policyContribution } from './network-policy.js';
import { NftablesSyncer, spawnCommand } from './nftables.js';
import { RulesetBuilder } from './ruleset-builder.js';
import { connectFrom, inNetworkNamespace, namespace, networkPolicy, pod, runOrThrow, service, slice, testNode } from './testing.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';

const isRoot = process.getuid?.() === 0;
const suffix = `${process.pid}`;
const nodeNs = `skiff-npn-${suffix}`;
/** Pod namespaces: name, address, node-side address, labels, and whether on the node's bridge. */
const podNamespaces = [
  { ns: `skiff-npc-${suffix}`, ip: '10.42.1.2', gateway: '10.42.1.1', name: 'client', labels: { role: 'client' }, bridged: false },
  { ns: `skiff-npo-${suffix}`, ip: '10.42.3.3', gateway: '10.42.3.1', name: 'other', labels: { role: 'other' }, bridged: true },
  { ns: `skiff-nps-${suffix}`, ip: '10.42.3.2', gateway: '10.42.3.1', name: 'server', labels: { app: 'web' }, bridged: true },
] as const;
const [client, other, server] = podNamespaces;

const sh = runOrThrow;
const inNamespace = inNetworkNamespace;
const connect = connectFrom;

/** A UDP datagram from `ns` and its answer: `data:…` or `timeout`. */
async function udpAsk(ns: string, host: string, port: number): Promise<string> {
  const script = `
    const s = require('dgram').createSocket('udp4');
    s.on('message', (m) => { console.log('data:' + m.toString().trim()); process.exit(0); });
    s.send('question', ${port}, '${host}');
    setTimeout(() => { console.log('timeout'); process.exit(0); }, 1500);`;
  return (await inNamespace(ns)(process.execPath, ['-e', script], '')).stdout.trim();
}

const pods = podNamespaces.map((p) => pod(p.name, p.ip, { ...p.labels }, { ports: [{ name: 'http', containerPort: 8080 }] }));
const web = service('web', { clusterIP: '10.170.0.10', ports: [{ port: 80, targetPort: 8080 }] });
const webSlice = slice('web', 'web-a', [{ name: '', port: 8080, protocol: 'TCP' }], [{ ip: server.ip }]);

describe('NetworkPolicy in a real kernel', { skip: isRoot ? false : 'needs root for network namespaces' }, () => {
  const servers: ChildProcess[] = [];
  const builder = new RulesetBuilder(baseRuleset(testNode));
  const syncer = new NftablesSyncer({ run: inNamespace(nodeNs) });

  /** Loads the Service and these policies in one table, as the proxy's syncs do. */
  async function apply(policies: NetworkPolicy[]): Promise<string> {
    builder.set('part:network-policies', policyContribution({ policies, pods, namespaces: [namespace('default')], node: testNode }));
    const full = builder.takeRedeclared() || syncer.needsFullSync;
    if (full) builder.compact();
    return (await syncer.syncChanges(builder.ruleset(), builder.takeChanges(), { full })).mode;
  }

  before(async () => {
    await sh('ip', 'netns', 'add', nodeNs);
    await sh('ip', '-n', nodeNs, 'link', 'set', 'lo', 'up');
    await sh('nsenter', `--net=/run/netns/${nodeNs}`, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    await sh('nsenter', `--net=/run/netns/${nodeNs}`, 'sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=1');
    await sh('ip', '-n', nodeNs, 'link', 'add', 'br0', 'type', 'bridge');
    await sh('ip', '-n', nodeNs, 'addr', 'add', `${server.gateway}/24`, 'dev', 'br0');
    await sh('ip', '-n', nodeNs, 'link', 'set', 'br0', 'up');
    for (const [i, p] of podNamespaces.entries()) {
      await sh('ip', 'netns', 'add', p.ns);
      await sh('ip', '-n', p.ns, 'link', 'set', 'lo', 'up');
      await sh('ip', '-n', p.ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `veth${i}`, 'netns', nodeNs);
      await sh('ip', '-n', p.ns, 'addr', 'add', `${p.ip}/24`, 'dev', 'eth0');
      await sh('ip', '-n', p.ns, 'link', 'set', 'eth0', 'up');
      await sh('ip', '-n', p.ns, 'route', 'add', 'default', 'via', p.gateway);
      if (p.bridged) await sh('ip', '-n', nodeNs, 'link', 'set', `veth${i}`, 'master', 'br0');
      else await sh('ip', '-n', nodeNs, 'addr', 'add', `${p.gateway}/24`, 'dev', `veth${i}`);
      await sh('ip', '-n', nodeNs, 'link', 'set', `veth${i}`, 'up');
    }
    const script = `
      require('net').createServer((s) => s.end('web\\n')).listen(8080, '0.0.0.0', () => {
        const u = require('dgram').createSocket('udp4');
        u.on('message', (m, r) => u.send('answer', r.port, r.address));
        u.bind(53, () => console.log('listening'));
      });`;
    const child = spawn('nsenter', [`--net=/run/netns/${server.ns}`, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    servers.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    builder.set(serviceKey(web), serviceContribution(web, [webSlice], testNode));
    assert.equal(await apply([]), 'full');
  });

  after(async () => {
    for (const child of servers) if (child.exitCode === null) child.kill('SIGKILL');
    for (const ns of [nodeNs, ...podNamespaces.map((p) => p.ns)]) await spawnCommand('ip', ['netns', 'del', ns], '');
  });

  test('all connected by default; a default-deny blocks; `role: client` is let through, others stay blocked', async () => {
    assert.equal(await connect(client.ns, server.ip, 8080), 'data:web');
    assert.equal(await connect(other.ns, server.ip, 8080), 'data:web');
    assert.equal(await connect(client.ns, '10.170.0.10', 80), 'data:web', 'through the ClusterIP');

    const deny = networkPolicy('default-deny', { podSelector: {}, policyTypes: ['Ingress'] });
    // A policy without rules adds no rule: its pods join sets, a partial sync.
    assert.equal(await apply([deny]), 'partial');
    assert.equal(await connect(client.ns, server.ip, 8080), 'timeout', 'dropped, not refused');
    assert.equal(await connect(client.ns, '10.170.0.10', 80), 'timeout', 'the ClusterIP is judged by its endpoint');

    const allowClients = networkPolicy('web-from-clients', {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 'http', protocol: 'TCP' }] }],
    });
    await apply([deny, allowClients]);
    assert.equal(await connect(client.ns, server.ip, 8080), 'data:web');
    assert.equal(await connect(client.ns, '10.170.0.10', 80), 'data:web');
    assert.equal(await connect(other.ns, server.ip, 8080), 'timeout', 'bridged traffic on the node is judged too');
    // The other pod becomes a client: only a set element changes.
    pods[1]!.metadata!.labels = { role: 'client' };
    assert.equal(await apply([deny, allowClients]), 'partial');
    assert.equal(await connect(other.ns, server.ip, 8080), 'data:web');
    pods[1]!.metadata!.labels = { role: 'other' };
    assert.equal(await apply([deny, allowClients]), 'partial');
    assert.equal(await connect(other.ns, server.ip, 8080), 'timeout');

    const listed = (await inNamespace(nodeNs)('nft', ['list', 'chain', 'ip', 'skiff', 'policy-ingress'], '')).stdout;
    const dropped = Number(/counter packets (\d+) bytes \d+ drop/.exec(listed)?.[1] ?? '0');
    assert.ok(dropped > 0, `the drop counter counts: ${listed}`);

    assert.equal(await apply([]), 'full');
    assert.equal(await connect(other.ns, server.ip, 8080), 'data:web', 'removing the policies restores connectivity');
  });

  test('an egress policy blocks DNS until a rule allows port 53', async () => {
    assert.equal(await udpAsk(client.ns, server.ip, 53), 'data:answer');
    const egressDeny = networkPolicy('client-egress', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'] });
    await apply([egressDeny]);
    assert.equal(await udpAsk(client.ns, server.ip, 53), 'timeout');
    assert.equal(await connect(client.ns, server.ip, 8080), 'timeout');
    assert.equal(await udpAsk(other.ns, server.ip, 53), 'data:answer', 'other pods are not isolated');

    const dns = networkPolicy('client-dns', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }] });
    await apply([egressDeny, dns]);
    assert.equal(await udpAsk(client.ns, server.ip, 53), 'data:answer');
    assert.equal(await connect(client.ns, server.ip, 8080), 'timeout', 'only port 53 is allowed');

    await apply([]);
    assert.equal(await connect(client.ns, server.ip, 8080), 'data:web');
  });
});
