import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer, RecordType } from 'dns-packet';
import { answerClusterQuestion, type ClusterAnswer, type ClusterZone } from './cluster-answer.js';
import { ClusterDnsState, type EndpointSliceObject, type ServiceObject } from './cluster-state.js';

const zone: ClusterZone = { domain: 'cluster.local', ttlSeconds: 5, podRecords: true };

function service(namespace: string, name: string, spec: ServiceObject['spec'], annotations?: Record<string, string>): ServiceObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name, ...(annotations ? { annotations } : {}) }, spec };
}

interface EndpointFixture {
  ip: string | string[];
  hostname?: string;
  ready?: boolean;
}

function slice(namespace: string, serviceName: string, name: string, endpoints: EndpointFixture[], ports: { name?: string; port: number; protocol?: string }[] = [], addressType = 'IPv4'): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace, name, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType,
    endpoints: endpoints.map((e) => ({
      addresses: Array.isArray(e.ip) ? e.ip : [e.ip],
      ...(e.hostname ? { hostname: e.hostname } : {}),
      ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }),
    })),
    ports,
  };
}

const fixtures = {
  services: [
    service('default', 'kubernetes', { clusterIP: '10.43.0.1', clusterIPs: ['10.43.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
    service('default', 'web', {
      clusterIP: '10.43.0.10',
      ports: [
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
        { port: 8080 },
      ],
    }),
    service('default', 'dual', { clusterIP: '10.43.0.11', clusterIPs: ['10.43.0.11', 'fd00:43::11'] }),
    service('default', 'six', { clusterIP: 'fd00:43::12', clusterIPs: ['fd00:43::12'] }),
    service('default', 'nginx', { clusterIP: 'None', ports: [{ name: 'web', port: 80, protocol: 'TCP' }] }),
    service('default', 'empty-headless', { clusterIP: 'None', ports: [{ name: 'web', port: 80 }] }),
    service('default', 'tolerant', { clusterIP: 'None', publishNotReadyAddresses: true }),
    service('default', 'annotated', { clusterIP: 'None' }, { 'service.alpha.kubernetes.io/tolerate-unready-endpoints': 'true' }),
    service('default', 'external', { type: 'ExternalName', externalName: 'www.example.com.' }),
    service('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }),
    service('default', 'dangling', { type: 'ExternalName', externalName: 'gone.default.svc.cluster.local' }),
    service('other', 'db', { clusterIP: '10.43.1.5' }),
  ],
  slices: [
    slice('default', 'nginx', 'nginx-a', [
      { ip: '10.42.0.5', hostname: 'web-0' },
      { ip: '10.42.0.6', hostname: 'web-1', ready: true },
      { ip: '10.42.0.7', ready: false, hostname: 'web-2' },
      { ip: '10.42.0.8' },
    ], [{ name: 'web', port: 8080, protocol: 'TCP' }]),
    slice('default', 'nginx', 'nginx-b', [{ ip: 'fd00:42::9', hostname: 'web-3' }], [{ name: 'web', port: 8080, protocol: 'TCP' }], 'IPv6'),
    slice('default', 'empty-headless', 'empty-a', [{ ip: '10.42.1.1', ready: false }]),
    slice('default', 'tolerant', 'tolerant-a', [{ ip: '10.42.2.1', ready: false }]),
    slice('default', 'annotated', 'annotated-a', [{ ip: '10.42.3.1', ready: false }]),
    slice('default', 'web', 'web-a', [{ ip: '10.42.0.20', hostname: 'api' }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
  ],
};

const state = ClusterDnsState.fromObjects(fixtures.services, fixtures.slices);

function ask(name: string, type: RecordType | string): ClusterAnswer {
  const result = answerClusterQuestion({ name, type: type as RecordType, class: 'IN' }, state, zone);
  assert.equal(result.kind, 'answer', `${name} ${type} should be answered from the cluster`);
  return result as ClusterAnswer;
}

function data(records: Answer[]): unknown[] {
  return records.map((r) => ('data' in r ? r.data : undefined));
}

function assertNegative(answer: ClusterAnswer, rcode: 'NOERROR' | 'NXDOMAIN'): void {
  assert.equal(answer.rcode, rcode);
  assert.deepEqual(answer.answers, []);
  assert.equal(answer.authorities.length, 1);
  const soa = answer.authorities[0]!;
  assert.equal(soa.type, 'SOA');
  assert.equal(soa.name, 'cluster.local');
  assert.equal(soa.type === 'SOA' && soa.data.minimum, 5);
}

test('dns-version TXT carries the schema version', () => {
  const a = ask('dns-version.cluster.local.', 'TXT');
  assert.equal(a.rcode, 'NOERROR');
  assert.deepEqual(data(a.answers), ['1.1.0']);
  assert.equal(a.answers[0]?.type === 'TXT' && a.answers[0].ttl, 5);
  assertNegative(ask('dns-version.cluster.local', 'A'), 'NOERROR');
});

test('a ClusterIP Service has an A record, case-insensitively', () => {
  const a = ask('Kubernetes.Default.SVC.cluster.local.', 'A');
  assert.equal(a.rcode, 'NOERROR');
  assert.equal(a.authoritative, true);
  assert.deepEqual(a.answers, [{ name: 'kubernetes.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 5, data: '10.43.0.1' }]);
  assert.deepEqual(a.authorities, []);
});

test('IPv6 ClusterIPs give AAAA; asking the other family is NODATA', () => {
  assert.deepEqual(data(ask('six.default.svc.cluster.local', 'AAAA').answers), ['fd00:43::12']);
  assertNegative(ask('six.default.svc.cluster.local', 'A'), 'NOERROR');
  assert.deepEqual(data(ask('dual.default.svc.cluster.local', 'A').answers), ['10.43.0.11']);
  assert.deepEqual(data(ask('dual.default.svc.cluster.local', 'AAAA').answers), ['fd00:43::11']);
  assertNegative(ask('web.default.svc.cluster.local', 'AAAA'), 'NOERROR');
});

test('unknown types at existing names are NODATA, at missing names NXDOMAIN', () => {
  assertNegative(ask('web.default.svc.cluster.local', 'UNKNOWN_65'), 'NOERROR');
  assertNegative(ask('web.default.svc.cluster.local', 'MX'), 'NOERROR');
  assertNegative(ask('missing.default.svc.cluster.local', 'UNKNOWN_65'), 'NXDOMAIN');
});

test('names that exist without records: zone apex, svc, namespaces with Services', () => {
  assertNegative(ask('svc.cluster.local', 'A'), 'NOERROR');
  assertNegative(ask('default.svc.cluster.local', 'A'), 'NOERROR');
  assertNegative(ask('nowhere.svc.cluster.local', 'A'), 'NXDOMAIN');
  assertNegative(ask('cluster.local', 'A'), 'NOERROR');
  assertNegative(ask('foo.cluster.local', 'A'), 'NXDOMAIN');
  assertNegative(ask('a.b.c.web.default.svc.cluster.local', 'A'), 'NXDOMAIN');
  const soa = ask('cluster.local', 'SOA');
  assert.equal(soa.answers[0]?.type, 'SOA');
  assert.equal(soa.answers[0]?.type === 'SOA' && soa.answers[0].data.mname, 'ns.dns.cluster.local');
  assert.deepEqual(data(ask('cluster.local', 'NS').answers), ['ns.dns.cluster.local']);
});

test('a headless Service has one A per ready endpoint address; unready ones are left out', () => {
  const a = ask('nginx.default.svc.cluster.local', 'A');
  assert.deepEqual(data(a.answers), ['10.42.0.5', '10.42.0.6', '10.42.0.8']);
  assert.deepEqual(data(ask('nginx.default.svc.cluster.local', 'AAAA').answers), ['fd00:42::9']);
});

test('a headless Service without ready endpoints is NXDOMAIN, as the specification says', () => {
  assertNegative(ask('empty-headless.default.svc.cluster.local', 'A'), 'NXDOMAIN');
  assertNegative(ask('_web._tcp.empty-headless.default.svc.cluster.local', 'SRV'), 'NXDOMAIN');
});

test('publishNotReadyAddresses and the tolerate-unready annotation make unready endpoints count', () => {
  assert.deepEqual(data(ask('tolerant.default.svc.cluster.local', 'A').answers), ['10.42.2.1']);
  assert.deepEqual(data(ask('annotated.default.svc.cluster.local', 'A').answers), ['10.42.3.1']);
});

test('endpoints with a hostname have <hostname>.<svc>.<ns>.svc.<zone>', () => {
  assert.deepEqual(data(ask('web-0.nginx.default.svc.cluster.local', 'A').answers), ['10.42.0.5']);
  assert.deepEqual(data(ask('web-3.nginx.default.svc.cluster.local', 'AAAA').answers), ['fd00:42::9']);
  assertNegative(ask('web-3.nginx.default.svc.cluster.local', 'A'), 'NOERROR');
  // Not ready: no name.
  assertNegative(ask('web-2.nginx.default.svc.cluster.local', 'A'), 'NXDOMAIN');
  // Without a hostname, the endpoint is named by its address.
  assert.deepEqual(data(ask('10-42-0-8.nginx.default.svc.cluster.local', 'A').answers), ['10.42.0.8']);
  assertNegative(ask('web-9.nginx.default.svc.cluster.local', 'A'), 'NXDOMAIN');
});

test('an endpoint name follows the endpoint when its IP changes', () => {
  const before = ClusterDnsState.fromObjects(fixtures.services, [slice('default', 'nginx', 'nginx-a', [{ ip: '10.42.0.5', hostname: 'web-0' }])]);
  const after = ClusterDnsState.fromObjects(fixtures.services, [slice('default', 'nginx', 'nginx-a', [{ ip: '10.42.7.7', hostname: 'web-0' }])]);
  const question = { name: 'web-0.nginx.default.svc.cluster.local', type: 'A' as const, class: 'IN' as const };
  const first = answerClusterQuestion(question, before, zone) as ClusterAnswer;
  const second = answerClusterQuestion(question, after, zone) as ClusterAnswer;
  assert.deepEqual(data(first.answers), ['10.42.0.5']);
  assert.deepEqual(data(second.answers), ['10.42.7.7']);
});

test('SRV for a named port of a ClusterIP Service targets the Service name', () => {
  const a = ask('_http._tcp.web.default.svc.cluster.local', 'SRV');
  assert.equal(a.rcode, 'NOERROR');
  assert.deepEqual(a.answers, [
    { name: '_http._tcp.web.default.svc.cluster.local', type: 'SRV', class: 'IN', ttl: 5, data: { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' } },
  ]);
  assert.deepEqual(data(a.additionals), ['10.43.0.10']);
  assert.deepEqual(data(ask('_dns._udp.web.default.svc.cluster.local', 'SRV').answers), [
    { priority: 0, weight: 100, port: 53, target: 'web.default.svc.cluster.local' },
  ]);
  // Wrong protocol, unknown port name: no such name. The protocol label alone exists.
  assertNegative(ask('_http._udp.web.default.svc.cluster.local', 'SRV'), 'NXDOMAIN');
  assertNegative(ask('_nope._tcp.web.default.svc.cluster.local', 'SRV'), 'NXDOMAIN');
  assertNegative(ask('_tcp.web.default.svc.cluster.local', 'SRV'), 'NOERROR');
  assertNegative(ask('_sctp.web.default.svc.cluster.local', 'SRV'), 'NXDOMAIN');
  assertNegative(ask('_http._tcp.web.default.svc.cluster.local', 'A'), 'NOERROR');
});

test('SRV of a headless Service: one per ready endpoint, targeting its hostname, with A records as additionals', () => {
  const a = ask('_web._tcp.nginx.default.svc.cluster.local', 'SRV');
  assert.deepEqual(
    data(a.answers),
    ['web-0', 'web-1', '10-42-0-8', 'web-3'].map((h) => ({ priority: 0, weight: 100, port: 8080, target: `${h}.nginx.default.svc.cluster.local` })),
  );
  assert.deepEqual(
    a.additionals.map((r) => [r.name, r.type, 'data' in r ? r.data : undefined]),
    [
      ['web-0.nginx.default.svc.cluster.local', 'A', '10.42.0.5'],
      ['web-1.nginx.default.svc.cluster.local', 'A', '10.42.0.6'],
      ['10-42-0-8.nginx.default.svc.cluster.local', 'A', '10.42.0.8'],
      ['web-3.nginx.default.svc.cluster.local', 'AAAA', 'fd00:42::9'],
    ],
  );
});

test('PTR for ClusterIPs (in-addr.arpa and ip6.arpa) and for ready endpoint addresses', () => {
  assert.deepEqual(data(ask('1.0.43.10.in-addr.arpa.', 'PTR').answers), ['kubernetes.default.svc.cluster.local']);
  const six = '2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.4.0.0.0.0.d.f.ip6.arpa';
  assert.deepEqual(data(ask(six, 'PTR').answers), ['six.default.svc.cluster.local']);
  assert.deepEqual(data(ask('5.0.42.10.in-addr.arpa', 'PTR').answers), ['web-0.nginx.default.svc.cluster.local']);
  assert.deepEqual(data(ask('8.0.42.10.in-addr.arpa', 'PTR').answers), ['10-42-0-8.nginx.default.svc.cluster.local']);
  const endpointSix = '9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.4.0.0.0.0.d.f.ip6.arpa';
  assert.deepEqual(data(ask(endpointSix, 'PTR').answers), ['web-3.nginx.default.svc.cluster.local']);
  // A known address asked for another type: NODATA.
  const nodata = ask('1.0.43.10.in-addr.arpa', 'A');
  assert.equal(nodata.rcode, 'NOERROR');
  assert.deepEqual(nodata.answers, []);
  assert.equal(nodata.authorities[0]?.type, 'SOA');
});

test('reverse names of addresses not in the cluster, unready endpoints and other names are forwarded', () => {
  const forward = (name: string, type: RecordType = 'PTR') => answerClusterQuestion({ name, type, class: 'IN' }, state, zone).kind;
  assert.equal(forward('9.9.9.9.in-addr.arpa'), 'forward');
  assert.equal(forward('7.0.42.10.in-addr.arpa'), 'forward');
  assert.equal(forward('43.10.in-addr.arpa'), 'forward');
  assert.equal(forward('example.com', 'A'), 'forward');
  assert.equal(forward('cluster.local.example.com', 'A'), 'forward');
  assert.equal(forward('notcluster.local', 'A'), 'forward');
});

test('an ExternalName Service is a CNAME, to be chased upstream when outside the zone', () => {
  const a = ask('external.default.svc.cluster.local', 'A');
  assert.equal(a.rcode, 'NOERROR');
  assert.deepEqual(a.answers, [{ name: 'external.default.svc.cluster.local', type: 'CNAME', class: 'IN', ttl: 5, data: 'www.example.com' }]);
  assert.deepEqual(a.chase, { name: 'www.example.com', type: 'A', class: 'IN' });
  const cname = ask('external.default.svc.cluster.local', 'CNAME');
  assert.equal(cname.chase, undefined);
  assert.equal(cname.answers.length, 1);
  // Inside the zone the CNAME is followed here.
  const alias = ask('alias.default.svc.cluster.local', 'A');
  assert.deepEqual(data(alias.answers), ['web.default.svc.cluster.local', '10.43.0.10']);
  assert.equal(alias.chase, undefined);
  assertNegative(ask('x.external.default.svc.cluster.local', 'A'), 'NXDOMAIN');
  // A chain ending at a missing name is NXDOMAIN, with the CNAME and the SOA.
  const dangling = ask('dangling.default.svc.cluster.local', 'A');
  assert.equal(dangling.rcode, 'NXDOMAIN');
  assert.deepEqual(data(dangling.answers), ['gone.default.svc.cluster.local']);
  assert.equal(dangling.authorities[0]?.type, 'SOA');
  // Ending at a name without records of the type: NODATA after the CNAME.
  const nodata = ask('alias.default.svc.cluster.local', 'AAAA');
  assert.equal(nodata.rcode, 'NOERROR');
  assert.deepEqual(data(nodata.answers), ['web.default.svc.cluster.local']);
  assert.equal(nodata.authorities[0]?.type, 'SOA');
});

test('pod A records from dashed addresses', () => {
  assert.deepEqual(data(ask('10-42-0-5.default.pod.cluster.local', 'A').answers), ['10.42.0.5']);
  assert.deepEqual(data(ask('fd00-42--9.default.pod.cluster.local', 'AAAA').answers), ['fd00:42::9']);
  assertNegative(ask('10-42-0-5.default.pod.cluster.local', 'AAAA'), 'NOERROR');
  assertNegative(ask('10-42-0-999.default.pod.cluster.local', 'A'), 'NXDOMAIN');
  assertNegative(ask('pod.cluster.local', 'A'), 'NOERROR');
  const off = answerClusterQuestion({ name: '10-42-0-5.default.pod.cluster.local', type: 'A' }, state, { ...zone, podRecords: false }) as ClusterAnswer;
  assert.equal(off.rcode, 'NXDOMAIN');
});

test('before the caches have synced, cluster names are SERVFAIL, never NXDOMAIN', () => {
  const unsynced = new ClusterDnsState({
    services: { get: () => undefined, byIndex: () => [] },
    endpointSlices: { get: () => undefined, byIndex: () => [] },
    hasSynced: () => false,
  });
  const a = answerClusterQuestion({ name: 'web.default.svc.cluster.local', type: 'A' }, unsynced, zone) as ClusterAnswer;
  assert.equal(a.rcode, 'SERVFAIL');
});

test('another cluster domain and TTL', () => {
  const custom = answerClusterQuestion({ name: 'web.default.svc.example.internal', type: 'A' }, state, { domain: 'example.internal', ttlSeconds: 30, podRecords: true }) as ClusterAnswer;
  assert.deepEqual(custom.answers, [{ name: 'web.default.svc.example.internal', type: 'A', class: 'IN', ttl: 30, data: '10.43.0.10' }]);
  assert.equal(answerClusterQuestion({ name: 'web.default.svc.cluster.local', type: 'A' }, state, { domain: 'example.internal', ttlSeconds: 30, podRecords: true }).kind, 'forward');
});
