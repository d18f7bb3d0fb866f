import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dnsPacket from 'dns-packet';
import { resources } from '../client/client.js';
import { InformerFactory } from '../client/informer.js';
import { MemoryClient } from '../testing/memory-client.js';
import { waitFor } from '../testing/wait.js';
import { ClusterDnsServer, type ClusterDnsServerOptions } from './server.js';
import type { EndpointSliceObject, ServiceObject } from './cluster-state.js';
import { decodeReply, encodeQuery, startTestResolver, tcpExchange, udpExchange, type TestRecordSet } from './testing.js';

interface Running {
  client: MemoryClient;
  server: ClusterDnsServer;
  udpPort: number;
  tcpPort: number;
  errors: string[];
}

async function startServer(t: TestContext, options: Partial<ClusterDnsServerOptions> = {}): Promise<Running> {
  const client = new MemoryClient();
  const informers = new InformerFactory(client);
  const errors: string[] = [];
  const server = new ClusterDnsServer({
    informers,
    listenAddress: '127.0.0.1',
    udpPort: 0,
    tcpPort: 0,
    upstreams: [],
    onError: (m) => errors.push(m),
    ...options,
  });
  const controller = new AbortController();
  t.after(() => controller.abort());
  const { udp, tcp } = await server.start(controller.signal);
  await informers.waitForSync();
  return { client, server, udpPort: udp.port, tcpPort: tcp.port, errors };
}

const web: ServiceObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'default', name: 'web' },
  spec: { clusterIP: '10.43.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
};

function statefulSlice(ip: string): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: 'default', name: 'nginx-abc', labels: { 'kubernetes.io/service-name': 'nginx' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], hostname: 'web-0', conditions: { ready: true } }],
    ports: [{ name: 'web', port: 80, protocol: 'TCP' }],
  };
}

async function ask(port: number, name: string, type: string): Promise<ReturnType<typeof decodeReply>> {
  const reply = await udpExchange(port, encodeQuery(name, type));
  assert.ok(reply, `no reply to ${name} ${type}`);
  return decodeReply(reply);
}

function addresses(reply: ReturnType<typeof decodeReply>): unknown[] {
  return (reply.answers ?? []).map((r) => ('data' in r ? r.data : undefined));
}

test('Service names resolve over UDP and TCP and follow the API', async (t) => {
  const { client, udpPort, tcpPort } = await startServer(t);
  await client.create(resources.services, 'default', web);
  const reply = await waitFor('web to resolve', async () => {
    const r = await ask(udpPort, 'web.default.svc.cluster.local', 'A');
    return r.rcodeValue === 0 && r.answers?.length ? r : undefined;
  });
  assert.deepEqual(addresses(reply), ['10.43.0.10']);
  assert.equal(reply.flag_aa, true);
  assert.equal(reply.answers?.[0]?.type === 'A' && reply.answers[0].ttl, 5);

  const [overTcp] = await tcpExchange(tcpPort, [encodeQuery('_http._tcp.web.default.svc.cluster.local', 'SRV')]);
  assert.deepEqual(addresses(decodeReply(overTcp!)), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);

  await client.delete(resources.services, 'default', 'web');
  const gone = await waitFor('web to be NXDOMAIN', async () => {
    const r = await ask(udpPort, 'web.default.svc.cluster.local', 'A');
    return r.rcodeValue === 3 ? r : undefined;
  });
  assert.equal(gone.authorities?.[0]?.type, 'SOA');
});

test('<ns>.svc.<zone> exists while the namespace has Services', async (t) => {
  const { client, udpPort } = await startServer(t);
  const rcode = async (): Promise<number> => (await ask(udpPort, 'team.svc.cluster.local', 'A')).rcodeValue;
  assert.equal(await rcode(), 3);
  await client.create(resources.services, 'team', { ...web, metadata: { namespace: 'team', name: 'a' } });
  await client.create(resources.services, 'team', { ...web, metadata: { namespace: 'team', name: 'b' } });
  await waitFor('team.svc to exist', async () => (await rcode()) === 0);
  await client.delete(resources.services, 'team', 'a');
  await waitFor('a to be gone', async () => (await ask(udpPort, 'a.team.svc.cluster.local', 'A')).rcodeValue === 3);
  assert.equal(await rcode(), 0);
  await client.delete(resources.services, 'team', 'b');
  await waitFor('team.svc to be NXDOMAIN', async () => (await rcode()) === 3);
});

test('a StatefulSet pod name follows its endpoint when the IP changes', async (t) => {
  const { client, udpPort } = await startServer(t);
  await client.create(resources.services, 'default', { ...web, metadata: { namespace: 'default', name: 'nginx' }, spec: { clusterIP: 'None' } });
  await client.create(resources.endpointslices, 'default', statefulSlice('10.42.0.5'));
  const name = 'web-0.nginx.default.svc.cluster.local';
  await waitFor('web-0 at 10.42.0.5', async () => addresses(await ask(udpPort, name, 'A'))[0] === '10.42.0.5');
  const slice = await client.get<EndpointSliceObject>(resources.endpointslices, 'default', 'nginx-abc');
  await client.update(resources.endpointslices, 'default', { ...slice, endpoints: statefulSlice('10.42.1.9').endpoints });
  await waitFor('web-0 at 10.42.1.9', async () => addresses(await ask(udpPort, name, 'A'))[0] === '10.42.1.9');
  await waitFor('the PTR of the new address', async () => addresses(await ask(udpPort, '9.1.42.10.in-addr.arpa', 'PTR'))[0] === name);
});

test('UDP answers too large get TC; the same question over TCP gets them all', async (t) => {
  const { client, udpPort, tcpPort, server } = await startServer(t);
  await client.create(resources.services, 'default', { ...web, metadata: { namespace: 'default', name: 'big' }, spec: { clusterIP: 'None' } });
  const endpoints = Array.from({ length: 40 }, (_, i) => ({ addresses: [`10.42.3.${i + 1}`], conditions: { ready: true } }));
  await client.create(resources.endpointslices, 'default', { ...statefulSlice('10.42.3.1'), metadata: { namespace: 'default', name: 'big-a', labels: { 'kubernetes.io/service-name': 'big' } }, endpoints });
  const truncated = await waitFor('a truncated answer', async () => {
    const r = await ask(udpPort, 'big.default.svc.cluster.local', 'A');
    return r.flag_tc ? r : undefined;
  });
  assert.equal(truncated.answers?.length, 0);
  assert.ok(server.stats.truncated >= 1);
  const [full] = await tcpExchange(tcpPort, [encodeQuery('big.default.svc.cluster.local', 'A')]);
  assert.equal(decodeReply(full!).answers?.length, 40);
  // With EDNS0 and a larger buffer, UDP carries them.
  const edns = await udpExchange(
    udpPort,
    encodeQuery('big.default.svc.cluster.local', 'A', { additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] }),
  );
  const ednsReply = decodeReply(edns!);
  assert.equal(ednsReply.flag_tc, false);
  assert.equal(ednsReply.answers?.length, 40);
  assert.equal(ednsReply.additionals?.[0]?.type, 'OPT');
});

test('other names go to the upstream; a CNAME out of the cluster is followed there', async (t) => {
  const records = new Map<string, TestRecordSet>([
    ['www.example.com|A', { answers: [{ name: 'www.example.com', type: 'A', class: 'IN', ttl: 300, data: '192.0.2.53' }] }],
  ]);
  const upstream = await startTestResolver(records);
  t.after(() => upstream.close());
  const forwarding = await startServer(t, { upstreams: [{ address: '127.0.0.1', port: upstream.port }] });
  const reply = await ask(forwarding.udpPort, 'www.example.com', 'A');
  assert.equal(reply.rcodeValue, 0);
  assert.equal(reply.flag_aa, false);
  assert.deepEqual(addresses(reply), ['192.0.2.53']);
  await forwarding.client.create(resources.services, 'default', { ...web, metadata: { namespace: 'default', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'www.example.com' } });
  const chased = await waitFor('the ExternalName CNAME', async () => {
    const r = await ask(forwarding.udpPort, 'ext.default.svc.cluster.local', 'A');
    return r.answers?.length ? r : undefined;
  });
  assert.deepEqual(addresses(chased), ['www.example.com', '192.0.2.53']);
  assert.deepEqual(upstream.asked, ['www.example.com|A']);
  assert.equal(forwarding.server.stats.forwarded, 2);
});

test('without upstreams (none in resolv.conf), other names are SERVFAIL', async (t) => {
  let reads = 0;
  const readResolvConf = async (): Promise<string> => {
    reads++;
    return '# no nameservers\nsearch example.com\n';
  };
  const { udpPort, server } = await startServer(t, { upstreams: undefined, readResolvConf });
  const reply = await ask(udpPort, 'www.example.com', 'A');
  assert.equal(reply.rcodeValue, 2);
  assert.equal(server.stats.serverFailures, 1);
  assert.equal(reads, 1);
});

test('a resolv.conf that cannot be read is read again on the next forwarded question', async (t) => {
  let reads = 0;
  const readResolvConf = async (): Promise<string> => {
    if (++reads === 1) throw new Error('EACCES');
    return '';
  };
  const { udpPort, errors } = await startServer(t, { upstreams: undefined, readResolvConf });
  assert.equal((await ask(udpPort, 'www.example.com', 'A')).rcodeValue, 2);
  assert.equal((await ask(udpPort, 'www.example.org', 'A')).rcodeValue, 2);
  assert.equal(reads, 2);
  assert.match(errors.join('\n'), /reading resolv.conf: EACCES/);
});

test('malformed packets are dropped and counted; random bytes never stop the server', async (t) => {
  const { udpPort, tcpPort, server, client } = await startServer(t);
  await client.create(resources.services, 'default', web);
  await waitFor('web to resolve', async () => (await ask(udpPort, 'web.default.svc.cluster.local', 'A')).answers?.length);
  assert.equal(await udpExchange(udpPort, Buffer.from('hello'), 200), undefined);
  assert.equal(server.stats.malformed, 1);
  const good = encodeQuery('web.default.svc.cluster.local', 'A');
  // Random packets, and a valid query with random bytes flipped.
  let seed = 0;
  for (let i = 0; i < 300; i++) {
    const packet = i % 2 ? randomBytes(1 + (i % 80)) : Buffer.from(good);
    if (i % 2 === 0) for (let k = 0; k < 3; k++) packet[(seed = (seed * 31 + i + k) % packet.length)] = randomBytes(1)[0]!;
    const reply = await server.respond(packet, 'udp');
    if (reply) assert.doesNotThrow(() => dnsPacket.decode(reply));
  }
  assert.ok(server.stats.malformed > 1);
  // Still answering, over both transports.
  assert.deepEqual(addresses(await ask(udpPort, 'web.default.svc.cluster.local', 'A')), ['10.43.0.10']);
  const [overTcp] = await tcpExchange(tcpPort, [good, good]);
  assert.deepEqual(addresses(decodeReply(overTcp!)), ['10.43.0.10']);
});

test('unknown query types get NOERROR and no records at a Service name', async (t) => {
  const { client, udpPort } = await startServer(t);
  await client.create(resources.services, 'default', web);
  await waitFor('web to resolve', async () => (await ask(udpPort, 'web.default.svc.cluster.local', 'A')).answers?.length);
  const reply = await ask(udpPort, 'web.default.svc.cluster.local', 'UNKNOWN_4711');
  assert.equal(reply.rcodeValue, 0);
  assert.deepEqual(reply.answers, []);
  assert.equal(reply.authorities?.[0]?.type, 'SOA');
  assert.equal(reply.questions?.[0]?.type, 'UNKNOWN_4711');
});
