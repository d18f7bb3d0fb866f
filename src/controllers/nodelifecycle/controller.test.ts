import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { simulatedNode, simulationEnvironment } from '../../testing/simulation.js';
import { waitFor } from '../../testing/wait.js';
import { minTolerationSeconds, NodeLifecycleController } from './controller.js';

type NodeObject = Node & KubeObject;
type PodObject = Pod & KubeObject;

const defaultTolerations: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

function pod(name: string, tolerations: Toleration[]): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: 'sim-a', containers: [{ name: 'app', image: 'nginx' }], tolerations },
  };
}

async function getNode(env: ReturnType<typeof simulationEnvironment>): Promise<NodeObject> {
  return env.client.get<NodeObject>(resources.nodes, '', 'sim-a');
}

async function podNames(env: ReturnType<typeof simulationEnvironment>): Promise<string[]> {
  return (await env.client.list<PodObject>(resources.pods, 'default')).items.map((p) => p.metadata?.name ?? '').sort();
}

describe('minTolerationSeconds', () => {
  test('is 0 for an untolerated taint, undefined when tolerated forever, else the least seconds', () => {
    const taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
    assert.equal(minTolerationSeconds([], [taint]), 0);
    assert.equal(minTolerationSeconds([{ operator: 'Exists' }], [taint]), undefined);
    assert.equal(minTolerationSeconds(defaultTolerations, [taint]), 300);
    assert.equal(minTolerationSeconds([{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: -5 }], [taint]), 0);
  });
});

describe('NodeLifecycleController', () => {
  test('marks a silent node Unknown after 40 s, taints it, evicts pods when tolerations run out, untaints it when it is back', async () => {
    const env = simulationEnvironment();
    const nodeAbort = new AbortController();
    const simulated = simulatedNode(env, 'sim-a');
    const nodeRun = simulated.start(nodeAbort.signal);
    const controller = new NodeLifecycleController(env.ctx);
    try {
      await waitFor('the Lease', async () => (await env.client.list(resources.leases, 'kube-node-lease')).items.length === 1, { clock: env.clock });
      await env.client.create(resources.pods, 'default', pod('short', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]));
      await env.client.create(resources.pods, 'default', pod('default', defaultTolerations));
      await env.client.create(resources.pods, 'default', pod('forever', [{ operator: 'Exists' }]));
      env.run(controller);

      // A live node stays Ready through several grace periods.
      await env.clock.advanceAsync(100_000);
      assert.equal((await getNode(env)).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
      assert.equal((await getNode(env)).spec?.taints, undefined);

      // The kubelet goes silent.
      nodeAbort.abort();
      await nodeRun;
      const silentSince = env.clock.now().getTime();
      const unknown = await waitFor(
        'Ready Unknown',
        async () => {
        const node = await getNode(env);
        return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown' ? node : undefined;
      },
        { clock: env.clock, stepMs: 1000 },
      );
      const elapsed = env.clock.now().getTime() - silentSince;
      assert.ok(elapsed > 30_000 && elapsed <= 52_000, `marked after ${elapsed} ms`);
      const ready = unknown.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready?.reason, 'NodeStatusUnknown');
      assert.equal(ready?.message, 'Kubelet stopped posting node status.');
      assert.ok(unknown.status?.conditions?.every((c) => c.status === 'Unknown'));
      const tainted = await waitFor('the taints', async () => ((await getNode(env)).spec?.taints?.length === 2 ? await getNode(env) : undefined), { clock: env.clock });
      assert.deepEqual(
        tainted.spec?.taints?.map((t) => `${t.key}:${t.effect}`),
        ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule'],
      );
      const taintedAt = Date.parse(tainted.spec?.taints?.[0]?.timeAdded ?? '');

      // 60 s toleration: evicted after a minute, the others stay.
      await waitFor('short evicted', async () => !(await podNames(env)).includes('short'), { clock: env.clock, stepMs: 1000 });
      assert.ok(env.clock.now().getTime() - taintedAt >= 60_000);
      assert.deepEqual(await podNames(env), ['default', 'forever']);
      assert.ok(env.recorder.events.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/short'));

      // 300 s (the DefaultTolerationSeconds) later the default pod goes too; the pod tolerating everything stays.
      await waitFor('default evicted', async () => !(await podNames(env)).includes('default'), { clock: env.clock, stepMs: 5000 });
      assert.ok(env.clock.now().getTime() - taintedAt >= 300_000);
      assert.deepEqual(await podNames(env), ['forever']);

      // The kubelet comes back: Ready True, taints gone.
      const back = new AbortController();
      const again = simulatedNode(env, 'sim-a').start(back.signal);
      try {
        await waitFor(
          'the node healthy and untainted',
          async () => {
          const node = await getNode(env);
          return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && node.spec?.taints === undefined;
        },
          { clock: env.clock },
        );
      } finally {
        back.abort();
        await again;
      }
    } finally {
      nodeAbort.abort();
      await env.stop();
    }
  });
});
