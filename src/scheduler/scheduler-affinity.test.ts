import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Affinity, Node, Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources } from '../client/client.js';
import { simulationEnvironment } from '../testing/simulation.js';
import { waitFor } from '../testing/wait.js';
import { Scheduler } from './scheduler.js';

type PodObject = Pod & KubeObject;

function node(name: string, zone: string): Node & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone } },
    spec: {},
    status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
  };
}

function pod(name: string, app: string, spec: { affinity?: Affinity; topologySpreadConstraints?: TopologySpreadConstraint[] } = {}): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app } },
    spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '100m' } } }], ...spec },
  };
}

async function nodeOf(env: ReturnType<typeof simulationEnvironment>, name: string): Promise<string | undefined> {
  return (await env.client.get<PodObject>(resources.pods, 'default', name)).spec?.nodeName;
}

const oneWebPerHost: Affinity = {
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] },
};

describe('Scheduler with pod affinity and topology spread', () => {
  test('required anti-affinity puts one replica per node and reports the rest unschedulable until a node comes', async () => {
    const env = simulationEnvironment();
    await env.client.create(resources.nodes, '', node('n1', 'z1'));
    await env.client.create(resources.nodes, '', node('n2', 'z1'));
    for (const name of ['web-0', 'web-1', 'web-2']) await env.client.create(resources.pods, 'default', pod(name, 'web', { affinity: oneWebPerHost }));
    const scheduler = new Scheduler(env.ctx, { workers: 3 });
    env.run(scheduler);
    try {
      const event = await waitFor('FailedScheduling', () => env.recorder.events.find((e) => e.reason === 'FailedScheduling'), { clock: env.clock });
      assert.equal(
        event.message,
        "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
      );
      const placed = await waitFor(
        'two replicas bound',
        async () => {
        const nodes = await Promise.all(['web-0', 'web-1', 'web-2'].map((name) => nodeOf(env, name)));
        return nodes.filter((n) => n !== undefined).length === 2 ? nodes : undefined;
      },
        { clock: env.clock },
      );
      assert.deepEqual(placed.filter((n) => n !== undefined).sort(), ['n1', 'n2']);
      await env.client.create(resources.nodes, '', node('n3', 'z2'));
      const all = await waitFor(
        'the third bound on the new node',
        async () => {
        const nodes = await Promise.all(['web-0', 'web-1', 'web-2'].map((name) => nodeOf(env, name)));
        return nodes.every((n) => n !== undefined) ? nodes : undefined;
      },
        { clock: env.clock, stepMs: 100 },
      );
      assert.deepEqual([...all].sort(), ['n1', 'n2', 'n3']);
    } finally {
      await env.stop();
    }
  });

  test('a pod waiting for pod affinity is retried when a matching pod is bound', async () => {
    const env = simulationEnvironment();
    await env.client.create(resources.nodes, '', node('n1', 'z1'));
    await env.client.create(resources.nodes, '', node('n2', 'z2'));
    const nearDb: Affinity = {
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'topology.kubernetes.io/zone' }] },
    };
    await env.client.create(resources.pods, 'default', pod('api', 'api', { affinity: nearDb }));
    const scheduler = new Scheduler(env.ctx);
    env.run(scheduler);
    try {
      const event = await waitFor('FailedScheduling', () => env.recorder.events.find((e) => e.reason === 'FailedScheduling'), { clock: env.clock });
      assert.match(event.message, /2 node\(s\) didn't match pod affinity rules\. preemption: 0\/2 nodes are available: 2 Preemption is not helpful/);
      await env.client.create(resources.pods, 'default', { ...pod('db', 'db'), spec: { ...pod('db', 'db').spec, containers: pod('db', 'db').spec?.containers ?? [], nodeName: 'n2' } });
      const bound = await waitFor('api bound next to db', () => nodeOf(env, 'api'), { clock: env.clock, stepMs: 100 });
      assert.equal(bound, 'n2');
    } finally {
      await env.stop();
    }
  });

  test('DoNotSchedule zone spreading balances replicas over zones', async () => {
    const env = simulationEnvironment();
    await env.client.create(resources.nodes, '', node('a1', 'za'));
    await env.client.create(resources.nodes, '', node('a2', 'za'));
    await env.client.create(resources.nodes, '', node('b1', 'zb'));
    const spread: TopologySpreadConstraint[] = [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } },
    ];
    const names = ['w0', 'w1', 'w2', 'w3'];
    for (const name of names) await env.client.create(resources.pods, 'default', pod(name, 'web', { topologySpreadConstraints: spread }));
    // One worker: each decision sees the previous one.
    const scheduler = new Scheduler(env.ctx, { workers: 1 });
    env.run(scheduler);
    try {
      const placed = await waitFor(
        'every replica bound',
        async () => {
        const nodes = await Promise.all(names.map((name) => nodeOf(env, name)));
        return nodes.every((n) => n !== undefined) ? nodes : undefined;
      },
        { clock: env.clock },
      );
      const perZone = { za: 0, zb: 0 };
      for (const name of placed) perZone[name === 'b1' ? 'zb' : 'za'] += 1;
      assert.deepEqual(perZone, { za: 2, zb: 2 });
    } finally {
      await env.stop();
    }
  });
});
