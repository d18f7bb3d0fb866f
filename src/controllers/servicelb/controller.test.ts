import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { apiServerClient, testContext } from '../../testing/controllers.js';
import { waitFor } from '../../testing/wait.js';
import { simulatedNode } from '../../testing/simulation.js';
import type { EndpointSliceObject } from '../endpointslice/reconcile.js';
import { ServiceLBController, type ServiceLBControllerOptions } from './controller.js';

type ServiceObject = Service & KubeObject;
type NodeObject = Node & KubeObject;

const namespace = 'default';

function nodeObject(name: string, internalIP: string, o: { ready?: boolean; externalIP?: string; labels?: Record<string, string> } = {}): NodeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    status: {
      addresses: [{ type: 'InternalIP', address: internalIP }, ...(o.externalIP ? [{ type: 'ExternalIP', address: o.externalIP }] : []), { type: 'Hostname', address: name }],
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', reason: 'KubeletReady' }],
    },
  };
}

function loadBalancer(name: string, spec: Service['spec'] = {}): ServiceObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ name: 'http', port: 80 }], ...spec } };
}

/** The ServiceLB controller over a real in-process API server. */
async function harness(options: ServiceLBControllerOptions = {}) {
  const api = await apiServerClient();
  const t = testContext({ client: api.client, close: api.close });
  const { client, errors } = t;
  const controller = new ServiceLBController(t.ctx, options);
  t.start(controller);
  const eventually = async <T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> => (await waitFor(what, probe, { errors })) as T;
  const get = (name: string) => client.get<ServiceObject>(resources.services, namespace, name);
  const ingressOf = async (name: string): Promise<string[]> => ((await get(name)).status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
  /** Waits until the Service's ingress IPs are `ips`. */
  const ingressBecomes = async (name: string, ips: string[]): Promise<void> => {
    await eventually(`${name} ingress ${ips.join(',') || 'empty'}`, async () => JSON.stringify(await ingressOf(name)) === JSON.stringify(ips));
  };
  const addNode = async (node: NodeObject): Promise<NodeObject> => client.create(resources.nodes, '', node);
  const setReady = async (name: string, ready: boolean): Promise<void> => {
    const node = await client.get<NodeObject>(resources.nodes, '', name);
    const conditions = [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'KubeletNotReady' }];
    await client.update(resources.nodes, '', { ...node, status: { ...node.status, conditions } }, { subresource: 'status' });
  };
  const events = (service: string, reason?: string) =>
    t.recorder.events.filter((e) => e.object === `Service/${namespace}/${service}` && (!reason || e.reason === reason));
  async function stop(): Promise<void> {
    await t.stop();
    assert.deepEqual(errors, []);
  }
  /** Starts a simulated kubelet registering node `name` with this InternalIP. */
  const simulate = (name: string, internalIP: string): void => {
    const node = simulatedNode(t, name, { internalIP });
    t.run((signal) => node.start(signal));
  };
  return { client, controller, eventually, get, ingressOf, ingressBecomes, addNode, setReady, simulate, events, stop };
}

function slice(service: string, endpoints: { ip: string; node: string; ready: boolean }[]): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-abcde`, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], nodeName: e.node, conditions: { ready: e.ready } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

describe('ServiceLBController', () => {
  test('ingress: the InternalIP and ExternalIP of the Ready nodes, with ipMode VIP, following nodes as they come, go and turn NotReady', async () => {
    const h = await harness();
    try {
      await h.addNode(nodeObject('node-a', '10.254.0.1', { externalIP: '203.0.113.1' }));
      await h.addNode(nodeObject('node-b', '10.254.0.2'));
      await h.addNode(nodeObject('node-c', '10.254.0.3', { ready: false }));
      await h.client.create(resources.services, namespace, loadBalancer('web'));
      await h.ingressBecomes('web', ['10.254.0.1', '10.254.0.2', '203.0.113.1']);
      const svc = await h.get('web');
      assert.deepEqual(svc.status?.loadBalancer?.ingress?.[0], { ip: '10.254.0.1', ipMode: 'VIP' });
      assert.ok((svc.spec?.ports?.[0]?.nodePort ?? 0) >= 30000, 'a NodePort is allocated');
      assert.deepEqual(
        h.events('web').map((e) => `${e.type} ${e.reason} ${e.message}`),
        ['Normal EnsuringLoadBalancer Ensuring load balancer', 'Normal EnsuredLoadBalancer Ensured load balancer'],
      );

      await h.setReady('node-c', true);
      await h.ingressBecomes('web', ['10.254.0.1', '10.254.0.2', '10.254.0.3', '203.0.113.1']);
      assert.equal(h.events('web', 'UpdatedLoadBalancer')[0]?.message, 'Updated load balancer with new hosts');
      await h.setReady('node-a', false);
      await h.ingressBecomes('web', ['10.254.0.2', '10.254.0.3']);
      await h.client.delete(resources.nodes, '', 'node-b');
      await h.ingressBecomes('web', ['10.254.0.3']);
      await h.addNode(nodeObject('node-d', '10.254.0.4'));
      await h.ingressBecomes('web', ['10.254.0.3', '10.254.0.4']);

      // ServiceLB's labels: once a node is enabled, only enabled nodes serve; a node may opt out.
      const nodeD = await h.client.get<NodeObject>(resources.nodes, '', 'node-d');
      await h.client.update(resources.nodes, '', { ...nodeD, metadata: { ...nodeD.metadata, labels: { ...nodeD.metadata?.labels, 'svccontroller.k3s.cattle.io/enablelb': 'true' } } });
      await h.ingressBecomes('web', ['10.254.0.4']);

      // No Ready node: pending, with upstream's warning.
      await h.setReady('node-c', false);
      await h.setReady('node-d', false);
      await h.ingressBecomes('web', []);
      assert.equal(h.events('web', 'UnAvailableLoadBalancer')[0]?.message, 'There are no available nodes for LoadBalancer');
    } finally {
      await h.stop();
    }
  });

  test('simulated nodes registering serve the Service as they become Ready', async () => {
    const h = await harness();
    try {
      await h.client.create(resources.services, namespace, loadBalancer('web'));
      h.simulate('sim-a', '10.254.1.1');
      h.simulate('sim-b', '10.254.1.2');
      await h.ingressBecomes('web', ['10.254.1.1', '10.254.1.2']);
    } finally {
      await h.stop();
    }
  });

  test('externalTrafficPolicy Local: only the nodes with a ready endpoint', async () => {
    const h = await harness();
    try {
      await h.addNode(nodeObject('node-a', '10.254.0.1'));
      await h.addNode(nodeObject('node-b', '10.254.0.2'));
      await h.addNode(nodeObject('node-c', '10.254.0.3'));
      await h.client.create(resources.services, namespace, loadBalancer('local', { externalTrafficPolicy: 'Local' }));
      const endpoints = await h.client.create<EndpointSliceObject>(
        resources.endpointslices,
        namespace,
        slice('local', [
          { ip: '10.42.1.5', node: 'node-b', ready: true },
          { ip: '10.42.2.5', node: 'node-c', ready: false },
        ]),
      );
      await h.ingressBecomes('local', ['10.254.0.2']);
      await h.client.update(resources.endpointslices, namespace, {
        ...endpoints,
        endpoints: [
          { addresses: ['10.42.1.5'], nodeName: 'node-b', conditions: { ready: false } },
          { addresses: ['10.42.2.5'], nodeName: 'node-c', conditions: { ready: true } },
        ],
      });
      await h.ingressBecomes('local', ['10.254.0.3']);
      await h.client.delete(resources.endpointslices, namespace, endpoints.metadata?.name ?? '');
      await h.ingressBecomes('local', []);
    } finally {
      await h.stop();
    }
  });

  test('a port clash: the older Service keeps the port, the other stays pending with a warning until the clash goes', async () => {
    const h = await harness();
    try {
      await h.addNode(nodeObject('node-a', '10.254.0.1'));
      await h.client.create(resources.services, namespace, loadBalancer('web-first'));
      await h.ingressBecomes('web-first', ['10.254.0.1']);
      await h.client.create(resources.services, namespace, loadBalancer('web-second', { ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
      // Another protocol on the same port is no clash.
      await h.client.create(resources.services, namespace, loadBalancer('dns-udp', { ports: [{ name: 'dns', port: 80, protocol: 'UDP' }] }));
      await h.ingressBecomes('dns-udp', ['10.254.0.1']);
      const [warning] = await h.eventually('the clash warning', async () => h.events('web-second', 'SyncLoadBalancerFailed'));
      assert.equal(warning?.type, 'Warning');
      assert.equal(warning?.message, 'Error syncing load balancer: port 80/TCP is already used by Service default/web-first on node node-a');
      assert.deepEqual(await h.ingressOf('web-second'), []);

      // The holder moves to another port: the pending one gets its ingress.
      const first = await h.get('web-first');
      await h.client.update(resources.services, namespace, { ...first, spec: { ...first.spec, ports: [{ name: 'http', port: 8080, protocol: 'TCP', nodePort: first.spec?.ports?.[0]?.nodePort }] } });
      await h.ingressBecomes('web-second', ['10.254.0.1']);
      await h.ingressBecomes('web-first', ['10.254.0.1']);
      assert.equal(h.events('web-second', 'SyncLoadBalancerFailed').length, 1, 'the warning is not repeated every sync');

      // A newer Service asking for the port again is the one left pending.
      await h.client.create(resources.services, namespace, loadBalancer('web-third'));
      await h.eventually('the third warned', async () => h.events('web-third', 'SyncLoadBalancerFailed').length === 1);
      assert.match(h.events('web-third', 'SyncLoadBalancerFailed')[0]?.message ?? '', /port 80\/TCP is already used by Service default\/web-second/);
      await h.client.delete(resources.services, namespace, 'web-second');
      await h.ingressBecomes('web-third', ['10.254.0.1']);
    } finally {
      await h.stop();
    }
  });

  test('a Service with another loadBalancerClass is left alone, and holds no port; a claimed class is handled', async () => {
    const h = await harness({ loadBalancerClass: 'skiff.io/servicelb' });
    try {
      await h.addNode(nodeObject('node-a', '10.254.0.1'));
      await h.client.create(resources.services, namespace, loadBalancer('elsewhere', { loadBalancerClass: 'example.com/metal' }));
      await h.client.create(resources.services, namespace, loadBalancer('claimed', { loadBalancerClass: 'skiff.io/servicelb' }));
      await h.ingressBecomes('claimed', ['10.254.0.1']);
      await h.client.create(resources.services, namespace, loadBalancer('default-class', { ports: [{ name: 'http', port: 81 }] }));
      await h.ingressBecomes('default-class', ['10.254.0.1']);
      // Synced in order after the others: still nothing, and it kept port 80 from nobody.
      await h.controller.sync(`${namespace}/elsewhere`);
      assert.equal((await h.get('elsewhere')).status?.loadBalancer?.ingress, undefined);
      assert.deepEqual(h.events('elsewhere'), []);
    } finally {
      await h.stop();
    }
  });

  test('allocateLoadBalancerNodePorts false: addresses without NodePorts', async () => {
    const h = await harness();
    try {
      await h.addNode(nodeObject('node-a', '10.254.0.1'));
      await h.client.create(resources.services, namespace, loadBalancer('no-nodeports', { allocateLoadBalancerNodePorts: false }));
      await h.ingressBecomes('no-nodeports', ['10.254.0.1']);
      assert.equal((await h.get('no-nodeports')).spec?.ports?.[0]?.nodePort, undefined);
    } finally {
      await h.stop();
    }
  });

  test('a Service changed away from LoadBalancer loses status.loadBalancer; back again, it gets it again', async () => {
    const h = await harness();
    try {
      await h.addNode(nodeObject('node-a', '10.254.0.1'));
      await h.client.create(resources.services, namespace, loadBalancer('web'));
      await h.ingressBecomes('web', ['10.254.0.1']);
      await h.client.patch(resources.services, namespace, 'web', 'merge', { spec: { type: 'ClusterIP' } });
      await h.ingressBecomes('web', []);
      const svc = await h.get('web');
      assert.deepEqual(svc.status?.loadBalancer, {});
      assert.deepEqual(
        h.events('web').slice(-2).map((e) => e.reason),
        ['DeletingLoadBalancer', 'DeletedLoadBalancer'],
      );
      await h.client.patch(resources.services, namespace, 'web', 'merge', { spec: { type: 'LoadBalancer' } });
      await h.ingressBecomes('web', ['10.254.0.1']);
      // Deleting it is not held up.
      await h.client.delete(resources.services, namespace, 'web');
      await h.eventually('web gone', async () => h.get('web').then(() => false, (err: unknown) => isStatusError(err, 404)));
    } finally {
      await h.stop();
    }
  });
});
