import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { buildGatewayDataPlane, intersectHostnames, skiffGatewayController, type GatewayState } from './gateway-model.js';
import type { Gateway, GRPCRoute, HTTPBackendRef, HTTPRoute, Listener, ReferenceGrant } from './gateway-types.js';
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
  grpcRoutes: [],
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

test('allowedRoutes.kinds: supportedKinds lists what is served, another kind is InvalidRouteKinds, a listener with none left serves nothing', () => {
  const http = { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' };
  const grpc = { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' };
  const gw = gateway([{ hostname: 'a.example.com' }, { hostname: 'b.example.com', allowedRoutes: { kinds: [grpc, http] } }, { hostname: 'c.example.com', allowedRoutes: { kinds: [grpc] } }, { hostname: 'd.example.com', allowedRoutes: { kinds: [{ group: 'example.com', kind: 'HTTPRoute' }] } }]);
  const r = route('r', backends({ name: 'v1', port: 80 }));
  const out = buildGatewayDataPlane(state({ gateways: [gw], httpRoutes: [r] }), opts);
  const listeners = out.gateways[0]?.status.listeners ?? [];
  assert.deepEqual(listeners.map((l) => l.supportedKinds), [[http], [http], [], []]);
  assert.deepEqual(listeners.map((l) => cond(l.conditions, 'ResolvedRefs')), ['True/ResolvedRefs', 'False/InvalidRouteKinds', 'False/InvalidRouteKinds', 'False/InvalidRouteKinds']);
  assert.match(listeners[1]?.conditions.find((c) => c.type === 'ResolvedRefs')?.message ?? '', /does not serve: gateway.networking.k8s.io\/GRPCRoute \(GRPCRoute is not served: nginx 1.22 cannot serve cleartext HTTP\/2/);
  assert.deepEqual(listeners.map((l) => cond(l.conditions, 'Programmed')), ['True/Programmed', 'True/Programmed', 'False/Invalid', 'False/Invalid']);
  assert.deepEqual(listeners.map((l) => l.attachedRoutes), [1, 1, 0, 0]);
  assert.deepEqual(out.plane.virtualHosts.map((h) => h.hostname).sort(), ['a.example.com', 'b.example.com']);
  const onlyGrpc = buildGatewayDataPlane(state({ gateways: [gateway([{ allowedRoutes: { kinds: [grpc] } }])], httpRoutes: [r] }), opts);
  const parent = onlyGrpc.httpRoutes[0]?.status.parents?.[0]?.conditions;
  assert.equal(cond(parent, 'Accepted'), 'False/NotAllowedByListeners');
  assert.match(parent?.[0]?.message ?? '', /allows the kind HTTPRoute/);
});

test('GRPCRoutes are not served: NotAllowedByListeners on every parent of this controller, NoMatchingParent without the listener, backends resolved as for HTTPRoutes', () => {
  const grpcRoute = (name: string, spec: Partial<NonNullable<GRPCRoute['spec']>>, namespace = 'default'): GRPCRoute => ({
    metadata: { namespace, name, generation: 3 },
    spec: { parentRefs: [{ name: 'gw', namespace: 'default' }], rules: [{ matches: [{ method: { service: 'echo.Echo', method: 'Say' } }], backendRefs: [{ name: 'v1', port: 80 }] }], ...spec },
  });
  const foreignGw: Gateway = { metadata: { namespace: 'default', name: 'other' }, spec: { gatewayClassName: 'else', listeners: [] } };
  const out = buildGatewayDataPlane(
    state({
      gateways: [gateway([{ name: 'http' }]), foreignGw],
      grpcRoutes: [
        grpcRoute('ok', {}),
        grpcRoute('section', { parentRefs: [{ name: 'gw', sectionName: 'grpc' }] }),
        grpcRoute('missing', { rules: [{ backendRefs: [{ name: 'gone', port: 80 }] }] }),
        grpcRoute('other', { parentRefs: [{ name: 'other' }] }),
        { ...grpcRoute('shared', {}), status: { parents: [{ parentRef: { name: 'x' }, controllerName: 'example.com/else', conditions: [] }] } },
      ],
    }),
    opts,
  );
  const byName = new Map(out.grpcRoutes.map((u) => [u.name, u.status.parents ?? []]));
  assert.deepEqual([...byName.keys()], ['ok', 'section', 'missing', 'shared'], 'a route only to another controller’s Gateway gets no status');
  const ok = byName.get('ok')?.[0];
  assert.deepEqual(ok?.parentRef, { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', namespace: 'default' });
  assert.equal(ok?.controllerName, skiffGatewayController);
  assert.equal(cond(ok?.conditions, 'Accepted'), 'False/NotAllowedByListeners');
  assert.match(ok?.conditions[0]?.message ?? '', /no listener of Gateway default\/gw allows the kind GRPCRoute: GRPCRoute is not served/);
  assert.equal(ok?.conditions[0]?.observedGeneration, 3);
  assert.equal(cond(ok?.conditions, 'ResolvedRefs'), 'True/ResolvedRefs');
  assert.equal(cond(byName.get('section')?.[0]?.conditions, 'Accepted'), 'False/NoMatchingParent');
  assert.equal(cond(byName.get('missing')?.[0]?.conditions, 'ResolvedRefs'), 'False/BackendNotFound');
  assert.deepEqual(byName.get('shared')?.map((p) => p.controllerName), ['example.com/else', skiffGatewayController]);
  assert.equal(out.gateways[0]?.status.listeners?.[0]?.attachedRoutes, 0);
  assert.deepEqual(out.plane.virtualHosts.flatMap((h) => h.locations), []);
});

test('a GRPCRoute’s backendRef to another namespace needs a ReferenceGrant from GRPCRoutes', () => {
  const r: GRPCRoute = { metadata: { namespace: 'default', name: 'g' }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'v1', namespace: 'team', port: 80 }] }] } };
  const teamService = { ...service('v1', '10.43.0.9'), metadata: { namespace: 'team', name: 'v1' } };
  const grant = (kind: string): ReferenceGrant => ({ metadata: { namespace: 'team', name: 'g' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind, namespace: 'default' }], to: [{ group: '', kind: 'Service' }] } });
  const resolvedWith = (grants: ReferenceGrant[]) => cond(buildGatewayDataPlane(state({ grpcRoutes: [r], services: [teamService], referenceGrants: grants }), opts).grpcRoutes[0]?.status.parents?.[0]?.conditions, 'ResolvedRefs');
  assert.equal(resolvedWith([]), 'False/RefNotPermitted');
  assert.equal(resolvedWith([grant('HTTPRoute')]), 'False/RefNotPermitted');
  assert.equal(resolvedWith([grant('GRPCRoute')]), 'True/ResolvedRefs');
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

const hostsOf = (out: ReturnType<typeof buildGatewayDataPlane>) => out.plane.virtualHosts;
/** Per location of `host`: `match path: rule sources and conditions` in order. */
const routing = (out: ReturnType<typeof buildGatewayDataPlane>, host = '', http = true) =>
  hostsOf(out)
    .find((h) => h.hostname === host && (h.http !== false) === http)
    ?.locations.map((l) => `${l.match} ${l.path}: ${l.rules.map((r) => `${r.backends.map((b) => (b.target.kind === 'upstream' ? b.target.name.split('-')[1] : b.target.code)).join('+')}${r.when.length ? `[${r.when.map((c) => `${c.on}${c.name ? ` ${c.name}` : ''}=${c.value}`).join(',')}]` : ''}`).join(' | ')}`);

test('precedence across rules and routes: a request no rule of a longer path takes falls through to shorter prefixes; Exact, method, headers, query parameters, then the oldest route', () => {
  const older = route('older', {
    rules: [
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'v1', port: 80 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'canary', value: 'always' }] }], backendRefs: [{ name: 'v2', port: 80 }] },
      { matches: [{ path: { type: 'Exact', value: '/api/login' } }], backendRefs: [{ name: 'v1', port: 80 }] },
    ],
  }, 'default', '2026-01-01T00:00:00Z');
  const newer = route('newer', {
    rules: [
      { matches: [{ path: { type: 'PathPrefix', value: '/api/' }, queryParams: [{ name: 'v', value: '2' }] }], backendRefs: [{ name: 'v2', port: 80 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/api' }, method: 'POST' }], backendRefs: [{ name: 'v2', port: 80 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'canary', value: 'always' }] }], backendRefs: [{ name: 'v2', port: 80 }] },
    ],
  }, 'default', '2026-01-02T00:00:00Z');
  const out = buildGatewayDataPlane(state({ httpRoutes: [newer, older] }), opts);
  assert.deepEqual(routing(out), [
    'exact /api/login: v1 | v2[query v=2] | v2[method=POST] | v2[header canary=always] | v2[header canary=always] | v1',
    'prefix /: v2[header canary=always] | v1',
    'prefix /api: v2[query v=2] | v2[method=POST] | v2[header canary=always] | v2[header canary=always] | v1',
  ]);
});

test('a RegularExpression path is tested after Exact and before prefixes, on every location of the host', () => {
  const r = route('re', {
    rules: [
      { matches: [{ path: { type: 'PathPrefix', value: '/items' } }], backendRefs: [{ name: 'v1', port: 80 }] },
      { matches: [{ path: { type: 'RegularExpression', value: '/items/[0-9]+' } }], backendRefs: [{ name: 'v2', port: 80 }] },
    ],
  });
  assert.deepEqual(routing(buildGatewayDataPlane(state({ httpRoutes: [r] }), opts)), ['prefix /: v2[path=^(?:/items/[0-9]+)$]', 'prefix /items: v2[path=^(?:/items/[0-9]+)$] | v1']);
});

test('listener isolation: a request goes to the most specific listener hostname; a route serves only the hostnames its listener owns', () => {
  const gw = gateway([{ name: 'empty' }, { name: 'wild', hostname: '*.example.com' }, { name: 'wildfoo', hostname: '*.foo.example.com' }, { name: 'abc', hostname: 'abc.foo.example.com' }].map((l) => ({ ...l })));
  const hostnames = ['bar.com', '*.example.com', '*.foo.example.com', 'abc.foo.example.com'];
  const routes = ['empty', 'wild', 'wildfoo', 'abc'].map((section) => route(section, { parentRefs: [{ name: 'gw', sectionName: section }], hostnames, rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/${section}` } }], backendRefs: [{ name: 'v1', port: 80 }] }] }));
  const out = buildGatewayDataPlane(state({ gateways: [gw], httpRoutes: routes }), opts);
  const served = hostsOf(out).map((h) => `${h.hostname}: ${h.locations.map((l) => l.path).join(',')}`).sort();
  assert.deepEqual(served, ['*.example.com: /wild', '*.foo.example.com: /wildfoo', ': ', 'abc.foo.example.com: /abc', 'bar.com: /empty']);
  assert.ok(hostsOf(out).every((h) => h.wildcard === 'labels'), 'Gateway API wildcards stand for one or more labels');
  assert.deepEqual(out.gateways[0]?.status.listeners?.map((l) => l.attachedRoutes), [1, 1, 1, 1]);
});

test('an HTTPS listener whose certificate does not resolve: not programmed, serves nothing, yet counts its attached route (Accepted)', () => {
  const cert = { metadata: { namespace: 'default', name: 'c' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eA==' } };
  const gw = gateway([{ name: 'http' }, { name: 'https', protocol: 'HTTPS', port: 443, tls: { certificateRefs: [{ name: 'c' }] } }]);
  const r = route('r', { hostnames: ['a.example.com'], parentRefs: [{ name: 'gw', sectionName: 'https' }], ...backends({ name: 'v1', port: 80 }) });
  const out = buildGatewayDataPlane(state({ gateways: [gw], httpRoutes: [r], secrets: [cert] }), opts);
  // The Secret's content is no certificate: ResolvedRefs False, not programmed, yet the route is attached (and Accepted).
  const https = out.gateways[0]?.status.listeners?.[1];
  assert.equal(cond(https?.conditions, 'ResolvedRefs'), 'False/InvalidCertificateRef');
  assert.equal(cond(https?.conditions, 'Programmed'), 'False/Invalid');
  assert.equal(https?.attachedRoutes, 1);
  assert.deepEqual(https?.supportedKinds, [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }]);
  assert.equal(cond(out.httpRoutes[0]?.status.parents?.[0]?.conditions, 'Accepted'), 'True/Accepted');
  assert.equal(hostsOf(out).find((h) => h.hostname === 'a.example.com'), undefined, 'nothing served through a listener that is not programmed');
  assert.deepEqual(out.certificates, []);
});

test('a route with some unsupported rules serves the others, Accepted with PartiallyInvalid "Dropped Rule"; nginx’s rejection makes it not Accepted', () => {
  const r = route('p', { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/ok' } }], backendRefs: [{ name: 'v1', port: 80 }] }, { matches: [{ path: { type: 'PathPrefix', value: '/cors' } }], filters: [{ type: 'CORS' }], backendRefs: [{ name: 'v1', port: 80 }] }] });
  const out = buildGatewayDataPlane(state({ httpRoutes: [r] }), opts);
  const conditions = out.httpRoutes[0]?.status.parents?.[0]?.conditions;
  assert.equal(cond(conditions, 'Accepted'), 'True/Accepted');
  assert.equal(cond(conditions, 'PartiallyInvalid'), 'True/UnsupportedValue');
  assert.match(conditions?.find((c) => c.type === 'PartiallyInvalid')?.message ?? '', /^Dropped Rule\(s\) rule 1 filter CORS/);
  assert.deepEqual(routing(out), ['prefix /ok: v1']);
  const rejected = buildGatewayDataPlane(state({ httpRoutes: [r] }), { ...opts, rejectedRoutes: new Map([['default/p', 'pcre2_compile() failed']]) });
  assert.equal(cond(rejected.httpRoutes[0]?.status.parents?.[0]?.conditions, 'Accepted'), 'False/UnsupportedValue');
  assert.deepEqual(routing(rejected), []);
});

test('a rule with a redirect and no backends redirects; with neither, its requests get 500', () => {
  const r = route('r', { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }] }, { matches: [{ path: { type: 'PathPrefix', value: '/none' } }] }] });
  const out = buildGatewayDataPlane(state({ httpRoutes: [r] }), opts);
  const locs = hostsOf(out)[0]?.locations ?? [];
  assert.deepEqual(locs.find((l) => l.path === '/old')?.rules[0]?.filters?.redirect, { scheme: 'https', statusCode: 302 });
  assert.deepEqual(locs.find((l) => l.path === '/old')?.rules[0]?.backends, []);
  assert.deepEqual(locs.find((l) => l.path === '/none')?.rules[0]?.backends, [{ target: { kind: 'status', code: 500 }, weight: 1 }]);
});

test('merging: a hostname both serve on the same ports is joined; on different ports each keeps its own', async () => {
  const { mergeDataPlanes } = await import('./gateway-model.js');
  const loc = (path: string, source: string) => ({ path, match: 'prefix' as const, rules: [], source });
  const tls = { file: '/c.pem', source: 'gateway:default/gw' };
  const merged = mergeDataPlanes(
    { virtualHosts: [{ hostname: 'a', locations: [loc('/', 'ing')] }] },
    { virtualHosts: [{ hostname: 'a', http: false, tls, locations: [loc('/', 'gw')] }, { hostname: 'a', http: true, locations: [loc('/x', 'gw')] }] },
  );
  assert.deepEqual(merged.virtualHosts.map((h) => `${h.hostname} http=${h.http !== false} tls=${h.tls !== undefined}: ${h.locations.map((l) => `${l.path}=${l.source}`).join(',')}`), ['a http=true tls=false: /=ing,/x=gw', 'a http=false tls=true: /=gw']);
});
