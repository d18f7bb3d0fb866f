/**
 * RBAC escalation prevention, as upstream's policy-based RBAC storage: a user may create or
 * change a Role or ClusterRole only with rules they hold (or the `escalate` verb on it), and a
 * binding only to a role whose rules they hold (or the `bind` verb on it). `system:masters`
 * members and components inside the server are exempt. A binding to a missing role binds no
 * rules, so it is allowed (as upstream) and grants nothing.
 */
import type { ClusterRole, PolicyRule, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import { jsonEqual } from '../../apimachinery/json.js';
import type { KubeObject } from '../../apimachinery/object.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin } from '../admission/admission.js';
import type { UserInfo } from '../auth.js';
import { SYSTEM_MASTERS } from './chain.js';
import type { RequestAttributes } from './rules.js';

const rbacGroup = 'rbac.authorization.k8s.io';

/** What the checks need: the rules a user holds, and the whole chain's answer (for escalate and bind). */
export interface EscalationCheckOptions {
  /** The RBAC rules the user holds in a namespace ('' for cluster-wide ones only). */
  rulesOf(user: UserInfo, namespace: string): PolicyRule[];
  /** The rules a roleRef names in a binding's namespace ([] when the role does not exist). */
  roleRefRules(roleRef: RoleBinding['roleRef'], namespace: string): PolicyRule[];
  /** The authorizer chain's decision. */
  allows(user: UserInfo, attributes: RequestAttributes): boolean;
}

function has(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).includes(value);
}

function hasAll(list: readonly string[] | undefined, values: readonly string[] | undefined): boolean {
  return (values ?? []).every((v) => has(list, v));
}

/** Upstream's BreakdownRule: one rule per group, resource, verb and name (or URL and verb). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if (rule.resourceNames?.length) {
          for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourcesCover(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (has(owner, '*') || hasAll(owner, wanted)) return true;
  for (const path of wanted ?? []) {
    if (has(owner, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0 || !has(owner, `*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function urlCovers(owner: string, path: string): boolean {
  return owner === path || (owner.endsWith('*') && path.startsWith(owner.replace(/\*+$/, '')));
}

/** Upstream's ruleCovers: the owner rule allows everything the (broken-down) rule does. */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourcesCover(owner.resources, sub.resources);
  const urls = (sub.nonResourceURLs ?? []).every((u) => (owner.nonResourceURLs ?? []).some((o) => urlCovers(o, u)));
  const names = !sub.resourceNames?.length ? !owner.resourceNames?.length : !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames);
  return verbs && groups && resources && names && urls;
}

/** Upstream's Covers: the rules of `wanted` the owner's rules do not cover (broken down); [] when covered. */
export function uncoveredRules(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
}

/** A rule as upstream's CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}`. */
function compactString(rule: PolicyRule): string {
  const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
  const parts: string[] = [];
  if (rule.apiGroups?.length) parts.push(`APIGroups:${list(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${list(rule.resources)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${list(rule.resourceNames)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${list(rule.nonResourceURLs)}`);
  parts.push(`Verbs:${list(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** The rules everything needs: `*` on `*.*` and on every URL (for aggregationRule). */
const fullAuthority: PolicyRule[] = [
  { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
  { nonResourceURLs: ['*'], verbs: ['*'] },
];

/** The admission step that refuses RBAC writes granting more than their author holds. */
export class EscalationCheck implements MutatingAdmissionPlugin {
  readonly name = 'RBACEscalation';

  constructor(private readonly options: EscalationCheckOptions) {}

  handles(a: AdmissionAttributes): boolean {
    return a.type.group === rbacGroup && a.subresource === '' && a.user !== undefined && !a.user.groups.includes(SYSTEM_MASTERS);
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    const user = a.user;
    if (!user || (a.oldObject && !this.changesGrants(a.object, a.oldObject))) return;
    const name = a.object.metadata?.name ?? '';
    const forbidden = (message: string) =>
      new StatusError(403, 'Forbidden', `${a.type.plural}.${rbacGroup} ${JSON.stringify(name)} is forbidden: ${message}`, { name, group: rbacGroup, kind: a.type.plural });
    const attributes = (verb: string, resource: string, resourceName: string): RequestAttributes => ({
      isResourceRequest: true,
      verb,
      apiGroup: rbacGroup,
      namespace: a.namespace,
      resource,
      subresource: '',
      name: resourceName,
      path: '',
    });
    if (a.type.kind === 'Role' || a.type.kind === 'ClusterRole') {
      if (this.options.allows(user, attributes('escalate', a.type.plural, name))) return;
      const role = a.object as unknown as ClusterRole;
      const missing = this.missing(user, a.namespace, role.rules ?? []);
      if (missing) throw forbidden(missing);
      if (role.aggregationRule && this.missing(user, a.namespace, fullAuthority)) {
        throw forbidden('must have cluster-admin privileges to use the aggregationRule');
      }
      return;
    }
    const roleRef = (a.object as unknown as RoleBinding).roleRef;
    if (!roleRef) return;
    const resource = roleRef.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
    if (this.options.allows(user, attributes('bind', resource, roleRef.name))) return;
    const missing = this.missing(user, a.namespace, this.options.roleRefRules(roleRef, a.namespace));
    if (missing) throw forbidden(missing);
  }

  /** Upstream's ConfirmNoEscalation message, or undefined when the user holds every rule. */
  private missing(user: UserInfo, namespace: string, rules: readonly PolicyRule[]): string | undefined {
    const uncovered = uncoveredRules(this.options.rulesOf(user, namespace), rules);
    if (uncovered.length === 0) return undefined;
    const lines = [...new Set(uncovered.map(compactString))].sort();
    const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
    return `user ${JSON.stringify(user.user)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  }

  /** False for updates that leave what the object grants unchanged (finalizers, owners, managed fields). */
  private changesGrants(obj: KubeObject, old: KubeObject): boolean {
    const grants = (o: KubeObject) => {
      const { rules, aggregationRule, roleRef, subjects } = o as Record<string, unknown>;
      return { rules, aggregationRule, roleRef, subjects, labels: o.metadata?.labels, annotations: o.metadata?.annotations };
    };
    return !jsonEqual(grants(obj), grants(old));
  }
}
