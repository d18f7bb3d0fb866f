import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { notFound } from '../apimachinery/errors.js';
import { isGlobalUnicast, ProxyLocator, splitSchemeNamePort } from './proxy-location.js';
import { parseRequestInfo } from './request-info.js';

const service: Service = { metadata: { name: 'web', namespace: 'ns' }, spec: { ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] } };
const slices: EndpointSlice[] = [
  {
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.42.0.1'], conditions: { ready: true } }, { addresses: ['10.42.0.2'] }, { addresses: ['10.42.0.3'], conditions: { ready: false } }],
    ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }],
  },
  { addressType: 'IPv4', endpoints: [{ addresses: ['10.42.1.1'], conditions: { ready: true } }], ports: [{ name: 'http', port: 8081 }] },
];

function locator(random: () => number): ProxyLocator {
  return new ProxyLocator({
    getService: async (_ns, name) => {
      if (name === 'web') return service;
      throw notFound({ resource: 'services', group: '', name });
    },
    getPod: async (_ns, name) => ({ metadata: { name }, status: { podIP: '10.42.0.1' } }) as Pod,
    getNode: async (name) => ({ metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } }),
    endpointSlices: async (_ns, name) => (name === 'web' ? slices : []),
    random,
  });
}

function locate(l: ProxyLocator, path: string) {
  return l.locate(parseRequestInfo('GET', path, new URLSearchParams()));
}

test('a ready endpoint of the named port, picked at random among every slice', async () => {
  const picks = await Promise.all([0, 0.4, 0.9].map((r) => locate(locator(() => r), '/api/v1/namespaces/ns/services/web:http/proxy/')));
  assert.deepEqual(
    picks.map((t) => `${t.host}:${t.port}`),
    ['10.42.0.1:8080', '10.42.0.2:8080', '10.42.1.1:8081'],
  );
  const metrics = await locate(locator(() => 0.99), '/api/v1/namespaces/ns/services/https:web:9090/proxy/');
  assert.deepEqual(metrics, { scheme: 'https', host: '10.42.0.2', port: 9100, kubelet: false });
});

test('a node on a loopback address is not proxied to', async () => {
  await assert.rejects(locate(locator(Math.random), '/api/v1/nodes/n1/proxy/'), { code: 400, message: 'address not allowed' });
});

test('names split as upstream SplitSchemeNamePort', () => {
  assert.deepEqual(splitSchemeNamePort('web'), { scheme: '', name: 'web', port: '' });
  assert.deepEqual(splitSchemeNamePort('https:web:443'), { scheme: 'https', name: 'web', port: '443' });
  assert.deepEqual(splitSchemeNamePort('https:web:'), { scheme: 'https', name: 'web', port: '' });
  assert.equal(splitSchemeNamePort(':80'), undefined);
  assert.equal(splitSchemeNamePort('gopher:web:70'), undefined);
  assert.equal(splitSchemeNamePort('a:b:c:d'), undefined);
});

test('global unicast addresses as Go tells them', () => {
  for (const ip of ['10.42.0.1', '192.168.1.1', '8.8.8.8', '2001:db8::1', 'fd00::1']) assert.equal(isGlobalUnicast(ip), true, ip);
  for (const ip of ['127.0.0.1', '0.0.0.0', '169.254.169.254', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '', 'x']) {
    assert.equal(isGlobalUnicast(ip), false, ip);
  }
});
