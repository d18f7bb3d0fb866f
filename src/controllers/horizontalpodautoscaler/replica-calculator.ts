/**
 * Upstream's replica calculation for Resource metrics (replica_calculator.go), as pure
 * functions: ratio = usage / target, a ±10% tolerance, and upstream's treatment of pods
 * without metrics and of unready pods. Simplified and stated: a pod is "unready" when it is
 * Pending or (for CPU) its Ready condition is not True; upstream also lets a pod that turned
 * Ready within its first 5 minutes count as ready only once its metric window began after that.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity, Scale } from '../../apimachinery/quantity.js';

/** Upstream's --horizontal-pod-autoscaler-tolerance. */
export const defaultTolerance = 0.1;

/** A pod's usage of one resource: millicores for cpu, bytes for memory (as upstream's milli-values of quantities: milli-bytes). */
export type PodUsage = ReadonlyMap<string, number>;

/** What a calculation gives. */
export interface ReplicaCalculation {
  replicas: number;
  /** Average utilization in percent of requests (Utilization targets). */
  utilization?: number;
  /** Average usage per pod in milli-units (AverageValue targets and the status' averageValue). */
  averageMilliValue: number;
}

/** Why a calculation could not be made (upstream's messages). */
export class ReplicaCalculationError extends Error {}

/** A pod's request of `resource` in milli-units: the sum over its containers; an error names a container without one. */
export function podRequestMilli(pod: Pod, resource: string): number {
  let total = 0;
  for (const c of pod.spec?.containers ?? []) {
    const q = parseQuantity(c.resources?.requests?.[resource]);
    if (!q) throw new ReplicaCalculationError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}`);
    total += Number(q.scaledValue(Scale.milli));
  }
  return total;
}

function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Upstream's groupPods: ready pods with metrics, unready pods, pods without metrics, pods ignored (deleted or failed). */
export function groupPods(pods: readonly Pod[], usage: PodUsage, resource: string): { ready: Set<string>; unready: Set<string>; missing: Set<string>; ignored: Set<string> } {
  const out = { ready: new Set<string>(), unready: new Set<string>(), missing: new Set<string>(), ignored: new Set<string>() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') out.ignored.add(name);
    else if (pod.status?.phase === 'Pending') out.unready.add(name);
    else if (!usage.has(name)) out.missing.add(name);
    else if (resource === 'cpu' && !isReady(pod)) out.unready.add(name);
    else out.ready.add(name);
  }
  return out;
}

function withinTolerance(ratio: number, tolerance: number): boolean {
  return Math.abs(1 - ratio) <= tolerance;
}

/** One reading of usage against the target: how far over (> 1) or under it, and the averages reported. */
interface UsageRatio {
  ratio: number;
  utilization?: number;
  average: number;
}

/**
 * Upstream's replica arithmetic shared by every target type: with every pod ready and measured,
 * ceil(ratio × pods) unless within tolerance; otherwise the ratio is read again with pods
 * lacking metrics filled in (`missingWhenScalingDown` each when scaling down, 0 when up) and
 * unready pods as 0 when scaling up, and a second reading that flips direction or stays within
 * tolerance keeps the current count.
 */
function replicasFromUsage(
  currentReplicas: number,
  metrics: ReadonlyMap<string, number>,
  groups: ReturnType<typeof groupPods>,
  ratioOf: (m: ReadonlyMap<string, number>) => UsageRatio,
  missingWhenScalingDown: (pod: string) => number,
  tolerance: number,
): ReplicaCalculation {
  const first = ratioOf(metrics);
  const result = (replicas: number): ReplicaCalculation => ({
    replicas,
    ...(first.utilization !== undefined ? { utilization: first.utilization } : {}),
    averageMilliValue: first.average,
  });
  const rebalanceUnready = groups.unready.size > 0 && first.ratio > 1;
  if (!rebalanceUnready && groups.missing.size === 0) {
    return result(withinTolerance(first.ratio, tolerance) ? currentReplicas : Math.ceil(first.ratio * metrics.size));
  }
  const filled = new Map(metrics);
  for (const name of groups.missing) filled.set(name, first.ratio < 1 ? missingWhenScalingDown(name) : 0);
  if (rebalanceUnready) for (const name of groups.unready) filled.set(name, 0);
  const second = ratioOf(filled);
  if (withinTolerance(second.ratio, tolerance) || (first.ratio < 1 && second.ratio > 1) || (first.ratio > 1 && second.ratio < 1)) {
    return result(currentReplicas);
  }
  const replicas = Math.ceil(second.ratio * filled.size);
  if ((second.ratio < 1 && replicas > currentReplicas) || (second.ratio > 1 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}

/** The usage of the ready pods that reported any, or upstream's error when none did. */
function readyUsage(pods: readonly Pod[], usage: PodUsage, resource: string): { groups: ReturnType<typeof groupPods>; metrics: Map<string, number> } {
  if (!pods.length) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count');
  const groups = groupPods(pods, usage, resource);
  const metrics = new Map([...usage].filter(([name]) => groups.ready.has(name)));
  if (!metrics.size) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)');
  return { groups, metrics };
}

/**
 * The replica count for a Utilization target of `resource` (upstream's GetResourceReplicas):
 * `currentReplicas` is the scale's spec.replicas, `usage` the pods' usage in milli-units.
 */
export function resourceReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  pods: readonly Pod[],
  usage: PodUsage,
  tolerance = defaultTolerance,
): ReplicaCalculation {
  // Requests first: a container without one is the error upstream reports before any other.
  const requests = new Map<string, number>();
  for (const pod of pods) requests.set(pod.metadata?.name ?? '', podRequestMilli(pod, resource));
  const { groups, metrics } = readyUsage(pods, usage, resource);
  const ratioOf = (m: ReadonlyMap<string, number>): UsageRatio => {
    let used = 0;
    let requested = 0;
    for (const [name, value] of m) {
      used += value;
      requested += requests.get(name) ?? 0;
    }
    if (requested === 0) throw new ReplicaCalculationError(`no metrics returned matched known pods`);
    const utilization = Math.trunc((used * 100) / requested);
    return { ratio: utilization / targetUtilization, utilization, average: used / m.size };
  };
  // Scaling down, a pod without metrics counts as using its whole request.
  return replicasFromUsage(currentReplicas, metrics, groups, ratioOf, (name) => requests.get(name) ?? 0, tolerance);
}

/**
 * The replica count for an AverageValue target (upstream's GetRawResourceReplicas through
 * calcPlainMetricReplicas): average usage per pod over the target, same tolerance and filling.
 */
export function averageValueReplicas(
  currentReplicas: number,
  targetMilliValue: number,
  resource: string,
  pods: readonly Pod[],
  usage: PodUsage,
  tolerance = defaultTolerance,
): ReplicaCalculation {
  const { groups, metrics } = readyUsage(pods, usage, resource);
  const ratioOf = (m: ReadonlyMap<string, number>): UsageRatio => {
    const sum = [...m.values()].reduce((a, b) => a + b, 0);
    return { ratio: sum / (targetMilliValue * m.size), average: sum / m.size };
  };
  // Scaling down, a pod without metrics counts as using the target.
  return replicasFromUsage(currentReplicas, metrics, groups, ratioOf, () => targetMilliValue, tolerance);
}
