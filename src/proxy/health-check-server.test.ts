import assert from 'node:assert/strict';
import { get } from 'node:http';
import { test } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources } from '../client/client.js';
import { apiServerClient } from '../testing/controllers.js';
import { waitFor } from '../testing/wait.js';
import { desiredHealthChecks, HealthCheckServer } from './health-check-server.js';

const lb = (name: string, spec: Service['spec']): Service & KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec } });
const slice = (service: string, endpoints: EndpointSlice['endpoints']): EndpointSlice & KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace: 'default', name: `${service}-x`, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
});

test('health checks: LoadBalancer Services with the Local policy and a port, counting ready endpoints on this node', () => {
  const checks = desiredHealthChecks(
    [
      lb('local', { externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 }),
      lb('none-here', { externalTrafficPolicy: 'Local', healthCheckNodePort: 31000 }),
      lb('cluster', { externalTrafficPolicy: 'Cluster' }),
      lb('no-port-yet', { externalTrafficPolicy: 'Local' }),
    ],
    [
      slice('local', [
        { addresses: ['10.42.0.2'], nodeName: 'a', conditions: { ready: true } },
        { addresses: ['10.42.0.3'], nodeName: 'a', conditions: { ready: false } },
        { addresses: ['10.42.1.2'], nodeName: 'b', conditions: { ready: true } },
      ]),
      slice('none-here', [{ addresses: ['10.42.1.3'], nodeName: 'b', conditions: { ready: true } }]),
    ],
    'a',
  );
  assert.deepEqual(checks, [
    { port: 31000, namespace: 'default', name: 'none-here', localEndpoints: 0 },
    { port: 32000, namespace: 'default', name: 'local', localEndpoints: 1 },
  ]);
});

const fetchStatus = (port: number): Promise<{ code: number; body: string }> =>
  new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/healthz' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });

test('the health check port answers 503 without local endpoints, 200 with them, and closes when the policy goes', async () => {
  const { client, close } = await apiServerClient();
  const stop = new AbortController();
  const server = new HealthCheckServer({ client, nodeName: 'node-a', address: '127.0.0.1' });
  const running = server.start(stop.signal);
  try {
    const svc = await client.create(resources.services, 'default', lb('web', { externalTrafficPolicy: 'Local', selector: { app: 'web' } }));
    const port = svc.spec?.healthCheckNodePort ?? 0;
    await waitFor('the port open', async () => (await fetchStatus(port).catch(() => undefined))?.code === 503, { timeoutMs: 10_000 });
    assert.deepEqual(JSON.parse((await fetchStatus(port)).body), { service: { namespace: 'default', name: 'web' }, localEndpoints: 0, serviceProxyHealthy: true });
    await client.create(resources.endpointslices, 'default', slice('web', [{ addresses: ['10.42.0.9'], nodeName: 'node-a', conditions: { ready: true } }]));
    await waitFor('200 with a local endpoint', async () => (await fetchStatus(port)).code === 200, { timeoutMs: 10_000 });
    await client.patch(resources.services, 'default', 'web', 'merge', { spec: { externalTrafficPolicy: 'Cluster' } });
    await waitFor('the port closed', async () => (await fetchStatus(port).catch(() => undefined)) === undefined, { timeoutMs: 10_000 });
  } finally {
    stop.abort();
    await running;
    await close();
  }
});
