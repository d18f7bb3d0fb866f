/**
 * Scheduler score plugins as pure functions (0-100 per node), following upstream's
 * NodeResourcesFit LeastAllocated strategy, NodeResourcesBalancedAllocation, NodeAffinity
 * (preferred terms) and SelectorSpread, with upstream's normalisation.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { SchedulingCycle } from './cycle.js';
import { allocatable, isTerminal, nonZeroDefaults, podRequests, requestedOnNode, type NodeInfo } from './filters.js';
import { nodeSelectorTermMatches } from '../apimachinery/scheduling.js';
import { interPodAffinityScores } from './interpod-affinity.js';
import { buildSnapshot } from './snapshot.js';
import { hasSpreadConstraints, topologySpreadScores } from './topology-spread.js';

/** Highest score a plugin gives a node. */
export const maxNodeScore = 100;

/** Resource weights of the LeastAllocated strategy: cpu and memory, 1 each (upstream's default). */
export const defaultResourceWeights: Readonly<Record<string, number>> = { cpu: 1, memory: 1 };

/** What a node would have requested (non-zero defaults applied) and can allocate, with the pod added. */
function requestedWithPod(pod: Pod, nodeInfo: NodeInfo, resource: string): { requested: number; capacity: number } {
  const options = { nonMissingDefaults: nonZeroDefaults };
  const requested = (requestedOnNode(nodeInfo, options).get(resource) ?? 0) + (podRequests(pod, options).get(resource) ?? 0);
  return { requested, capacity: allocatable(nodeInfo.node).get(resource) ?? 0 };
}

/**
 * NodeResourcesFit / LeastAllocated: per resource (capacity - requested) * 100 / capacity
 * (0 when over capacity or no capacity), averaged by weight, with integer division as
 * upstream. Requests use the non-zero defaults (100m cpu, 200Mi memory) for containers
 * that request nothing.
 */
export function leastAllocatedScore(pod: Pod, nodeInfo: NodeInfo, weights: Readonly<Record<string, number>> = defaultResourceWeights): number {
  let score = 0;
  let weightSum = 0;
  for (const [resource, weight] of Object.entries(weights)) {
    const { requested, capacity } = requestedWithPod(pod, nodeInfo, resource);
    const resourceScore = capacity === 0 || requested > capacity ? 0 : Math.floor(((capacity - requested) * maxNodeScore) / capacity);
    score += resourceScore * weight;
    weightSum += weight;
  }
  return weightSum === 0 ? 0 : Math.floor(score / weightSum);
}

/**
 * NodeResourcesBalancedAllocation: favours nodes whose cpu and memory fractions (with the
 * pod) are close: (1 - standard deviation of the fractions) * 100.
 */
export function balancedAllocationScore(pod: Pod, nodeInfo: NodeInfo, resources: readonly string[] = ['cpu', 'memory']): number {
  const fractions: number[] = [];
  for (const resource of resources) {
    const { requested, capacity } = requestedWithPod(pod, nodeInfo, resource);
    if (capacity === 0) continue;
    fractions.push(Math.min(1, requested / capacity));
  }
  let deviation = 0;
  if (fractions.length === 2) {
    deviation = Math.abs((fractions[0] ?? 0) - (fractions[1] ?? 0)) / 2;
  } else if (fractions.length > 2) {
    const mean = fractions.reduce((sum, value) => sum + value, 0) / fractions.length;
    deviation = Math.sqrt(fractions.reduce((sum, value) => sum + (value - mean) ** 2, 0) / fractions.length);
  }
  return Math.trunc((1 - deviation) * maxNodeScore);
}

/** NodeAffinity raw score: the sum of the weights of the preferred terms the node matches. */
export function nodeAffinityRawScore(pod: Pod, node: Node): number {
  const preferred = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  let score = 0;
  for (const term of preferred) {
    if (term.weight !== 0 && nodeSelectorTermMatches(term.preference, node)) score += term.weight;
  }
  return score;
}

/**
 * Upstream's DefaultNormalizeScore: scales raw scores so the highest becomes 100 (integer
 * division); with `reverse`, 100 - that. All-zero input stays 0 (or 100 when reversed).
 */
export function normalizeScores(raw: readonly number[], reverse = false): number[] {
  const max = Math.max(0, ...raw);
  if (max === 0) return raw.map(() => (reverse ? maxNodeScore : 0));
  return raw.map((score) => {
    const scaled = Math.floor((maxNodeScore * score) / max);
    return reverse ? maxNodeScore - scaled : scaled;
  });
}

function controllerKey(pod: Pod): string | undefined {
  const owner = pod.metadata?.ownerReferences?.find((reference) => reference.controller);
  if (!owner) return undefined;
  return `${pod.metadata?.namespace ?? 'default'}/${owner.uid || `${owner.kind}/${owner.name}`}`;
}

/**
 * SelectorSpread raw score: how many live pods on the node share the pod's namespace and
 * controlling owner (a stand-in for upstream's service/controller selectors). Pods without a
 * controller count nothing.
 */
export function selectorSpreadRawScore(pod: Pod, nodeInfo: NodeInfo): number {
  const key = controllerKey(pod);
  if (key === undefined) return 0;
  return controllerCounts(nodeInfo).get(key) ?? 0;
}

const controllerCountsCache = new WeakMap<NodeInfo, Map<string, number>>();

/** Live, not deleting pods on the node by controller key; memoised per NodeInfo (rebuilt when its pods change), so scoring stays O(nodes). */
function controllerCounts(nodeInfo: NodeInfo): Map<string, number> {
  let counts = controllerCountsCache.get(nodeInfo);
  if (!counts) {
    counts = new Map();
    for (const bound of nodeInfo.pods) {
      if (isTerminal(bound) || bound.metadata?.deletionTimestamp) continue;
      const key = controllerKey(bound);
      if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    controllerCountsCache.set(nodeInfo, counts);
  }
  return counts;
}

const zoneWeighting = 2 / 3;

function zoneKey(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\x00:${zone}`;
}

/**
 * SelectorSpread normalisation: 100 * (max - count) / max per node (100 everywhere when no
 * node has a sibling), blended 1/3 node and 2/3 zone when nodes carry zone labels.
 */
export function selectorSpreadScores(counts: readonly number[], nodes: readonly Node[]): number[] {
  const maxByNode = Math.max(0, ...counts);
  const byZone = new Map<string, number>();
  nodes.forEach((node, index) => {
    const zone = zoneKey(node);
    if (zone !== '') byZone.set(zone, (byZone.get(zone) ?? 0) + (counts[index] ?? 0));
  });
  const maxByZone = Math.max(0, ...byZone.values());
  return counts.map((count, index) => {
    let score = maxByNode > 0 ? (maxNodeScore * (maxByNode - count)) / maxByNode : maxNodeScore;
    const zone = nodes[index] ? zoneKey(nodes[index]) : '';
    if (byZone.size > 0 && zone !== '') {
      const zoneScore = maxByZone > 0 ? (maxNodeScore * (maxByZone - (byZone.get(zone) ?? 0))) / maxByZone : maxNodeScore;
      score = score * (1 - zoneWeighting) + zoneWeighting * zoneScore;
    }
    return Math.trunc(score);
  });
}

/** Plugin weights of the combined score (upstream's defaults; SelectorSpread takes PodTopologySpread's 2). */
export interface ScoreWeights {
  leastAllocated: number;
  balancedAllocation: number;
  nodeAffinity: number;
  selectorSpread: number;
  /** InterPodAffinity. Default 2. */
  interPodAffinity?: number;
  /** PodTopologySpread (pods with their own constraints). Default 2. */
  podTopologySpread?: number;
}

/** Default weights: LeastAllocated 1, BalancedAllocation 1, NodeAffinity 2, SelectorSpread 2, InterPodAffinity 2, PodTopologySpread 2. */
export const defaultScoreWeights: Readonly<ScoreWeights> = {
  leastAllocated: 1,
  balancedAllocation: 1,
  nodeAffinity: 2,
  selectorSpread: 2,
  interPodAffinity: 2,
  podTopologySpread: 2,
};

/** One node's plugin scores and weighted total. */
export interface NodeScore {
  nodeName: string;
  leastAllocated: number;
  balancedAllocation: number;
  nodeAffinity: number;
  /** The default spreading; 0 for pods with their own topologySpreadConstraints, which PodTopologySpread scores instead. */
  selectorSpread: number;
  /** Present when the InterPodAffinity plugin scored (the pod or an existing pod has affinity terms that matched). */
  interPodAffinity?: number;
  /** Present when the pod has ScheduleAnyway topology spread constraints. */
  podTopologySpread?: number;
  total: number;
}

/**
 * Scores every (feasible) node for the pod: normalised plugin scores combined by weight. The
 * cluster-wide plugins read `cycle`'s snapshot (default: a cycle over `nodes` alone). A pod with
 * topologySpreadConstraints is spread by PodTopologySpread, any other by SelectorSpread (the
 * stand-in for upstream's system default constraints), never both.
 */
export function scoreNodes(
  pod: Pod,
  nodes: readonly NodeInfo[],
  weights: Readonly<ScoreWeights> = defaultScoreWeights,
  cycle?: SchedulingCycle,
): NodeScore[] {
  const snapshot = cycle ? cycle.snapshot : buildSnapshot(nodes);
  const affinity = normalizeScores(nodes.map((info) => nodeAffinityRawScore(pod, info.node)));
  const ownSpreading = hasSpreadConstraints(pod);
  const spread = ownSpreading
    ? nodes.map(() => 0)
    : selectorSpreadScores(
        nodes.map((info) => selectorSpreadRawScore(pod, info)),
        nodes.map((info) => info.node),
      );
  const podTopologySpread = ownSpreading && snapshot ? topologySpreadScores(pod, snapshot, nodes) : undefined;
  const interPodAffinity = snapshot ? interPodAffinityScores(pod, snapshot, nodes) : undefined;
  return nodes.map((info, index) => {
    const scores: Omit<NodeScore, 'nodeName' | 'total'> = {
      leastAllocated: leastAllocatedScore(pod, info),
      balancedAllocation: balancedAllocationScore(pod, info),
      nodeAffinity: affinity[index] ?? 0,
      selectorSpread: spread[index] ?? 0,
      ...(interPodAffinity ? { interPodAffinity: interPodAffinity[index] ?? 0 } : {}),
      ...(podTopologySpread ? { podTopologySpread: podTopologySpread[index] ?? 0 } : {}),
    };
    const total =
      scores.leastAllocated * weights.leastAllocated +
      scores.balancedAllocation * weights.balancedAllocation +
      scores.nodeAffinity * weights.nodeAffinity +
      scores.selectorSpread * weights.selectorSpread +
      (scores.interPodAffinity ?? 0) * (weights.interPodAffinity ?? 2) +
      (scores.podTopologySpread ?? 0) * (weights.podTopologySpread ?? 2);
    return { nodeName: info.node.metadata?.name ?? '', ...scores, total };
  });
}
