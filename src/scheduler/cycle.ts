/**
 * One pod's scheduling cycle state (upstream's CycleState for the PreFilter plugins): the
 * cluster snapshot and the per-pod precomputations of PodTopologySpread and InterPodAffinity,
 * built only when the pod or the cluster needs them.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { runFilters, type FilterResult, type NodeInfo } from './filters.js';
import { interPodAffinityFilter, prepareInterPodAffinity, type InterPodAffinityState } from './interpod-affinity.js';
import { hasPodAffinityTerms, type ClusterSnapshot } from './snapshot.js';
import { hasSpreadConstraints, prepareTopologySpread, topologySpreadFilter, type TopologySpreadState } from './topology-spread.js';

/** The cluster-wide state of one pod's scheduling attempt. */
export interface SchedulingCycle {
  /** Absent when neither the pod nor any existing pod has affinity terms or spread constraints: the cluster-wide plugins are skipped. */
  readonly snapshot?: ClusterSnapshot;
  readonly interPodAffinity?: InterPodAffinityState;
  readonly topologySpread?: TopologySpreadState;
}

/** The cycle of a pod the cluster-wide plugins have nothing to say about. */
export const localOnlyCycle: SchedulingCycle = Object.freeze({});

/** Whether the pod itself asks for the cluster-wide plugins (pod affinity terms or spread constraints). */
export function podNeedsCycle(pod: Pod): boolean {
  return hasPodAffinityTerms(pod) || hasSpreadConstraints(pod);
}

/**
 * Prepares the cycle: the filter states for the pod over the snapshot. The snapshot is kept
 * (for scoring) when the pod has affinity terms or spread constraints, or some existing pod
 * has affinity terms; otherwise the result is localOnlyCycle.
 */
export function prepareCycle(pod: Pod, snapshot: ClusterSnapshot): SchedulingCycle {
  if (!podNeedsCycle(pod) && snapshot.nodesWithAffinityPods.length === 0) return localOnlyCycle;
  const interPodAffinity = prepareInterPodAffinity(pod, snapshot);
  const topologySpread = prepareTopologySpread(pod, snapshot);
  return { snapshot, ...(interPodAffinity ? { interPodAffinity } : {}), ...(topologySpread ? { topologySpread } : {}) };
}

/**
 * The default filters, then PodTopologySpread and InterPodAffinity (upstream's order) when the
 * cycle prepared them; the first failure decides.
 */
export function runCycleFilters(pod: Pod, nodeInfo: NodeInfo, cycle: SchedulingCycle): FilterResult {
  const local = runFilters(pod, nodeInfo);
  if (!local.fit) return local;
  if (cycle.topologySpread) {
    const result = topologySpreadFilter(pod, cycle.topologySpread, nodeInfo);
    if (!result.fit) return result;
  }
  if (cycle.interPodAffinity) return interPodAffinityFilter(pod, cycle.interPodAffinity, nodeInfo);
  return local;
}
