import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { selectNode } from './select.js';

function node(name: string, extra: { labels?: Record<string, string>; taints?: NonNullable<Node['spec']>['taints']; cpu?: string } = {}): Node {
  return {
    metadata: { name, labels: extra.labels ?? {} },
    spec: extra.taints ? { taints: extra.taints } : {},
    status: { allocatable: { cpu: extra.cpu ?? '4', memory: '8Gi', pods: '110' } },
  };
}

function pod(requests: Record<string, string> = {}, spec: Partial<NonNullable<Pod['spec']>> = {}, owner?: string): Pod {
  return {
    metadata: {
      name: 'p',
      namespace: 'default',
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: owner, controller: true }] } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests } }], ...spec },
  };
}

describe('selectNode', () => {
  test('nodes passed as already filtered are scored as they are, with the same pick', () => {
    const nodes = [
      { node: node('busy'), pods: [pod({ cpu: '3' })] },
      { node: node('idle'), pods: [] },
    ];
    const unfiltered = selectNode(pod({ cpu: '1' }), nodes);
    const filtered = selectNode(pod({ cpu: '1' }), nodes, { filtered: true });
    assert.equal(filtered.nodeName, 'idle');
    assert.deepEqual(filtered, unfiltered);
  });

  test('picks the least loaded feasible node', () => {
    const result = selectNode(pod({ cpu: '1' }), [
      { node: node('busy'), pods: [pod({ cpu: '3' })] },
      { node: node('idle'), pods: [] },
      { node: node('tainted', { taints: [{ key: 'k', effect: 'NoSchedule' }] }), pods: [] },
    ]);
    assert.equal(result.nodeName, 'idle');
  });

  test('preferred node affinity can outweigh load', () => {
    const preferring = pod({ cpu: '100m' }, {
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } },
    });
    const result = selectNode(preferring, [
      { node: node('plain'), pods: [] },
      { node: node('ssd', { labels: { disk: 'ssd' } }), pods: [pod({ cpu: '1' })] },
    ]);
    assert.equal(result.nodeName, 'ssd');
  });

  test('spreads replicas of one controller', () => {
    const replica = pod({}, {}, 'rs-1');
    const result = selectNode(replica, [
      { node: node('a'), pods: [pod({}, {}, 'rs-1')] },
      { node: node('b'), pods: [pod({}, {}, 'rs-2')] },
    ]);
    assert.equal(result.nodeName, 'b');
  });

  test('ties are broken by the random source', () => {
    const nodes = ['a', 'b', 'c'].map((name) => ({ node: node(name), pods: [] }));
    // Reservoir sampling: the k-th tied node replaces the pick when floor(random * k) === 0.
    assert.equal(selectNode(pod(), nodes, { random: () => 0.99 }).nodeName, 'a');
    assert.equal(selectNode(pod(), nodes, { random: () => 0 }).nodeName, 'c');
    const sequence = [0.1, 0.9];
    assert.equal(selectNode(pod(), nodes, { random: () => sequence.shift() ?? 0 }).nodeName, 'b');
  });

  test('a single feasible node is chosen without scoring', () => {
    const result = selectNode(pod({ cpu: '3' }), [
      { node: node('small', { cpu: '2' }), pods: [] },
      { node: node('big'), pods: [] },
    ]);
    assert.deepEqual(result, { nodeName: 'big', scores: [] });
  });

  test('no feasible node yields the FailedScheduling message', () => {
    const result = selectNode(pod({ cpu: '3' }), [
      { node: node('a', { cpu: '2' }), pods: [] },
      { node: node('b', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }), pods: [] },
      { node: node('c', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoExecute' }] }), pods: [] },
    ]);
    assert.equal(result.nodeName, undefined);
    assert.equal(
      result.nodeName === undefined && result.message,
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: infra}. ' +
        'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
    );
    assert.equal(result.nodeName === undefined && result.failures.get('a')?.reason, 'Insufficient cpu');
  });

  test('no nodes at all', () => {
    const result = selectNode(pod(), []);
    assert.equal(result.nodeName === undefined && result.message, 'no nodes available to schedule pods');
  });
});
