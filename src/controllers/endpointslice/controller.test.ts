import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { settle } from '../../apimachinery/clock.js';
import { testContext } from '../../testing/controllers.js';
import { waitFor } from '../../testing/wait.js';
import { EndpointSliceController } from './controller.js';
import { desiredEndpointGroups, planSlices, type EndpointSliceObject } from './reconcile.js';

const namespace = 'default';

interface PodOptions {
  labels?: Record<string, string>;
  ip?: string;
  ready?: boolean;
  ports?: { name?: string; containerPort: number }[];
  hostname?: string;
  subdomain?: string;
  deleting?: boolean;
}

function pod(name: string, o: PodOptions = {}): Pod & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: `uid-${name}`, labels: o.labels ?? { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: 'main', image: 'tomcat', ports: o.ports ?? [] }],
      ...(o.hostname ? { hostname: o.hostname, subdomain: o.subdomain } : {}),
    },
    status: { phase: 'Running', podIP: o.ip ?? '10.42.0.1', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

function service(name: string, spec: Service['spec']): Service & KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, uid: `uid-svc-${name}` }, spec };
}

async function harness(maxEndpointsPerSlice?: number) {
  const t = testContext();
  const { client, clock, errors } = t;
  const controller = new EndpointSliceController(t.ctx, { maxEndpointsPerSlice });
  t.start(controller);
  // Conflicts are retried after a short delay on the fake clock.
  const eventually = async <T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> =>
    (await waitFor(what, probe, { clock, stepMs: 100, errors })) as T;
  const slices = async (svc: string): Promise<EndpointSliceObject[]> =>
    (await client.list<EndpointSliceObject>(resources.endpointslices, namespace, { labelSelector: `kubernetes.io/service-name=${svc}` })).items;
  async function stop(): Promise<void> {
    await t.stop();
    assert.deepEqual(errors, []);
  }
  return { client, clock, controller, eventually, slices, stop };
}

const ips = (slice: EndpointSliceObject | undefined): string[] => (slice?.endpoints ?? []).map((e) => e.addresses[0] ?? '').sort();

describe('planSlices', () => {
  const svc = service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] });

  test('endpoints carry ready/serving/terminating, hostname, nodeName and targetRef; ports resolve per pod', () => {
    const groups = desiredEndpointGroups(svc, [
      pod('a', { ip: '10.42.0.1', ports: [{ name: 'web', containerPort: 8080 }], hostname: 'a', subdomain: 'web' }),
      pod('b', { ip: '10.42.0.2', ports: [{ name: 'web', containerPort: 9090 }], ready: false }),
      pod('c', { ip: '10.42.0.3', ports: [{ name: 'web', containerPort: 8080 }], deleting: true }),
    ]);
    const plan = planSlices(svc, groups, []);
    assert.equal(plan.create.length, 2);
    const by8080 = plan.create.find((s) => s.ports?.[0]?.port === 8080);
    const by9090 = plan.create.find((s) => s.ports?.[0]?.port === 9090);
    assert.deepEqual(by8080?.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(by8080?.endpoints, [
      {
        addresses: ['10.42.0.1'],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace, name: 'a', uid: 'uid-a' },
        hostname: 'a',
        nodeName: 'node-1',
      },
      {
        addresses: ['10.42.0.3'],
        conditions: { ready: false, serving: true, terminating: true },
        targetRef: { kind: 'Pod', namespace, name: 'c', uid: 'uid-c' },
        nodeName: 'node-1',
      },
    ]);
    assert.deepEqual(by9090?.endpoints?.[0]?.conditions, { ready: false, serving: false, terminating: false });
    const meta = by8080?.metadata;
    assert.equal(meta?.generateName, 'web-');
    assert.deepEqual(meta?.labels, {
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      'service.kubernetes.io/headless': '',
    });
    assert.deepEqual(meta?.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-svc-web', controller: true, blockOwnerDeletion: true }]);
    assert.equal(by8080?.addressType, 'IPv4');
  });

  test('no endpoints: one empty placeholder slice', () => {
    const plan = planSlices(svc, desiredEndpointGroups(svc, []), []);
    assert.equal(plan.create.length, 1);
    assert.deepEqual([plan.create[0]?.endpoints, plan.create[0]?.ports], [[], []]);
  });
});

describe('EndpointSliceController', () => {
  test("the seed's canary by Service: one slice with all 4 pods on port 8080, following pod changes", async () => {
    const h = await harness();
    try {
      const addresses = ['10.42.0.11', '10.42.0.12', '10.42.1.13', '10.42.1.14'];
      for (const [i, track] of ['stable', 'stable', 'stable', 'canary'].entries()) {
        await h.client.create(resources.pods, namespace, pod(`tomcat-${track}-${i}`, { labels: { app: 'canary-tomcat', track }, ip: addresses[i] }));
      }
      const svc = await h.client.create(
        resources.services,
        namespace,
        service('cluster-service-02', { clusterIP: '10.170.11.88', selector: { app: 'canary-tomcat' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] }),
      );
      const [slice] = await h.eventually('a slice with 4 endpoints', async () => {
        const s = await h.slices('cluster-service-02');
        return s.length === 1 && s[0]?.endpoints?.length === 4 ? s : undefined;
      });
      assert.deepEqual(ips(slice), addresses);
      assert.deepEqual(slice?.ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
      assert.match(slice?.metadata?.name ?? '', /^cluster-service-02-[a-z0-9]{5}$/);
      assert.equal(slice?.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
      assert.equal(slice?.metadata?.ownerReferences?.[0]?.uid, svc.metadata?.uid);

      // A pod goes: the same slice is updated.
      await h.client.delete(resources.pods, namespace, 'tomcat-canary-3');
      const after = await h.eventually('3 endpoints', async () => {
        const s = await h.slices('cluster-service-02');
        return s.length === 1 && s[0]?.endpoints?.length === 3 ? s[0] : undefined;
      });
      assert.equal(after.metadata?.name, slice?.metadata?.name);

      // Every pod goes: the slice stays as an empty placeholder.
      for (const name of ['tomcat-stable-0', 'tomcat-stable-1', 'tomcat-stable-2']) await h.client.delete(resources.pods, namespace, name);
      await h.eventually('an empty placeholder', async () => {
        const s = await h.slices('cluster-service-02');
        return s.length === 1 && s[0]?.endpoints?.length === 0;
      });
    } finally {
      await h.stop();
    }
  });

  test('at most maxEndpointsPerSlice endpoints a slice, never a duplicate slice while the cache lags', async () => {
    const h = await harness(2);
    try {
      for (let i = 1; i <= 5; i++) await h.client.create(resources.pods, namespace, pod(`p${i}`, { ip: `10.42.0.${i}` }));
      await h.client.create(resources.services, namespace, service('web', { clusterIP: '10.43.0.9', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }));
      const slices = await h.eventually('3 slices', async () => {
        const s = await h.slices('web');
        return s.reduce((n, x) => n + (x.endpoints?.length ?? 0), 0) === 5 ? s : undefined;
      });
      assert.deepEqual(slices.map((s) => s.endpoints?.length).sort(), [1, 2, 2]);
      // Syncing again at once changes nothing.
      await h.controller.sync(`${namespace}/web`);
      await settle();
      assert.equal((await h.slices('web')).length, 3);
      // A new pod fills the slice with room.
      await h.client.create(resources.pods, namespace, pod('p6', { ip: '10.42.0.6' }));
      const refilled = await h.eventually('6 endpoints', async () => {
        const s = await h.slices('web');
        return s.reduce((n, x) => n + (x.endpoints?.length ?? 0), 0) === 6 ? s : undefined;
      });
      assert.deepEqual(refilled.map((s) => s.endpoints?.length), [2, 2, 2]);
    } finally {
      await h.stop();
    }
  });
});
