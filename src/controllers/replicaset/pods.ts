/**
 * Which pods the ReplicaSet controller deletes first when scaling down, after upstream's
 * pkg/controller/controller_utils.go (ActivePodsWithRanks).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodReady, podReadyCondition } from '../../apimachinery/pod.js';

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseRank(pod: Pod): number {
  // Upstream's map lookup yields 0 for any other phase.
  return phaseOrdinal[pod.status?.phase ?? ''] ?? 0;
}

function timeMs(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function readyTimeMs(pod: Pod): number | undefined {
  return isPodReady(pod) ? timeMs(podReadyCondition(pod)?.lastTransitionTime) : undefined;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((status) => status.restartCount ?? 0));
}

function deletionCost(pod: Pod): number {
  const text = pod.metadata?.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : 0;
}

/** Upstream's logarithmicRankDiff: compares how long ago two instants were in powers of two of nanoseconds. */
function logarithmicRankDiff(a: number, b: number, now: number): number {
  const rank = (t: number): number => {
    const ns = (now - t) * 1e6;
    return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
  };
  return rank(a) - rank(b);
}

/**
 * Orders two timestamps as upstream's LogarithmicScaleDown comparison: a missing one first, else
 * the more recent (by logarithmic bucket; ties by uid). Negative when `a` goes first.
 */
function compareRecentFirst(a: number | undefined, b: number | undefined, now: number, uidA: string, uidB: string): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const diff = logarithmicRankDiff(a, b, now);
  if (diff === 0) return uidA < uidB ? -1 : uidA > uidB ? 1 : 0;
  return diff;
}

/** A pod with its rank: the number of related active pods on its node (upstream's getPodsRankedByRelatedPodsOnSameNode). */
export interface RankedPod {
  pod: Pod;
  rank: number;
}

/** Ranks `pods` by the number of active `relatedPods` on the same node. */
export function rankBySameNode(pods: readonly Pod[], relatedPods: readonly Pod[]): RankedPod[] {
  const perNode = new Map<string, number>();
  for (const pod of relatedPods) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec?.nodeName ?? '';
    perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  return pods.map((pod) => ({ pod, rank: perNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
}

/**
 * Upstream's ActivePodsWithRanks ordering (pods to delete first come first): unscheduled before
 * scheduled; Pending < Unknown < Running; not ready before ready; lower pod-deletion-cost first;
 * more colocated pods (higher rank) first; ready for less time first; more container restarts
 * first; newer before older (with LogarithmicScaleDown buckets, ties broken by uid).
 */
export function compareForDeletion(a: RankedPod, b: RankedPod, now: Date): number {
  const podA = a.pod;
  const podB = b.pod;
  const nodeA = podA.spec?.nodeName ?? '';
  const nodeB = podB.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '' ? -1 : 1;
  if (phaseRank(podA) !== phaseRank(podB)) return phaseRank(podA) - phaseRank(podB);
  if (isPodReady(podA) !== isPodReady(podB)) return isPodReady(podA) ? 1 : -1;
  if (deletionCost(podA) !== deletionCost(podB)) return deletionCost(podA) - deletionCost(podB);
  if (a.rank !== b.rank) return b.rank - a.rank;
  const uidA = podA.metadata?.uid ?? '';
  const uidB = podB.metadata?.uid ?? '';
  if (isPodReady(podA) && isPodReady(podB)) {
    const byReady = compareRecentFirst(readyTimeMs(podA), readyTimeMs(podB), now.getTime(), uidA, uidB);
    if (byReady !== 0) return byReady;
  }
  if (maxRestarts(podA) !== maxRestarts(podB)) return maxRestarts(podB) - maxRestarts(podA);
  return compareRecentFirst(timeMs(podA.metadata?.creationTimestamp), timeMs(podB.metadata?.creationTimestamp), now.getTime(), uidA, uidB);
}

/** The `count` pods upstream's ReplicaSet controller deletes first (getPodsToDelete). */
export function podsToDelete(pods: readonly Pod[], relatedPods: readonly Pod[], count: number, now: Date): Pod[] {
  if (count >= pods.length) return [...pods];
  return rankBySameNode(pods, relatedPods)
    .sort((a, b) => compareForDeletion(a, b, now))
    .slice(0, count)
    .map((ranked) => ranked.pod);
}
