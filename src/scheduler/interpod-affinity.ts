/**
 * Upstream's InterPodAffinity plugin as pure functions over a ClusterSnapshot: required pod
 * affinity / anti-affinity (and existing pods' required anti-affinity against the incoming pod)
 * as a filter, preferred terms (both ways) and existing pods' required affinity as a score.
 */
import type { Node, Pod, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { matchesLabels, type LabelSelectorExpr } from '../apimachinery/selectors/labels.js';
import { FilterReasons, isTerminal, type FilterResult, type NodeInfo } from './filters.js';
import { affinityPodsOn, parseSelectorOrNothing, type ClusterSnapshot } from './snapshot.js';

/** Upstream's MaxNodeScore (scores.ts's maxNodeScore; repeated here to keep the import graph acyclic). */
const maxNodeScore = 100;

/** A pod affinity term with its selectors parsed (upstream's framework.AffinityTerm). */
export interface AffinityTerm {
  /** Namespaces named by the term; the owning pod's own when neither namespaces nor namespaceSelector is set. */
  readonly namespaces: ReadonlySet<string>;
  /** Selects more namespaces by their labels; a missing selector selects none, an empty one all. */
  readonly namespaceSelector: LabelSelectorExpr;
  readonly selector: LabelSelectorExpr;
  readonly topologyKey: string;
  /** The preferred term's weight (1 for required terms). */
  readonly weight: number;
}

/** A pod's parsed pod affinity and anti-affinity terms. */
export interface PodAffinityTerms {
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly AffinityTerm[];
  readonly preferredAntiAffinity: readonly AffinityTerm[];
}


/** The term's labelSelector with matchLabelKeys (key in (value)) and mismatchLabelKeys (key notin (value)) of the owning pod merged in. */
function termSelector(term: PodAffinityTerm, pod: Pod): LabelSelectorExpr {
  const base = parseSelectorOrNothing(term.labelSelector);
  if (!term.labelSelector || base.matchesNothing) return base;
  const labels = pod.metadata?.labels ?? {};
  const expressions: NonNullable<LabelSelector['matchExpressions']> = [];
  for (const key of term.matchLabelKeys ?? []) {
    if (Object.hasOwn(labels, key)) expressions.push({ key, operator: 'In', values: [labels[key] ?? ''] });
  }
  for (const key of term.mismatchLabelKeys ?? []) {
    if (Object.hasOwn(labels, key)) expressions.push({ key, operator: 'NotIn', values: [labels[key] ?? ''] });
  }
  if (expressions.length === 0) return base;
  return { requirements: [...base.requirements, ...parseSelectorOrNothing({ matchExpressions: expressions }).requirements], matchesNothing: false };
}

function parseTerm(term: PodAffinityTerm, pod: Pod, weight: number): AffinityTerm {
  const named = term.namespaces ?? [];
  const namespaces = new Set(named.length === 0 && !term.namespaceSelector ? [pod.metadata?.namespace ?? ''] : named);
  return { namespaces, namespaceSelector: parseSelectorOrNothing(term.namespaceSelector), selector: termSelector(term, pod), topologyKey: term.topologyKey, weight };
}

const termsCache = new WeakMap<Pod, PodAffinityTerms>();

/** The pod's parsed affinity terms, memoised per pod object. */
export function podAffinityTerms(pod: Pod): PodAffinityTerms {
  let cached = termsCache.get(pod);
  if (!cached) {
    const affinity = pod.spec?.affinity;
    cached = {
      requiredAffinity: (affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => parseTerm(t, pod, 1)),
      requiredAntiAffinity: (affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => parseTerm(t, pod, 1)),
      preferredAffinity: (affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) =>
        parseTerm(t.podAffinityTerm, pod, t.weight),
      ),
      preferredAntiAffinity: (affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) =>
        parseTerm(t.podAffinityTerm, pod, t.weight),
      ),
    };
    termsCache.set(pod, cached);
  }
  return cached;
}

/** Upstream's AffinityTerm.Matches: the pod's namespace is named or selected, and its labels match. */
export function affinityTermMatches(term: AffinityTerm, pod: Pod, namespaceLabels: Readonly<Record<string, string>> | undefined): boolean {
  const namespace = pod.metadata?.namespace ?? '';
  if (!term.namespaces.has(namespace) && !matchesLabels(term.namespaceSelector, namespaceLabels)) return false;
  return matchesLabels(term.selector, pod.metadata?.labels);
}

function matchesAllTerms(terms: readonly AffinityTerm[], pod: Pod, namespaceLabels: Readonly<Record<string, string>> | undefined): boolean {
  return terms.length > 0 && terms.every((term) => affinityTermMatches(term, pod, namespaceLabels));
}

/** Counts keyed by topology pair (`key\0value`). */
type TopologyCounts = Map<string, number>;

function pairKey(topologyKey: string, value: string): string {
  return `${topologyKey}\x00${value}`;
}

function labelOf(node: Node, key: string): string | undefined {
  const labels = node.metadata?.labels ?? {};
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

function increment(counts: TopologyCounts, node: Node, term: AffinityTerm): void {
  const value = labelOf(node, term.topologyKey);
  if (value === undefined) return;
  const key = pairKey(term.topologyKey, value);
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** What the filter needs, computed once per pod over the whole cluster (upstream's PreFilter state). */
export interface InterPodAffinityState {
  readonly terms: PodAffinityTerms;
  readonly namespaceLabels: Readonly<Record<string, string>> | undefined;
  /** Existing pods matching all of the pod's required affinity terms, per term topology pair. */
  readonly affinityCounts: TopologyCounts;
  /** Existing pods matching each of the pod's required anti-affinity terms, per topology pair. */
  readonly antiAffinityCounts: TopologyCounts;
  /** Existing pods whose required anti-affinity terms match the pod, per topology pair. */
  readonly existingAntiAffinityCounts: TopologyCounts;
}

/**
 * The filter state for the pod, or undefined when there is nothing to check: the pod has no
 * required pod (anti-)affinity and no existing pod has required anti-affinity.
 */
export function prepareInterPodAffinity(pod: Pod, snapshot: ClusterSnapshot): InterPodAffinityState | undefined {
  const terms = podAffinityTerms(pod);
  if (terms.requiredAffinity.length === 0 && terms.requiredAntiAffinity.length === 0 && snapshot.nodesWithRequiredAntiAffinityPods.length === 0) {
    return undefined;
  }
  const namespaceLabels = snapshot.namespaceLabels(pod.metadata?.namespace ?? '');
  const existingAntiAffinityCounts: TopologyCounts = new Map();
  for (const info of snapshot.nodesWithRequiredAntiAffinityPods) {
    for (const existing of affinityPodsOn(info).withRequiredAntiAffinity) {
      if (isTerminal(existing)) continue;
      for (const term of podAffinityTerms(existing).requiredAntiAffinity) {
        if (affinityTermMatches(term, pod, namespaceLabels)) increment(existingAntiAffinityCounts, info.node, term);
      }
    }
  }
  const affinityCounts: TopologyCounts = new Map();
  const antiAffinityCounts: TopologyCounts = new Map();
  if (terms.requiredAffinity.length > 0 || terms.requiredAntiAffinity.length > 0) {
    for (const info of snapshot.nodes) {
      for (const existing of info.pods) {
        if (isTerminal(existing)) continue;
        const existingLabels = snapshot.namespaceLabels(existing.metadata?.namespace ?? '');
        if (matchesAllTerms(terms.requiredAffinity, existing, existingLabels)) {
          for (const term of terms.requiredAffinity) increment(affinityCounts, info.node, term);
        }
        for (const term of terms.requiredAntiAffinity) {
          if (affinityTermMatches(term, existing, existingLabels)) increment(antiAffinityCounts, info.node, term);
        }
      }
    }
  }
  return { terms, namespaceLabels, affinityCounts, antiAffinityCounts, existingAntiAffinityCounts };
}

function satisfiesAffinity(pod: Pod, state: InterPodAffinityState, node: Node): boolean {
  let podsExist = true;
  for (const term of state.terms.requiredAffinity) {
    const value = labelOf(node, term.topologyKey);
    // Every topology key must be on the node.
    if (value === undefined) return false;
    if ((state.affinityCounts.get(pairKey(term.topologyKey, value)) ?? 0) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself may go anywhere when no pod matches yet.
  return state.affinityCounts.size === 0 && matchesAllTerms(state.terms.requiredAffinity, pod, state.namespaceLabels);
}

function satisfiesAntiAffinity(state: InterPodAffinityState, node: Node): boolean {
  for (const term of state.terms.requiredAntiAffinity) {
    const value = labelOf(node, term.topologyKey);
    if (value !== undefined && (state.antiAffinityCounts.get(pairKey(term.topologyKey, value)) ?? 0) > 0) return false;
  }
  return true;
}

function satisfiesExistingAntiAffinity(state: InterPodAffinityState, node: Node): boolean {
  if (state.existingAntiAffinityCounts.size === 0) return true;
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if ((state.existingAntiAffinityCounts.get(pairKey(key, value)) ?? 0) > 0) return false;
  }
  return true;
}

function failure(reason: string, unresolvable: boolean): FilterResult {
  return { fit: false, reason, reasons: [reason], unresolvable };
}

/**
 * InterPodAffinity filter: the node's topology domains must hold pods matching every required
 * affinity term (unresolvable otherwise), none matching a required anti-affinity term, and no
 * existing pod whose required anti-affinity matches this pod.
 */
export function interPodAffinityFilter(pod: Pod, state: InterPodAffinityState, nodeInfo: NodeInfo): FilterResult {
  if (!satisfiesAffinity(pod, state, nodeInfo.node)) return failure(FilterReasons.podAffinity, true);
  if (!satisfiesAntiAffinity(state, nodeInfo.node)) return failure(FilterReasons.podAntiAffinity, false);
  if (!satisfiesExistingAntiAffinity(state, nodeInfo.node)) return failure(FilterReasons.existingPodsAntiAffinity, false);
  return { fit: true };
}

/** Options of interPodAffinityScores. */
export interface InterPodAffinityScoreOptions {
  /** Weight of an existing pod's required affinity term that the pod matches (upstream's hardPodAffinityWeight). Default 1. */
  hardPodAffinityWeight?: number;
}

type TopologyScores = Map<string, Map<string, number>>;

function addScore(scores: TopologyScores, term: AffinityTerm, node: Node, amount: number): void {
  const value = labelOf(node, term.topologyKey);
  if (value === undefined) return;
  let byValue = scores.get(term.topologyKey);
  if (!byValue) {
    byValue = new Map();
    scores.set(term.topologyKey, byValue);
  }
  byValue.set(value, (byValue.get(value) ?? 0) + amount);
}

/**
 * InterPodAffinity score of each of `nodes` (normalised 0..100: (s - min) * 100 / (max - min),
 * truncated), or undefined when the plugin has nothing to say (no preferred terms on the pod
 * and no existing pod with affinity terms, or no term matched). Existing pods contribute the
 * pod's preferred terms (+/- weight), their own preferred terms matching the pod (+/- weight)
 * and their required affinity terms matching the pod (+hardPodAffinityWeight), per topology
 * domain of the node they run on.
 */
export function interPodAffinityScores(
  pod: Pod,
  snapshot: ClusterSnapshot,
  nodes: readonly NodeInfo[],
  options: InterPodAffinityScoreOptions = {},
): number[] | undefined {
  const hardWeight = options.hardPodAffinityWeight ?? 1;
  const terms = podAffinityTerms(pod);
  const hasPreferred = terms.preferredAffinity.length > 0 || terms.preferredAntiAffinity.length > 0;
  if (!hasPreferred && snapshot.nodesWithAffinityPods.length === 0) return undefined;
  const namespaceLabels = snapshot.namespaceLabels(pod.metadata?.namespace ?? '');
  const topologyScores: TopologyScores = new Map();
  for (const info of hasPreferred ? snapshot.nodes : snapshot.nodesWithAffinityPods) {
    const node = info.node;
    if (Object.keys(node.metadata?.labels ?? {}).length === 0) continue;
    for (const existing of hasPreferred ? info.pods : affinityPodsOn(info).withAffinity) {
      if (isTerminal(existing)) continue;
      if (hasPreferred) {
        const existingLabels = snapshot.namespaceLabels(existing.metadata?.namespace ?? '');
        for (const term of terms.preferredAffinity) if (affinityTermMatches(term, existing, existingLabels)) addScore(topologyScores, term, node, term.weight);
        for (const term of terms.preferredAntiAffinity) if (affinityTermMatches(term, existing, existingLabels)) addScore(topologyScores, term, node, -term.weight);
      }
      const existingTerms = podAffinityTerms(existing);
      if (hardWeight > 0) {
        for (const term of existingTerms.requiredAffinity) if (affinityTermMatches(term, pod, namespaceLabels)) addScore(topologyScores, term, node, hardWeight);
      }
      for (const term of existingTerms.preferredAffinity) if (affinityTermMatches(term, pod, namespaceLabels)) addScore(topologyScores, term, node, term.weight);
      for (const term of existingTerms.preferredAntiAffinity) if (affinityTermMatches(term, pod, namespaceLabels)) addScore(topologyScores, term, node, -term.weight);
    }
  }
  if (topologyScores.size === 0) return undefined;
  const raw = nodes.map((info) => {
    let score = 0;
    for (const [key, byValue] of topologyScores) {
      const value = labelOf(info.node, key);
      if (value !== undefined) score += byValue.get(value) ?? 0;
    }
    return score;
  });
  const min = Math.min(...raw);
  const max = Math.max(...raw);
  const spread = max - min;
  return raw.map((score) => (spread > 0 ? Math.trunc((maxNodeScore * (score - min)) / spread) : 0));
}
