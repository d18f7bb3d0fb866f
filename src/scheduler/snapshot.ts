/**
 * The cluster-wide view the scheduling plugins that look beyond one node need (upstream's
 * framework SharedLister snapshot): every node with its pods, the nodes holding pods with
 * pod (anti-)affinity terms, and namespace labels for namespaceSelector.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { labelSelectorFromObject, type LabelSelectorExpr } from '../apimachinery/selectors/labels.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from './filters.js';

/** Namespace labels by namespace name; undefined for an unknown namespace. */
export type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined;

/** What the inter-pod affinity and topology spread plugins read about the cluster. */
export interface ClusterSnapshot {
  /** Every schedulable node with its bound pods. */
  readonly nodes: readonly NodeInfo[];
  /** The nodes holding at least one pod with pod affinity or anti-affinity terms (upstream's HavePodsWithAffinityList). */
  readonly nodesWithAffinityPods: readonly NodeInfo[];
  /** The nodes holding at least one pod with required anti-affinity terms (upstream's HavePodsWithRequiredAntiAffinityList). */
  readonly nodesWithRequiredAntiAffinityPods: readonly NodeInfo[];
  /** Labels of a namespace, for namespaceSelector. */
  readonly namespaceLabels: NamespaceLabels;
}

/** Whether the pod has any pod affinity or anti-affinity term, required or preferred. */
export function hasPodAffinityTerms(pod: Pod): boolean {
  const affinity = pod.spec?.affinity;
  return (
    (affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0 ||
    (affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0 ||
    hasRequiredAntiAffinity(pod) ||
    (affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0
  );
}

/** Whether the pod has required anti-affinity terms (the ones other pods must respect). */
export function hasRequiredAntiAffinity(pod: Pod): boolean {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}

/** The pods of a node that carry affinity terms. */
export interface AffinityPodsOnNode {
  withAffinity: readonly Pod[];
  withRequiredAntiAffinity: readonly Pod[];
}

// NodeInfos are rebuilt when their pods change, so the scan is done once per NodeInfo.
const affinityPodsCache = new WeakMap<NodeInfo, AffinityPodsOnNode>();

/** The node's pods with pod (anti-)affinity terms, memoised per NodeInfo. */
export function affinityPodsOn(nodeInfo: NodeInfo): AffinityPodsOnNode {
  let cached = affinityPodsCache.get(nodeInfo);
  if (!cached) {
    const withAffinity = nodeInfo.pods.filter(hasPodAffinityTerms);
    cached = { withAffinity, withRequiredAntiAffinity: withAffinity.filter(hasRequiredAntiAffinity) };
    affinityPodsCache.set(nodeInfo, cached);
  }
  return cached;
}

/** Options of buildSnapshot. */
export interface BuildSnapshotOptions {
  /** Namespace labels for namespaceSelector. Default: every namespace is unknown (no labels). */
  namespaceLabels?: NamespaceLabels;
}

const noNamespaceLabels: NamespaceLabels = () => undefined;

/** A snapshot over these nodes; the affinity lists are derived from the nodes' pods. */
export function buildSnapshot(nodes: readonly NodeInfo[], options: BuildSnapshotOptions = {}): ClusterSnapshot {
  const nodesWithAffinityPods: NodeInfo[] = [];
  const nodesWithRequiredAntiAffinityPods: NodeInfo[] = [];
  for (const info of nodes) {
    const pods = affinityPodsOn(info);
    if (pods.withAffinity.length > 0) nodesWithAffinityPods.push(info);
    if (pods.withRequiredAntiAffinity.length > 0) nodesWithRequiredAntiAffinityPods.push(info);
  }
  return { nodes, nodesWithAffinityPods, nodesWithRequiredAntiAffinityPods, namespaceLabels: options.namespaceLabels ?? noNamespaceLabels };
}

const selectsNothing: LabelSelectorExpr = { requirements: [], matchesNothing: true };

/** A term's label selector parsed; one that does not parse selects nothing (the API server validates them). */
export function parseSelectorOrNothing(selector: LabelSelector | undefined): LabelSelectorExpr {
  try {
    return labelSelectorFromObject(selector);
  } catch (err) {
    if (err instanceof Error) return selectsNothing;
    throw err;
  }
}
