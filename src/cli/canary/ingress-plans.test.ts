import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { findCanaryPair } from './canary-pair.js';
import type { CanaryStep, NamespaceState } from './canary-step.js';
import { canaryAnnotationPrefix, ingressRoutes } from './ingress-canary.js';
import { planAbort, planPromote, planSetWeight, planSwitchToGateway, weightProblem } from './ingress-plans.js';
import { routeGatewayRequest, routeIngressRequest, type ModelRequest } from './routing-model.js';
import { applyStep } from './canary-step.js';
import { migrateToGateway } from './gateway-migration.js';
import { routesDifferFromPair } from './migration-check.js';
import { checkEveryStep, requestClasses, seedIngresses } from './testing.js';

const host = 'tomcat.example.test';
const viaIngress = (s: NamespaceState, r: Parameters<typeof routeIngressRequest>[1]) => routeIngressRequest(s.ingresses, r);
const seedState = (ingresses: Ingress[] = seedIngresses()): NamespaceState => ({ ingresses, httpRoutes: [], readyServices: ['tomcat-stable', 'tomcat-canary'] });
const requests = [...requestClasses(host, '/'), ...requestClasses(host, '/manager/html')];

describe('planPromote on the seed pair', () => {
  const pair = findCanaryPair(seedIngresses(), 'tomcat');

  test('every request has a ready backend before and after each step', () => {
    const { failures } = checkEveryStep(seedState(), planPromote(pair), requests, viaIngress);
    assert.deepEqual(failures, []);
  });

  test("ends in the seed's state: the former canary, plain, routes to v2; the old Ingress and Service are gone", () => {
    const { final } = checkEveryStep(seedState(), planPromote(pair), requests, viaIngress);
    assert.deepEqual(final.ingresses.map((i) => i.metadata?.name), ['tomcat-canary']);
    const former = final.ingresses[0]!;
    assert.deepEqual(Object.keys(former.metadata?.annotations ?? {}).filter((k) => k.startsWith(canaryAnnotationPrefix)), []);
    assert.deepEqual(ingressRoutes(former).map((r) => [r.host, r.path, r.backend.service?.name]), [[host, '/', 'tomcat-canary']]);
    assert.deepEqual(final.readyServices, ['tomcat-canary']);
    for (const r of requests) assert.deepEqual(routeIngressRequest(final.ingresses, r).backends, ['tomcat-canary']);
  });

  test("the seed's literal order (delete the old Ingress and Service, then drop the annotations) leaves requests without a backend", () => {
    const literal: CanaryStep[] = [
      { op: 'delete', kind: 'Ingress', name: 'tomcat', why: '' },
      { op: 'delete', kind: 'Service', name: 'tomcat-stable', why: '' },
      { op: 'patch', kind: 'Ingress', name: 'tomcat-canary', patch: { metadata: { annotations: { [`${canaryAnnotationPrefix}canary`]: null } } }, why: '' },
    ];
    const { failures } = checkEveryStep(seedState(), literal, requests, viaIngress);
    assert.match(failures[0] ?? '', /after step 1 .*no Ingress matches \(404\)/);
  });

  test('the steps, in order', () => {
    assert.deepEqual(
      planPromote(pair).map((s) => `${s.op} ${s.kind}/${s.name}`),
      ['patch Ingress/tomcat-canary', 'patch Ingress/tomcat', 'patch Ingress/tomcat-canary', 'delete Ingress/tomcat', 'delete Service/tomcat-stable'],
    );
  });
});

describe('planPromote when the main Ingress routes more than the canary shadows', () => {
  const [main, canary] = seedIngresses() as [Ingress, Ingress];
  const wider: Ingress = structuredClone(main);
  wider.spec!.rules![0]!.http!.paths.push({ path: '/docs', pathType: 'Prefix', backend: { service: { name: 'tomcat-stable', port: { number: 80 } } } });
  const pair = findCanaryPair([wider, canary], 'tomcat-canary');

  test('keeps the main Ingress with its other paths, and the Service they still route to', () => {
    const state = seedState([wider, canary]);
    const { final, failures } = checkEveryStep(state, planPromote(pair), [...requests, ...requestClasses(host, '/docs/x')], viaIngress);
    assert.deepEqual(failures, []);
    assert.deepEqual(final.ingresses.map((i) => i.metadata?.name).sort(), ['tomcat', 'tomcat-canary']);
    assert.deepEqual(ingressRoutes(final.ingresses.find((i) => i.metadata?.name === 'tomcat')!).map((r) => r.path), ['/docs']);
    assert.ok(final.readyServices.includes('tomcat-stable'));
    assert.deepEqual(routeIngressRequest(final.ingresses, requestClasses(host, '/docs/x')[0]!).backends, ['tomcat-stable']);
  });
});

describe('planAbort', () => {
  const pair = findCanaryPair(seedIngresses(), 'tomcat');
  for (const deleteCanary of [false, true]) {
    test(`${deleteCanary ? 'deleting the canary' : 'weight 0 without header and cookie rules'}: every request to v1, at every step`, () => {
      const { final, failures } = checkEveryStep(seedState(), planAbort(pair, { deleteCanary }), requests, viaIngress);
      assert.deepEqual(failures, []);
      for (const r of requests) assert.deepEqual(routeIngressRequest(final.ingresses, r).backends, ['tomcat-stable']);
      assert.equal(final.ingresses.length, deleteCanary ? 1 : 2);
    });
  }
});

describe('planSetWeight', () => {
  const pair = findCanaryPair(seedIngresses(), 'tomcat-canary');

  test('sets canary-weight; a request without header or cookie reaches v2 in that share', () => {
    const { final } = checkEveryStep(seedState(), planSetWeight(pair, 35), requests, viaIngress);
    const plain = requestClasses(host, '/').filter((r) => Object.keys(r.headers).length === 0 && Object.keys(r.cookies).length === 0);
    const toCanary = plain.filter((r) => routeIngressRequest(final.ingresses, r).backends[0] === 'tomcat-canary').length;
    assert.equal(toCanary, 35);
  });

  test('weights outside 0..canary-weight-total are refused with the range', () => {
    assert.equal(weightProblem(pair, 0), undefined);
    assert.equal(weightProblem(pair, 100), undefined);
    assert.equal(weightProblem(pair, 101), 'canary-weight 101 is out of range: must be a whole number from 0 to 100 (canary-weight-total)');
    assert.match(weightProblem(pair, -1) ?? '', /out of range/);
    const total1000 = structuredClone(seedIngresses());
    total1000[1]!.metadata!.annotations![`${canaryAnnotationPrefix}canary-weight-total`] = '1000';
    assert.equal(weightProblem(findCanaryPair(total1000, 'tomcat'), 700), undefined);
  });
});

describe('planSwitchToGateway on the seed pair (after migrate applied its HTTPRoute)', () => {
  const pair = findCanaryPair(seedIngresses(), 'tomcat');
  const routes = migrateToGateway(pair).slice(1);
  const state: NamespaceState = { ...seedState(), httpRoutes: routes };
  /** As nginx merges them: an Ingress's location for a host and path wins over an HTTPRoute's. */
  const viaDataPlane = (s: NamespaceState, r: ModelRequest) => {
    const d = routeIngressRequest(s.ingresses, r);
    return d.backends.length > 0 ? d : routeGatewayRequest(s.httpRoutes, r);
  };
  /** Per kind of request (headers and cookies), the shares over its weighted draws. */
  const shares = (s: NamespaceState): Map<string, string> => {
    const byClass = new Map<string, string[]>();
    for (const r of requests) {
      const key = JSON.stringify([r.path, r.headers, r.cookies]);
      byClass.set(key, [...(byClass.get(key) ?? []), ...viaDataPlane(s, r).backends]);
    }
    return new Map([...byClass].map(([k, v]) => [k, JSON.stringify([...new Set(v)].sort().map((b) => [b, v.filter((x) => x === b).length]))]));
  };

  test('the steps, in order: the main hands its paths over (a change the data plane reports), then both Ingresses go', () => {
    assert.deepEqual(planSwitchToGateway(pair, ['tomcat']).map((st) => `${st.op} ${st.kind}/${st.name}`), ['patch Ingress/tomcat', 'delete Ingress/tomcat', 'delete Ingress/tomcat-canary']);
  });

  test('every kind of request gets the same shares before and after each step, and the HTTPRoute serves them all at the end', () => {
    const { failures, final } = checkEveryStep(state, planSwitchToGateway(pair, ['tomcat']), requests, viaDataPlane);
    assert.deepEqual(failures, []);
    const before = shares(state);
    let current = state;
    for (const step of planSwitchToGateway(pair, ['tomcat'])) {
      current = applyStep(current, step);
      assert.deepEqual(shares(current), before, `after ${step.op} ${step.kind}/${step.name}`);
    }
    assert.deepEqual(final.ingresses, []);
    for (const r of requests) assert.match(viaDataPlane(final, r).reason, /^httproute tomcat/);
  });

  test('a main Ingress with other paths keeps them and is not deleted', () => {
    const ingresses = seedIngresses();
    ingresses[0]!.spec!.rules![0]!.http!.paths.push({ path: '/admin', pathType: 'Prefix', backend: { service: { name: 'tomcat-stable', port: { number: 80 } } } });
    const steps = planSwitchToGateway(findCanaryPair(ingresses, 'tomcat'), ['tomcat']);
    assert.deepEqual(steps.map((st) => `${st.op} ${st.kind}/${st.name}`), ['patch Ingress/tomcat', 'delete Ingress/tomcat-canary']);
    assert.deepEqual(JSON.stringify(steps[0]!.op === 'patch' && steps[0]!.patch), JSON.stringify({ spec: { rules: [{ host, http: { paths: [{ path: '/admin', pathType: 'Prefix', backend: { service: { name: 'tomcat-stable', port: { number: 80 } } } }] } }] } }));
  });
});

describe('routesDifferFromPair', () => {
  const pair = findCanaryPair(seedIngresses(), 'tomcat');
  test('the migrated routes route as the pair; a changed weight or a lost cookie rule is named', () => {
    const [, route] = migrateToGateway(pair);
    assert.equal(routesDifferFromPair(pair, [route!]), undefined);
    const rules = (route!.spec as { rules: { matches?: { headers?: { name: string }[] }[]; backendRefs: { weight?: number }[] }[] }).rules;
    const reweighted = structuredClone(route!);
    (reweighted.spec as typeof route.spec & { rules: typeof rules }).rules.at(-1)!.backendRefs[1]!.weight = 30;
    assert.match(routesDifferFromPair(pair, [reweighted]) ?? '', /^host tomcat\.example\.test path \/: the Ingress pair sends tomcat-canary 20%, tomcat-stable 80%, the HTTPRoutes tomcat-canary 27%, tomcat-stable 73%$/);
    const noCookie = structuredClone(route!);
    (noCookie.spec as { rules: typeof rules }).rules = rules.filter((r) => !(r.matches ?? []).some((m) => (m.headers ?? []).some((h) => h.name === 'Cookie')));
    assert.match(routesDifferFromPair(pair, [noCookie]) ?? '', /cookie canary=always: the Ingress pair sends tomcat-canary 100%, the HTTPRoutes tomcat-canary 20%, tomcat-stable 80%/);
  });
});
