import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources } from '../client/client.js';
import { simulationEnvironment } from '../testing/simulation.js';
import { waitFor } from '../testing/wait.js';
import { Scheduler } from './scheduler.js';

type PodObject = Pod & KubeObject;

function node(name: string, cpu = '4'): Node & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: { capacity: { cpu, memory: '8Gi', pods: '110' }, allocatable: { cpu, memory: '8Gi', pods: '110' } },
  };
}

function pod(name: string, cpu = '100m', owner?: string): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `uid-${owner}`, controller: true }] } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu } } }] },
  };
}

async function listPods(env: ReturnType<typeof simulationEnvironment>): Promise<PodObject[]> {
  return (await env.client.list<PodObject>(resources.pods, 'default')).items;
}

describe('Scheduler', () => {
  test('binds pods through the binding subresource and records Scheduled', async () => {
    const env = simulationEnvironment();
    await env.client.create(resources.nodes, '', node('n1'));
    await env.client.create(resources.pods, 'default', pod('web'));
    const scheduler = new Scheduler(env.ctx);
    env.run(scheduler);
    try {
      const bound = await waitFor('the pod bound', async () => (await listPods(env)).find((p) => p.spec?.nodeName === 'n1'), { clock: env.clock });
      assert.equal(bound.metadata?.name, 'web');
      assert.ok(env.client.actions.some((a) => a.verb === 'create' && a.subresource === 'binding'));
      assert.ok(!env.client.actions.some((a) => a.verb === 'get'), 'no API reads while scheduling');
      assert.deepEqual(
        env.recorder.events.find((e) => e.reason === 'Scheduled'),
        { object: 'Pod/default/web', type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned default/web to n1' },
      );
    } finally {
      await env.stop();
    }
  });

  test('spreads the replicas of one owner over the nodes, counting pods it just bound', async () => {
    const env = simulationEnvironment();
    for (const name of ['n1', 'n2', 'n3']) await env.client.create(resources.nodes, '', node(name));
    for (let i = 0; i < 6; i++) await env.client.create(resources.pods, 'default', pod(`web-${i}`, '100m', 'web'));
    const scheduler = new Scheduler(env.ctx, { workers: 4 });
    env.run(scheduler);
    try {
      const pods = await waitFor(
        'every pod bound',
        async () => {
        const all = await listPods(env);
        return all.every((p) => p.spec?.nodeName) ? all : undefined;
      },
        { clock: env.clock },
      );
      const perNode = new Map<string, number>();
      for (const p of pods) perNode.set(p.spec?.nodeName ?? '', (perNode.get(p.spec?.nodeName ?? '') ?? 0) + 1);
      assert.deepEqual([...perNode.values()], [2, 2, 2]);
    } finally {
      await env.stop();
    }
  });

  test('does not schedule pods of other schedulers, bound pods or pods being deleted', async () => {
    const env = simulationEnvironment();
    await env.client.create(resources.nodes, '', node('n1'));
    const other = pod('other');
    other.spec = { ...other.spec, containers: other.spec?.containers ?? [], schedulerName: 'my-scheduler' };
    await env.client.create(resources.pods, 'default', other);
    await env.client.create(resources.pods, 'default', pod('mine'));
    const scheduler = new Scheduler(env.ctx);
    env.run(scheduler);
    try {
      await waitFor('mine bound', async () => (await listPods(env)).find((p) => p.metadata?.name === 'mine' && p.spec?.nodeName), { clock: env.clock });
      const otherNow = (await listPods(env)).find((p) => p.metadata?.name === 'other');
      assert.equal(otherNow?.spec?.nodeName, undefined);
    } finally {
      await env.stop();
    }
  });

  test('reports FailedScheduling, marks the pod Unschedulable, and retries when a node appears', async () => {
    const env = simulationEnvironment();
    await env.client.create(resources.nodes, '', node('small', '1'));
    await env.client.create(resources.pods, 'default', pod('big', '2'));
    const scheduler = new Scheduler(env.ctx);
    env.run(scheduler);
    try {
      const failed = await waitFor('the Unschedulable condition', async () => (await listPods(env)).find((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')), { clock: env.clock });
      const condition = failed.status?.conditions?.find((c) => c.type === 'PodScheduled');
      const message = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
      assert.equal(condition?.reason, 'Unschedulable');
      assert.equal(condition?.message, message);
      assert.deepEqual(
        env.recorder.events.find((e) => e.reason === 'FailedScheduling'),
        { object: 'Pod/default/big', type: 'Warning', reason: 'FailedScheduling', message },
      );
      // Its own status write does not make it retry: nothing changes for a minute.
      await env.clock.advanceAsync(60_000);
      assert.equal(env.recorder.events.filter((e) => e.reason === 'FailedScheduling').length, 1);
      await env.client.create(resources.nodes, '', node('large', '4'));
      const bound = await waitFor('the pod bound after the node came', async () => (await listPods(env)).find((p) => p.spec?.nodeName), { clock: env.clock, stepMs: 100 });
      assert.equal(bound.spec?.nodeName, 'large');
    } finally {
      await env.stop();
    }
  });

  test('retries an unschedulable pod when a bound pod goes away', async () => {
    const env = simulationEnvironment();
    await env.client.create(resources.nodes, '', node('n1', '1'));
    await env.client.create(resources.pods, 'default', pod('first', '800m'));
    const scheduler = new Scheduler(env.ctx);
    env.run(scheduler);
    try {
      await waitFor('first bound', async () => (await listPods(env)).find((p) => p.spec?.nodeName), { clock: env.clock });
      await env.client.create(resources.pods, 'default', pod('second', '800m'));
      await waitFor('second unschedulable', () => env.recorder.events.find((e) => e.reason === 'FailedScheduling'), { clock: env.clock });
      await env.client.delete(resources.pods, 'default', 'first');
      const second = await waitFor('second bound', async () => (await listPods(env)).find((p) => p.metadata?.name === 'second' && p.spec?.nodeName), { clock: env.clock, stepMs: 100 });
      assert.equal(second.spec?.nodeName, 'n1');
    } finally {
      await env.stop();
    }
  });

  test('a pod with no nodes at all gets upstream\'s no-nodes message', async () => {
    const env = simulationEnvironment();
    await env.client.create(resources.pods, 'default', pod('lonely'));
    const scheduler = new Scheduler(env.ctx);
    env.run(scheduler);
    try {
      const event = await waitFor('FailedScheduling', () => env.recorder.events.find((e) => e.reason === 'FailedScheduling'), { clock: env.clock });
      assert.equal(event.message, 'no nodes available to schedule pods');
    } finally {
      await env.stop();
    }
  });
});
