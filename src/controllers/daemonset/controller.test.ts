import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { settle } from '../../apimachinery/clock.js';
import { setPodReady, testEnvironment, type TestEnvironment } from '../../testing/statefulset.js';
import { waitFor } from '../../testing/wait.js';
import { DaemonSetController } from './controller.js';
import { targetNodeName } from './placement.js';

const ns = 'kube-system';

function node(name: string, options: { labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean } = {}): Node & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(options.labels ?? {}) } },
    spec: { ...(options.taints ? { taints: options.taints } : {}), ...(options.unschedulable ? { unschedulable: true } : {}) },
  };
}

function daemonSet(overrides: Partial<NonNullable<DaemonSet['spec']>> = {}): DaemonSet & KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: ns },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
      ...overrides,
    },
  };
}

async function daemonPods(env: TestEnvironment): Promise<(Pod & KubeObject)[]> {
  return (await env.client.list<Pod & KubeObject>(resources.pods, ns)).items;
}

async function podsByNode(env: TestEnvironment): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const pod of await daemonPods(env)) {
    if (pod.metadata?.deletionTimestamp) continue;
    const nodeName = targetNodeName(pod) ?? '?';
    (out[nodeName] ??= []).push(pod.metadata?.labels?.['controller-revision-hash'] ?? '');
  }
  return out;
}

async function getDaemonSet(env: TestEnvironment): Promise<DaemonSet & KubeObject> {
  return env.client.get<DaemonSet & KubeObject>(resources.daemonsets, ns, 'agent');
}

async function setup(nodes: (Node & KubeObject)[], ds: DaemonSet & KubeObject): Promise<TestEnvironment> {
  const env = testEnvironment();
  for (const n of nodes) await env.client.create(resources.nodes, '', n);
  await env.client.create(resources.daemonsets, ns, ds);
  env.start(new DaemonSetController(env.ctx));
  return env;
}

describe('DaemonSet controller', () => {
  test('one pod per eligible node: taints, unschedulable nodes, node selectors, added and removed nodes', async () => {
    const env = await setup(
      [
        node('node-a'),
        node('node-b', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
        node('node-c', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }),
        node('node-d', { labels: { role: 'edge' } }),
      ],
      daemonSet(),
    );
    try {
      const placed = await waitFor(
        'pods on three nodes',
        async () => {
          const byNode = await podsByNode(env);
          return Object.keys(byNode).length === 3 ? byNode : undefined;
        },
        { clock: env.clock },
      );
      assert.deepEqual(Object.keys(placed).sort(), ['node-a', 'node-c', 'node-d']);
      for (const hashes of Object.values(placed)) assert.equal(hashes.length, 1);

      const pod = (await daemonPods(env)).find((p) => targetNodeName(p) === 'node-a');
      assert.ok(pod);
      assert.match(pod.metadata?.name ?? '', /^agent-/);
      assert.equal(pod.spec?.nodeName, undefined, 'left for the scheduler');
      assert.deepEqual(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-a'] }] }],
      });
      const tolerationKeys = (pod.spec?.tolerations ?? []).map((t) => `${t.key}:${t.effect}`);
      assert.deepEqual(tolerationKeys, [
        'node.kubernetes.io/not-ready:NoExecute',
        'node.kubernetes.io/unreachable:NoExecute',
        'node.kubernetes.io/disk-pressure:NoSchedule',
        'node.kubernetes.io/memory-pressure:NoSchedule',
        'node.kubernetes.io/pid-pressure:NoSchedule',
        'node.kubernetes.io/unschedulable:NoSchedule',
      ]);
      assert.equal(pod.metadata?.labels?.['pod-template-generation'], '1');
      const ref = pod.metadata?.ownerReferences?.[0];
      assert.deepEqual([ref?.kind, ref?.name, ref?.controller, ref?.blockOwnerDeletion], ['DaemonSet', 'agent', true, true]);
      assert.ok(env.recorder.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created pod: ${pod.metadata?.name}`));

      for (const p of await daemonPods(env)) await setPodReady(env.client, env.clock, ns, p.metadata?.name ?? '');
      const ds = await waitFor(
        'three ready',
        async () => {
          const d = await getDaemonSet(env);
          return d.status?.numberReady === 3 ? d : undefined;
        },
        { clock: env.clock },
      );
      assert.deepEqual(
        {
          desired: ds.status?.desiredNumberScheduled,
          current: ds.status?.currentNumberScheduled,
          available: ds.status?.numberAvailable,
          updated: ds.status?.updatedNumberScheduled,
          misscheduled: ds.status?.numberMisscheduled,
          observed: ds.status?.observedGeneration,
        },
        { desired: 3, current: 3, available: 3, updated: 3, misscheduled: 0, observed: ds.metadata?.generation },
      );
      const revisions = await env.client.list(resources.controllerrevisions, ns);
      assert.equal(revisions.items.length, 1);
      assert.equal(revisions.items[0]?.metadata?.name, `agent-${pod.metadata?.labels?.['controller-revision-hash']}`);

      // A new node gets a pod; an untolerated NoExecute taint evicts the daemon pod; removing the node selector's match too.
      await env.client.create(resources.nodes, '', node('node-e'));
      await waitFor('a pod on node-e', async () => (await podsByNode(env))['node-e'], { clock: env.clock });
      await env.client.patch(resources.nodes, '', 'node-a', 'merge', { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
      await waitFor('the pod on node-a deleted', async () => !(await podsByNode(env))['node-a'], { clock: env.clock });

      await env.client.patch(resources.daemonsets, ns, 'agent', 'merge', { spec: { template: { spec: { nodeSelector: { role: 'edge' } } } } });
      await waitFor(
        'only node-d keeps a pod',
        async () => {
          const byNode = await podsByNode(env);
          return Object.keys(byNode).join() === 'node-d' ? byNode : undefined;
        },
        { clock: env.clock },
      );
      assert.deepEqual(env.errors, []);
    } finally {
      await env.stop();
    }
  });

  test('RollingUpdate replaces at most maxUnavailable pods at a time', async () => {
    const env = await setup([node('node-a'), node('node-b'), node('node-c')], daemonSet());
    try {
      await waitFor('three pods', async () => (await daemonPods(env)).length === 3, { clock: env.clock });
      for (const p of await daemonPods(env)) await setPodReady(env.client, env.clock, ns, p.metadata?.name ?? '');
      await waitFor('three available', async () => (await getDaemonSet(env)).status?.numberAvailable === 3, { clock: env.clock });
      const oldHash = (await daemonPods(env))[0]?.metadata?.labels?.['controller-revision-hash'];
      await env.client.patch(resources.daemonsets, ns, 'agent', 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });

      for (let step = 1; step <= 3; step++) {
        const fresh = await waitFor(
          `updated pod ${step}`,
          async () => {
            const pods = (await daemonPods(env)).filter((p) => p.metadata?.labels?.['controller-revision-hash'] !== oldHash);
            const unready = pods.filter((p) => p.status?.phase !== 'Running');
            return pods.length === step && unready.length === 1 ? unready[0] : undefined;
          },
          { clock: env.clock },
        );
        await settle(10);
        const pods = await daemonPods(env);
        assert.equal(pods.length, 3, 'one pod per node throughout');
        assert.equal(pods.filter((p) => p.status?.phase !== 'Running').length, 1, 'at most one unavailable');
        assert.equal(fresh.spec?.containers[0]?.image, 'agent:2');
        await setPodReady(env.client, env.clock, ns, fresh.metadata?.name ?? '');
      }
      const ds = await waitFor(
        'the rollout to finish',
        async () => {
          const d = await getDaemonSet(env);
          return d.status?.updatedNumberScheduled === 3 && d.status.numberAvailable === 3 ? d : undefined;
        },
        { clock: env.clock },
      );
      assert.equal(ds.status?.desiredNumberScheduled, 3);
      const revisions = await env.client.list(resources.controllerrevisions, ns);
      assert.equal(revisions.items.length, 2);
    } finally {
      await env.stop();
    }
  });

  test('OnDelete leaves old pods alone; maxSurge starts the new pod before deleting the old one', async () => {
    const env = await setup([node('node-a')], daemonSet({ updateStrategy: { type: 'OnDelete' } }));
    try {
      await waitFor('one pod', async () => (await daemonPods(env)).length === 1, { clock: env.clock });
      const [first] = await daemonPods(env);
      await setPodReady(env.client, env.clock, ns, first?.metadata?.name ?? '');
      await env.client.patch(resources.daemonsets, ns, 'agent', 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
      await waitFor('a second revision', async () => (await env.client.list(resources.controllerrevisions, ns)).items.length === 2, { clock: env.clock });
      await settle(10);
      assert.deepEqual((await daemonPods(env)).map((p) => p.metadata?.uid), [first?.metadata?.uid]);

      await env.client.patch(resources.daemonsets, ns, 'agent', 'merge', {
        spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } },
      });
      const surged = await waitFor(
        'a surge pod next to the old one',
        async () => {
          const pods = await daemonPods(env);
          return pods.length === 2 ? pods.find((p) => p.metadata?.uid !== first?.metadata?.uid) : undefined;
        },
        { clock: env.clock },
      );
      await settle(10);
      assert.equal((await daemonPods(env)).length, 2, 'the old pod stays until the new one is available');
      await setPodReady(env.client, env.clock, ns, surged.metadata?.name ?? '');
      await waitFor(
        'the old pod deleted',
        async () => {
          const pods = await daemonPods(env);
          return pods.length === 1 && pods[0]?.metadata?.uid === surged.metadata?.uid;
        },
        { clock: env.clock },
      );
    } finally {
      await env.stop();
    }
  });
});
