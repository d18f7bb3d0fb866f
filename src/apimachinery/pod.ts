/**
 * Pod state as every component reads it, after upstream's api/v1/pod helpers (podutil:
 * IsPodReady, GetPodReadyCondition, IsPodAvailable) and controller_utils' IsPodActive.
 */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';

/** The pod's Ready condition, if any (upstream's GetPodReadyCondition). */
export function podReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((condition) => condition.type === 'Ready');
}

/** Upstream's IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** Phase Succeeded or Failed: the pod's containers will not run again (upstream's IsPodTerminal). */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** deletionTimestamp is set: the pod is being deleted (it may still run, within its grace period). */
export function isPodDeleting(pod: Pod): boolean {
  return Boolean(pod.metadata?.deletionTimestamp);
}

/** Upstream's IsPodActive: not terminal and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !isPodDeleting(pod);
}

/**
 * Milliseconds until a ready pod becomes available under `minReadySeconds`: 0 when it already
 * is, undefined when it is not ready (or, with `minReadySeconds`, has no Ready transition time
 * to count from).
 */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: Date): number | undefined {
  if (!isPodReady(pod)) return undefined;
  if (minReadySeconds <= 0) return 0;
  const since = podReadyCondition(pod)?.lastTransitionTime;
  const from = since === undefined ? Number.NaN : Date.parse(since);
  if (Number.isNaN(from)) return undefined;
  // Upstream requires lastTransitionTime + minReadySeconds strictly before now.
  const remaining = from + minReadySeconds * 1000 - now.getTime();
  return remaining < 0 ? 0 : remaining + 1;
}

/** Upstream's IsPodAvailable: Ready for more than `minReadySeconds` (by the Ready condition's lastTransitionTime). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  return msUntilAvailable(pod, minReadySeconds, now) === 0;
}
