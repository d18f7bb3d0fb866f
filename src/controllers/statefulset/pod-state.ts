/**
 * Pod state predicates the workload controllers share, as upstream's podutil (IsPodReady,
 * IsPodAvailable) and the StatefulSet controller's helpers.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** The Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** deletionTimestamp is set. */
export function isTerminating(pod: Pod): boolean {
  return Boolean(pod.metadata?.deletionTimestamp);
}

/** Phase Running and Ready. */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

/**
 * Milliseconds until a ready pod counts as available (0 = available now), or undefined when it
 * is not ready: available means Ready for at least `minReadySeconds` (podutil.IsPodAvailable).
 */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: Date): number | undefined {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) return undefined;
  if (minReadySeconds <= 0) return 0;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  if (Number.isNaN(since)) return 0;
  return Math.max(0, since + minReadySeconds * 1000 - now.getTime());
}

/** Ready for at least `minReadySeconds`. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  return msUntilAvailable(pod, minReadySeconds, now) === 0;
}

/** Phase Failed or Succeeded. */
export function isPodFinished(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';
}
