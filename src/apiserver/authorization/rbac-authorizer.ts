/**
 * The RBAC authorizer: decides from in-memory indexes of Roles, ClusterRoles, RoleBindings and
 * ClusterRoleBindings that informers keep current (no store read per request). Bindings are
 * indexed by subject, so a request looks only at the bindings of its user, groups and service
 * account. A binding to a role that does not exist grants nothing.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from 'kubernetes-types/rbac/v1.js';
import type { Client } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import type { KubeObject } from '../../apimachinery/object.js';
import type { UserInfo } from '../auth.js';
import type { ChainedAuthorizer, DecisionResult } from './chain.js';
import { ruleAllows, type RequestAttributes } from './rules.js';

/** authorization.k8s.io/v1 ResourceRule. */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

/** authorization.k8s.io/v1 NonResourceRule. */
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

/** The rules a user holds in a namespace, as upstream's SelfSubjectRulesReview status. */
export interface SubjectRulesStatus {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  evaluationError?: string;
}

interface IndexedBinding {
  /** '' for a ClusterRoleBinding. */
  namespace: string;
  roleRef: RoleRef;
  subjectKeys: string[];
}

const serviceAccountPrefix = 'system:serviceaccount:';

/** The index keys a subject of a binding in `namespace` matches (ServiceAccounts default to the binding's namespace). */
function subjectKey(subject: Subject, namespace: string): string | undefined {
  switch (subject.kind) {
    case 'User':
      return `u:${subject.name}`;
    case 'Group':
      return `g:${subject.name}`;
    case 'ServiceAccount': {
      const ns = subject.namespace || namespace;
      return ns ? `u:${serviceAccountPrefix}${ns}:${subject.name}` : undefined;
    }
    default:
      return undefined;
  }
}

/** The keys of a user: its name (a service account's name is `system:serviceaccount:ns:name`) and each group. */
function userKeys(user: UserInfo): string[] {
  return [`u:${user.user}`, ...user.groups.map((g) => `g:${g}`)];
}

function objectKey(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Options of {@link RbacAuthorizer.run}. */
export interface RbacInformerOptions {
  /** Told about failed lists and watches. Default: the informers' own (console.error). */
  onError?: (error: unknown) => void;
}

/** Upstream's RBAC authorizer and rule resolver over informer-fed indexes. */
export class RbacAuthorizer implements ChainedAuthorizer {
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly bindings = new Map<string, IndexedBinding>();
  /** Subject key → keys of bindings (`c:name` cluster-wide, `n:ns/name` namespaced). */
  private readonly bySubject = new Map<string, Set<string>>();
  private readonly informers: Informer[] = [];

  /** Answers allow when a rule bound to the user allows the request; no opinion otherwise. */
  decide(user: UserInfo, attributes: RequestAttributes): DecisionResult {
    let allowed = false;
    this.visitRules(user, attributes.namespace, (rule) => {
      allowed = ruleAllows(attributes, rule);
      return !allowed;
    });
    return { decision: allowed ? 'allow' : 'noOpinion' };
  }

  /** True when some rule bound to the user allows the request (the escalation checks ask this). */
  allows(user: UserInfo, attributes: RequestAttributes): boolean {
    return this.decide(user, attributes).decision === 'allow';
  }

  /**
   * Calls `visit` with every rule the user holds in `namespace` (cluster-wide bindings first,
   * then the namespace's); stops when visit returns false.
   */
  visitRules(user: UserInfo, namespace: string, visit: (rule: PolicyRule) => boolean): void {
    const seen = new Set<string>();
    for (const key of userKeys(user)) {
      for (const bindingKey of this.bySubject.get(key) ?? []) {
        if (seen.has(bindingKey)) continue;
        const binding = this.bindings.get(bindingKey);
        if (!binding || (binding.namespace && binding.namespace !== namespace)) continue;
        seen.add(bindingKey);
        for (const rule of this.roleRefRules(binding.roleRef, binding.namespace)) if (!visit(rule)) return;
      }
    }
  }

  /** The rules a role reference names ([] when the role does not exist), as upstream's GetRoleReferenceRules. */
  roleRefRules(roleRef: RoleRef, namespace: string): PolicyRule[] {
    if (roleRef.kind === 'ClusterRole') return this.clusterRoles.get(roleRef.name) ?? [];
    if (roleRef.kind === 'Role' && namespace) return this.roles.get(objectKey(namespace, roleRef.name)) ?? [];
    return [];
  }

  /** Every rule the user holds in `namespace` ('' for cluster-wide only). */
  rulesOf(user: UserInfo, namespace: string): PolicyRule[] {
    const rules: PolicyRule[] = [];
    this.visitRules(user, namespace, (rule) => (rules.push(rule), true));
    return rules;
  }

  /** The user's rules in a namespace in SelfSubjectRulesReview's shape (the RuleResolver interface). */
  rulesFor(user: UserInfo, namespace: string): SubjectRulesStatus {
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    for (const rule of this.rulesOf(user, namespace)) {
      if (rule.nonResourceURLs?.length) nonResourceRules.push({ verbs: [...rule.verbs], nonResourceURLs: [...rule.nonResourceURLs] });
      else {
        resourceRules.push({
          verbs: [...rule.verbs],
          ...(rule.apiGroups ? { apiGroups: [...rule.apiGroups] } : {}),
          ...(rule.resources ? { resources: [...rule.resources] } : {}),
          ...(rule.resourceNames ? { resourceNames: [...rule.resourceNames] } : {}),
        });
      }
    }
    return { resourceRules, nonResourceRules, incomplete: false };
  }

  /** True once the four informers have listed (before that, RBAC grants nothing). */
  hasSynced(): boolean {
    return this.informers.length > 0 && this.informers.every((i) => i.hasSynced());
  }

  /** Records a Role or ClusterRole (added or changed). */
  setRole(kind: 'Role' | 'ClusterRole', role: Role | ClusterRole): void {
    const name = role.metadata?.name ?? '';
    if (kind === 'ClusterRole') this.clusterRoles.set(name, role.rules ?? []);
    else this.roles.set(objectKey(role.metadata?.namespace ?? '', name), role.rules ?? []);
  }

  /** Forgets a deleted Role or ClusterRole. */
  deleteRole(kind: 'Role' | 'ClusterRole', role: Role | ClusterRole): void {
    const name = role.metadata?.name ?? '';
    if (kind === 'ClusterRole') this.clusterRoles.delete(name);
    else this.roles.delete(objectKey(role.metadata?.namespace ?? '', name));
  }

  /** Records a RoleBinding or ClusterRoleBinding (added or changed), indexed by its subjects. */
  setBinding(binding: RoleBinding | ClusterRoleBinding): void {
    this.deleteBinding(binding);
    const namespace = binding.metadata?.namespace ?? '';
    const key = this.bindingKey(binding);
    const subjectKeys = [...new Set((binding.subjects ?? []).map((s) => subjectKey(s, namespace)).filter((k): k is string => k !== undefined))];
    this.bindings.set(key, { namespace, roleRef: binding.roleRef, subjectKeys });
    for (const s of subjectKeys) {
      let set = this.bySubject.get(s);
      if (!set) this.bySubject.set(s, (set = new Set()));
      set.add(key);
    }
  }

  /** Forgets a deleted binding. */
  deleteBinding(binding: RoleBinding | ClusterRoleBinding): void {
    const key = this.bindingKey(binding);
    const old = this.bindings.get(key);
    if (!old) return;
    this.bindings.delete(key);
    for (const s of old.subjectKeys) {
      const set = this.bySubject.get(s);
      set?.delete(key);
      if (set?.size === 0) this.bySubject.delete(s);
    }
  }

  private bindingKey(binding: RoleBinding | ClusterRoleBinding): string {
    const ns = binding.metadata?.namespace ?? '';
    return ns ? `n:${ns}/${binding.metadata?.name ?? ''}` : `c:${binding.metadata?.name ?? ''}`;
  }

  /**
   * Keeps the indexes current from informers over the four kinds until `signal` aborts; resolves
   * once they have listed.
   */
  async run(client: Client, signal: AbortSignal, options: RbacInformerOptions = {}): Promise<void> {
    const group = 'rbac.authorization.k8s.io';
    const informerOptions = options.onError ? { onError: options.onError } : {};
    const roleKinds = [
      ['roles', 'Role'],
      ['clusterroles', 'ClusterRole'],
    ] as const;
    for (const [resource, kind] of roleKinds) {
      const informer = new Informer<KubeObject>(client, { group, version: 'v1', resource }, informerOptions);
      informer.addEventHandler({
        onAdd: (obj) => this.setRole(kind, obj as Role),
        onUpdate: (_old, obj) => this.setRole(kind, obj as Role),
        onDelete: (obj) => this.deleteRole(kind, obj as Role),
      });
      this.informers.push(informer);
    }
    for (const resource of ['rolebindings', 'clusterrolebindings']) {
      const informer = new Informer<KubeObject>(client, { group, version: 'v1', resource }, informerOptions);
      informer.addEventHandler({
        onAdd: (obj) => this.setBinding(obj as unknown as RoleBinding),
        onUpdate: (_old, obj) => this.setBinding(obj as unknown as RoleBinding),
        onDelete: (obj) => this.deleteBinding(obj as unknown as RoleBinding),
      });
      this.informers.push(informer);
    }
    for (const informer of this.informers) void informer.start(signal);
    await Promise.all(this.informers.map((i) => i.waitForSync(signal)));
  }
}
