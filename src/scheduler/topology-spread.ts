/**
 * Upstream's PodTopologySpread plugin as pure functions over a ClusterSnapshot:
 * whenUnsatisfiable DoNotSchedule constraints filter (skew of the node's domain against the
 * global minimum, minDomains), ScheduleAnyway constraints score (matching pods per domain,
 * weighted by log(domains + 2), plus maxSkew - 1, reversed). Node inclusion follows
 * nodeAffinityPolicy (default Honor) and nodeTaintsPolicy (default Ignore); matchLabelKeys
 * add the pod's own values to the selector.
 *
 * Pods without constraints get no spreading here: upstream's system default constraints
 * (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway, for pods of a Service / RC / RS / SS)
 * are stood in for by scores.ts's SelectorSpread, which scores the same domains.
 */
import type { Node, Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { matchesLabels, type LabelSelectorExpr } from '../apimachinery/selectors/labels.js';
import { FilterReasons, isTerminal, nodeAffinityFilter, taintTolerationFilter, type FilterResult, type NodeInfo } from './filters.js';
import { parseSelectorOrNothing, type ClusterSnapshot } from './snapshot.js';

/** Upstream's MaxNodeScore (scores.ts's maxNodeScore; repeated here to keep the import graph acyclic). */
const maxNodeScore = 100;

const hostnameLabel = 'kubernetes.io/hostname';

/** A topology spread constraint with its selector parsed and defaults applied. */
export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: LabelSelectorExpr;
  /** Default 1. */
  readonly minDomains: number;
  /** Count only nodes matching the pod's nodeSelector / required node affinity. Default true (Honor). */
  readonly honorNodeAffinity: boolean;
  /** Count only nodes whose NoSchedule / NoExecute taints the pod tolerates. Default false (Ignore). */
  readonly honorNodeTaints: boolean;
}


function parseConstraint(constraint: TopologySpreadConstraint, pod: Pod): SpreadConstraint {
  let selector = parseSelectorOrNothing(constraint.labelSelector);
  const labels = pod.metadata?.labels ?? {};
  const matchLabels: Record<string, string> = {};
  for (const key of constraint.matchLabelKeys ?? []) if (Object.hasOwn(labels, key)) matchLabels[key] = labels[key] ?? '';
  if (Object.keys(matchLabels).length > 0) {
    // As upstream's mergeLabelSetWithSelector: a missing selector contributes no requirements.
    selector = { requirements: [...parseSelectorOrNothing({ matchLabels }).requirements, ...selector.requirements], matchesNothing: false };
  }
  return {
    maxSkew: constraint.maxSkew,
    topologyKey: constraint.topologyKey,
    selector,
    minDomains: constraint.minDomains ?? 1,
    honorNodeAffinity: (constraint.nodeAffinityPolicy ?? 'Honor') === 'Honor',
    honorNodeTaints: (constraint.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
  };
}

type Action = 'DoNotSchedule' | 'ScheduleAnyway';
const constraintsCache = new WeakMap<Pod, Record<Action, SpreadConstraint[]>>();

/** The pod's constraints with this whenUnsatisfiable, parsed, memoised per pod object. */
export function spreadConstraints(pod: Pod, action: Action): readonly SpreadConstraint[] {
  let cached = constraintsCache.get(pod);
  if (!cached) {
    const all = pod.spec?.topologySpreadConstraints ?? [];
    cached = {
      DoNotSchedule: all.filter((c) => c.whenUnsatisfiable === 'DoNotSchedule').map((c) => parseConstraint(c, pod)),
      ScheduleAnyway: all.filter((c) => c.whenUnsatisfiable === 'ScheduleAnyway').map((c) => parseConstraint(c, pod)),
    };
    constraintsCache.set(pod, cached);
  }
  return cached[action];
}

/** Whether the pod has topologySpreadConstraints of its own. */
export function hasSpreadConstraints(pod: Pod): boolean {
  return (pod.spec?.topologySpreadConstraints?.length ?? 0) > 0;
}

function labelOf(node: Node, key: string): string | undefined {
  const labels = node.metadata?.labels ?? {};
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

function hasAllKeys(node: Node, constraints: readonly SpreadConstraint[]): boolean {
  return constraints.every((c) => labelOf(node, c.topologyKey) !== undefined);
}

/** Decides node inclusion per constraint, evaluating the pod's node affinity and tolerations at most once per node. */
function inclusion(pod: Pod, node: Node): (constraint: SpreadConstraint) => boolean {
  let affinityFits: boolean | undefined;
  let taintsFit: boolean | undefined;
  return (constraint) => {
    if (constraint.honorNodeAffinity && !(affinityFits ??= nodeAffinityFilter(pod, node).fit)) return false;
    if (constraint.honorNodeTaints && !(taintsFit ??= taintTolerationFilter(pod, node).fit)) return false;
    return true;
  };
}

/** Upstream's countPodsMatchSelector: live pods of the namespace matching the selector (terminating and finished pods excluded). */
function countMatching(pods: readonly Pod[], selector: LabelSelectorExpr, namespace: string): number {
  let count = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp || (pod.metadata?.namespace ?? '') !== namespace || isTerminal(pod)) continue;
    if (matchesLabels(selector, pod.metadata?.labels)) count += 1;
  }
  return count;
}

/** What the filter needs, computed once per pod over the whole cluster (upstream's PreFilter state). */
export interface TopologySpreadState {
  readonly constraints: readonly SpreadConstraint[];
  /** Per constraint: matching pods per topology value of the eligible nodes. */
  readonly counts: ReadonlyArray<ReadonlyMap<string, number>>;
  /** Per constraint: the global minimum (0 when fewer domains than minDomains). */
  readonly minimums: readonly number[];
}

/** The filter state, or undefined when the pod has no DoNotSchedule constraints. */
export function prepareTopologySpread(pod: Pod, snapshot: ClusterSnapshot): TopologySpreadState | undefined {
  const constraints = spreadConstraints(pod, 'DoNotSchedule');
  if (constraints.length === 0) return undefined;
  const namespace = pod.metadata?.namespace ?? '';
  const counts = constraints.map(() => new Map<string, number>());
  for (const info of snapshot.nodes) {
    if (!hasAllKeys(info.node, constraints)) continue;
    const included = inclusion(pod, info.node);
    constraints.forEach((constraint, index) => {
      if (!included(constraint)) return;
      const value = labelOf(info.node, constraint.topologyKey) ?? '';
      const byValue = counts[index] as Map<string, number>;
      byValue.set(value, (byValue.get(value) ?? 0) + countMatching(info.pods, constraint.selector, namespace));
    });
  }
  const minimums = constraints.map((constraint, index) => {
    const byValue = counts[index] as Map<string, number>;
    if (byValue.size < constraint.minDomains) return 0;
    return Math.min(Number.MAX_SAFE_INTEGER, ...byValue.values());
  });
  return { constraints, counts, minimums };
}

/**
 * PodTopologySpread filter: for each DoNotSchedule constraint the node must carry the topology
 * key (unresolvable otherwise), and matching pods in its domain plus the pod itself (when it
 * matches the selector) minus the global minimum must not exceed maxSkew.
 */
export function topologySpreadFilter(pod: Pod, state: TopologySpreadState, nodeInfo: NodeInfo): FilterResult {
  for (const [index, constraint] of state.constraints.entries()) {
    const value = labelOf(nodeInfo.node, constraint.topologyKey);
    if (value === undefined) return { fit: false, reason: FilterReasons.topologySpreadMissingLabel, reasons: [FilterReasons.topologySpreadMissingLabel], unresolvable: true };
    const selfMatch = matchesLabels(constraint.selector, pod.metadata?.labels) ? 1 : 0;
    const matching = state.counts[index]?.get(value) ?? 0;
    if (matching + selfMatch - (state.minimums[index] ?? 0) > constraint.maxSkew) {
      return { fit: false, reason: FilterReasons.topologySpread, reasons: [FilterReasons.topologySpread], unresolvable: false };
    }
  }
  return { fit: true };
}

/**
 * PodTopologySpread score of each of `nodes` (the feasible ones) for the pod's ScheduleAnyway
 * constraints, or undefined when it has none. Nodes missing a topology key score 0; the others
 * get sum(matching pods in domain * log(domains + 2) + maxSkew - 1), rounded, then
 * 100 * (max + min - score) / max (100 everywhere when max is 0).
 */
export function topologySpreadScores(pod: Pod, snapshot: ClusterSnapshot, nodes: readonly NodeInfo[]): number[] | undefined {
  const constraints = spreadConstraints(pod, 'ScheduleAnyway');
  if (constraints.length === 0) return undefined;
  const namespace = pod.metadata?.namespace ?? '';
  const ignored = nodes.map((info) => !hasAllKeys(info.node, constraints));
  const scoredCount = ignored.filter((skip) => !skip).length;
  // Domains are the topology values of the scored nodes; counts come from every eligible node.
  const counts = constraints.map(() => new Map<string, number>());
  nodes.forEach((info, index) => {
    if (ignored[index]) return;
    constraints.forEach((constraint, i) => {
      if (constraint.topologyKey !== hostnameLabel) counts[i]?.set(labelOf(info.node, constraint.topologyKey) ?? '', 0);
    });
  });
  const weights = constraints.map((constraint, i) => Math.log((constraint.topologyKey === hostnameLabel ? scoredCount : (counts[i]?.size ?? 0)) + 2));
  for (const info of snapshot.nodes) {
    if (!hasAllKeys(info.node, constraints)) continue;
    const included = inclusion(pod, info.node);
    constraints.forEach((constraint, i) => {
      if (constraint.topologyKey === hostnameLabel || !included(constraint)) return;
      const byValue = counts[i] as Map<string, number>;
      const value = labelOf(info.node, constraint.topologyKey) ?? '';
      const current = byValue.get(value);
      if (current !== undefined) byValue.set(value, current + countMatching(info.pods, constraint.selector, namespace));
    });
  }
  const raw = nodes.map((info, index) => {
    if (ignored[index]) return undefined;
    let score = 0;
    constraints.forEach((constraint, i) => {
      const value = labelOf(info.node, constraint.topologyKey);
      if (value === undefined) return;
      const matching =
        constraint.topologyKey === hostnameLabel ? countMatching(info.pods, constraint.selector, namespace) : (counts[i]?.get(value) ?? 0);
      score += matching * (weights[i] ?? 0) + (constraint.maxSkew - 1);
    });
    return Math.round(score);
  });
  const valid = raw.filter((score): score is number => score !== undefined);
  const min = Math.min(...valid);
  const max = Math.max(0, ...valid);
  return raw.map((score) => {
    if (score === undefined) return 0;
    if (max === 0) return maxNodeScore;
    return Math.floor((maxNodeScore * (max + min - score)) / max);
  });
}
