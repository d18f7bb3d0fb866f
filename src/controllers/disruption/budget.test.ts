import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { budgetNeeds, budgetStatus, countHealthyPods, deletionTimeoutMs, pendingDisruptions } from './budget.js';

const now = new Date('2024-05-01T10:00:00Z');

function pod(name: string, ready = true, extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    metadata: { name, namespace: 'default', ...extra },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function pdb(spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status']): PodDisruptionBudget {
  return { metadata: { name: 'web', namespace: 'default', generation: 1 }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, status };
}

test('minAvailable as a number: expected pods are the pods found, desired healthy the number', () => {
  assert.deepEqual(budgetNeeds(pdb({ minAvailable: 2 }), 3, () => assert.fail('scale not needed')), { expectedCount: 3, desiredHealthy: 2 });
});

test('percentages and maxUnavailable use the controllers’ scale, rounding up as upstream', () => {
  assert.deepEqual(budgetNeeds(pdb({ minAvailable: '50%' }), 2, () => 5), { expectedCount: 5, desiredHealthy: 3 });
  assert.deepEqual(budgetNeeds(pdb({ maxUnavailable: 1 }), 2, () => 3), { expectedCount: 3, desiredHealthy: 2 });
  assert.deepEqual(budgetNeeds(pdb({ maxUnavailable: '34%' }), 2, () => 3), { expectedCount: 3, desiredHealthy: 1 });
  assert.deepEqual(budgetNeeds(pdb({ maxUnavailable: 5 }), 2, () => 3), { expectedCount: 3, desiredHealthy: 0 });
});

test('healthy pods are ready, not being deleted and not recently evicted', () => {
  const pods = [pod('a'), pod('b', false), pod('c', true, { deletionTimestamp: now.toISOString() }), pod('d')];
  assert.equal(countHealthyPods(pods, {}), 2);
  assert.equal(countHealthyPods(pods, { d: now.toISOString() }), 1);
});

test('pending evictions expire after two minutes or when the pod goes', () => {
  const recent = new Date(now.getTime() - 1000).toISOString();
  const old = new Date(now.getTime() - deletionTimeoutMs - 1).toISOString();
  const got = pendingDisruptions({ a: recent, b: old, gone: recent }, [pod('a'), pod('b')], now);
  assert.deepEqual(got.disruptedPods, { a: recent });
  assert.equal(got.recheckAt, Date.parse(recent) + deletionTimeoutMs);
});

test('status: disruptions allowed is healthy minus desired, never negative; condition as upstream', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  const { status } = budgetStatus(pdb({ minAvailable: 2 }), pods, { expectedCount: 3, desiredHealthy: 2 }, now);
  assert.equal(status.currentHealthy, 3);
  assert.equal(status.disruptionsAllowed, 1);
  assert.equal(status.observedGeneration, 1);
  assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason]), [['DisruptionAllowed', 'True', 'SufficientPods']]);
  const blocked = budgetStatus(pdb({ minAvailable: 3 }), pods.slice(0, 2), { expectedCount: 2, desiredHealthy: 3 }, now).status;
  assert.equal(blocked.disruptionsAllowed, 0);
  assert.equal(blocked.conditions?.[0]?.reason, 'InsufficientPods');
  const failed = budgetStatus(pdb({ maxUnavailable: 1 }), pods, { error: 'found no controller ref for pod "a"' }, now).status;
  assert.equal(failed.disruptionsAllowed, 0);
  assert.deepEqual([failed.conditions?.[0]?.reason, failed.conditions?.[0]?.message], ['SyncFailed', 'found no controller ref for pod "a"']);
});
