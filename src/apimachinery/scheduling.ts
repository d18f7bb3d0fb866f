/**
 * The scheduling predicates components share, after upstream's component-helpers/scheduling/corev1
 * (and v1helper's ToleratesTaint): taints and tolerations, node selector terms and a pod's
 * required node affinity. The scheduler's filters and the DaemonSet and node lifecycle
 * controllers decide with the same rules.
 */
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';

/** Upstream's ToleratesTaint: effect (if set) and key (if set) must match; Exists ignores the value. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** True when some toleration tolerates the taint (upstream's TolerationsTolerateTaint). */
export function isTaintTolerated(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((toleration) => toleratesTaint(toleration, taint));
}

/**
 * Upstream's FindMatchingUntoleratedTaint: the first taint passing `filter` (default: all) that
 * no toleration tolerates, if any.
 */
export function findUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  filter: (taint: Taint) => boolean = () => true,
): Taint | undefined {
  return (taints ?? []).find((taint) => filter(taint) && !isTaintTolerated(tolerations, taint));
}

function parseInteger(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

function requirementMatches(requirement: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const actual = parseInteger(value);
      const bound = parseInteger(values[0] ?? '');
      if (actual === undefined || bound === undefined) return false;
      return requirement.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/** One node selector term: all expressions (on labels) and fields (only metadata.name, In/NotIn) must match; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const expression of expressions) {
    if (!requirementMatches(expression, Object.hasOwn(labels, expression.key) ? labels[expression.key] : undefined)) return false;
  }
  for (const field of fields) {
    if (field.key !== 'metadata.name' || (field.operator !== 'In' && field.operator !== 'NotIn')) return false;
    if ((field.values ?? []).length !== 1) return false;
    if (!requirementMatches(field, node.metadata?.name)) return false;
  }
  return true;
}

/** Upstream's MatchNodeSelectorTerms: the terms are ORed; an empty list matches nothing. */
export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  return terms.some((term) => nodeSelectorTermMatches(term, node));
}

/**
 * Upstream's GetRequiredNodeAffinity(pod).Match(node): every spec.nodeSelector label is equal on
 * the node, and the node matches a term of requiredDuringSchedulingIgnoredDuringExecution (when set).
 */
export function requiredNodeAffinityMatches(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(pod.spec?.nodeSelector ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return !required || nodeSelectorTermsMatch(required.nodeSelectorTerms, node);
}
