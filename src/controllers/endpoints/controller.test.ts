import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { testContext } from '../../testing/controllers.js';
import { waitFor } from '../../testing/wait.js';
import { EndpointsController, endpointSubsetsFor } from './controller.js';

const namespace = 'default';

interface PodOptions {
  labels?: Record<string, string>;
  ip?: string;
  ready?: boolean;
  node?: string;
  ports?: { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[];
  hostname?: string;
  subdomain?: string;
  deleting?: boolean;
  phase?: string;
}

function pod(name: string, o: PodOptions = {}): Pod & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: `uid-${name}`,
      labels: o.labels ?? {},
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      nodeName: o.node ?? 'node-1',
      containers: [{ name: 'main', image: 'tomcat', ports: o.ports ?? [] }],
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip === '' ? {} : { podIP: o.ip ?? '10.42.0.1' }),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

function service(name: string, spec: Service['spec'], labels?: Record<string, string>): Service & KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, uid: `uid-svc-${name}`, ...(labels ? { labels } : {}) }, spec };
}

/** A running Endpoints controller over an in-memory API. */
async function harness() {
  const t = testContext();
  const { client, errors } = t;
  const controller = new EndpointsController(t.ctx);
  t.start(controller);
  const eventually = async <T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> => (await waitFor(what, probe, { errors })) as T;
  const endpoints = async (name: string): Promise<(Endpoints & KubeObject) | undefined> => {
    try {
      return await client.get<Endpoints & KubeObject>(resources.endpoints, namespace, name);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return undefined;
      throw err;
    }
  };
  async function stop(): Promise<void> {
    await t.stop();
    assert.deepEqual(errors, []);
  }
  return { client, controller, eventually, endpoints, stop };
}

describe('endpointSubsetsFor', () => {
  test('ready pods go to addresses with ip, nodeName and targetRef; others to notReadyAddresses', () => {
    const svc = service('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] });
    const subsets = endpointSubsetsFor(svc, [
      pod('b', { ip: '10.42.0.2' }),
      pod('a', { ip: '10.42.0.1', node: 'node-2' }),
      pod('c', { ip: '10.42.0.3', ready: false }),
    ]);
    assert.deepEqual(subsets, [
      {
        addresses: [
          { ip: '10.42.0.1', nodeName: 'node-2', targetRef: { kind: 'Pod', namespace, name: 'a', uid: 'uid-a' } },
          { ip: '10.42.0.2', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace, name: 'b', uid: 'uid-b' } },
        ],
        notReadyAddresses: [{ ip: '10.42.0.3', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace, name: 'c', uid: 'uid-c' } }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  test('publishNotReadyAddresses puts unready and terminating pods in addresses', () => {
    const svc = service('web', { selector: { app: 'web' }, publishNotReadyAddresses: true, ports: [{ port: 80 }] });
    const subsets = endpointSubsetsFor(svc, [pod('a', { ready: false, ip: '10.42.0.1' }), pod('b', { deleting: true, ip: '10.42.0.2' })]);
    assert.deepEqual(
      subsets[0]?.addresses?.map((a) => a.ip),
      ['10.42.0.1', '10.42.0.2'],
    );
    assert.equal(subsets[0]?.notReadyAddresses, undefined);
    // No targetPort: the service port.
    assert.deepEqual(subsets[0]?.ports, [{ port: 80, protocol: 'TCP' }]);
  });

  test('pods without an IP, terminating or terminal pods are left out', () => {
    const svc = service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] });
    const subsets = endpointSubsetsFor(svc, [
      pod('no-ip', { ip: '' }),
      pod('going', { deleting: true }),
      pod('done', { phase: 'Succeeded' }),
      pod('failed', { phase: 'Failed', ready: false }),
    ]);
    assert.deepEqual(subsets, []);
  });

  test('a named targetPort resolves per pod; pods lacking it are left out; different ports make different subsets', () => {
    const svc = service('web', {
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }],
    });
    const subsets = endpointSubsetsFor(svc, [
      pod('a', { ip: '10.42.0.1', ports: [{ name: 'web', containerPort: 8080 }] }),
      pod('b', { ip: '10.42.0.2', ports: [{ name: 'web', containerPort: 9090 }] }),
      pod('c', { ip: '10.42.0.3', ports: [{ name: 'other', containerPort: 8080 }] }),
      pod('d', { ip: '10.42.0.4', ports: [{ name: 'web', containerPort: 8080, protocol: 'UDP' }] }),
      pod('e', { ip: '10.42.0.5', ports: [{ name: 'web', containerPort: 8080 }] }),
    ]);
    assert.deepEqual(
      subsets.map((s) => ({ ips: s.addresses?.map((a) => a.ip), ports: s.ports })),
      [
        { ips: ['10.42.0.1', '10.42.0.5'], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
        { ips: ['10.42.0.2'], ports: [{ name: 'http', port: 9090, protocol: 'TCP' }] },
      ],
    );
  });

  test('a pod whose subdomain names the service gets its hostname', () => {
    const svc = service('nginx', { selector: { app: 'nginx' }, clusterIP: 'None', ports: [{ name: 'web', port: 80 }] });
    const subsets = endpointSubsetsFor(svc, [
      pod('web-0', { ip: '10.42.0.1', hostname: 'web-0', subdomain: 'nginx' }),
      pod('other', { ip: '10.42.0.2', hostname: 'other', subdomain: 'elsewhere' }),
    ]);
    assert.deepEqual(
      subsets[0]?.addresses?.map((a) => [a.ip, a.hostname]),
      [
        ['10.42.0.1', 'web-0'],
        ['10.42.0.2', undefined],
      ],
    );
  });

  test('a headless service without ports gets port-less subsets; a ClusterIP one gets none', () => {
    const pods = [pod('a', { ip: '10.42.0.1' })];
    assert.deepEqual(
      endpointSubsetsFor(service('h', { selector: { app: 'h' }, clusterIP: 'None' }), pods).map((s) => [s.addresses?.length, s.ports]),
      [[1, undefined]],
    );
    assert.deepEqual(endpointSubsetsFor(service('c', { selector: { app: 'c' }, clusterIP: '10.43.0.5' }), pods), []);
  });
});

describe('EndpointsController', () => {
  test("the seed's canary by Service: Endpoints hold all 4 ready pods of both tracks, port 8080", async () => {
    const h = await harness();
    try {
      const ips = ['10.42.0.11', '10.42.0.12', '10.42.1.13', '10.42.1.14'];
      for (const [i, track] of ['stable', 'stable', 'stable', 'canary'].entries()) {
        await h.client.create(resources.pods, namespace, pod(`tomcat-${track}-${i}`, { labels: { app: 'canary-tomcat', track }, ip: ips[i], ports: [{ containerPort: 8080 }] }));
      }
      await h.client.create(resources.pods, namespace, pod('unrelated', { labels: { app: 'other' }, ip: '10.42.9.9' }));
      await h.client.create(
        resources.services,
        namespace,
        service('cluster-service-02', { clusterIP: '10.170.11.88', selector: { app: 'canary-tomcat' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }),
      );
      const ep = await h.eventually('4 endpoint addresses', async () => {
        const e = await h.endpoints('cluster-service-02');
        return e?.subsets?.[0]?.addresses?.length === 4 ? e : undefined;
      });
      assert.equal(ep.subsets?.length, 1);
      assert.deepEqual(ep.subsets?.[0]?.addresses?.map((a) => a.ip), ips);
      assert.deepEqual(ep.subsets?.[0]?.ports, [{ port: 8080, protocol: 'TCP' }]);
      assert.equal(ep.metadata?.labels?.['service.kubernetes.io/headless'], undefined);

      // The canary pod becomes unready: it moves to notReadyAddresses.
      const canary = await h.client.get<Pod & KubeObject>(resources.pods, namespace, 'tomcat-canary-3');
      await h.client.update(resources.pods, namespace, { ...canary, status: { ...canary.status, conditions: [{ type: 'Ready', status: 'False' }] } }, { subresource: 'status' });
      await h.eventually('the canary to be not ready', async () => (await h.endpoints('cluster-service-02'))?.subsets?.[0]?.notReadyAddresses?.[0]?.ip === '10.42.1.14');

      // The Service goes: so do its Endpoints.
      await h.client.delete(resources.services, namespace, 'cluster-service-02');
      await h.eventually('the Endpoints to go', async () => (await h.endpoints('cluster-service-02')) === undefined);
    } finally {
      await h.stop();
    }
  });

  test('Endpoints deleted by hand come back; services without selector and the kubernetes service are left alone', async () => {
    const h = await harness();
    try {
      await h.client.create(resources.endpoints, namespace, {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'external', namespace },
        subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 5432, protocol: 'TCP' }] }],
      });
      await h.client.create(resources.services, namespace, service('external', { ports: [{ port: 5432 }] }));
      await h.client.create(resources.endpoints, namespace, {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'kubernetes', namespace },
        subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
      });
      await h.client.create(resources.services, namespace, service('kubernetes', { selector: { component: 'apiserver' }, ports: [{ name: 'https', port: 443 }] }));
      await h.client.create(resources.pods, namespace, pod('api', { labels: { component: 'apiserver' } }));
      await h.client.create(resources.services, namespace, service('web', { clusterIP: '10.43.0.20', selector: { app: 'web' }, ports: [{ port: 80 }] }, { tier: 'front' }));
      const created = await h.eventually('the web Endpoints', () => h.endpoints('web'));
      assert.equal(created.subsets, undefined);
      assert.deepEqual(created.metadata?.labels, { tier: 'front' });
      await h.client.delete(resources.endpoints, namespace, 'web');
      await h.eventually('the web Endpoints to come back', () => h.endpoints('web'));
      await h.controller.sync(`${namespace}/external`);
      await h.controller.sync(`${namespace}/kubernetes`);
      assert.equal((await h.endpoints('external'))?.subsets?.[0]?.addresses?.[0]?.ip, '192.0.2.1');
      assert.equal((await h.endpoints('kubernetes'))?.subsets?.[0]?.addresses?.[0]?.ip, '192.0.2.10');
    } finally {
      await h.stop();
    }
  });
});
