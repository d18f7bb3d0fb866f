import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { hostnameMatches, ingressCanarySettings, ingressPathMatch, intersectHostnames, pathMatches, routePathMatch, selectHostname, selectLocation, type PathMatch } from './ingress-rules.js';

const ingress = (annotations: Record<string, string> = {}): Ingress => ({ metadata: { name: 'web', annotations } });

describe('ingress rules', () => {
  it('turns Ingress paths and HTTPRoute matches into locations', () => {
    assert.deepEqual(ingressPathMatch(ingress(), { path: '/api', pathType: 'Prefix', backend: {} }), { path: '/api', match: 'prefix' });
    assert.deepEqual(ingressPathMatch(ingress(), { path: '/api', pathType: 'Exact', backend: {} }), { path: '/api', match: 'exact' });
    assert.deepEqual(ingressPathMatch(ingress(), { pathType: 'ImplementationSpecific', backend: {} }), { path: '/', match: 'prefix' });
    assert.deepEqual(ingressPathMatch(ingress({ 'nginx.ingress.kubernetes.io/use-regex': 'true' }), { path: '/v[0-9]+', pathType: 'ImplementationSpecific', backend: {} }), { path: '/v[0-9]+', match: 'regex' });
    assert.deepEqual(routePathMatch(undefined), { path: '/', match: 'prefix' });
    assert.deepEqual(routePathMatch({ type: 'Exact', value: '/x' }), { path: '/x', match: 'exact' });
  });

  it('matches prefixes by path element, regexes from the start without case', () => {
    assert.equal(pathMatches({ path: '/a', match: 'prefix' }, '/a/b'), true);
    assert.equal(pathMatches({ path: '/a/', match: 'prefix' }, '/a'), true);
    assert.equal(pathMatches({ path: '/a', match: 'prefix' }, '/ab'), false);
    assert.equal(pathMatches({ path: '/', match: 'prefix' }, '/anything'), true);
    assert.equal(pathMatches({ path: '/V[0-9]', match: 'regex' }, '/v1/x'), true);
    assert.equal(pathMatches({ path: '/a', match: 'exact' }, '/a/'), false);
  });

  it('picks exact, then regex, then the longest prefix', () => {
    const locations: PathMatch[] = [
      { path: '/', match: 'prefix' },
      { path: '/api', match: 'prefix' },
      { path: '/api/v[0-9]', match: 'regex' },
      { path: '/api/health', match: 'exact' },
    ];
    assert.equal(selectLocation(locations, '/api/health')?.match, 'exact');
    assert.equal(selectLocation(locations, '/api/v1/x')?.match, 'regex');
    assert.equal(selectLocation(locations, '/api/users')?.path, '/api');
    assert.equal(selectLocation(locations, '/api')?.path, '/api');
    assert.equal(selectLocation(locations, '/other')?.path, '/');
    assert.equal(selectLocation([{ path: '/api', match: 'prefix' }], '/other'), undefined);
  });

  it('picks the exact host, then a one-label wildcard, then the catch-all', () => {
    const hosts = ['', 'shop.example.com', '*.example.com'];
    assert.equal(selectHostname(hosts, 'Shop.Example.com'), 'shop.example.com');
    assert.equal(selectHostname(hosts, 'blog.example.com'), '*.example.com');
    assert.equal(selectHostname(hosts, 'a.blog.example.com'), '');
    assert.equal(selectHostname(['x.example.com'], 'y.example.com'), undefined);
    assert.equal(hostnameMatches('*.example.com', 'a.b.example.com'), true);
    assert.deepEqual(intersectHostnames('*.example.com', ['shop.example.com', 'other.org']), ['shop.example.com']);
  });

  it('reads canary annotations as ingress-nginx does', () => {
    assert.deepEqual(ingressCanarySettings(ingress({ 'nginx.ingress.kubernetes.io/canary-weight': '20' })), { problems: [] }, 'not a canary without canary: "true"');
    const { canary, problems } = ingressCanarySettings(ingress({ 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '120', 'nginx.ingress.kubernetes.io/canary-by-header': 'bad header' }));
    assert.equal(canary?.weight, 100);
    assert.equal(canary?.header, undefined);
    assert.equal(problems.length, 1);
  });
});
