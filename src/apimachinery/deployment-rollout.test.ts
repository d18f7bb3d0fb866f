import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { deploymentComplete, maxSurge, maxUnavailable, resolveFenceposts, revisionOf } from './deployment-rollout.js';
import { IntOrPercentError } from './intstr.js';

function deployment(replicas: number, maxSurgeValue: number | string = '25%', maxUnavailableValue: number | string = '25%'): Deployment {
  return {
    metadata: { name: 'web', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: maxSurgeValue, maxUnavailable: maxUnavailableValue } },
    },
  };
}

describe('resolveFenceposts', () => {
  test('percentages: surge rounds up, unavailable rounds down', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 4), { surge: 1, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
    assert.deepEqual(resolveFenceposts('30%', '30%', 5), { surge: 2, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('100%', '0%', 3), { surge: 3, unavailable: 0 });
    assert.deepEqual(resolveFenceposts('1%', '99%', 1), { surge: 1, unavailable: 0 });
  });

  test('absolute numbers are used as is', () => {
    assert.deepEqual(resolveFenceposts(2, 0, 4), { surge: 2, unavailable: 0 });
    assert.deepEqual(resolveFenceposts(0, 3, 4), { surge: 0, unavailable: 3 });
  });

  test('both zero makes unavailable 1', () => {
    assert.deepEqual(resolveFenceposts(0, 0, 4), { surge: 0, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('10%', '10%', 4), { surge: 1, unavailable: 0 });
    assert.deepEqual(resolveFenceposts('0%', '10%', 4), { surge: 0, unavailable: 1 });
  });

  test('undefined takes the 25% defaults', () => {
    assert.deepEqual(resolveFenceposts(undefined, undefined, 8), { surge: 2, unavailable: 2 });
  });

  test('invalid strings throw', () => {
    assert.throws(() => resolveFenceposts('abc', 0, 4), IntOrPercentError);
    assert.throws(() => resolveFenceposts('5', 0, 4), /string is not a percentage/);
  });

  test('maxSurge / maxUnavailable of a Deployment', () => {
    assert.equal(maxSurge(deployment(4)), 1);
    assert.equal(maxUnavailable(deployment(4)), 1);
    assert.equal(maxUnavailable(deployment(2, 0, 5)), 2, 'capped at replicas');
    assert.equal(maxUnavailable(deployment(0)), 0);
    const recreate = deployment(4);
    recreate.spec = { ...recreate.spec!, strategy: { type: 'Recreate' } };
    assert.equal(maxSurge(recreate), 0);
    assert.equal(maxUnavailable(recreate), 0);
  });
});

describe('revisionOf', () => {
  test('the revision annotation as a number; junk and absence are undefined', () => {
    const rs = (value?: string): ReplicaSet => ({ metadata: value === undefined ? {} : { annotations: { 'deployment.kubernetes.io/revision': value } } });
    assert.equal(revisionOf(rs('3')), 3);
    assert.equal(revisionOf(rs('x')), undefined);
    assert.equal(revisionOf(rs()), undefined);
  });
});

describe('deploymentComplete', () => {
  test('deploymentComplete needs every replica updated and available at the observed generation', () => {
    const d = deployment(3);
    assert.equal(deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }), true);
    assert.equal(deploymentComplete(d, { replicas: 4, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }), false);
    assert.equal(deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 2, observedGeneration: 1 }), false);
    assert.equal(deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 0 }), false);
  });

});
