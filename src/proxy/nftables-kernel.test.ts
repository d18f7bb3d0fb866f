/**
 * The rendered ruleset in a real kernel, inside network namespaces this test creates (and
 * deletes, also on failure): it loads, lists back, takes partial syncs, and DNATs a real
 * connection to a ClusterIP; undefined ports are rejected and unallocated ClusterIPs dropped.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { ConnectionCounters, endpointAttribution } from './connection-counters.js';
import { desiredRuleset } from './desired-ruleset.js';
import { tallyEndpointConnections } from './endpoint-connections.js';
import { frontendIndex } from './frontend-index.js';
import { NftablesSyncer, spawnCommand } from './nftables.js';
import { connectFrom, inNetworkNamespace, runOrThrow, seedCluster, service, slice, startInNetworkNamespace, testNode } from './testing.js';

const isRoot = process.getuid?.() === 0;
const suffix = `${process.pid}`;
const clientNs = `skiff-pxc-${suffix}`;
const serverNs = `skiff-pxs-${suffix}`;

const sh = runOrThrow;
const inNamespace = inNetworkNamespace;

/** A syncer in the client namespace: full syncs through `nft -f`, partial ones through its `nft -i`. */
function clientSyncer(): NftablesSyncer {
  return new NftablesSyncer({ run: inNamespace(clientNs), startSession: startInNetworkNamespace(clientNs) });
}

async function nftIn(ns: string, ...args: string[]): Promise<string> {
  const result = await inNamespace(ns)('nft', args, '');
  if (result.code !== 0) throw new Error(`nft ${args.join(' ')}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Connects from the client namespace; answers `data:…`, `error:CODE` or `timeout`. */
function connect(host: string, port: number): Promise<string> {
  return connectFrom(clientNs, host, port);
}

/** The seed's `cluster-service-test` with one endpoint in the server namespace; `cluster-service-02` without endpoints. */
function oneEndpointSeed() {
  const seed = seedCluster();
  return { services: seed.services, endpointSlices: [seed.endpointSlices[0]!] };
}

describe('the ruleset in a real kernel', { skip: isRoot ? false : 'needs root for network namespaces' }, () => {
  let server: ChildProcess | undefined;

  before(async () => {
    await sh('ip', 'netns', 'add', clientNs);
    await sh('ip', 'netns', 'add', serverNs);
    const c = ['-n', clientNs];
    const s = ['-n', serverNs];
    await sh('ip', ...c, 'link', 'set', 'lo', 'up');
    await sh('ip', ...s, 'link', 'set', 'lo', 'up');
    await sh('ip', ...c, 'link', 'add', 'veth-c', 'type', 'veth', 'peer', 'name', 'veth-s', 'netns', serverNs);
    await sh('ip', ...c, 'addr', 'add', '10.42.0.1/24', 'dev', 'veth-c');
    await sh('ip', ...s, 'addr', 'add', '10.42.0.7/24', 'dev', 'veth-s');
    await sh('ip', ...s, 'addr', 'add', '10.42.0.8/24', 'dev', 'veth-s');
    // The node address NodePorts answer on.
    await sh('ip', ...c, 'addr', 'add', '192.168.50.2/32', 'dev', 'veth-c');
    await sh('ip', ...c, 'link', 'set', 'veth-c', 'up');
    await sh('ip', ...s, 'link', 'set', 'veth-s', 'up');
    // So that an unmasqueraded reply to the node address (externalTrafficPolicy Local) finds its way.
    await sh('ip', ...s, 'route', 'add', '192.168.50.2/32', 'dev', 'veth-s');
    // The Service CIDR goes to a port-less bridge so the output hook's DNAT runs (PLATFORM.md).
    await sh('ip', ...c, 'link', 'add', 'skiff-svc0', 'type', 'bridge');
    await sh('ip', ...c, 'link', 'set', 'skiff-svc0', 'up');
    await sh('ip', ...c, 'route', 'add', testNode.serviceCIDR, 'dev', 'skiff-svc0');
    const script = "require('net').createServer((s) => s.end('hello from ' + s.localAddress + ':' + s.localPort + ' to ' + s.remoteAddress + '\\n')).listen(8080, '0.0.0.0', () => console.log('listening'))";
    server = spawn('nsenter', [`--net=/run/netns/${serverNs}`, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.once('data', () => resolve());
      server!.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
  });

  after(async () => {
    if (server?.pid !== undefined && server.exitCode === null) server.kill('SIGKILL');
    for (const ns of [clientNs, serverNs]) await spawnCommand('ip', ['netns', 'del', ns], '');
  });

  test("the seed's ruleset loads, lists back and reloads; deltas apply", async (t) => {
    const syncer = clientSyncer();
    t.after(() => syncer.close());
    const seed = desiredRuleset({ ...seedCluster(), node: testNode }).ruleset;
    assert.equal((await syncer.sync(seed)).mode, 'full');
    const listed = await nftIn(clientNs, 'list', 'table', 'ip', 'skiff');
    assert.match(listed, /10\.170\.11\.11 \. tcp \. 99 : goto endpoints-2/);
    assert.match(listed, /10\.170\.11\.11 \. tcp \. 80 \. 0x00000001 : 10\.42\.1\.9 \. 8081/);
    // What nft lists parses back.
    const reload = inNamespace(clientNs);
    const again = await reload('nft', ['-f', '-'], `delete table ip skiff\n${listed}`);
    assert.equal(again.code, 0, again.stderr);

    syncer.forceFullSync();
    await syncer.sync(seed);
    const cluster = seedCluster();
    cluster.endpointSlices[2]!.endpoints.pop();
    const partial = await syncer.sync(desiredRuleset({ ...cluster, node: testNode }).ruleset);
    assert.equal(partial.mode, 'partial');
    const endpoints3 = await nftIn(clientNs, 'list', 'map', 'ip', 'skiff', 'endpoints-3');
    assert.match(endpoints3, /10\.170\.11\.88 \. tcp \. 80 \. 0x00000002 : 10\.42\.1\.5 \. 8080/);
    const endpoints4 = await nftIn(clientNs, 'list', 'map', 'ip', 'skiff', 'endpoints-4');
    assert.doesNotMatch(endpoints4, /10\.170\.11\.88/);
  });

  test('a partial sync the kernel refuses changes nothing and the next sync is full', async (t) => {
    const syncer = clientSyncer();
    t.after(() => syncer.close());
    await syncer.sync(desiredRuleset({ ...seedCluster(), node: testNode }).ruleset, { full: true });
    // Someone else removes an element the next delta deletes: that transaction fails as a whole.
    await nftIn(clientNs, 'delete', 'element', 'ip', 'skiff', 'hairpin', '{ 10.42.0.3 . 10.42.0.3 }');
    const cluster = seedCluster();
    cluster.endpointSlices[2]!.endpoints[0]!.addresses = ['10.42.0.2'];
    const changed = desiredRuleset({ ...cluster, node: testNode }).ruleset;
    await assert.rejects(syncer.sync(changed), /No such file or directory/);
    const endpoints4 = await nftIn(clientNs, 'list', 'map', 'ip', 'skiff', 'endpoints-4');
    assert.match(endpoints4, /10\.170\.11\.88 \. tcp \. 80 \. 0x00000000 : 10\.42\.0\.3 \. 8080/, 'the failed transaction applied nothing');
    assert.equal((await syncer.sync(changed)).mode, 'full');
    assert.match(await nftIn(clientNs, 'list', 'map', 'ip', 'skiff', 'endpoints-4'), /10\.170\.11\.88 \. tcp \. 80 \. 0x00000000 : 10\.42\.0\.2 \. 8080/);
    // Partial syncs go on after it, through the same session.
    cluster.endpointSlices[2]!.endpoints[0]!.addresses = ['10.42.0.12'];
    assert.equal((await syncer.sync(desiredRuleset({ ...cluster, node: testNode }).ruleset)).mode, 'partial');
    assert.match(await nftIn(clientNs, 'list', 'map', 'ip', 'skiff', 'endpoints-4'), /10\.170\.11\.88 \. tcp \. 80 \. 0x00000001 : 10\.42\.0\.12 \. 8080/);
  });

  test('a ClusterIP connection reaches its endpoint; other ports are rejected, unallocated addresses dropped', async (t) => {
    const syncer = clientSyncer();
    t.after(() => syncer.close());
    await syncer.sync(desiredRuleset({ ...oneEndpointSeed(), node: testNode }).ruleset);
    assert.match(await connect('10.170.11.11', 80), /^data:hello from 10\.42\.0\.7:8080 to /);
    // The seed's `curl 10.170.11.11:6379`: no such Service port, refused at once.
    assert.equal(await connect('10.170.11.11', 6379), 'error:ECONNREFUSED');
    // A Service without endpoints: refused.
    assert.equal(await connect('10.170.11.88', 80), 'error:ECONNREFUSED');
    // An address no Service holds: dropped, never routed on.
    assert.equal(await connect('10.170.99.99', 80), 'timeout');

    // The endpoint's port changes (a named targetPort now resolves to 8081): a partial sync.
    const moved = oneEndpointSeed();
    moved.endpointSlices[0] = slice('cluster-service-test', 'cluster-service-test-a', [{ name: 'abc', port: 8081, protocol: 'TCP' }], [{ ip: '10.42.0.7' }]);
    assert.equal((await syncer.sync(desiredRuleset({ ...moved, node: testNode }).ruleset)).mode, 'partial');
    assert.equal(await connect('10.170.11.11', 80), 'error:ECONNREFUSED', 'nothing listens on 8081');
  });

  test('ClientIP affinity keeps a client on one endpoint; without it both are used; NodePorts with Cluster (masqueraded) and Local (client IP kept) policy', async (t) => {
    const http = [{ name: '', port: 8080, protocol: 'TCP' as const }];
    const both = [{ ip: '10.42.0.7' }, { ip: '10.42.0.8' }];
    const cluster = {
      services: [
        service('sticky', { clusterIP: '10.170.40.1', sessionAffinity: 'ClientIP', ports: [{ port: 80, targetPort: 8080 }] }),
        service('spread', { clusterIP: '10.170.40.2', ports: [{ port: 80, targetPort: 8080 }] }),
        service('web', { type: 'NodePort', clusterIP: '10.170.40.3', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] }),
        service('web-local', { type: 'NodePort', clusterIP: '10.170.40.4', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080, nodePort: 30081 }] }),
      ],
      endpointSlices: [slice('sticky', 'sticky-a', http, both), slice('spread', 'spread-a', http, both), slice('web', 'web-a', http, [{ ip: '10.42.0.8' }]),
        slice('web-local', 'web-local-a', http, [{ ip: '10.42.0.7' }, { ip: '10.42.0.9', node: 'node-b' }]),
      ],
    };
    const syncer = clientSyncer();
    t.after(() => syncer.close());
    await syncer.sync(desiredRuleset({ ...cluster, node: { ...testNode, nodeIPs: ['192.168.50.2'] } }).ruleset, { full: true });
    const answers = async (host: string, port: number, times: number): Promise<Set<string>> => {
      const seen = new Set<string>();
      for (let i = 0; i < times; i++) seen.add(await connect(host, port));
      return seen;
    };
    const endpointOf = (answer: string): string => /^data:hello from (\S+) to /.exec(answer)?.[1] ?? answer;
    const sticky = await answers('10.170.40.1', 80, 12);
    assert.equal(new Set([...sticky].map(endpointOf)).size, 1, `one endpoint for one client: ${[...sticky].join(', ')}`);
    // Random over two endpoints: 30 connections all on one would happen once in 2^29 runs.
    const spread = [...(await answers('10.170.40.2', 80, 30))].map(endpointOf);
    assert.deepEqual([...new Set(spread)].sort(), ['10.42.0.7:8080', '10.42.0.8:8080']);
    // externalTrafficPolicy Cluster: masqueraded to the node's pod-network address.
    assert.equal(await connect('192.168.50.2', 30080), 'data:hello from 10.42.0.8:8080 to 10.42.0.1');
    // externalTrafficPolicy Local: the client's address is kept.
    assert.equal(await connect('192.168.50.2', 30081), 'data:hello from 10.42.0.7:8080 to 192.168.50.2');
    assert.equal(await connect('127.0.0.1', 30080), 'error:ECONNREFUSED', 'no NodePort on 127.0.0.1');
  });

  test('each new connection is counted once per frontend and endpoint, in a table full syncs leave alone; conntrack holds the same', async (t) => {
    const http = [{ name: '', port: 8080, protocol: 'TCP' as const }];
    const cluster = {
      services: [service('pair', { clusterIP: '10.170.41.1', ports: [{ port: 80, targetPort: 8080 }] })],
      endpointSlices: [slice('pair', 'pair-a', http, [{ ip: '10.42.0.7' }, { ip: '10.42.0.8' }])],
    };
    const syncer = clientSyncer();
    t.after(() => syncer.close());
    const ruleset = desiredRuleset({ ...cluster, node: testNode }).ruleset;
    await syncer.sync(ruleset, { full: true });
    const counters = new ConnectionCounters({ run: inNamespace(clientNs) });
    await counters.install();
    // Installing again (a restart) keeps the table and one rule.
    await counters.install();
    assert.equal((await nftIn(clientNs, 'list', 'chain', 'ip', 'skiff-connections', 'count')).match(/update @endpoint-connections/g)?.length, 1);
    const connections = 20;
    const seen = new Map<string, number>();
    for (let i = 0; i < connections; i++) {
      const endpoint = /^data:hello from (\S+) to /.exec(await connect('10.170.41.1', 80))?.[1] ?? 'none';
      seen.set(endpoint, (seen.get(endpoint) ?? 0) + 1);
    }
    const expected = [...seen].map(([endpoint, n]) => `tcp 10.170.41.1 ${endpoint} ${n}`).sort();
    const counted = async () => [...(await counters.read())].map(([pair, n]) => `${pair} ${n}`).sort();
    assert.deepEqual(await counted(), expected);
    // A full sync deletes and recreates ip skiff, not the counters.
    syncer.forceFullSync();
    assert.equal((await syncer.sync(ruleset)).mode, 'full');
    assert.deepEqual(await counted(), expected);
    const attribution = endpointAttribution(ruleset, frontendIndex(cluster.services, testNode));
    assert.deepEqual([...attribution.keys()].sort(), ['tcp 10.170.41.1 10.42.0.7:8080', 'tcp 10.170.41.1 10.42.0.8:8080']);

    // The namespace's conntrack table: the same connections, closed and still tracked.
    const table = await runOrThrow('nsenter', `--net=/run/netns/${clientNs}`, 'cat', '/proc/net/nf_conntrack');
    const tally = await tallyEndpointConnections((async function* () { yield table.split('\n'); })(), frontendIndex(cluster.services, testNode));
    assert.deepEqual([...tally.counts.values()].map((c) => `tcp 10.170.41.1 ${c.endpoint} ${c.count}`).sort(), expected);
  });
});
