import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { buildIngressDataPlane, servesIngress } from './ingress-model.js';
import { ingress, nginxClass, service, slice, state } from './testing.js';

const opts = { certificateDir: '/certs' };
const canary = (name: string, svc: string, extra: Record<string, string> = {}) =>
  ingress(name, 'h.example.com', [{ path: '/', service: svc }], { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '30', ...extra });
const withClass = (ing: Ingress, cls: string): Ingress => ({ ...ing, spec: { ...ing.spec, ingressClassName: cls } });

test('an Ingress without a class is served only while nginx is the default class', () => {
  const ing = ingress('a', 'h', [{ path: '/', service: 's' }]);
  assert.equal(servesIngress(ing, [nginxClass]), true);
  assert.equal(servesIngress(ing, [{ ...nginxClass, metadata: { name: 'nginx' } }]), false);
  assert.equal(servesIngress(withClass(ing, 'nginx'), [{ ...nginxClass, metadata: { name: 'nginx' } }]), true);
  assert.equal(servesIngress(withClass(ing, 'other'), [nginxClass]), false);
  assert.equal(servesIngress(withClass(ing, 'other'), [nginxClass, { metadata: { name: 'other' }, spec: { controller: 'example.com/else' } }]), false);
});

test('a canary with no main Ingress for its host and path is ignored with a problem naming it', () => {
  const out = buildIngressDataPlane(state({ services: [service('v2', '10.43.0.2')], endpointSlices: [slice('v2')], ingresses: [canary('c', 'v2')] }), opts);
  assert.deepEqual(out.plane.virtualHosts, []);
  assert.equal(out.problems.length, 1);
  assert.equal(out.problems[0]?.ingress, 'default/c');
  assert.equal(out.problems[0]?.reason, 'CanaryIgnored');
  assert.match(out.problems[0]?.message ?? '', /no main Ingress/);
});

test('at most one canary per host and path: the second is ignored', () => {
  const s = state({
    services: [service('v1', '10.43.0.1'), service('v2', '10.43.0.2'), service('v3', '10.43.0.3')],
    endpointSlices: [slice('v1'), slice('v2'), slice('v3')],
    ingresses: [ingress('main', 'h.example.com', [{ path: '/', service: 'v1' }]), canary('c1', 'v2'), canary('c2', 'v3')],
  });
  const out = buildIngressDataPlane(s, opts);
  assert.deepEqual(out.problems.map((p) => `${p.ingress} ${p.reason}`), ['default/c2 CanaryIgnored']);
  const rules = out.plane.virtualHosts[0]?.locations[0]?.rules ?? [];
  assert.deepEqual(rules.at(-1)?.backends.map((b) => [b.target.kind === 'upstream' ? b.target.name : b.target.code, b.weight]), [['default-v1-80', 70], ['default-v2-80', 30]]);
});

test('backends: by port name or number; 503 without the Service, the port or a ready endpoint', () => {
  const s = state({
    services: [service('web', '10.43.0.5', [80, 8080]), service('idle', '10.43.0.6')],
    endpointSlices: [slice('web'), slice('idle', false)],
    ingresses: [ingress('a', 'h', [
      { path: '/name', service: 'web', port: 'p8080' },
      { path: '/num', service: 'web', port: 80 },
      { path: '/noport', service: 'web', port: 9 },
      { path: '/idle', service: 'idle' },
      { path: '/gone', service: 'gone' },
    ])],
  });
  const targets = Object.fromEntries((buildIngressDataPlane(s, opts).plane.virtualHosts[0]?.locations ?? []).map((l) => [l.path, l.rules[0]?.backends[0]?.target]));
  assert.deepEqual(targets['/name'], { kind: 'upstream', name: 'default-web-8080', address: '10.43.0.5', port: 8080 });
  assert.deepEqual(targets['/num'], { kind: 'upstream', name: 'default-web-80', address: '10.43.0.5', port: 80 });
  for (const p of ['/noport', '/idle', '/gone']) assert.deepEqual(targets[p], { kind: 'status', code: 503 }, p);
});

test('the oldest Ingress keeps a duplicate host and path', () => {
  const s = state({
    services: [service('v1', '10.43.0.1'), service('v2', '10.43.0.2')],
    endpointSlices: [slice('v1'), slice('v2')],
    ingresses: [ingress('young', 'h', [{ path: '/', service: 'v2' }], {}, '2026-02-01T00:00:00Z'), ingress('old', 'h', [{ path: '/', service: 'v1' }], {}, '2026-01-01T00:00:00Z')],
  });
  const out = buildIngressDataPlane(s, opts);
  assert.equal(out.plane.virtualHosts[0]?.locations[0]?.source, 'default/old');
  assert.deepEqual(out.problems.map((p) => `${p.ingress} ${p.reason}`), ['default/young DuplicatePath']);
});

test('TLS: a missing Secret is a problem and the host serves plain HTTP only', () => {
  const ing = ingress('a', 'h', [{ path: '/', service: 's' }]);
  ing.spec = { ...ing.spec, tls: [{ hosts: ['h'], secretName: 'nope' }] };
  const out = buildIngressDataPlane(state({ ingresses: [ing] }), opts);
  assert.equal(out.plane.virtualHosts[0]?.tls, undefined);
  assert.deepEqual(out.problems.map((p) => p.reason), ['TLSSecretInvalid']);
});
