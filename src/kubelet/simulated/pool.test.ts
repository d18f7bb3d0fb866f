import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { FakeClock } from '../../apimachinery/clock.js';
import { apiServerClient, testContext } from '../../testing/controllers.js';
import { runPodPlacement } from '../../testing/placement.js';
import { PodIPPool } from './ip-pool.js';
import { SimulatedNodePool } from './pool.js';
import { simulationEnvironment } from '../../testing/simulation.js';
import { waitFor } from '../../testing/wait.js';

type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;
type LeaseObject = Lease & KubeObject;

describe('SimulatedNodePool', () => {
  test('runs many nodes over two watches, renewing every Lease', async () => {
    const env = simulationEnvironment();
    const pool = new SimulatedNodePool(env.client, env.clock, { count: 50, node: { onError: (err) => env.errors.push(err) } });
    env.run((signal) => pool.start(signal));
    try {
      await waitFor('the two watches', () => env.client.watchCount === 2, { clock: env.clock });
      const nodes = (await env.client.list<NodeObject>(resources.nodes, '')).items;
      assert.equal(nodes.length, 50);
      assert.ok(nodes.some((n) => n.metadata?.name === 'sim-node-49'));
      const ips = new Set(nodes.map((n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address));
      assert.equal(ips.size, 50);
      assert.equal(nodes.find((n) => n.metadata?.name === 'sim-node-0')?.status?.addresses?.[0]?.address, '10.254.0.1');
      const before = (await env.client.list<LeaseObject>(resources.leases, 'kube-node-lease')).items;
      assert.equal(before.length, 50);
      await env.clock.advanceAsync(10_000);
      await waitFor(
        'every Lease renewed',
        async () => {
        const after = (await env.client.list<LeaseObject>(resources.leases, 'kube-node-lease')).items;
        return after.every((lease) => lease.spec?.renewTime !== before.find((b) => b.metadata?.name === lease.metadata?.name)?.spec?.renewTime);
      },
        { clock: env.clock, stepMs: 100 },
      );
      assert.equal(env.client.watchCount, 2);
      assert.deepEqual(env.errors, []);
    } finally {
      await env.stop();
    }
  });

  test('with the API server, node IPAM and the scheduler, pods run on simulated nodes with IPs of their node and go when deleted', async () => {
    const clock = new FakeClock();
    const api = await apiServerClient({ clock });
    const t = testContext({ client: api.client, clock, close: api.close });
    const { client, errors } = t;
    const pool = new SimulatedNodePool(client, clock, { count: 4, node: { onError: (err) => errors.push(err) } });
    runPodPlacement(t);
    t.run((signal) => pool.start(signal));
    t.startInformers();
    try {
      for (let i = 0; i < 12; i++) {
        await client.create<PodObject>(resources.pods, 'default', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `web-${i}`, namespace: 'default' },
          spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '100m' } } }] },
        });
      }
      const pods = await waitFor(
        'every pod Running',
        async () => {
        const items = (await client.list<PodObject>(resources.pods, 'default')).items;
        return items.length === 12 && items.every((p) => p.status?.phase === 'Running') ? items : undefined;
      },
        { clock },
      );
      const nodes = new Map((await client.list<NodeObject>(resources.nodes, '')).items.map((n) => [n.metadata?.name ?? '', n]));
      assert.equal(new Set([...nodes.values()].map((n) => n.spec?.podCIDR)).size, 4);
      assert.equal(new Set(pods.map((p) => p.status?.podIP)).size, 12);
      for (const pod of pods) {
        const node = nodes.get(pod.spec?.nodeName ?? '');
        assert.ok(node?.spec?.podCIDR, 'bound to a node with a pod CIDR');
        assert.ok(new PodIPPool(node.spec.podCIDR).contains(pod.status?.podIP ?? ''), `${pod.status?.podIP} in ${node.spec.podCIDR}`);
        assert.equal(pod.status?.hostIP, node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address);
        assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
      }
      // Spread: 12 pods over 4 nodes, 3 each.
      const perNode = new Map<string, number>();
      for (const pod of pods) perNode.set(pod.spec?.nodeName ?? '', (perNode.get(pod.spec?.nodeName ?? '') ?? 0) + 1);
      assert.deepEqual([...perNode.values()], [3, 3, 3, 3]);

      // Graceful deletion (30 s) is cut short by the simulated kubelet.
      await client.delete(resources.pods, 'default', 'web-0');
      await waitFor('web-0 gone', async () => !(await client.list<PodObject>(resources.pods, 'default')).items.some((p) => p.metadata?.name === 'web-0'), { clock });
      assert.deepEqual(errors, []);
    } finally {
      await t.stop();
    }
  });
});
