import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  balancedAllocationScore,
  leastAllocatedScore,
  nodeAffinityRawScore,
  normalizeScores,
  scoreNodes,
  selectorSpreadRawScore,
  selectorSpreadScores,
} from './scores.js';

function node(name: string, labels: Record<string, string> = {}, allocatable: Record<string, string> = { cpu: '4', memory: '8Gi', pods: '110' }): Node {
  return { metadata: { name, labels }, status: { allocatable } };
}

function pod(requests?: Record<string, string>, extra: Partial<Pod> = {}): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', ...extra.metadata },
    spec: { containers: [{ name: 'c', image: 'x', ...(requests ? { resources: { requests } } : {}) }], ...extra.spec },
  };
}

function owned(uid: string, namespace = 'default'): Pod {
  return {
    metadata: { name: `p-${uid}`, namespace, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid, controller: true }] },
    spec: { containers: [{ name: 'c', image: 'x' }] },
  };
}

describe('leastAllocatedScore', () => {
  test('(capacity - requested) * 100 / capacity, averaged over cpu and memory', () => {
    assert.equal(leastAllocatedScore(pod({ cpu: '1', memory: '2Gi' }), { node: node('a'), pods: [] }), 75);
    // cpu (4000-3000)/4000 = 25, memory (8Gi-2Gi)/8Gi = 75.
    assert.equal(leastAllocatedScore(pod({ cpu: '3', memory: '2Gi' }), { node: node('a'), pods: [] }), 50);
  });

  test('bound pods count, with non-zero defaults for pods without requests', () => {
    // Requested: 100m + 100m cpu -> (4000-200)*100/4000 = 95; 400Mi of 8192Mi -> 95.1 -> 95.
    assert.equal(leastAllocatedScore(pod(), { node: node('a'), pods: [pod()] }), 95);
    assert.equal(leastAllocatedScore(pod(), { node: node('a'), pods: [] }), 97);
  });

  test('over capacity or zero capacity scores 0 for that resource', () => {
    assert.equal(leastAllocatedScore(pod({ cpu: '5', memory: '0' }), { node: node('a'), pods: [] }), 50);
    assert.equal(leastAllocatedScore(pod({ cpu: '1' }), { node: node('a', {}, { memory: '8Gi' }), pods: [] }), 48);
  });

  test('the emptier node scores higher', () => {
    const busy = { node: node('busy'), pods: [pod({ cpu: '3', memory: '6Gi' })] };
    const idle = { node: node('idle'), pods: [] };
    assert.ok(leastAllocatedScore(pod({ cpu: '500m' }), idle) > leastAllocatedScore(pod({ cpu: '500m' }), busy));
  });
});

describe('balancedAllocationScore', () => {
  test('equal fractions score 100; unequal lose half their difference', () => {
    assert.equal(balancedAllocationScore(pod({ cpu: '1', memory: '2Gi' }), { node: node('a'), pods: [] }), 100);
    // 0.5 vs 0.25 -> std 0.125 -> 87.
    assert.equal(balancedAllocationScore(pod({ cpu: '2', memory: '2Gi' }), { node: node('a'), pods: [] }), 87);
  });
});

describe('NodeAffinity preferred', () => {
  const preferring = pod(undefined, {
    spec: {
      containers: [{ name: 'c', image: 'x' }],
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 2, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            { weight: 5, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] } },
            { weight: 9, preference: {} },
          ],
        },
      },
    },
  });

  test('sums the weights of matching terms', () => {
    assert.equal(nodeAffinityRawScore(preferring, node('a', { disk: 'ssd', zone: 'z1' })), 7);
    assert.equal(nodeAffinityRawScore(preferring, node('b', { disk: 'ssd' })), 2);
    assert.equal(nodeAffinityRawScore(preferring, node('c')), 0);
    assert.equal(nodeAffinityRawScore(pod(), node('a', { disk: 'ssd' })), 0);
  });

  test('normalisation scales the best to 100', () => {
    assert.deepEqual(normalizeScores([7, 2, 0]), [100, 28, 0]);
    assert.deepEqual(normalizeScores([0, 0]), [0, 0]);
    assert.deepEqual(normalizeScores([0, 0], true), [100, 100]);
    assert.deepEqual(normalizeScores([4, 1], true), [0, 75]);
  });
});

describe('selector spreading', () => {
  test('counts live pods of the same controller and namespace', () => {
    const deleting = owned('u1');
    deleting.metadata = { ...deleting.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' };
    const info = { node: node('a'), pods: [owned('u1'), owned('u1'), owned('u2'), owned('u1', 'other'), deleting] };
    assert.equal(selectorSpreadRawScore(owned('u1'), info), 2);
    assert.equal(selectorSpreadRawScore(pod(), info), 0, 'no controller, no spreading');
  });

  test('fewer siblings score higher; none anywhere scores 100', () => {
    const nodes = [node('a'), node('b'), node('c')];
    assert.deepEqual(selectorSpreadScores([2, 1, 0], nodes), [0, 50, 100]);
    assert.deepEqual(selectorSpreadScores([0, 0, 0], nodes), [100, 100, 100]);
  });

  test('zones weigh two thirds', () => {
    const zone = 'topology.kubernetes.io/zone';
    const nodes = [node('a', { [zone]: 'z1' }), node('b', { [zone]: 'z1' }), node('c', { [zone]: 'z2' })];
    // Node scores 0, 100, 100; zone z1 holds 2 of max 2 -> 0, z2 holds 0 -> 100.
    assert.deepEqual(selectorSpreadScores([2, 0, 0], nodes), [0, 33, 100]);
  });
});

describe('scoreNodes', () => {
  test('combines plugin scores by weight', () => {
    const scores = scoreNodes(pod({ cpu: '1', memory: '2Gi' }), [{ node: node('a'), pods: [] }]);
    assert.deepEqual(scores[0], {
      nodeName: 'a',
      leastAllocated: 75,
      balancedAllocation: 100,
      nodeAffinity: 0,
      selectorSpread: 100,
      total: 75 + 100 + 0 + 200,
    });
  });
});
