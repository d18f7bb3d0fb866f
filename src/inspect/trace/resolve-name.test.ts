import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candidateNames, resolveName } from './resolve-name.js';
import { seedSnapshot } from './testing.js';

const settings = { searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5, clusterDomain: 'cluster.local' };

describe('resolveName', () => {
  it('asks search domains first below ndots, the name first at or above it, only the name with a trailing dot', () => {
    assert.deepEqual(candidateNames('web', settings), ['web.default.svc.cluster.local', 'web.svc.cluster.local', 'web.cluster.local', 'web']);
    assert.deepEqual(candidateNames('a.b.c.d.e.f', settings).slice(0, 2), ['a.b.c.d.e.f', 'a.b.c.d.e.f.default.svc.cluster.local']);
    assert.deepEqual(candidateNames('web.default.svc.cluster.local.', settings), ['web.default.svc.cluster.local']);
  });

  it('answers a Service\'s ClusterIP, a namespace-qualified name on its second try', () => {
    const r = resolveName(seedSnapshot(), 'cluster-service-test.default', settings);
    assert.deepEqual(r.tried.map((t) => t.answer), ['nxdomain', 'addresses']);
    assert.deepEqual(r.answered?.addresses, ['10.170.11.11']);
  });

  it('answers a headless Service\'s ready pods and a StatefulSet pod by hostname', () => {
    assert.deepEqual(resolveName(seedSnapshot(), 'nginx', settings).answered?.addresses, ['10.42.0.20', '10.42.1.21']);
    assert.deepEqual(resolveName(seedSnapshot(), 'web-0.nginx', settings).answered?.addresses, ['10.42.0.20']);
  });

  it('does not answer a headless Service without ready endpoints, and forwards names outside the zone', () => {
    const snapshot = seedSnapshot();
    for (const slice of snapshot.endpointSlices) for (const e of slice.endpoints) e.conditions = { ready: false };
    const r = resolveName(snapshot, 'nginx', settings);
    assert.equal(r.tried[0]?.answer, 'nxdomain');
    assert.equal(r.answered?.answer, 'forwarded');
    assert.equal(r.answered?.name, 'nginx');
  });

  it('answers pod address names and ExternalName aliases', () => {
    const snapshot = seedSnapshot();
    assert.deepEqual(resolveName(snapshot, '10-42-0-5.default.pod.cluster.local', settings).answered?.addresses, ['10.42.0.5']);
    snapshot.services.push({ metadata: { namespace: 'default', name: 'db' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } });
    assert.deepEqual(resolveName(snapshot, 'db', settings).answered, { name: 'db.default.svc.cluster.local', answer: 'cname', addresses: [], cname: 'db.example.com', about: 'ExternalName Service default/db', service: 'default/db' });
  });
});
