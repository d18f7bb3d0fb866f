import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Node, NodeSelectorTerm, Pod } from 'kubernetes-types/core/v1.js';
import {
  failedSchedulingMessage,
  nodeAffinityFilter,
  nodeNameFilter,
  nodePortsFilter,
  nodeResourcesFitFilter,
  nodeUnschedulableFilter,
  podRequests,
  runFilters,
  taintTolerationFilter,
  type FilterFailure,
  type FilterResult,
} from './filters.js';

function node(name: string, extra: { labels?: Record<string, string>; spec?: Node['spec']; allocatable?: Record<string, string> } = {}): Node {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...extra.labels } },
    spec: extra.spec ?? {},
    status: { allocatable: extra.allocatable ?? { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' } },
  };
}

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}, name = 'p'): Pod {
  return { metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } };
}

function requesting(requests: Record<string, string>, extra: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return pod({ containers: [{ name: 'c', image: 'nginx', resources: { requests } }], ...extra });
}

function reasonOf(result: FilterResult): string | undefined {
  return result.fit ? undefined : result.reason;
}

describe('NodeName', () => {
  test('matches only the named node', () => {
    assert.equal(nodeNameFilter(pod(), node('a')).fit, true);
    assert.equal(nodeNameFilter(pod({ nodeName: 'a' }), node('a')).fit, true);
    assert.equal(reasonOf(nodeNameFilter(pod({ nodeName: 'b' }), node('a'))), "node(s) didn't match the requested node name");
  });
});

describe('NodeUnschedulable', () => {
  const cordoned = node('a', { spec: { unschedulable: true } });
  test('rejects cordoned nodes unless the pod tolerates the unschedulable taint', () => {
    assert.equal(nodeUnschedulableFilter(pod(), node('a')).fit, true);
    assert.equal(reasonOf(nodeUnschedulableFilter(pod(), cordoned)), 'node(s) were unschedulable');
    const tolerating = pod({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    assert.equal(nodeUnschedulableFilter(tolerating, cordoned).fit, true);
    assert.equal(nodeUnschedulableFilter(pod({ tolerations: [{ operator: 'Exists' }] }), cordoned).fit, true);
  });
});

describe('TaintToleration', () => {
  const tainted = node('a', { spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } });

  test('untolerated NoSchedule / NoExecute taints reject with the taint in the reason', () => {
    const result = taintTolerationFilter(pod(), tainted);
    assert.equal(reasonOf(result), 'node(s) had untolerated taint {dedicated: gpu}');
    assert.equal(!result.fit && result.unresolvable, true);
    const noExecute = node('b', { spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] } });
    assert.equal(reasonOf(taintTolerationFilter(pod(), noExecute)), 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }');
  });

  test('PreferNoSchedule does not filter', () => {
    assert.equal(taintTolerationFilter(pod(), node('a', { spec: { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] } })).fit, true);
  });

  test('Equal needs key and value; Exists only the key; empty key with Exists tolerates all', () => {
    assert.equal(taintTolerationFilter(pod({ tolerations: [{ key: 'dedicated', value: 'gpu' }] }), tainted).fit, true);
    assert.equal(taintTolerationFilter(pod({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }] }), tainted).fit, false);
    assert.equal(taintTolerationFilter(pod({ tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), tainted).fit, true);
    assert.equal(taintTolerationFilter(pod({ tolerations: [{ operator: 'Exists' }] }), tainted).fit, true);
    assert.equal(taintTolerationFilter(pod({ tolerations: [{ key: 'other', operator: 'Exists' }] }), tainted).fit, false);
  });

  test('the toleration effect must match when set', () => {
    assert.equal(taintTolerationFilter(pod({ tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }] }), tainted).fit, false);
    assert.equal(taintTolerationFilter(pod({ tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] }), tainted).fit, true);
    assert.equal(taintTolerationFilter(pod({ tolerations: [{ key: 'dedicated', operator: 'Bogus' }] }), tainted).fit, false);
  });

  test('every taint must be tolerated', () => {
    const two = node('a', {
      spec: {
        taints: [
          { key: 'a', effect: 'NoSchedule' },
          { key: 'b', value: 'x', effect: 'NoExecute' },
        ],
      },
    });
    assert.equal(reasonOf(taintTolerationFilter(pod({ tolerations: [{ key: 'a', operator: 'Exists' }] }), two)), 'node(s) had untolerated taint {b: x}');
  });
});

describe('NodeAffinity', () => {
  const labelled = node('a', { labels: { disk: 'ssd', zone: 'z1', cores: '8' } });
  const reason = "node(s) didn't match Pod's node affinity/selector";
  const withRequired = (...terms: NodeSelectorTerm[]): Pod =>
    pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });

  test('nodeSelector needs every label', () => {
    assert.equal(nodeAffinityFilter(pod({ nodeSelector: { disk: 'ssd' } }), labelled).fit, true);
    assert.equal(reasonOf(nodeAffinityFilter(pod({ nodeSelector: { disk: 'ssd', zone: 'z2' } }), labelled)), reason);
    assert.equal(nodeAffinityFilter(pod({ nodeSelector: { gpu: 'yes' } }), labelled).fit, false);
  });

  test('operators In, NotIn, Exists, DoesNotExist, Gt, Lt', () => {
    const check = (key: string, operator: string, values?: string[]): boolean =>
      nodeAffinityFilter(withRequired({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }), labelled).fit;
    assert.equal(check('disk', 'In', ['hdd', 'ssd']), true);
    assert.equal(check('disk', 'In', ['hdd']), false);
    assert.equal(check('disk', 'NotIn', ['hdd']), true);
    assert.equal(check('disk', 'NotIn', ['ssd']), false);
    assert.equal(check('missing', 'NotIn', ['x']), true);
    assert.equal(check('disk', 'Exists'), true);
    assert.equal(check('missing', 'Exists'), false);
    assert.equal(check('missing', 'DoesNotExist'), true);
    assert.equal(check('disk', 'DoesNotExist'), false);
    assert.equal(check('cores', 'Gt', ['4']), true);
    assert.equal(check('cores', 'Gt', ['8']), false);
    assert.equal(check('cores', 'Lt', ['16']), true);
    assert.equal(check('cores', 'Lt', ['8']), false);
    assert.equal(check('disk', 'Gt', ['1']), false, 'non-numeric label');
    assert.equal(check('cores', 'Gt', ['1', '2']), false, 'Gt takes exactly one value');
  });

  test('terms are ORed, expressions within a term ANDed, empty terms match nothing', () => {
    const pass = withRequired({ matchExpressions: [{ key: 'disk', operator: 'In', values: ['hdd'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] });
    assert.equal(nodeAffinityFilter(pass, labelled).fit, true);
    const anded = withRequired({
      matchExpressions: [
        { key: 'disk', operator: 'In', values: ['ssd'] },
        { key: 'zone', operator: 'In', values: ['z2'] },
      ],
    });
    assert.equal(nodeAffinityFilter(anded, labelled).fit, false);
    assert.equal(nodeAffinityFilter(withRequired({}), labelled).fit, false);
    assert.equal(nodeAffinityFilter(withRequired(), labelled).fit, false);
  });

  test('matchFields on metadata.name', () => {
    assert.equal(nodeAffinityFilter(withRequired({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }), labelled).fit, true);
    assert.equal(nodeAffinityFilter(withRequired({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['a'] }] }), labelled).fit, false);
    assert.equal(nodeAffinityFilter(withRequired({ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['a'] }] }), labelled).fit, false);
  });

  test('nodeSelector and required affinity must both match', () => {
    const both = withRequired({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] });
    both.spec = { ...both.spec!, nodeSelector: { zone: 'z2' } };
    assert.equal(nodeAffinityFilter(both, labelled).fit, false);
  });
});

describe('NodePorts', () => {
  const withPort = (hostPort: number, protocol?: string, hostIP?: string): Pod =>
    pod({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort, ...(protocol ? { protocol } : {}), ...(hostIP ? { hostIP } : {}) }] }] });

  test('conflicts on protocol, hostIP and port', () => {
    const info = { node: node('a'), pods: [withPort(8080)] };
    assert.equal(reasonOf(nodePortsFilter(withPort(8080), info)), "node(s) didn't have free ports for the requested pod ports");
    assert.equal(nodePortsFilter(withPort(8081), info).fit, true);
    assert.equal(nodePortsFilter(withPort(8080, 'UDP'), info).fit, true);
    assert.equal(nodePortsFilter(withPort(8080, 'TCP', '10.0.0.1'), info).fit, false, '0.0.0.0 conflicts with every IP');
    const specific = { node: node('a'), pods: [withPort(9000, 'TCP', '10.0.0.1')] };
    assert.equal(nodePortsFilter(withPort(9000, 'TCP', '10.0.0.2'), specific).fit, true);
    assert.equal(nodePortsFilter(withPort(9000, 'TCP', '10.0.0.1'), specific).fit, false);
    assert.equal(nodePortsFilter(withPort(9000), specific).fit, false);
  });

  test('pods without host ports and finished pods never conflict', () => {
    const finished: Pod = { ...withPort(8080), status: { phase: 'Succeeded' } };
    assert.equal(nodePortsFilter(withPort(8080), { node: node('a'), pods: [finished] }).fit, true);
    assert.equal(nodePortsFilter(pod(), { node: node('a'), pods: [withPort(8080)] }).fit, true);
  });
});

describe('podRequests', () => {
  const container = (name: string, requests: Record<string, string>, restartPolicy?: string): Container => ({
    name,
    image: 'x',
    resources: { requests },
    ...(restartPolicy ? { restartPolicy } : {}),
  });

  test('sums containers, takes the max with init containers, adds overhead', () => {
    const requests = podRequests(
      pod({
        containers: [container('a', { cpu: '100m', memory: '100Mi' }), container('b', { cpu: '200m' })],
        initContainers: [container('i1', { cpu: '500m' }), container('i2', { memory: '50Mi' })],
        overhead: { cpu: '10m', memory: '1Mi' },
      }),
    );
    assert.equal(requests.get('cpu'), 510);
    assert.equal(requests.get('memory'), 101 * 1024 * 1024);
  });

  test('sidecar init containers add to the total and to later init containers', () => {
    const requests = podRequests(
      pod({
        containers: [container('a', { cpu: '100m' })],
        initContainers: [container('sidecar', { cpu: '200m' }, 'Always'), container('init', { cpu: '250m' })],
      }),
    );
    // max(100 + 200, 200 + 250)
    assert.equal(requests.get('cpu'), 450);
  });

  test('non-zero defaults apply only to missing requests', () => {
    const defaults = { nonMissingDefaults: { cpu: 100, memory: 200 * 1024 * 1024 } };
    assert.equal(podRequests(pod(), defaults).get('cpu'), 100);
    assert.equal(podRequests(requesting({ cpu: '0' }), defaults).get('cpu'), 0);
    assert.equal(podRequests(requesting({ cpu: '0' }), defaults).get('memory'), 200 * 1024 * 1024);
  });
});

describe('NodeResourcesFit', () => {
  const small = node('a', { allocatable: { cpu: '2', memory: '4Gi', pods: '3', 'ephemeral-storage': '10Gi', 'example.com/gpu': '1' } });

  test('fits within allocatable minus bound requests', () => {
    const info = { node: small, pods: [requesting({ cpu: '1500m', memory: '1Gi' })] };
    assert.equal(nodeResourcesFitFilter(requesting({ cpu: '500m' }), info).fit, true);
    assert.equal(reasonOf(nodeResourcesFitFilter(requesting({ cpu: '501m' }), info)), 'Insufficient cpu');
    assert.equal(reasonOf(nodeResourcesFitFilter(requesting({ memory: '3073Mi' }), info)), 'Insufficient memory');
    assert.equal(reasonOf(nodeResourcesFitFilter(requesting({ 'ephemeral-storage': '11Gi' }), info)), 'Insufficient ephemeral-storage');
    assert.equal(reasonOf(nodeResourcesFitFilter(requesting({ 'example.com/gpu': '2' }), info)), 'Insufficient example.com/gpu');
  });

  test('reports every insufficient resource, and too many pods', () => {
    const result = nodeResourcesFitFilter(requesting({ cpu: '3', memory: '5Gi' }), { node: small, pods: [pod(), pod(), pod()] });
    assert.equal(result.fit, false);
    assert.deepEqual(!result.fit && result.reasons, ['Too many pods', 'Insufficient cpu', 'Insufficient memory']);
    assert.equal(!result.fit && result.unresolvable, false);
  });

  test('terminated pods free their resources', () => {
    const done: Pod = { ...requesting({ cpu: '2' }), status: { phase: 'Failed' } };
    assert.equal(nodeResourcesFitFilter(requesting({ cpu: '2' }), { node: small, pods: [done] }).fit, true);
  });

  test('init container peaks and overhead count', () => {
    const info = { node: small, pods: [] };
    const initHeavy = requesting({ cpu: '100m' }, { initContainers: [{ name: 'i', image: 'x', resources: { requests: { cpu: '2100m' } } }] });
    assert.equal(reasonOf(nodeResourcesFitFilter(initHeavy, info)), 'Insufficient cpu');
    assert.equal(reasonOf(nodeResourcesFitFilter(requesting({ cpu: '2' }, { overhead: { cpu: '1m' } }), info)), 'Insufficient cpu');
  });
});

describe('runFilters and failedSchedulingMessage', () => {
  test('the first failing filter in upstream order decides', () => {
    const cordonedAndTainted = node('a', { spec: { unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] } });
    assert.equal(reasonOf(runFilters(pod(), { node: cordonedAndTainted, pods: [] })), 'node(s) were unschedulable');
    assert.equal(runFilters(pod(), { node: node('b'), pods: [] }).fit, true);
  });

  test('renders upstream FailedScheduling text with preemption summary', () => {
    const cpuPod = requesting({ cpu: '3' });
    const nodes = [
      { node: node('a', { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } }), pods: [] },
      { node: node('b', { spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] } }), pods: [] },
      { node: node('c', { spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] } }), pods: [] },
    ];
    const failures = nodes.map((info) => runFilters(cpuPod, info)).filter((result): result is FilterFailure => !result.fit);
    assert.equal(
      failedSchedulingMessage(3, failures),
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: infra}. ' +
        'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
    );
  });

  test('only unresolvable reasons', () => {
    const failures = [nodeAffinityFilter(pod({ nodeSelector: { x: 'y' } }), node('a'))].filter((r): r is FilterFailure => !r.fit);
    assert.equal(
      failedSchedulingMessage(1, failures),
      "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    );
  });
});
