import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import { SqliteStore } from '../storage/sqlite.js';
import { bootstrapCluster, type BootstrapOptions } from './bootstrap.js';
import { ApiServer } from './server.js';

const rejectAll = { authenticate: () => undefined };

test('bootstrap writes the kubernetes and kube-dns Services with their endpoints, and follows a new address', async () => {
  const store = SqliteStore.open(':memory:');
  try {
    const api = new ApiServer({ store, authenticator: rejectAll });
    const options: BootstrapOptions = {
      kubernetesServiceIP: '10.43.0.1',
      endpointAddress: '192.168.50.2',
      endpointPort: 6443,
      clusterDNS: { serviceIP: '10.43.0.10', endpointPort: 10053 },
      store: (g, v, p) => api.store(g, v, p),
    };
    await bootstrapCluster(options);
    await bootstrapCluster(options);

    const dns = (await api.store('', 'v1', 'services').get('kube-system', 'kube-dns')) as Service;
    assert.equal(dns.spec?.clusterIP, '10.43.0.10');
    assert.deepEqual(
      dns.spec?.ports?.map((p) => `${p.name} ${p.port}/${p.protocol} -> ${String(p.targetPort)}`),
      ['dns 53/UDP -> 10053', 'dns-tcp 53/TCP -> 10053'],
    );
    const slice = (await api.store('discovery.k8s.io', 'v1', 'endpointslices').get('kube-system', 'kube-dns')) as unknown as EndpointSlice;
    assert.equal(slice.metadata?.labels?.['kubernetes.io/service-name'], 'kube-dns');
    assert.deepEqual(slice.endpoints.map((e) => e.addresses), [['192.168.50.2']]);
    const apiSlice = (await api.store('discovery.k8s.io', 'v1', 'endpointslices').get('default', 'kubernetes')) as unknown as EndpointSlice;
    assert.deepEqual(apiSlice.ports, [{ name: 'https', port: 6443, protocol: 'TCP' }]);

    await bootstrapCluster({ ...options, endpointAddress: '192.168.50.3' });
    const moved = (await api.store('discovery.k8s.io', 'v1', 'endpointslices').get('default', 'kubernetes')) as unknown as EndpointSlice;
    assert.deepEqual(moved.endpoints.map((e) => e.addresses), [['192.168.50.3']]);
    const endpoints = (await api.store('', 'v1', 'endpoints').get('kube-system', 'kube-dns')) as Endpoints;
    assert.equal(endpoints.subsets?.[0]?.addresses?.[0]?.ip, '192.168.50.3');
  } finally {
    await store.close();
  }
});

test('a loopback address gives the Services no endpoints', async () => {
  const store = SqliteStore.open(':memory:');
  try {
    const api = new ApiServer({ store, authenticator: rejectAll });
    await bootstrapCluster({
      kubernetesServiceIP: '10.43.0.1',
      endpointAddress: '127.0.0.1',
      endpointPort: 6443,
      store: (g, v, p) => api.store(g, v, p),
    });
    await assert.rejects(api.store('discovery.k8s.io', 'v1', 'endpointslices').get('default', 'kubernetes'), { code: 404 });
    await assert.rejects(api.store('', 'v1', 'services').get('kube-system', 'kube-dns'), { code: 404 });
  } finally {
    await store.close();
  }
});

test('bootstrap writes the cluster config ConfigMap and rewrites it when a setting changes', async () => {
  const store = SqliteStore.open(':memory:');
  try {
    const api = new ApiServer({ store, authenticator: rejectAll });
    const options: BootstrapOptions = {
      kubernetesServiceIP: '10.43.0.1',
      endpointAddress: '192.168.50.2',
      endpointPort: 6443,
      clusterConfig: { serviceCIDR: '10.43.0.0/16', clusterCIDR: '10.42.0.0/16' },
      store: (g, v, p) => api.store(g, v, p),
    };
    await bootstrapCluster(options);
    await bootstrapCluster({ ...options, clusterConfig: { serviceCIDR: '10.170.0.0/16', clusterCIDR: '10.42.0.0/16' } });
    const config = await api.store('', 'v1', 'configmaps').get('kube-system', 'skiff-cluster-config');
    assert.deepEqual(config.data, { serviceCIDR: '10.170.0.0/16', clusterCIDR: '10.42.0.0/16' });
  } finally {
    await store.close();
  }
});
