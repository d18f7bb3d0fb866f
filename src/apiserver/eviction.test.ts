import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { budgetAfterEviction } from './eviction.js';

const now = new Date('2024-05-01T10:00:00Z');

function pdb(spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status']): PodDisruptionBudget {
  return { metadata: { name: 'web', namespace: 'default', generation: 1 }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, status };
}

test('an eviction takes one disruption and records the pod; none left is 429 with the DisruptionBudget cause', () => {
  const budget = pdb({ minAvailable: 2 }, { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 1 });
  const after = budgetAfterEviction(budget, 'a', now);
  assert.equal(after.disruptionsAllowed, 0);
  assert.deepEqual(after.disruptedPods, { a: '2024-05-01T10:00:00Z' });
  assert.equal(after.conditions?.[0]?.reason, 'InsufficientPods');
  assert.throws(
    () => budgetAfterEviction({ ...budget, status: after }, 'b', now),
    (err: { code: number; reason: string; message: string; details: { causes: unknown[] } }) => {
      assert.equal(err.code, 429);
      assert.equal(err.reason, 'TooManyRequests');
      assert.equal(err.message, "Cannot evict pod as it would violate the pod's disruption budget.");
      assert.deepEqual(err.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 3 currently' }]);
      return true;
    },
  );
  assert.throws(() => budgetAfterEviction({ ...budget, metadata: { ...budget.metadata, generation: 2 } }, 'a', now), /Cannot evict/);
});
