import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { buildGatewayDataPlane, intersectHostnames, skiffGatewayController, type GatewayState } from './gateway-model.js';
import type { Gateway, HTTPBackendRef, HTTPRoute, Listener, ReferenceGrant } from './gateway-types.js';
import { service, slice } from './testing.js';

const opts = { httpPort: 80, httpsPort: 443, certificateDir: '/certs', addresses: ['10.0.0.1'], now: '2026-01-01T00:00:00Z' };
const skiffClass = { metadata: { name: 'skiff' }, spec: { controllerName: skiffGatewayController } };
const gateway = (listeners: Partial<Listener>[], namespace = 'default'): Gateway => ({
  metadata: { namespace, name: 'gw', generation: 1 },
  spec: { gatewayClassName: 'skiff', listeners: listeners.map((l, i) => ({ name: `l${i}`, port: 80, protocol: 'HTTP', ...l })) },
});
const route = (name: string, spec: Partial<NonNullable<HTTPRoute['spec']>>, namespace = 'default', created = '2026-01-01T00:00:00Z'): HTTPRoute => ({
  metadata: { namespace, name, generation: 2, creationTimestamp: created },
  spec: { parentRefs: [{ name: 'gw', namespace: 'default' }], ...spec },
});
const backends = (...refs: HTTPBackendRef[]) => ({ rules: [{ backendRefs: refs }] });
const state = (parts: Partial<GatewayState>): GatewayState => ({
  gatewayClasses: [skiffClass],
  gateways: [gateway([{}])],
  httpRoutes: [],
  referenceGrants: [],
  services: [service('v1', '10.43.0.1'), service('v2', '10.43.0.2')],
  endpointSlices: [slice('v1'), slice('v2')],
  namespaces: [],
  secrets: [],
  ...parts,
});
const shares = (out: ReturnType<typeof buildGatewayDataPlane>, host = '', index = -1) =>
  out.plane.virtualHosts.find((h) => h.hostname === host)?.locations[0]?.rules.at(index)?.backends.map((b) => [b.target.kind === 'upstream' ? b.target.name : b.target.code, b.weight]);
const cond = (conds: { type?: string; status?: string; reason?: string }[] | undefined, type: string) => {
  const c = conds?.find((x) => x.type === type);
  return `${c?.status}/${c?.reason}`;
};

test('hostnames: the route’s within the listener’s, wildcards both ways, none on either side', () => {
  assert.deepEqual(intersectHostnames(undefined, undefined), ['']);
  assert.deepEqual(intersectHostnames('a.example.com', undefined), ['a.example.com']);
  assert.deepEqual(intersectHostnames(undefined, ['x.io']), ['x.io']);
  assert.deepEqual(intersectHostnames('*.example.com', ['a.example.com', 'example.com', 'other.io']), ['a.example.com']);
  assert.deepEqual(intersectHostnames('a.example.com', ['*.example.com']), ['a.example.com']);
  assert.deepEqual(intersectHostnames('a.example.com', ['b.example.com']), []);
});

test('weighted backendRefs split in proportion; weight 0 is kept at 0; a missing Service’s share is 500 with BackendNotFound', () => {
  const out = buildGatewayDataPlane(
    state({ httpRoutes: [route('canary', { hostnames: ['c.example.com'], ...backends({ name: 'v1', port: 80, weight: 80 }, { name: 'v2', port: 80, weight: 20 }, { name: 'v3', port: 80, weight: 0 }, { name: 'gone', port: 80, weight: 10 }) })] }),
    opts,
  );
  assert.deepEqual(shares(out, 'c.example.com'), [['default-v1-80', 80], ['default-v2-80', 20], [500, 0], [500, 10]]);
  const parent = out.httpRoutes[0]?.status.parents?.[0];
  assert.equal(parent?.controllerName, skiffGatewayController);
  assert.equal(cond(parent?.conditions, 'Accepted'), 'True/Accepted');
  assert.equal(cond(parent?.conditions, 'ResolvedRefs'), 'False/BackendNotFound');
  assert.match(parent?.conditions.find((c) => c.type === 'ResolvedRefs')?.message ?? '', /default\/gone not found/);
  assert.equal(parent?.conditions[0]?.observedGeneration, 2);
  assert.equal(out.gateways[0]?.status.listeners?.[0]?.attachedRoutes, 1);
});

test('a header Exact match comes before the weighted rule of the same path', () => {
  const r = route('canary', {
    rules: [
      { backendRefs: [{ name: 'v1', port: 80, weight: 80 }, { name: 'v2', port: 80, weight: 20 }] },
      { matches: [{ headers: [{ name: 'canary', value: 'always' }] }], backendRefs: [{ name: 'v2', port: 80 }] },
    ],
  });
  const out = buildGatewayDataPlane(state({ httpRoutes: [r] }), opts);
  const rules = out.plane.virtualHosts[0]?.locations[0]?.rules ?? [];
  assert.deepEqual(rules.map((x) => x.when), [[{ on: 'header', name: 'canary', match: 'exact', value: 'always' }], []]);
  assert.deepEqual(out.plane.virtualHosts[0]?.locations[0]?.path, '/');
  assert.deepEqual(out.plane.virtualHosts[0]?.locations[0]?.match, 'prefix');
});

test('path Exact and PathPrefix become exact and prefix locations', () => {
  const r = route('paths', { rules: [{ matches: [{ path: { type: 'Exact', value: '/a' } }, { path: { type: 'PathPrefix', value: '/b' } }], backendRefs: [{ name: 'v1', port: 80 }] }] });
  const out = buildGatewayDataPlane(state({ httpRoutes: [r] }), opts);
  assert.deepEqual(out.plane.virtualHosts[0]?.locations.map((l) => `${l.match} ${l.path}`).sort(), ['exact /a', 'prefix /b']);
});

test('cross-namespace backends need a ReferenceGrant: without one the share is 500 and RefNotPermitted', () => {
  const other: Service = { ...service('api', '10.43.0.9'), metadata: { namespace: 'team', name: 'api' } };
  const otherSlice = { ...slice('api'), metadata: { namespace: 'team', name: 'api-x', labels: { 'kubernetes.io/service-name': 'api' } } };
  const r = route('x', backends({ name: 'api', namespace: 'team', port: 80 }));
  const denied = buildGatewayDataPlane(state({ httpRoutes: [r], services: [other], endpointSlices: [otherSlice] }), opts);
  assert.deepEqual(shares(denied), [[500, 1]]);
  assert.equal(cond(denied.httpRoutes[0]?.status.parents?.[0]?.conditions, 'ResolvedRefs'), 'False/RefNotPermitted');
  const grant: ReferenceGrant = { metadata: { namespace: 'team', name: 'g' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }], to: [{ group: '', kind: 'Service' }] } };
  const allowed = buildGatewayDataPlane(state({ httpRoutes: [r], services: [other], endpointSlices: [otherSlice], referenceGrants: [grant] }), opts);
  assert.deepEqual(shares(allowed), [['team-api-80', 1]]);
  assert.equal(cond(allowed.httpRoutes[0]?.status.parents?.[0]?.conditions, 'ResolvedRefs'), 'True/ResolvedRefs');
});

test('a Service without ready endpoints answers 503; another kind is 500 with InvalidKind', () => {
  const out = buildGatewayDataPlane(state({ endpointSlices: [slice('v1', false)], httpRoutes: [route('r', backends({ name: 'v1', port: 80 }, { name: 'b', kind: 'Bucket', group: 'example.com' }))] }), opts);
  assert.deepEqual(shares(out), [[503, 1], [500, 1]]);
  assert.equal(cond(out.httpRoutes[0]?.status.parents?.[0]?.conditions, 'ResolvedRefs'), 'False/InvalidKind');
});

test('allowedRoutes: Same refuses other namespaces, All takes them; no shared hostname is NoMatchingListenerHostname', () => {
  const foreign = route('f', backends({ name: 'v1', port: 80 }), 'team');
  const same = buildGatewayDataPlane(state({ httpRoutes: [foreign] }), opts);
  assert.equal(cond(same.httpRoutes[0]?.status.parents?.[0]?.conditions, 'Accepted'), 'False/NotAllowedByListeners');
  assert.deepEqual(same.plane.virtualHosts.map((h) => h.locations), [[]], 'the listener’s host answers 404 only');
  assert.equal(same.gateways[0]?.status.listeners?.[0]?.attachedRoutes, 0);
  const all = buildGatewayDataPlane(state({ gateways: [gateway([{ allowedRoutes: { namespaces: { from: 'All' } } }])], httpRoutes: [foreign] }), opts);
  assert.equal(cond(all.httpRoutes[0]?.status.parents?.[0]?.conditions, 'Accepted'), 'True/Accepted');
  const hostless = buildGatewayDataPlane(state({ gateways: [gateway([{ hostname: 'a.example.com' }])], httpRoutes: [route('h', { hostnames: ['b.example.com'], ...backends({ name: 'v1', port: 80 }) })] }), opts);
  assert.equal(cond(hostless.httpRoutes[0]?.status.parents?.[0]?.conditions, 'Accepted'), 'False/NoMatchingListenerHostname');
});

test('Gateway status: Accepted and Programmed with addresses; a listener on another port or protocol is not accepted', () => {
  const out = buildGatewayDataPlane(state({ gateways: [gateway([{}, { port: 8080 }, { protocol: 'TCP', port: 9000 }])] }), opts);
  const st = out.gateways[0]?.status;
  assert.deepEqual(st?.addresses, [{ type: 'IPAddress', value: '10.0.0.1' }]);
  assert.equal(cond(st?.conditions, 'Accepted'), 'True/Accepted');
  assert.equal(cond(st?.conditions, 'Programmed'), 'True/Programmed');
  assert.deepEqual(st?.listeners?.map((l) => cond(l.conditions, 'Accepted')), ['True/Accepted', 'False/PortUnavailable', 'False/UnsupportedProtocol']);
  assert.deepEqual(st?.listeners?.map((l) => cond(l.conditions, 'Programmed')), ['True/Programmed', 'False/Invalid', 'False/Invalid']);
  assert.equal(cond(out.gatewayClasses[0]?.status.conditions, 'Accepted'), 'True/Accepted');
});

test('Gateways of other classes, and routes only to them, are left alone; other controllers’ parent statuses are kept', () => {
  const foreignGw: Gateway = { metadata: { namespace: 'default', name: 'other' }, spec: { gatewayClassName: 'else', listeners: [] } };
  const r = route('r', { parentRefs: [{ name: 'other' }], ...backends({ name: 'v1', port: 80 }) });
  const out = buildGatewayDataPlane(state({ gateways: [foreignGw], httpRoutes: [r] }), opts);
  assert.deepEqual(out.gateways, []);
  assert.deepEqual(out.httpRoutes, []);
  const both: HTTPRoute = { ...route('b', backends({ name: 'v1', port: 80 })), status: { parents: [{ parentRef: { name: 'x' }, controllerName: 'example.com/else', conditions: [] }] } };
  const out2 = buildGatewayDataPlane(state({ httpRoutes: [both] }), opts);
  assert.deepEqual(out2.httpRoutes[0]?.status.parents?.map((p) => p.controllerName), ['example.com/else', skiffGatewayController]);
});

test('a route whose every rule is unsupported is not Accepted (UnsupportedValue) and serves nothing', () => {
  const r = route('f', { rules: [{ filters: [{ type: 'CORS' }], backendRefs: [{ name: 'v1', port: 80 }] }] });
  const out = buildGatewayDataPlane(state({ httpRoutes: [r] }), opts);
  assert.equal(cond(out.httpRoutes[0]?.status.parents?.[0]?.conditions, 'Accepted'), 'False/UnsupportedValue');
  assert.match(out.httpRoutes[0]?.status.parents?.[0]?.conditions[0]?.message ?? '', /rule 0 filter CORS is not supported/);
  assert.deepEqual(out.plane.virtualHosts.flatMap((h) => h.locations), []);
});

test('lastTransitionTime is kept while a condition’s status stays', () => {
  const first = buildGatewayDataPlane(state({ httpRoutes: [route('r', backends({ name: 'v1', port: 80 }))] }), opts);
  const again = buildGatewayDataPlane(state({ httpRoutes: [{ ...route('r', backends({ name: 'v1', port: 80 })), status: first.httpRoutes[0]?.status }] }), { ...opts, now: '2026-02-02T00:00:00Z' });
  assert.equal(again.httpRoutes[0]?.status.parents?.[0]?.conditions[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
});

test('merging with the Ingress plane joins hosts; the Ingress keeps a path both serve', async () => {
  const { mergeDataPlanes } = await import('./gateway-model.js');
  const loc = (path: string, source: string) => ({ path, match: 'prefix' as const, rules: [], source });
  const merged = mergeDataPlanes({ virtualHosts: [{ hostname: 'a', locations: [loc('/', 'ing')] }] }, { virtualHosts: [{ hostname: 'a', locations: [loc('/', 'gw'), loc('/x', 'gw')] }, { hostname: 'b', locations: [loc('/', 'gw')] }] });
  assert.deepEqual(merged.virtualHosts.map((h) => `${h.hostname}:${h.locations.map((l) => `${l.path}=${l.source}`).join(',')}`), ['a:/=ing,/x=gw', 'b:/=gw']);
});
