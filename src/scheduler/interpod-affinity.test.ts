import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Affinity, Node, Pod, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { localOnlyCycle, prepareCycle, runCycleFilters } from './cycle.js';
import type { FilterResult, NodeInfo } from './filters.js';
import { interPodAffinityFilter, interPodAffinityScores, prepareInterPodAffinity } from './interpod-affinity.js';
import { scoreNodes } from './scores.js';
import { selectNode } from './select.js';
import { buildSnapshot, type ClusterSnapshot } from './snapshot.js';

const zoneKey = 'topology.kubernetes.io/zone';
const hostKey = 'kubernetes.io/hostname';

function node(name: string, zone?: string): Node {
  return {
    metadata: { name, labels: { [hostKey]: name, ...(zone ? { [zoneKey]: zone } : {}) } },
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
  };
}

function pod(name: string, labels: Record<string, string>, affinity?: Affinity, namespace = 'default'): Pod {
  return { metadata: { name, namespace, labels }, spec: { containers: [{ name: 'c', image: 'x' }], ...(affinity ? { affinity } : {}) } };
}

function term(app: string, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm {
  return { labelSelector: { matchLabels: { app } }, topologyKey, ...extra };
}

function verdicts(incoming: Pod, nodes: NodeInfo[], snapshot: ClusterSnapshot = buildSnapshot(nodes)): Record<string, string> {
  const cycle = prepareCycle(incoming, snapshot);
  const result: Record<string, string> = {};
  for (const info of nodes) {
    const verdict: FilterResult = runCycleFilters(incoming, info, cycle);
    result[info.node.metadata?.name ?? ''] = verdict.fit ? 'fit' : verdict.reason;
  }
  return result;
}

describe('InterPodAffinity filter', () => {
  test('required affinity: the node\'s zone must hold a matching pod; unresolvable otherwise', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: [pod('db', { app: 'db' })] },
      { node: node('b', 'z1'), pods: [] },
      { node: node('c', 'z2'), pods: [pod('other', { app: 'web' })] },
      { node: node('d'), pods: [] },
    ];
    const incoming = pod('web', { app: 'web' }, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', zoneKey)] } });
    assert.deepEqual(verdicts(incoming, nodes), {
      a: 'fit',
      b: 'fit',
      c: "node(s) didn't match pod affinity rules",
      d: "node(s) didn't match pod affinity rules",
    });
    const state = prepareInterPodAffinity(incoming, buildSnapshot(nodes));
    assert.ok(state);
    const failure = interPodAffinityFilter(incoming, state, nodes[2] as NodeInfo);
    assert.equal(failure.fit ? undefined : failure.unresolvable, true);
  });

  test('an existing pod must match every required affinity term to count', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: [pod('db', { app: 'db' })] },
      { node: node('b', 'z2'), pods: [pod('db2', { app: 'db', tier: 'gold' })] },
    ];
    const incoming = pod('web', {}, {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [term('db', zoneKey), { labelSelector: { matchLabels: { tier: 'gold' } }, topologyKey: zoneKey }],
      },
    });
    assert.deepEqual(verdicts(incoming, nodes), { a: "node(s) didn't match pod affinity rules", b: 'fit' });
  });

  test('the first pod of a self-affine group fits when no pod matches yet', () => {
    const selfAffine = pod('web-0', { app: 'web' }, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', zoneKey)] } });
    const nodes = [
      { node: node('a', 'z1'), pods: [] },
      { node: node('b'), pods: [] },
    ];
    assert.deepEqual(verdicts(selfAffine, nodes), { a: 'fit', b: "node(s) didn't match pod affinity rules" });
    // Once one exists, the others follow it.
    const withFirst = [
      { node: node('a', 'z1'), pods: [pod('web-0', { app: 'web' })] },
      { node: node('c', 'z2'), pods: [] },
    ];
    assert.deepEqual(verdicts(selfAffine, withFirst), { a: 'fit', c: "node(s) didn't match pod affinity rules" });
  });

  test('required anti-affinity: no matching pod in the node\'s domain', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: [pod('web-0', { app: 'web' })] },
      { node: node('b', 'z1'), pods: [] },
      { node: node('c', 'z2'), pods: [] },
    ];
    const byHost = pod('web-1', { app: 'web' }, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', hostKey)] } });
    assert.deepEqual(verdicts(byHost, nodes), { a: "node(s) didn't match pod anti-affinity rules", b: 'fit', c: 'fit' });
    const byZone = pod('web-1', { app: 'web' }, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', zoneKey)] } });
    assert.deepEqual(verdicts(byZone, nodes), {
      a: "node(s) didn't match pod anti-affinity rules",
      b: "node(s) didn't match pod anti-affinity rules",
      c: 'fit',
    });
  });

  test('symmetry: an existing pod\'s required anti-affinity keeps matching pods out of its domain', () => {
    const guard = pod('guard', { app: 'guard' }, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', zoneKey)] } });
    const nodes = [
      { node: node('a', 'z1'), pods: [guard] },
      { node: node('b', 'z1'), pods: [] },
      { node: node('c', 'z2'), pods: [] },
    ];
    assert.deepEqual(verdicts(pod('web', { app: 'web' }), nodes), {
      a: "node(s) didn't satisfy existing pods anti-affinity rules",
      b: "node(s) didn't satisfy existing pods anti-affinity rules",
      c: 'fit',
    });
    assert.deepEqual(verdicts(pod('api', { app: 'api' }), nodes), { a: 'fit', b: 'fit', c: 'fit' });
  });

  test('namespaces: empty means the pod\'s own; a list names them; namespaceSelector selects by labels', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: [pod('db', { app: 'db' }, undefined, 'prod')] },
      { node: node('b', 'z2'), pods: [pod('db', { app: 'db' }, undefined, 'default')] },
    ];
    const snapshot = buildSnapshot(nodes, { namespaceLabels: (ns) => (ns === 'prod' ? { env: 'prod' } : { env: 'dev' }) });
    const own = pod('web', {}, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', zoneKey)] } });
    assert.deepEqual(verdicts(own, nodes, snapshot), { a: "node(s) didn't match pod affinity rules", b: 'fit' });
    const listed = pod('web', {}, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', zoneKey, { namespaces: ['prod'] })] } });
    assert.deepEqual(verdicts(listed, nodes, snapshot), { a: 'fit', b: "node(s) didn't match pod affinity rules" });
    const selected = pod('web', {}, {
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', zoneKey, { namespaceSelector: { matchLabels: { env: 'prod' } } })] },
    });
    assert.deepEqual(verdicts(selected, nodes, snapshot), { a: 'fit', b: "node(s) didn't match pod affinity rules" });
    const everywhere = pod('web', {}, { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', zoneKey, { namespaceSelector: {} })] } });
    assert.deepEqual(verdicts(everywhere, nodes, snapshot), { a: 'fit', b: 'fit' });
  });

  test('symmetric anti-affinity uses the existing pod\'s namespace and the incoming pod\'s namespace labels', () => {
    const guard = pod('guard', {}, {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', hostKey, { namespaceSelector: { matchLabels: { env: 'prod' } } })] },
    }, 'ops');
    const nodes = [{ node: node('a', 'z1'), pods: [guard] }];
    const snapshot = buildSnapshot(nodes, { namespaceLabels: (ns): Record<string, string> => (ns === 'prod' ? { env: 'prod' } : {}) });
    assert.deepEqual(verdicts(pod('web', { app: 'web' }, undefined, 'prod'), nodes, snapshot), { a: "node(s) didn't satisfy existing pods anti-affinity rules" });
    assert.deepEqual(verdicts(pod('web', { app: 'web' }, undefined, 'dev'), nodes, snapshot), { a: 'fit' });
  });

  test('matchLabelKeys and mismatchLabelKeys add the owning pod\'s values to the selector', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: [pod('web-v1', { app: 'web', rev: '1' })] },
      { node: node('b', 'z2'), pods: [pod('web-v2', { app: 'web', rev: '2' })] },
    ];
    const antiSameRev = pod('web-new', { app: 'web', rev: '2' }, {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', hostKey, { matchLabelKeys: ['rev'] })] },
    });
    assert.deepEqual(verdicts(antiSameRev, nodes), { a: 'fit', b: "node(s) didn't match pod anti-affinity rules" });
    const antiOtherRev = pod('web-new', { app: 'web', rev: '2' }, {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', hostKey, { mismatchLabelKeys: ['rev'] })] },
    });
    assert.deepEqual(verdicts(antiOtherRev, nodes), { a: "node(s) didn't match pod anti-affinity rules", b: 'fit' });
  });

  test('finished pods do not count', () => {
    const done: Pod = { ...pod('web-0', { app: 'web' }), status: { phase: 'Succeeded' } };
    const nodes = [{ node: node('a', 'z1'), pods: [done] }];
    const anti = pod('web-1', { app: 'web' }, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', hostKey)] } });
    assert.deepEqual(verdicts(anti, nodes), { a: 'fit' });
  });

  test('pods without terms skip the cluster-wide plugins while no existing pod has terms', () => {
    const plain = [{ node: node('a', 'z1'), pods: [pod('x', { app: 'x' })] }];
    assert.equal(prepareCycle(pod('y', {}), buildSnapshot(plain)), localOnlyCycle);
    const withTerms = [{ node: node('a', 'z1'), pods: [pod('x', { app: 'x' }, { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: term('y', hostKey) }] } })] }];
    const cycle = prepareCycle(pod('y', {}), buildSnapshot(withTerms));
    assert.ok(cycle.snapshot, 'scoring still needs the snapshot');
    assert.equal(cycle.interPodAffinity, undefined, 'no required terms anywhere: no filter state');
  });
});

describe('InterPodAffinity score', () => {
  test('preferred affinity and anti-affinity weights per domain, normalised by (s - min) / (max - min)', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: [pod('cache', { app: 'cache' })] },
      { node: node('b', 'z1'), pods: [pod('web', { app: 'web' })] },
      { node: node('c', 'z2'), pods: [] },
      { node: node('d', 'z3'), pods: [pod('web', { app: 'web' })] },
    ];
    const incoming = pod('api', {}, {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 80, podAffinityTerm: term('cache', zoneKey) }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 20, podAffinityTerm: term('web', hostKey) }] },
    });
    // Raw: a 80, b 80 - 20 = 60, c 0, d -20; min -20, max 80.
    assert.deepEqual(interPodAffinityScores(incoming, buildSnapshot(nodes), nodes), [100, 80, 20, 0]);
  });

  test('existing pods\' preferred terms and required affinity (weight 1) count toward the incoming pod', () => {
    const fan = pod('fan', { app: 'fan' }, {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [term('web', zoneKey)],
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term('web', hostKey) }],
      },
    });
    const hater = pod('hater', {}, { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 3, podAffinityTerm: term('web', hostKey) }] } });
    const nodes = [
      { node: node('a', 'z1'), pods: [fan] },
      { node: node('b', 'z1'), pods: [] },
      { node: node('c', 'z2'), pods: [hater] },
    ];
    // Raw: a 1 + 5 = 6, b 1, c -3; min -3, max 6.
    assert.deepEqual(interPodAffinityScores(pod('web', { app: 'web' }), buildSnapshot(nodes), nodes), [100, 44, 0]);
    assert.equal(interPodAffinityScores(pod('api', { app: 'api' }), buildSnapshot(nodes), nodes), undefined, 'nothing matched');
    assert.deepEqual(interPodAffinityScores(pod('web', { app: 'web' }), buildSnapshot(nodes), nodes, { hardPodAffinityWeight: 0 }), [100, 37, 0]);
  });

  test('scoreNodes adds the plugin at weight 2, and preferred affinity decides the pick', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: [] },
      { node: node('b', 'z2'), pods: [pod('cache', { app: 'cache' })] },
    ];
    const incoming = pod('api', {}, { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term('cache', zoneKey) }] } });
    const scores = scoreNodes(incoming, nodes);
    assert.deepEqual(scores.map((s) => s.interPodAffinity), [0, 100]);
    assert.equal(selectNode(incoming, nodes).nodeName, 'b');
    assert.equal(scoreNodes(pod('plain', {}), nodes)[0]?.interPodAffinity, undefined, 'absent when nothing is scored');
  });
});

describe('InterPodAffinity in selectNode', () => {
  test('FailedScheduling message counts affinity and anti-affinity reasons with their preemption verdicts', () => {
    const nodes = [
      { node: node('a', 'z1'), pods: [pod('web-0', { app: 'web' })] },
      { node: node('b', 'z2'), pods: [pod('web-1', { app: 'web' })] },
      { node: node('c'), pods: [] },
    ];
    const incoming = pod('web-2', { app: 'web' }, {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', zoneKey)] },
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', hostKey)] },
    });
    const result = selectNode(incoming, nodes);
    assert.equal(result.nodeName, undefined);
    assert.equal(
      result.nodeName === undefined ? result.message : '',
      "0/3 nodes are available: 1 node(s) didn't match pod affinity rules, 2 node(s) didn't match pod anti-affinity rules. " +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });
});
