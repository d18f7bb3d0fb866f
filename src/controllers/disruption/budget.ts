/**
 * The arithmetic of a PodDisruptionBudget's status, as upstream's disruption controller:
 * expected pods and desired healthy from minAvailable/maxUnavailable and the controllers'
 * scale, healthy pods (ready, not being deleted, not recently evicted), disruptions allowed,
 * and the DisruptionAllowed condition.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { formatTime } from '../../apimachinery/object.js';
import { isPodReady } from '../../apimachinery/pod.js';
import { scaledValueFromIntOrPercent } from '../../apimachinery/intstr.js';

/** How long an evicted pod counts as disrupted before the controller forgets it (upstream's DeletionTimeout, 2 minutes). */
export const deletionTimeoutMs = 2 * 60 * 1000;

/** What a budget needs: how many pods it expects and how many of them must be healthy. */
export interface BudgetNeeds {
  expectedCount: number;
  desiredHealthy: number;
}

/**
 * Upstream's getExpectedPodCount. `scale` gives the summed replicas of the pods' controllers
 * (asked only for percentages and maxUnavailable); it throws when a pod has no controller.
 */
export function budgetNeeds(pdb: PodDisruptionBudget, podCount: number, scale: () => number): BudgetNeeds {
  const { minAvailable, maxUnavailable } = pdb.spec ?? {};
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const expectedCount = scale();
    const unavailable = scaledValueFromIntOrPercent(maxUnavailable, expectedCount, true);
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - unavailable) };
  }
  if (minAvailable !== undefined && minAvailable !== null) {
    if (typeof minAvailable === 'number') return { expectedCount: podCount, desiredHealthy: minAvailable };
    const expectedCount = scale();
    return { expectedCount, desiredHealthy: scaledValueFromIntOrPercent(minAvailable, expectedCount, true) };
  }
  return { expectedCount: podCount, desiredHealthy: 0 };
}

/**
 * The evictions still pending: entries of status.disruptedPods whose pod exists, is not being
 * deleted and was evicted less than {@link deletionTimeoutMs} ago. `recheckAt` is when the
 * oldest kept entry expires (undefined when none is kept).
 */
export function pendingDisruptions(
  disrupted: Record<string, string> | undefined,
  pods: readonly Pod[],
  now: Date,
): { disruptedPods: Record<string, string>; recheckAt?: number } {
  const byName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
  const kept: Record<string, string> = {};
  let recheckAt: number | undefined;
  for (const [name, time] of Object.entries(disrupted ?? {})) {
    const pod = byName.get(name);
    if (!pod || pod.metadata?.deletionTimestamp) continue;
    const expires = Date.parse(time) + deletionTimeoutMs;
    if (!(expires > now.getTime())) continue;
    kept[name] = time;
    recheckAt = recheckAt === undefined ? expires : Math.min(recheckAt, expires);
  }
  return { disruptedPods: kept, recheckAt };
}

/** Upstream's countHealthyPods: ready pods neither being deleted nor recently evicted. */
export function countHealthyPods(pods: readonly Pod[], disruptedPods: Record<string, string>): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (disruptedPods[pod.metadata?.name ?? ''] !== undefined) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/** The DisruptionAllowed condition for a status, keeping the transition time when unchanged. */
export function disruptionAllowedCondition(status: PodDisruptionBudgetStatus, old: readonly Condition[] | undefined, now: Date, syncFailed?: string): Condition {
  const previous = old?.find((c) => c.type === 'DisruptionAllowed');
  const next: Condition = syncFailed
    ? { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: syncFailed, lastTransitionTime: '' }
    : status.disruptionsAllowed > 0
    ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', lastTransitionTime: '' }
    : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', lastTransitionTime: '' };
  next.observedGeneration = status.observedGeneration;
  next.lastTransitionTime = previous && previous.status === next.status ? previous.lastTransitionTime : formatTime(now);
  return next;
}

/**
 * The status the controller writes: `needs` (or the error computing it, which leaves no
 * disruption allowed, as upstream's failSafe), the healthy count and the pending evictions.
 */
export function budgetStatus(
  pdb: PodDisruptionBudget,
  pods: readonly Pod[],
  needs: BudgetNeeds | { error: string },
  now: Date,
): { status: PodDisruptionBudgetStatus; recheckAt?: number } {
  const { disruptedPods, recheckAt } = pendingDisruptions(pdb.status?.disruptedPods, pods, now);
  const currentHealthy = countHealthyPods(pods, disruptedPods);
  const observedGeneration = pdb.metadata?.generation ?? 0;
  if ('error' in needs) {
    const status: PodDisruptionBudgetStatus = {
      ...(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 }),
      disruptionsAllowed: 0,
      observedGeneration,
    };
    status.conditions = [disruptionAllowedCondition(status, pdb.status?.conditions, now, needs.error)];
    return { status, recheckAt };
  }
  let disruptionsAllowed = currentHealthy - needs.desiredHealthy;
  if (needs.expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const status: PodDisruptionBudgetStatus = {
    currentHealthy,
    desiredHealthy: needs.desiredHealthy,
    expectedPods: needs.expectedCount,
    disruptionsAllowed,
    observedGeneration,
  };
  if (Object.keys(disruptedPods).length > 0) status.disruptedPods = disruptedPods;
  status.conditions = [disruptionAllowedCondition(status, pdb.status?.conditions, now)];
  return { status, recheckAt };
}
