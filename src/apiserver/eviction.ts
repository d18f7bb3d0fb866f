/**
 * The pods/eviction subresource as upstream's EvictionREST: a pod covered by a
 * PodDisruptionBudget is deleted only when the budget allows one more disruption, which is
 * taken from `status.disruptionsAllowed` and recorded in `status.disruptedPods` (so the
 * disruption controller does not count the pod as healthy while it goes); otherwise 429.
 */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import type { DeleteOptions } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { badRequest, StatusError } from '../apimachinery/errors.js';
import { formatTime, type KubeObject } from '../apimachinery/object.js';
import { isPodReady } from '../apimachinery/pod.js';
import type { NowClock } from '../apimachinery/clock.js';
import type { RestStore } from './rest-store.js';
import { labelSelectorMatches } from './validation/meta.js';

/** Upstream's MaxDisruptedPodSize: evictions the controller has not confirmed yet. */
const maxDisruptedPods = 2000;

/** Upstream's message of a refused eviction. */
export const evictionRefusedMessage = "Cannot evict pod as it would violate the pod's disruption budget.";

/** What an eviction reads and writes. */
export interface EvictionStores {
  pods: RestStore;
  podDisruptionBudgets: RestStore;
  clock: NowClock;
}

/** A 429 TooManyRequests with the DisruptionBudget cause, as upstream's createTooManyRequestsError. */
function tooManyRequests(cause: string): StatusError {
  return new StatusError(429, 'TooManyRequests', evictionRefusedMessage, { retryAfterSeconds: 0, causes: [{ reason: 'DisruptionBudget', message: cause }] } as never);
}

/**
 * The status a budget has after one more eviction of `podName`: one disruption fewer, the pod
 * in disruptedPods, the DisruptionAllowed condition False once none is left. Throws upstream's
 * errors when the budget forbids it (not yet processed, negative, too many unconfirmed, none left).
 */
export function budgetAfterEviction(pdb: PodDisruptionBudget, podName: string, now: Date): PodDisruptionBudgetStatus {
  const status: PodDisruptionBudgetStatus = { ...(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 }) };
  const name = pdb.metadata?.name ?? '';
  if ((status.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) {
    throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`);
  }
  if (status.disruptionsAllowed < 0) throw new StatusError(403, 'Forbidden', 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > maxDisruptedPods) {
    throw new StatusError(403, 'Forbidden', 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (status.disruptionsAllowed === 0) {
    throw tooManyRequests(`The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`);
  }
  status.disruptionsAllowed -= 1;
  status.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: formatTime(now) };
  if (status.disruptionsAllowed === 0) {
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed');
    const old = status.conditions?.find((c) => c.type === 'DisruptionAllowed');
    conditions.push({
      type: 'DisruptionAllowed',
      status: 'False',
      reason: 'InsufficientPods',
      message: '',
      observedGeneration: status.observedGeneration,
      lastTransitionTime: old?.status === 'False' ? old.lastTransitionTime : formatTime(now),
    });
    status.conditions = conditions;
  }
  return status;
}

/** Whether an eviction of this pod skips the budgets: it is finished, pending or already going (upstream's canIgnorePDB). */
function ignoresBudgets(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
}

/**
 * Evicts a pod: checks its budget (at most one may select it, as upstream), takes one
 * disruption, marks the pod DisruptionTarget and deletes it with the eviction's deleteOptions.
 */
export async function evictPod(stores: EvictionStores, namespace: string, name: string, eviction: KubeObject, dryRun: boolean): Promise<void> {
  const bodyName = eviction.metadata?.name;
  if (bodyName && bodyName !== name) throw badRequest('name in URL does not match name in Eviction object');
  const options = (eviction.deleteOptions ?? {}) as DeleteOptions;
  const pod = (await stores.pods.get(namespace, name)) as Pod;
  if (!ignoresBudgets(pod)) {
    const { items } = await stores.podDisruptionBudgets.list(namespace);
    const budgets = (items as PodDisruptionBudget[]).filter((pdb) => labelSelectorMatches(pdb.spec?.selector, pod.metadata?.labels ?? {}));
    if (budgets.length > 1) {
      throw new StatusError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    }
    const budget = budgets[0];
    if (budget && !unhealthyPodSkipsBudget(pod, budget)) {
      await stores.podDisruptionBudgets.guaranteedUpdate(
        namespace,
        budget.metadata?.name ?? '',
        (current) => ({ ...current, status: budgetAfterEviction(current as PodDisruptionBudget, name, stores.clock.now()) }),
        'status',
        { dryRun },
      );
    }
  }
  if (!dryRun && !ignoresBudgets(pod)) await markDisruptionTarget(stores, namespace, name);
  await stores.pods.delete(namespace, name, options, dryRun || (options.dryRun ?? []).includes('All'));
}

/**
 * A pod that is not ready is evicted without taking a disruption when the budget says
 * AlwaysAllow, or (IfHealthyBudget, the default) while the budget has the healthy pods it needs.
 */
function unhealthyPodSkipsBudget(pod: Pod, pdb: PodDisruptionBudget): boolean {
  if (isPodReady(pod)) return false;
  if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const status = pdb.status;
  return !!status && status.desiredHealthy > 0 && status.currentHealthy >= status.desiredHealthy;
}

/** Adds the DisruptionTarget condition (reason EvictionByEvictionAPI), as upstream before deleting. */
async function markDisruptionTarget(stores: EvictionStores, namespace: string, name: string): Promise<void> {
  await stores.pods.guaranteedUpdate(
    namespace,
    name,
    (current) => {
      const pod = current as { status?: Pod['status'] } & KubeObject;
      const condition: PodCondition = {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'EvictionByEvictionAPI',
        message: 'Eviction API: evicting',
        lastTransitionTime: formatTime(stores.clock.now()),
      };
      pod.status = { ...pod.status, conditions: [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition] };
      return pod;
    },
    'status',
  );
}
