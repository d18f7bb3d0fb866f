/**
 * Which requests a ValidatingAdmissionPolicy (or its binding) applies to, as upstream's
 * generic matcher: resource rules (groups, versions, resources with subresources, operations,
 * scope, names), exclusions, the namespace selector and the object selector. Pure functions.
 */
import type { MatchResources, NamedRuleWithOperations as RuleFields } from 'kubernetes-types/admissionregistration/v1.js';
import { labelSelectorMatches } from '../../validation/meta.js';

/** The request as the matcher sees it. */
export interface MatchRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  group: string;
  version: string;
  /** Plural resource name. */
  resource: string;
  /** '' for the main resource. */
  subresource: string;
  namespaced: boolean;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
  /** Labels of the new object (undefined on DELETE). */
  objectLabels?: Record<string, string>;
  /** Labels of the old object (on UPDATE and DELETE). */
  oldObjectLabels?: Record<string, string>;
  /** Labels of the request's namespace (the Namespace itself when it is the object). */
  namespaceLabels?: Record<string, string>;
}

/** A resource rule: kubernetes-types loses the fields upstream embeds inline (resources, scope). */
export type NamedRuleWithOperations = RuleFields & { resources?: string[]; scope?: string };

function listMatches(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).some((v) => v === '*' || v === value);
}

/** True when `resources` (`pods`, `pods/status`, `*`, `*\/*`, `pods/*`, `*\/status`) names the request's resource. */
function resourceMatches(resources: readonly string[] | undefined, resource: string, subresource: string): boolean {
  for (const r of resources ?? []) {
    const [res, sub = ''] = r.split('/', 2) as [string, string?];
    if (!r.includes('/')) {
      if (subresource === '' && (res === '*' || res === resource)) return true;
      continue;
    }
    if ((res === '*' || res === resource) && (sub === '*' || sub === subresource)) return true;
  }
  return false;
}

/** True when one rule (with its operations, scope and resource names) covers the request. */
export function ruleMatches(rule: NamedRuleWithOperations, req: MatchRequest): boolean {
  if (!listMatches(rule.operations, req.operation)) return false;
  if (!listMatches(rule.apiGroups, req.group)) return false;
  if (!listMatches(rule.apiVersions, req.version)) return false;
  if (!resourceMatches(rule.resources, req.resource, req.subresource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && req.namespaced) return false;
  if (scope === 'Namespaced' && !req.namespaced) return false;
  if (rule.resourceNames?.length && !rule.resourceNames.includes(req.name)) return false;
  return true;
}

/**
 * True when the match resources select the request: a rule matches, no exclusion does, the
 * namespace selector selects the namespace (cluster-scoped requests other than Namespaces always
 * pass) and the object selector selects the new or the old object. An empty selector selects all.
 */
export function matchResourcesSelect(match: MatchResources | undefined, req: MatchRequest, requireRules = true): boolean {
  if (!match) return !requireRules;
  if (match.resourceRules !== undefined || requireRules) {
    if (!((match.resourceRules ?? []) as NamedRuleWithOperations[]).some((r) => ruleMatches(r, req))) return false;
  }
  if (((match.excludeResourceRules ?? []) as NamedRuleWithOperations[]).some((r) => ruleMatches(r, req))) return false;
  const isNamespace = req.group === '' && req.resource === 'namespaces';
  if (match.namespaceSelector && (req.namespace !== '' || isNamespace)) {
    if (!labelSelectorMatches(match.namespaceSelector, req.namespaceLabels ?? {})) return false;
  }
  if (match.objectSelector) {
    const sel = match.objectSelector;
    const news = req.objectLabels !== undefined && labelSelectorMatches(sel, req.objectLabels);
    const olds = req.oldObjectLabels !== undefined && labelSelectorMatches(sel, req.oldObjectLabels);
    if (!news && !olds) return false;
  }
  return true;
}
