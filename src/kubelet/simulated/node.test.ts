import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { SimulatedNode } from './node.js';
import { simulatedDurationAnnotation } from './pod-status.js';
import { simulationEnvironment } from '../../testing/simulation.js';
import { waitFor } from '../../testing/wait.js';

type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;
type LeaseObject = Lease & KubeObject;

function boundPod(name: string, nodeName: string, extra: Partial<NonNullable<Pod['spec']>> = {}, annotations?: Record<string, string>): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: { nodeName, containers: [{ name: 'app', image: 'nginx:1.27' }], ...extra },
  };
}

async function getPod(env: ReturnType<typeof simulationEnvironment>, name: string): Promise<PodObject | undefined> {
  return (await env.client.list<PodObject>(resources.pods, 'default')).items.find((p) => p.metadata?.name === name);
}

describe('SimulatedNode', () => {
  test('registers its Node and Lease, renews the Lease every 10 s', async () => {
    const env = simulationEnvironment();
    const node = new SimulatedNode(env.client, 'sim-a', env.clock, { labels: { zone: 'z1' }, onError: (err) => env.errors.push(err) });
    env.run((signal) => node.start(signal));
    try {
      const registered = await waitFor('the Node', async () => (await env.client.list<NodeObject>(resources.nodes, '')).items[0], { clock: env.clock });
      assert.equal(registered.metadata?.name, 'sim-a');
      assert.deepEqual(registered.metadata?.labels, {
        zone: 'z1',
        'kubernetes.io/hostname': 'sim-a',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
      });
      assert.equal(registered.metadata?.annotations?.type, 'simulated');
      assert.deepEqual(registered.status?.capacity, { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' });
      const ready = registered.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready?.status, 'True');
      assert.deepEqual(
        registered.status?.conditions?.map((c) => `${c.type}=${c.status}`),
        ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True'],
      );
      const internalIP = registered.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
      assert.match(internalIP, /^10\.254\.\d+\.\d+$/);
      assert.equal(registered.status?.nodeInfo?.kubeletVersion, 'v1.32.0-skiff');
      assert.equal(registered.status?.nodeInfo?.containerRuntimeVersion, 'simulated://0.1');

      const lease = await waitFor('the Lease', async () => (await env.client.list<LeaseObject>(resources.leases, 'kube-node-lease')).items[0], { clock: env.clock });
      assert.equal(lease.spec?.holderIdentity, 'sim-a');
      assert.equal(lease.spec?.leaseDurationSeconds, 40);
      assert.equal(lease.metadata?.ownerReferences?.[0]?.uid, registered.metadata?.uid);
      const firstRenew = lease.spec?.renewTime;
      await env.clock.advanceAsync(10_000);
      const renewed = await waitFor(
        'a renewed Lease',
        async () => {
          const current = await env.client.get<LeaseObject>(resources.leases, 'kube-node-lease', 'sim-a');
          return current.spec?.renewTime !== firstRenew ? current : undefined;
        },
        { clock: env.clock },
      );
      assert.ok(Date.parse(renewed.spec?.renewTime ?? '') > Date.parse(firstRenew ?? ''));
      assert.deepEqual(env.errors, []);
    } finally {
      await env.stop();
    }
  });

  test('runs a bound pod to Running and Ready with an IP from its pod CIDR, once it has one', async () => {
    const env = simulationEnvironment();
    const node = new SimulatedNode(env.client, 'sim-a', env.clock, { internalIP: '10.254.0.7' });
    env.run((signal) => node.start(signal));
    try {
      await waitFor('the Node', async () => (await env.client.list(resources.nodes, '')).items.length === 1, { clock: env.clock });
      const created = await env.client.create(resources.pods, 'default', boundPod('web', 'sim-a'));
      // Without a pod CIDR the pod waits.
      await env.clock.advanceAsync(100);
      assert.equal((await getPod(env, 'web'))?.status?.phase, undefined);
      await env.client.patch(resources.nodes, '', 'sim-a', 'merge', { spec: { podCIDR: '10.42.3.0/24', podCIDRs: ['10.42.3.0/24'] } });
      const running = await waitFor(
        'a Running pod',
        async () => {
        const pod = await getPod(env, 'web');
        return pod?.status?.phase === 'Running' ? pod : undefined;
      },
        { clock: env.clock },
      );
      const status = running.status ?? {};
      assert.equal(status.podIP, '10.42.3.2');
      assert.deepEqual(status.podIPs, [{ ip: '10.42.3.2' }]);
      assert.equal(status.hostIP, '10.254.0.7');
      assert.ok(status.startTime);
      for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) {
        assert.equal(status.conditions?.find((c) => c.type === type)?.status, 'True', type);
      }
      const container = status.containerStatuses?.[0];
      assert.equal(container?.ready, true);
      assert.equal(container?.started, true);
      assert.equal(container?.restartCount, 0);
      assert.equal(container?.image, 'nginx:1.27');
      assert.match(container?.imageID ?? '', /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
      assert.equal(container?.containerID, `simulated://${created.metadata?.uid}-app`);
      assert.ok(container?.state?.running?.startedAt);

      // A second pod gets the next address; a recreated one reuses a freed address only later.
      await env.client.create(resources.pods, 'default', boundPod('db', 'sim-a'));
      const db = await waitFor('the second IP', async () => (await getPod(env, 'db'))?.status?.podIP, { clock: env.clock });
      assert.equal(db, '10.42.3.3');
    } finally {
      await env.stop();
    }
  });

  test('deletes pods marked for deletion at once, and frees their IPs', async () => {
    const env = simulationEnvironment();
    const node = new SimulatedNode(env.client, 'sim-a', env.clock);
    env.run((signal) => node.start(signal));
    try {
      await waitFor('the Node', async () => (await env.client.list(resources.nodes, '')).items.length === 1, { clock: env.clock });
      await env.client.patch(resources.nodes, '', 'sim-a', 'merge', { spec: { podCIDR: '10.42.0.0/30' } });
      // A /30 has one pod address: the second pod only runs once the first is gone.
      await env.client.create(resources.pods, 'default', boundPod('one', 'sim-a', {}, undefined));
      await waitFor('one Running', async () => (await getPod(env, 'one'))?.status?.phase === 'Running', { clock: env.clock });
      // MemoryClient has no graceful deletion: a finalizer keeps the pod while it is marked.
      await env.client.patch(resources.pods, 'default', 'one', 'merge', { metadata: { finalizers: ['test/hold'] } });
      await env.client.delete(resources.pods, 'default', 'one');
      await waitFor('the node deleting the pod', () => env.client.actions.filter((a) => a.verb === 'delete' && a.ref.resource === 'pods' && a.name === 'one').length >= 2, { clock: env.clock });
      await env.client.patch(resources.pods, 'default', 'one', 'merge', { metadata: { finalizers: null } });
      await waitFor('one gone', async () => (await getPod(env, 'one')) === undefined, { clock: env.clock });
      await env.client.create(resources.pods, 'default', boundPod('two', 'sim-a'));
      const ip = await waitFor('two running', async () => (await getPod(env, 'two'))?.status?.podIP, { clock: env.clock });
      assert.equal(ip, '10.42.0.2');
    } finally {
      await env.stop();
    }
  });

  test('a Never pod with a simulated duration succeeds after it', async () => {
    const env = simulationEnvironment();
    const node = new SimulatedNode(env.client, 'sim-a', env.clock);
    env.run((signal) => node.start(signal));
    try {
      await waitFor('the Node', async () => (await env.client.list(resources.nodes, '')).items.length === 1, { clock: env.clock });
      await env.client.patch(resources.nodes, '', 'sim-a', 'merge', { spec: { podCIDR: '10.42.1.0/24' } });
      await env.client.create(resources.pods, 'default', boundPod('job', 'sim-a', { restartPolicy: 'Never' }, { [simulatedDurationAnnotation]: '5' }));
      await waitFor('the job pod Running', async () => (await getPod(env, 'job'))?.status?.phase === 'Running', { clock: env.clock });
      const started = env.clock.now().getTime();
      const done = await waitFor(
        'the job pod Succeeded',
        async () => {
        const pod = await getPod(env, 'job');
        return pod?.status?.phase === 'Succeeded' ? pod : undefined;
      },
        { clock: env.clock, stepMs: 500 },
      );
      assert.ok(env.clock.now().getTime() - started >= 4000);
      const terminated = done.status?.containerStatuses?.[0]?.state?.terminated;
      assert.equal(terminated?.exitCode, 0);
      assert.equal(terminated?.reason, 'Completed');
      assert.equal(done.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
    } finally {
      await env.stop();
    }
  });

  test('posts Ready True again when someone marks it Unknown', async () => {
    const env = simulationEnvironment();
    const node = new SimulatedNode(env.client, 'sim-a', env.clock);
    env.run((signal) => node.start(signal));
    try {
      const registered = await waitFor('the Node', async () => (await env.client.list<NodeObject>(resources.nodes, '')).items[0], { clock: env.clock });
      const conditions = (registered.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
      await env.client.patch(resources.nodes, '', 'sim-a', 'merge', { status: { conditions } }, { subresource: 'status' });
      await waitFor(
        'Ready True again',
        async () => {
        const current = await env.client.get<NodeObject>(resources.nodes, '', 'sim-a');
        return current.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      },
        { clock: env.clock },
      );
    } finally {
      await env.stop();
    }
  });
});
