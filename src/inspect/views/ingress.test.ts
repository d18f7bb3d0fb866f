import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { seedNetworkSnapshot, xmlProblems } from '../seed-fixtures/testing.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { assertGolden } from '../testing.js';
import { ingressView, type IngressViewModel } from './ingress.js';

function model(snapshot: ClusterSnapshot, kind: string, name: string, namespace = 'default'): IngressViewModel {
  const m = ingressView.select(snapshot, { namespace, kind, name });
  assert.ok(m, `${kind} ${namespace}/${name} found`);
  return m;
}

function renderChecked(m: IngressViewModel, goldenName: string): string {
  const svg = ingressView.render(m);
  assert.deepEqual(xmlProblems(svg), []);
  for (const g of svg.matchAll(/<g [^>]*>/g)) assert.match(g[0], /aria-label="[^"]+"/, 'every group has an aria-label');
  assertGolden(goldenName, svg);
  return svg;
}

/** The seed with the nginx access log's counts: 150 requests to stable, 50 to the canary. */
function measuredSnapshot(): ClusterSnapshot {
  const s = seedNetworkSnapshot();
  s.traffic = [
    { source: 'ingress', backend: 'default/tomcat-stable', count: 150, windowSeconds: 60 },
    { source: 'ingress', backend: 'default/tomcat-canary', count: 50, windowSeconds: 60 },
    { source: 'service', backend: 'default/tomcat-canary/10.244.1.24:8080', count: 7, windowSeconds: 60 },
  ];
  return s;
}

/** An Ingress with two hosts, TLS for one, and a default backend. */
function shopIngress(): Ingress {
  const backend = (name: string, port: number | string) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'default' },
    spec: {
      tls: [{ hosts: ['shop.example.test'], secretName: 'shop-tls' }],
      defaultBackend: backend('cluster-service-test', 'abc'),
      rules: [
        { host: 'shop.example.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('tomcat-stable', 80) }, { path: '/cache', pathType: 'Exact', backend: backend('cluster-service-test', 99) }] } },
        { host: 'old.example.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('gone', 80) }] } },
      ],
    },
    status: { loadBalancer: { ingress: [{ ip: '192.168.50.11' }] } },
  };
}

describe('ingress view', () => {
  test("the seed's Ingress canary: host and path split 80/20 between tomcat-stable and tomcat-canary, with the header and cookie rules and the measured share", () => {
    const m = model(measuredSnapshot(), 'ingress', 'tomcat');
    assert.deepEqual(m.header, ['IngressClass nginx, controller k8s.io/ingress-nginx', 'no defaultBackend']);
    assert.equal(m.rows.length, 1);
    const row = m.rows[0]!;
    assert.deepEqual(row.entry, ['tomcat.example.test', 'http']);
    assert.deepEqual(row.match, ['Prefix /', 'header X-Canary: always → canary, never → main', 'cookie canary: always → canary, never → main', 'otherwise 20 of 100 → canary']);
    assert.deepEqual(row.backends.map((b) => [b.role, b.service, b.weight, b.measured?.share, b.targetPort, b.endpoints.length]), [
      ['main', 'tomcat-stable', { weight: 80, total: 100 }, 0.75, '8080', 3],
      ['canary', 'tomcat-canary', { weight: 20, total: 100 }, 0.25, '8080', 1],
    ]);
    const text = ingressView.describe(m);
    assert.match(text, /^Ingress default\/tomcat\.\nIngressClass nginx, controller k8s\.io\/ingress-nginx\./);
    assert.match(text, /Route 1: tomcat\.example\.test, http → match Prefix \/; header X-Canary: always → canary, never → main; cookie canary: always → canary, never → main; otherwise 20 of 100 → canary → main Service default\/tomcat-stable port 80 \(targetPort 8080\), from Ingress tomcat; configured 80% \(weight 80 of 100\); measured 75% \(150 requests in 60 s\); 3 of 3 endpoint\(s\) ready: /);
    assert.ok(ingressView.links(m).some((l) => l.view === 'canary' && l.params.name === 'tomcat'));
    assert.ok(ingressView.links(m).some((l) => l.view === 'ingress' && l.params.name === 'tomcat-canary'));
    renderChecked(m, 'ingress-seed-canary.svg');
  });

  test('the canary Ingress draws the same split from its side', () => {
    const main = model(measuredSnapshot(), 'ingress', 'tomcat');
    const canary = model(measuredSnapshot(), 'ingress', 'tomcat-canary');
    assert.deepEqual(canary.rows, main.rows);
  });

  test('a canary without a main Ingress for its host and path is drawn alone, with the reason', () => {
    const s = seedNetworkSnapshot();
    s.ingresses = s.ingresses.filter((i) => i.metadata?.name === 'tomcat-canary');
    const m = model(s, 'ingress', 'tomcat-canary');
    assert.deepEqual(m.rows[0]?.backends.map((b) => [b.service, b.weight]), [['tomcat-canary', undefined]]);
    assert.deepEqual(m.notes, ['canary for host tomcat.example.test path / ignored: no main Ingress serves that host and path']);
  });

  test('TLS hosts, the default backend, a missing Service, named ports, the class by default', () => {
    const s = seedNetworkSnapshot();
    s.ingresses.push(shopIngress());
    const m = model(s, 'ingress', 'shop');
    assert.deepEqual(m.header, ['IngressClass nginx (the default class), controller k8s.io/ingress-nginx', 'address 192.168.50.11', 'TLS for shop.example.test with Secret shop-tls']);
    assert.deepEqual(m.rows.map((r) => [r.entry.join(' '), r.match[0], r.backends.map((b) => `${b.service}:${b.port}→${b.targetPort ?? '-'}${b.problem ? ` (${b.problem})` : ''}`)]), [
      ['shop.example.test https and http', 'Prefix /', ['tomcat-stable:80→8080']],
      ['shop.example.test https and http', 'Exact /cache', ['cluster-service-test:99→6379']],
      ['old.example.test http', 'Prefix /', ['gone:80→- (Service default/gone not found)']],
      ['default backend any host', 'requests no rule matches', ['cluster-service-test:abc→8080']],
    ]);
    renderChecked(m, 'ingress-tls-default.svg');
  });

  test("a user who may not list Secrets sees that TLS is on, not the Secret's name", () => {
    const s = { ...seedNetworkSnapshot(), forbidden: ['secrets'] };
    s.ingresses = [...s.ingresses, shopIngress()];
    const m = model(s, 'ingress', 'shop');
    assert.deepEqual(m.header[2], 'TLS for shop.example.test with a Secret (name hidden: you may not list secrets)');
    const svg = ingressView.render(m);
    assert.doesNotMatch(svg, /shop-tls/);
    assert.doesNotMatch(ingressView.describe(m), /shop-tls/);
  });

  test("the seed's Gateway: listener → HTTPRoute → five rules, the last weighted 80/20, with the route's acceptance", () => {
    const s = measuredSnapshot();
    const route = s.httpRoutes[0] as KubeObject & { status?: unknown };
    route.status = { parents: [{ parentRef: { name: 'tomcat', sectionName: 'http' }, controllerName: 'skiff.dev/gateway-controller', conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted' }] }] };
    const m = model(s, 'gateway', 'tomcat');
    assert.deepEqual(m.header, ['GatewayClass skiff', 'address 192.168.50.11']);
    assert.equal(m.rows.length, 5);
    assert.deepEqual(m.rows[0]?.entry, ['Gateway tomcat listener http', 'HTTP :80 tomcat.example.test']);
    assert.deepEqual(m.rows[0]?.route, ['HTTPRoute tomcat', 'hosts tomcat.example.test', 'accepted']);
    assert.deepEqual(m.rows.map((r) => r.match.join('; ')), [
      'PathPrefix /, header X-Canary = always',
      'PathPrefix /, header X-Canary = never',
      'PathPrefix /, header Cookie ~ (^|; )canary=always(;|$)',
      'PathPrefix /, header Cookie ~ (^|; )canary=never(;|$)',
      'PathPrefix /',
    ]);
    assert.deepEqual(m.rows[4]?.backends.map((b) => [b.service, b.weight, b.measured?.share]), [['tomcat-stable', { weight: 80, total: 100 }, 0.75], ['tomcat-canary', { weight: 20, total: 100 }, 0.25]]);
    assert.deepEqual(ingressView.links(m).filter((l) => l.view !== 'pod'), [
      { view: 'service', params: { namespace: 'default', name: 'tomcat-canary' } },
      { view: 'service', params: { namespace: 'default', name: 'tomcat-stable' } },
      { view: 'ingress', params: { namespace: 'default', kind: 'httproute', name: 'tomcat' } },
      { view: 'canary', params: { namespace: 'default', kind: 'gateway', name: 'tomcat' } },
    ]);
    renderChecked(m, 'gateway-seed.svg');
  });

  test('an HTTPRoute names its Gateway listener; without controller status it is not yet accepted; a missing parent is said', () => {
    const s = seedNetworkSnapshot();
    const m = model(s, 'httproute', 'tomcat');
    assert.deepEqual(m.header, ['hostnames tomcat.example.test', 'parents tomcat/http']);
    assert.equal(m.rows.length, 5);
    assert.equal(m.rows[0]?.route?.[2], 'not yet accepted by a controller');
    const orphan = { ...seedNetworkSnapshot(), gateways: [] };
    const o = model(orphan, 'httproute', 'tomcat');
    assert.deepEqual(o.notes, ['Gateway default/tomcat not found']);
    assert.equal(o.rows[0]?.entry[0], 'Gateway default/tomcat (not found)');
    renderChecked(m, 'httproute-seed.svg');
  });

  test('unknown objects select nothing; instances list Ingresses, Gateways and HTTPRoutes; output is stable under reordering', () => {
    const s = seedNetworkSnapshot();
    assert.equal(ingressView.select(s, { namespace: 'default', kind: 'ingress', name: 'nope' }), undefined);
    assert.equal(ingressView.select(s, { namespace: 'default', kind: 'service', name: 'tomcat' }), undefined);
    assert.deepEqual(ingressView.instances?.(s), [
      { namespace: 'default', kind: 'ingress', name: 'tomcat' },
      { namespace: 'default', kind: 'ingress', name: 'tomcat-canary' },
      { namespace: 'default', kind: 'gateway', name: 'tomcat' },
      { namespace: 'default', kind: 'httproute', name: 'tomcat' },
    ]);
    const shuffled = { ...s, ingresses: [...s.ingresses].reverse(), pods: [...s.pods].reverse(), services: [...s.services].reverse() };
    assert.equal(ingressView.render(model(shuffled, 'ingress', 'tomcat')), ingressView.render(model(s, 'ingress', 'tomcat')));
  });
});
