import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../apimachinery/object.js';
import { routeHttpRequest } from './http-route.js';
import { seedSnapshot } from './testing.js';

describe('routeHttpRequest', () => {
  it('sends the seed\'s host to tomcat-stable with the canary beside it by weight, header and cookie', () => {
    const r = routeHttpRequest(seedSnapshot(), new URL('http://tomcat.example.test/index.html'));
    assert.equal(r.virtualHost, 'tomcat.example.test');
    assert.equal(r.location?.source, 'Ingress default/tomcat');
    assert.deepEqual(r.location?.backends.map((b) => [b.service, b.weight, b.condition ?? '']), [
      ['tomcat-stable', 80, ''],
      ['tomcat-canary', 0, 'header X-Canary: always'],
      ['tomcat-canary', 0, 'cookie canary=always'],
      ['tomcat-canary', 20, ''],
    ]);
    assert.deepEqual(r.location?.addresses, ['192.168.77.1']);
  });

  it('finds no virtual host for another name, and ignores Ingresses of another class', () => {
    const snapshot = seedSnapshot();
    assert.equal(routeHttpRequest(snapshot, new URL('http://other.test/')).virtualHost, undefined);
    for (const ing of snapshot.ingresses) ing.spec!.ingressClassName = 'traefik';
    assert.deepEqual(routeHttpRequest(snapshot, new URL('http://tomcat.example.test/')).hostnames, []);
  });

  it('routes through an HTTPRoute its Gateway accepted', () => {
    const snapshot = seedSnapshot();
    snapshot.ingresses = [];
    snapshot.gateways.push({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { namespace: 'default', name: 'web' }, spec: { listeners: [{ name: 'http', protocol: 'HTTP', port: 80, hostname: '*.example.test' }] }, status: { addresses: [{ value: '192.168.77.1' }] } } as KubeObject);
    snapshot.httpRoutes.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { namespace: 'default', name: 'tomcat' },
      spec: { parentRefs: [{ name: 'web' }], hostnames: ['tomcat.example.test'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'tomcat-stable', port: 80, weight: 90 }, { name: 'tomcat-canary', port: 80, weight: 10 }] }] },
      status: { parents: [{ parentRef: { name: 'web' }, conditions: [{ type: 'Accepted', status: 'True' }] }] },
    } as KubeObject);
    const r = routeHttpRequest(snapshot, new URL('http://tomcat.example.test/api/x'));
    assert.equal(r.location?.source, 'HTTPRoute default/tomcat');
    assert.deepEqual(r.location?.backends.map((b) => `${b.service}:${b.port}=${b.weight}`), ['tomcat-stable:80=90', 'tomcat-canary:80=10']);
    assert.equal(routeHttpRequest(snapshot, new URL('http://tomcat.example.test/other')).location, undefined);
  });
});
