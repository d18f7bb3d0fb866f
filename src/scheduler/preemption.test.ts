import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { localOnlyCycle, runCycleFilters } from './cycle.js';
import type { NodeInfo } from './filters.js';
import { selectPreemptionCandidate, victimsOnNode } from './preemption.js';

function node(name: string, cpu: string): Node {
  return { metadata: { name }, status: { allocatable: { cpu, memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] } };
}

function pod(name: string, cpu: string, priority: number): Pod {
  return { metadata: { name, namespace: 'default' }, spec: { priority, containers: [{ name: 'c', resources: { requests: { cpu } } }] } };
}

const fits = (p: Pod, info: NodeInfo): boolean => runCycleFilters(p, info, localOnlyCycle).fit;

test('victims: only lower priority, and the more important ones are reprieved when the pod fits without them', () => {
  const info: NodeInfo = { node: node('n1', '4'), pods: [pod('a', '1', 10), pod('b', '1', 20), pod('c', '2', 0), pod('vip', '0', 2000)] };
  // The preemptor needs 2 CPUs: evicting c alone (priority 0) is enough.
  assert.deepEqual(victimsOnNode(pod('p', '2', 100), info, fits)?.map((v) => v.metadata?.name), ['c']);
  // Pods of equal or higher priority are never victims: no room can be made.
  assert.equal(victimsOnNode(pod('p', '2', 5), { node: node('n2', '2'), pods: [pod('x', '2', 5)] }, fits), undefined);
});

test('the node chosen has the lowest highest-victim priority, then the fewest victims', () => {
  const nodes: NodeInfo[] = [
    { node: node('a', '2'), pods: [pod('a1', '2', 50)] },
    { node: node('b', '2'), pods: [pod('b1', '1', 10), pod('b2', '1', 10)] },
    { node: node('c', '2'), pods: [pod('c1', '2', 10)] },
  ];
  const chosen = selectPreemptionCandidate(pod('p', '2', 100), nodes, fits);
  assert.equal(chosen?.nodeName, 'c');
  assert.deepEqual(chosen?.victims.map((v) => v.metadata?.name), ['c1']);
});
