import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { findUntoleratedTaint, isTaintTolerated, nodeSelectorTermMatches, nodeSelectorTermsMatch, requiredNodeAffinityMatches, toleratesTaint } from './scheduling.js';

const node: Node = { metadata: { name: 'n1', labels: { zone: 'a', cores: '8' } } };

describe('taints and tolerations', () => {
  test('a toleration matches by key, effect (when set) and value, or any value with Exists', () => {
    const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
    assert.equal(toleratesTaint({ key: 'dedicated', value: 'gpu' }, taint), true);
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'cpu' }, taint), false);
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint), false);
    assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true);
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Bogus' }, taint), false);
  });

  test('the first untolerated taint passing the filter is found', () => {
    const taints = [
      { key: 'a', effect: 'PreferNoSchedule' },
      { key: 'b', effect: 'NoSchedule' },
      { key: 'c', effect: 'NoExecute' },
    ];
    const tolerations = [{ key: 'b', operator: 'Exists' }];
    assert.equal(isTaintTolerated(tolerations, { key: 'b', effect: 'NoSchedule' }), true);
    assert.equal(findUntoleratedTaint(taints, tolerations)?.key, 'a');
    assert.equal(findUntoleratedTaint(taints, tolerations, (t) => t.effect !== 'PreferNoSchedule')?.key, 'c');
    assert.equal(findUntoleratedTaint(taints, [{ operator: 'Exists' }]), undefined);
  });
});

describe('node selectors and required node affinity', () => {
  test('a term ANDs its expressions and fields; terms are ORed; an empty term matches nothing', () => {
    assert.equal(nodeSelectorTermMatches({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, { key: 'cores', operator: 'Gt', values: ['4'] }] }, node), true);
    assert.equal(nodeSelectorTermMatches({ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['4'] }] }, node), false);
    assert.equal(nodeSelectorTermMatches({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }, node), true);
    assert.equal(nodeSelectorTermMatches({}, node), false);
    assert.equal(nodeSelectorTermsMatch([{}, { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }], node), true);
  });

  test('a pod needs every nodeSelector label and a matching required term', () => {
    const pod = (spec: Partial<Pod['spec']>): Pod => ({ spec: { containers: [], ...spec } });
    assert.equal(requiredNodeAffinityMatches(pod({}), node), true);
    assert.equal(requiredNodeAffinityMatches(pod({ nodeSelector: { zone: 'a' } }), node), true);
    assert.equal(requiredNodeAffinityMatches(pod({ nodeSelector: { zone: 'b' } }), node), false);
    const affinity = (zone: string): Pod['spec'] => ({
      containers: [],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [zone] }] }] } } },
    });
    assert.equal(requiredNodeAffinityMatches({ spec: affinity('a') }, node), true);
    assert.equal(requiredNodeAffinityMatches({ spec: affinity('b') }, node), false);
  });
});
