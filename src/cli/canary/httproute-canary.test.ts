import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../apimachinery/object.js';
import type { NamespaceState } from './canary-step.js';
import { findRouteCanary, httpRouteRules, planRouteAbort, planRoutePromote, planRouteSetWeight, routeWeightProblem } from './httproute-canary.js';
import { routeGatewayRequest } from './routing-model.js';
import { checkEveryStep, requestClasses } from './testing.js';

/** The HTTPRoute canary: weights 80/20, `canary: always` to v2. */
const route: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    hostnames: ['canary.example.com'],
    rules: [
      { matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'canary', value: 'always' }] }], backendRefs: [{ name: 'v2', port: 80 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'canary', value: 'never' }] }], backendRefs: [{ name: 'v1', port: 80 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'v1', port: 80, weight: 80 }, { name: 'v2', port: 80, weight: 20 }] },
    ],
  },
};
const state: NamespaceState = { ingresses: [], httpRoutes: [route], readyServices: ['v1', 'v2'] };
const requests = requestClasses('canary.example.com', '/', 'canary');
const viaGateway = (s: NamespaceState, r: Parameters<typeof routeGatewayRequest>[1]) => routeGatewayRequest(s.httpRoutes, r);
const plain = requests.filter((r) => Object.keys(r.headers).length === 0 && Object.keys(r.cookies).length === 0);

describe('HTTPRoute canary', () => {
  test('reads main, canary and weights from the weighted rule', () => {
    const c = findRouteCanary(route);
    assert.deepEqual([c.main, c.canary, c.weight, c.total], ['v1', 'v2', 20, 100]);
  });

  test('set-weight: the canary gets N, the main the rest; shares follow', () => {
    const c = findRouteCanary(route);
    const { final, failures } = checkEveryStep(state, planRouteSetWeight(c, 60), requests, viaGateway);
    assert.deepEqual(failures, []);
    assert.equal(plain.filter((r) => viaGateway(final, r).backends[0] === 'v2').length, 60);
    assert.equal(routeWeightProblem(c, 101), 'weight 101 is out of range: must be a whole number from 0 to 100 (the sum of the main and canary weights)');
  });

  test('promote: weight 100 on the canary, then the main backendRef dropped; no request without a backend at any step', () => {
    const c = findRouteCanary(route);
    const steps = planRoutePromote(c);
    assert.equal(steps.length, 2);
    const { final, failures } = checkEveryStep(state, steps, requests, viaGateway);
    assert.deepEqual(failures, []);
    const refs = httpRouteRules(final.httpRoutes[0]!).flatMap((r) => r.backendRefs ?? []).map((b) => b.name);
    assert.ok(!refs.includes('v1'));
    for (const r of requests) assert.deepEqual(viaGateway(final, r).backends, ['v2']);
  });

  test('abort: canary weight 0 and its match rule removed; every request to v1', () => {
    const { final, failures } = checkEveryStep(state, planRouteAbort(findRouteCanary(route)), requests, viaGateway);
    assert.deepEqual(failures, []);
    for (const r of requests) assert.deepEqual(viaGateway(final, r).backends, ['v1']);
  });

  test('a route without two Service backends is not a canary', () => {
    assert.throws(() => findRouteCanary({ metadata: { name: 'one' }, spec: { rules: [{ backendRefs: [{ name: 'v1' }] }] } }), /httproute "one" has no rule with two Service backendRefs/);
  });
});
