import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { simulationEnvironment } from '../../testing/simulation.js';
import { waitFor } from '../../testing/wait.js';
import { CIDRSet, NodeIpamController } from './controller.js';

type NodeObject = Node & KubeObject;

function node(name: string, podCIDR?: string): NodeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} };
}

async function nodes(env: ReturnType<typeof simulationEnvironment>): Promise<NodeObject[]> {
  return (await env.client.list<NodeObject>(resources.nodes, '')).items;
}

describe('CIDRSet', () => {
  test('hands out the /24s of a /16 in order and knows its own subnets', () => {
    const set = new CIDRSet('10.42.0.0/16', 24);
    assert.equal(set.capacity, 256);
    assert.equal(set.allocateNext(), '10.42.0.0/24');
    assert.ok(set.occupy('10.42.1.0/24'));
    assert.equal(set.allocateNext(), '10.42.2.0/24');
    assert.equal(set.indexOf('10.43.0.0/24'), undefined);
    assert.equal(set.indexOf('10.42.0.128/24'), undefined);
    assert.ok(!set.occupy('10.42.5.0/25'));
  });
});

describe('NodeIpamController', () => {
  test('assigns distinct /24s, skipping ranges existing nodes hold', async () => {
    const env = simulationEnvironment({ clusterCIDR: '10.42.0.0/16' });
    await env.client.create(resources.nodes, '', node('old', '10.42.0.0/24'));
    for (const name of ['a', 'b', 'c']) await env.client.create(resources.nodes, '', node(name));
    const controller = new NodeIpamController(env.ctx);
    env.run(controller);
    try {
      const all = await waitFor(
        'every node with a pod CIDR',
        async () => {
        const list = await nodes(env);
        return list.every((n) => n.spec?.podCIDR) ? list : undefined;
      },
        { clock: env.clock },
      );
      const cidrs = all.map((n) => n.spec?.podCIDR);
      assert.equal(new Set(cidrs).size, 4);
      for (const n of all) {
        assert.match(n.spec?.podCIDR ?? '', /^10\.42\.\d+\.0\/24$/);
        assert.deepEqual(n.spec?.podCIDRs, [n.spec?.podCIDR]);
      }
      assert.equal(all.find((n) => n.metadata?.name === 'old')?.spec?.podCIDR, '10.42.0.0/24');
      // A node added later gets another range too.
      await env.client.create(resources.nodes, '', node('d'));
      const d = await waitFor('d assigned', async () => (await nodes(env)).find((n) => n.metadata?.name === 'd')?.spec?.podCIDR, { clock: env.clock });
      assert.ok(!cidrs.includes(d));
    } finally {
      await env.stop();
    }
  });

  test('reports CIDRNotAvailable when the cluster range is full, and reuses a deleted node\'s range', async () => {
    const env = simulationEnvironment({ clusterCIDR: '10.42.0.0/23' });
    for (const name of ['a', 'b', 'c']) await env.client.create(resources.nodes, '', node(name));
    const controller = new NodeIpamController(env.ctx);
    env.run(controller);
    try {
      await waitFor('CIDRNotAvailable', () => env.recorder.events.find((e) => e.reason === 'CIDRNotAvailable'), { clock: env.clock });
      const list = await nodes(env);
      const waiting = list.find((n) => !n.spec?.podCIDR);
      assert.ok(waiting);
      assert.deepEqual(env.recorder.events.find((e) => e.reason === 'CIDRNotAvailable'), {
        object: `Node/${waiting.metadata?.name}`,
        type: 'Normal',
        reason: 'CIDRNotAvailable',
        message: `Node ${waiting.metadata?.name} status is now: CIDRNotAvailable`,
      });
      const holder = list.find((n) => n.spec?.podCIDR);
      await env.client.delete(resources.nodes, '', holder?.metadata?.name ?? '');
      const got = await waitFor('the waiting node assigned after a retry', async () => (await nodes(env)).find((n) => n.metadata?.name === waiting.metadata?.name)?.spec?.podCIDR, { clock: env.clock, stepMs: 1000 });
      assert.equal(got, holder?.spec?.podCIDR);
    } finally {
      await env.stop();
    }
  });
});
