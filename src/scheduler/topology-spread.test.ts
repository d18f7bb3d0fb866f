import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Taint, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { prepareCycle, runCycleFilters } from './cycle.js';
import type { NodeInfo } from './filters.js';
import { scoreNodes } from './scores.js';
import { selectNode } from './select.js';
import { buildSnapshot } from './snapshot.js';
import { prepareTopologySpread, topologySpreadFilter, topologySpreadScores } from './topology-spread.js';

const zoneKey = 'topology.kubernetes.io/zone';
const hostKey = 'kubernetes.io/hostname';

function node(name: string, zone?: string, extra: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return {
    metadata: { name, labels: { [hostKey]: name, ...(zone ? { [zoneKey]: zone } : {}), ...extra.labels } },
    spec: extra.taints ? { taints: extra.taints } : {},
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
  };
}

function pod(name: string, labels: Record<string, string> = { app: 'web' }, spec: Partial<NonNullable<Pod['spec']>> = {}, namespace = 'default'): Pod {
  return { metadata: { name, namespace, labels }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } };
}

function webs(count: number, labels: Record<string, string> = { app: 'web' }): Pod[] {
  return Array.from({ length: count }, (_, i) => pod(`web-${i}`, labels));
}

function constraint(topologyKey: string, maxSkew: number, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint {
  return { maxSkew, topologyKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra };
}

function spreading(...constraints: TopologySpreadConstraint[]): Pod {
  return pod('incoming', { app: 'web' }, { topologySpreadConstraints: constraints });
}

function verdicts(incoming: Pod, nodes: NodeInfo[]): Record<string, string> {
  const cycle = prepareCycle(incoming, buildSnapshot(nodes));
  const result: Record<string, string> = {};
  for (const info of nodes) {
    const verdict = runCycleFilters(incoming, info, cycle);
    result[info.node.metadata?.name ?? ''] = verdict.fit ? 'fit' : verdict.reason;
  }
  return result;
}

const skewed = "node(s) didn't match pod topology spread constraints";

describe('PodTopologySpread filter (DoNotSchedule)', () => {
  test('matching pods in the domain + self - global minimum must stay within maxSkew', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: webs(1) },
      { node: node('b', 'z1'), pods: webs(1) },
      { node: node('c', 'z2'), pods: webs(1) },
    ];
    assert.deepEqual(verdicts(spreading(constraint(zoneKey, 1)), nodes), { a: skewed, b: skewed, c: 'fit' });
    assert.deepEqual(verdicts(spreading(constraint(zoneKey, 2)), nodes), { a: 'fit', b: 'fit', c: 'fit' });
    assert.deepEqual(verdicts(spreading(constraint(hostKey, 1)), nodes), { a: 'fit', b: 'fit', c: 'fit' });
  });

  test('a pod its own selector does not match adds nothing to the skew', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: webs(2) },
      { node: node('b', 'z2'), pods: webs(1) },
    ];
    const other = pod('incoming', { app: 'other' }, { topologySpreadConstraints: [constraint(zoneKey, 1)] });
    assert.deepEqual(verdicts(other, nodes), { a: 'fit', b: 'fit' });
  });

  test('a node without the topology key is unresolvable', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: [] },
      { node: node('b'), pods: [] },
    ];
    const cycle = prepareCycle(spreading(constraint(zoneKey, 1)), buildSnapshot(nodes));
    const result = runCycleFilters(spreading(constraint(zoneKey, 1)), nodes[1] as NodeInfo, cycle);
    assert.deepEqual(result, { fit: false, reason: `${skewed} (missing required label)`, reasons: [`${skewed} (missing required label)`], unresolvable: true });
  });

  test('minDomains: with fewer eligible domains the global minimum is 0', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: webs(1) },
      { node: node('b', 'z2'), pods: webs(1) },
    ];
    assert.deepEqual(verdicts(spreading(constraint(zoneKey, 1)), nodes), { a: 'fit', b: 'fit' });
    assert.deepEqual(verdicts(spreading(constraint(zoneKey, 1, { minDomains: 3 })), nodes), { a: skewed, b: skewed });
    assert.deepEqual(verdicts(spreading(constraint(zoneKey, 1, { minDomains: 2 })), nodes), { a: 'fit', b: 'fit' });
  });

  test('only pods of the same namespace, not terminating and not finished, count', () => {
    const terminating: Pod = { ...pod('t'), metadata: { name: 't', namespace: 'default', labels: { app: 'web' }, deletionTimestamp: '2024-01-01T00:00:00Z' } };
    const finished: Pod = { ...pod('f'), status: { phase: 'Failed' } };
    const nodes = [
      { node: node('a', 'z1'), pods: [terminating, finished, pod('o', { app: 'web' }, {}, 'other')] },
      { node: node('b', 'z2'), pods: [] },
    ];
    assert.deepEqual(verdicts(spreading(constraint(zoneKey, 1)), nodes), { a: 'fit', b: 'fit' });
  });

  test('nodeAffinityPolicy Honor (default) leaves out domains the pod cannot go to; Ignore counts them', () => {
    const nodes = [
      { node: node('a', 'z1', { labels: { disk: 'ssd' } }), pods: webs(1) },
      { node: node('b', 'z2', { labels: { disk: 'ssd' } }), pods: webs(1) },
      { node: node('c', 'z3', { labels: { disk: 'hdd' } }), pods: [] },
    ];
    const honor = pod('incoming', { app: 'web' }, { nodeSelector: { disk: 'ssd' }, topologySpreadConstraints: [constraint(zoneKey, 1)] });
    assert.deepEqual(verdicts(honor, nodes), { a: 'fit', b: 'fit', c: "node(s) didn't match Pod's node affinity/selector" });
    const ignore = pod('incoming', { app: 'web' }, { nodeSelector: { disk: 'ssd' }, topologySpreadConstraints: [constraint(zoneKey, 1, { nodeAffinityPolicy: 'Ignore' })] });
    assert.deepEqual(verdicts(ignore, nodes), { a: skewed, b: skewed, c: "node(s) didn't match Pod's node affinity/selector" });
  });

  test('nodeTaintsPolicy Ignore (default) counts tainted domains; Honor leaves out untolerated ones', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: webs(1) },
      { node: node('b', 'z2'), pods: webs(1) },
      { node: node('c', 'z3', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), pods: [] },
    ];
    const ignore = spreading(constraint(zoneKey, 1));
    assert.deepEqual(verdicts(ignore, nodes).a, skewed);
    const honor = spreading(constraint(zoneKey, 1, { nodeTaintsPolicy: 'Honor' }));
    assert.deepEqual(verdicts(honor, nodes).a, 'fit');
  });

  test('matchLabelKeys restrict counting to pods sharing the incoming pod\'s values', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: webs(2, { app: 'web', 'pod-template-hash': 'old' }) },
      { node: node('b', 'z2'), pods: [] },
    ];
    const incoming = pod('incoming', { app: 'web', 'pod-template-hash': 'new' }, { topologySpreadConstraints: [constraint(zoneKey, 1, { matchLabelKeys: ['pod-template-hash'] })] });
    assert.deepEqual(verdicts(incoming, nodes), { a: 'fit', b: 'fit' });
    assert.deepEqual(verdicts(spreading(constraint(zoneKey, 1)), nodes), { a: skewed, b: 'fit' });
  });

  test('several constraints must all hold', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: webs(1) },
      { node: node('b', 'z1'), pods: [] },
      { node: node('c', 'z2'), pods: webs(1) },
      { node: node('d', 'z2'), pods: webs(1) },
    ];
    // Zones: z1 has 1, z2 has 2 -> only z1 (skew 1 allowed); hosts: b has 0, a has 1 -> a is 1 + 1 - 0 = 2.
    assert.deepEqual(verdicts(spreading(constraint(zoneKey, 1), constraint(hostKey, 1)), nodes), { a: skewed, b: 'fit', c: skewed, d: skewed });
  });

  test('no DoNotSchedule constraint: no filter state', () => {
    const nodes = [{ node: node('a', 'z1'), pods: [] }];
    assert.equal(prepareTopologySpread(spreading(constraint(zoneKey, 1, { whenUnsatisfiable: 'ScheduleAnyway' })), buildSnapshot(nodes)), undefined);
    const state = prepareTopologySpread(spreading(constraint(zoneKey, 1)), buildSnapshot(nodes));
    assert.ok(state);
    assert.deepEqual(topologySpreadFilter(spreading(constraint(zoneKey, 1)), state, nodes[0] as NodeInfo), { fit: true });
  });
});

describe('PodTopologySpread score (ScheduleAnyway)', () => {
  const soft = (topologyKey: string, maxSkew: number): TopologySpreadConstraint => constraint(topologyKey, maxSkew, { whenUnsatisfiable: 'ScheduleAnyway' });

  test('hostname: count * log(nodes + 2) + maxSkew - 1, reversed against the max', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: webs(2) },
      { node: node('b', 'z1'), pods: [] },
      { node: node('c', 'z2'), pods: webs(1) },
    ];
    // Weight ln(5) = 1.609: raw a = round(3.22) = 3, b = 0, c = round(1.61) = 2; 100 * (3 + 0 - s) / 3.
    assert.deepEqual(topologySpreadScores(spreading(soft(hostKey, 1)), buildSnapshot(nodes), nodes), [0, 100, 33]);
  });

  test('zone: domains counted over every node, weight from the scored nodes\' domains; unlabelled nodes score 0', () => {
    const all = [
      { node: node('a', 'z1'), pods: webs(3) },
      { node: node('b', 'z1'), pods: [] },
      { node: node('c', 'z2'), pods: webs(1) },
      { node: node('d'), pods: [] },
    ];
    const feasible = [all[1], all[2], all[3]] as NodeInfo[];
    // Domains z1, z2: weight ln(4) = 1.386; raw b (z1: 3) = round(4.16 + 1) = 5, c (z2: 1) = round(1.39 + 1) = 2.
    assert.deepEqual(topologySpreadScores(spreading(soft(zoneKey, 2)), buildSnapshot(all), feasible), [40, 100, 0]);
  });

  test('all nodes empty scores 100 everywhere; no ScheduleAnyway constraint is no score', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: [] },
      { node: node('b', 'z2'), pods: [] },
    ];
    assert.deepEqual(topologySpreadScores(spreading(soft(hostKey, 1)), buildSnapshot(nodes), nodes), [100, 100]);
    assert.equal(topologySpreadScores(spreading(constraint(hostKey, 1)), buildSnapshot(nodes), nodes), undefined);
  });

  test('scoreNodes: a pod with constraints is spread by PodTopologySpread instead of SelectorSpread', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: webs(2) },
      { node: node('b', 'z2'), pods: [] },
    ];
    const scores = scoreNodes(spreading(soft(hostKey, 1)), nodes);
    assert.deepEqual(scores.map((s) => [s.selectorSpread, s.podTopologySpread]), [[0, 0], [0, 100]]);
    assert.equal(selectNode(spreading(soft(hostKey, 1)), nodes).nodeName, 'b');
    const plain = scoreNodes(pod('plain'), nodes);
    assert.deepEqual(plain.map((s) => [s.selectorSpread, s.podTopologySpread]), [[100, undefined], [100, undefined]]);
  });
});
