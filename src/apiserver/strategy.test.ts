import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources } from '../client/client.js';
import { apiServerClient } from '../testing/controllers.js';

type ServiceObject = Service & KubeObject;

function service(name: string, spec: Service['spec']): ServiceObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ...spec } };
}

describe('Service strategy', () => {
  test('a LoadBalancer gets NodePorts unless allocateLoadBalancerNodePorts is false; a NodePort asked for is still allocated', async () => {
    const api = await apiServerClient();
    try {
      const allocated = await api.client.create(resources.services, 'default', service('lb', { type: 'LoadBalancer', ports: [{ port: 80 }] }));
      assert.equal(allocated.spec?.allocateLoadBalancerNodePorts, true);
      assert.ok((allocated.spec?.ports?.[0]?.nodePort ?? 0) >= 30000);

      const none = await api.client.create(
        resources.services,
        'default',
        service('lb-no-nodeports', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443, nodePort: 30443 }] }),
      );
      assert.deepEqual(none.spec?.ports?.map((p) => p.nodePort), [undefined, 30443]);
      // The port asked for is taken.
      await assert.rejects(
        api.client.create(resources.services, 'default', service('other', { type: 'NodePort', ports: [{ port: 443, nodePort: 30443 }] })),
        /provided port is already allocated/,
      );
      // An update keeps allocating nothing.
      const updated = await api.client.update(resources.services, 'default', { ...none, spec: { ...none.spec, selector: { app: 'changed' } } });
      assert.deepEqual(updated.spec?.ports?.map((p) => p.nodePort), [undefined, 30443]);
      // Turned on again, the missing NodePort is allocated.
      const on = await api.client.update(resources.services, 'default', { ...updated, spec: { ...updated.spec, allocateLoadBalancerNodePorts: true } });
      assert.ok((on.spec?.ports?.[0]?.nodePort ?? 0) >= 30000);
    } finally {
      await api.close();
    }
  });

  test('a status write defaults the ingress ipMode to VIP', async () => {
    const api = await apiServerClient();
    try {
      const lb = await api.client.create(resources.services, 'default', service('lb', { type: 'LoadBalancer', ports: [{ port: 80 }] }));
      const written = await api.client.update(resources.services, 'default', { ...lb, status: { loadBalancer: { ingress: [{ ip: '10.254.0.1' }] } } }, { subresource: 'status' });
      assert.deepEqual(written.status?.loadBalancer?.ingress, [{ ip: '10.254.0.1', ipMode: 'VIP' }]);
    } finally {
      await api.close();
    }
  });

  test('leaving type LoadBalancer drops the fields of that type and releases its NodePorts', async () => {
    const api = await apiServerClient();
    try {
      const lb = await api.client.create(
        resources.services,
        'default',
        service('lb', { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb', externalTrafficPolicy: 'Local', ports: [{ port: 80, nodePort: 30080 }] }),
      );
      const clusterIP = await api.client.patch<ServiceObject>(resources.services, 'default', 'lb', 'merge', { spec: { type: 'ClusterIP' } });
      const spec = clusterIP.spec ?? {};
      assert.equal(spec.type, 'ClusterIP');
      assert.equal(spec.clusterIP, lb.spec?.clusterIP);
      assert.deepEqual(
        [spec.allocateLoadBalancerNodePorts, spec.loadBalancerClass, spec.externalTrafficPolicy, spec.ports?.[0]?.nodePort],
        [undefined, undefined, undefined, undefined],
      );
      // The NodePort is free again.
      const reused = await api.client.create(resources.services, 'default', service('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
      assert.equal(reused.spec?.ports?.[0]?.nodePort, 30080);
      // A class the client changed while leaving is kept for validation to refuse.
      await api.client.patch(resources.services, 'default', 'lb', 'merge', { spec: { type: 'LoadBalancer' } });
      await assert.rejects(
        api.client.patch(resources.services, 'default', 'lb', 'merge', { spec: { type: 'NodePort', loadBalancerClass: 'example.com/other' } }),
        /spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'/,
      );
    } finally {
      await api.close();
    }
  });

  test('a LoadBalancer with externalTrafficPolicy Local gets a healthCheckNodePort, kept on update, released when the policy goes', async () => {
    const api = await apiServerClient();
    try {
      const lb = await api.client.create(resources.services, 'default', service('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }));
      const port = lb.spec?.healthCheckNodePort ?? 0;
      assert.ok(port >= 30000 && port <= 32767, `healthCheckNodePort ${port}`);
      assert.notEqual(port, lb.spec?.ports?.[0]?.nodePort);
      const kept = await api.client.update(resources.services, 'default', { ...lb, spec: { ...lb.spec, healthCheckNodePort: undefined, selector: { app: 'other' } } });
      assert.equal(kept.spec?.healthCheckNodePort, port);
      await assert.rejects(
        api.client.create(resources.services, 'default', service('np', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] })),
        /provided port is already allocated/,
      );
      const cluster = await api.client.patch<ServiceObject>(resources.services, 'default', 'lb', 'merge', { spec: { externalTrafficPolicy: 'Cluster' } });
      assert.equal(cluster.spec?.healthCheckNodePort, undefined);
      const reused = await api.client.create(resources.services, 'default', service('np', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }));
      assert.equal(reused.spec?.ports?.[0]?.nodePort, port);
      const asked = await api.client.create(resources.services, 'default', service('lb2', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 31999, ports: [{ port: 81 }] }));
      assert.equal(asked.spec?.healthCheckNodePort, 31999);
      await assert.rejects(
        api.client.create(resources.services, 'default', service('lb3', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 31999, ports: [{ port: 82 }] })),
        /spec.healthCheckNodePort: Invalid value: 31999: provided port is already allocated/,
      );
    } finally {
      await api.close();
    }
  });
});
