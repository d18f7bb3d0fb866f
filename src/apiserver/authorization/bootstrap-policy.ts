/**
 * Upstream's bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), reconciled
 * at every server start as upstream's reconciliation does: missing roles and bindings are
 * created; existing ones get missing rules, aggregation selectors, labels, annotations and
 * subjects added, and keep whatever users added; an object annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "false"` is left alone.
 */
import type { AggregationRule, ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from 'kubernetes-types/rbac/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import { jsonEqual } from '../../apimachinery/json.js';
import type { Client, ResourceRef } from '../../client/client.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { uncoveredRules } from './escalation.js';
import { controllerClusterRoleBindings, controllerClusterRoles } from './controller-policy.js';

const rbacGroup = 'rbac.authorization.k8s.io';
/** The annotation that opts a bootstrap object out of reconciliation when "false". */
export const autoUpdateAnnotation = 'rbac.authorization.kubernetes.io/autoupdate';
const bootstrapLabels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

const read = ['get', 'list', 'watch'];
const write = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const readWrite = [...read, ...write];

function rule(verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return { verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) };
}

function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs, nonResourceURLs };
}

const eventsRule = rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

function aggregateTo(name: string): AggregationRule {
  return { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${name}`]: 'true' } }] };
}

function role(name: string, rules: PolicyRule[], extra: Partial<ClusterRole> = {}, labels: Record<string, string> = {}): ClusterRole {
  return { apiVersion: `${rbacGroup}/v1`, kind: 'ClusterRole', metadata: { name, labels }, rules, ...extra };
}

/** The rules of `system:node` (upstream's NodeRules, for the features Skiff serves). */
export const nodeRules: PolicyRule[] = [
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(read, [''], ['services']),
  rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
  rule(['update', 'patch'], [''], ['nodes/status']),
  rule(['update', 'patch'], [''], ['nodes']),
  rule(['create', 'update', 'patch'], [''], ['events']),
  rule(read, [''], ['pods']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['update', 'patch'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(['get', 'list', 'watch'], [''], ['secrets', 'configmaps']),
  rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], [''], ['endpoints']),
  rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
  rule(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['get', 'watch', 'list'], ['storage.k8s.io'], ['csidrivers']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
  rule(['get', 'list', 'watch'], ['node.k8s.io'], ['runtimeclasses']),
];

/** The rules of `system:node-proxier` (kube-proxy). */
export const nodeProxierRules: PolicyRule[] = [
  rule(['list', 'watch'], [''], ['services', 'endpoints']),
  rule(['get', 'list', 'watch'], [''], ['nodes']),
  eventsRule,
  rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
];

/** Upstream's bootstrap ClusterRoles (those Skiff needs). */
export function bootstrapClusterRoles(): ClusterRole[] {
  return [
    role('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    role('system:discovery', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])]),
    role('system:basic-user', [rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']), rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'])]),
    role('system:public-info-viewer', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])]),
    role('admin', [], { aggregationRule: aggregateTo('admin') }),
    role('edit', [], { aggregationRule: aggregateTo('edit') }, { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }),
    role('view', [], { aggregationRule: aggregateTo('view') }, { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }),
    role(
      'system:aggregate-to-admin',
      [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(readWrite, [rbacGroup], ['roles', 'rolebindings'])],
      {},
      { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' },
    ),
    role(
      'system:aggregate-to-edit',
      [
        rule(read, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
        rule(['impersonate'], [''], ['serviceaccounts']),
        rule(write, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
        rule(['create'], [''], ['pods/eviction']),
        rule(write, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets']),
        rule(['create'], [''], ['serviceaccounts/token']),
        rule(write, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
        rule(write, ['autoscaling'], ['horizontalpodautoscalers']),
        rule(write, ['batch'], ['jobs', 'cronjobs']),
        rule(write, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
        rule(write, ['policy'], ['poddisruptionbudgets']),
        rule(write, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
      ],
      {},
      { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' },
    ),
    role(
      'system:aggregate-to-view',
      [
        rule(read, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
        rule(read, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
        rule(read, [''], ['namespaces']),
        rule(read, ['discovery.k8s.io'], ['endpointslices']),
        rule(read, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
        rule(read, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        rule(read, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
        rule(read, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
        rule(read, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        rule(read, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
      ],
      {},
      { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
    ),
    role('system:node', nodeRules),
    role('system:node-proxier', nodeProxierRules),
    role('system:kube-scheduler', [
      eventsRule,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      rule(['create'], [''], ['endpoints']),
      rule(['get', 'update'], [''], ['endpoints'], ['kube-scheduler']),
      rule(read, [''], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
      rule(['create'], [''], ['pods/binding', 'bindings']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(read, [''], ['services', 'replicationcontrollers']),
      rule(read, ['apps', 'extensions'], ['replicasets']),
      rule(read, ['apps'], ['statefulsets']),
      rule(read, ['policy'], ['poddisruptionbudgets']),
      rule(read, [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(read, ['storage.k8s.io'], ['csinodes', 'csidrivers', 'csistoragecapacities']),
    ]),
    role('system:kube-controller-manager', [
      eventsRule,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      rule(['create'], [''], ['endpoints']),
      rule(['get', 'update'], [''], ['endpoints'], ['kube-controller-manager']),
      rule(['create'], [''], ['secrets', 'serviceaccounts']),
      rule(['delete'], [''], ['secrets']),
      rule(['get'], [''], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
      rule(['update'], [''], ['secrets', 'serviceaccounts']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [''], ['serviceaccounts/token']),
    ]),
    ...controllerClusterRoles(),
  ].map((r) => ({ ...r, metadata: { ...r.metadata, labels: { ...bootstrapLabels, ...r.metadata?.labels }, annotations: { [autoUpdateAnnotation]: 'true' } } }));
}

function binding(name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: `${rbacGroup}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...bootstrapLabels }, annotations: { [autoUpdateAnnotation]: 'true' } },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: roleName },
    subjects,
  };
}

const group = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'Group', name });
const user = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'User', name });

/** Options of {@link bootstrapClusterRoleBindings}. */
export interface BindingOptions {
  /**
   * Bind `system:node` to the group `system:nodes` (upstream leaves that binding empty because
   * its Node authorizer grants nodes their rights). Default true.
   */
  bindNodesGroup?: boolean;
  /** More subjects bound to `system:node` and `system:node-proxier` (e.g. the join token's group). Default none. */
  extraNodeSubjects?: Subject[];
}

/** Upstream's bootstrap ClusterRoleBindings. */
export function bootstrapClusterRoleBindings(options: BindingOptions = {}): ClusterRoleBinding[] {
  const extra = options.extraNodeSubjects ?? [];
  return [
    binding('cluster-admin', 'cluster-admin', [group('system:masters')]),
    binding('system:discovery', 'system:discovery', [group('system:authenticated')]),
    binding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
    binding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    binding('system:node', 'system:node', [...((options.bindNodesGroup ?? true) ? [group('system:nodes')] : []), ...extra]),
    binding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy'), ...extra]),
    binding('system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]),
    binding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
    ...controllerClusterRoleBindings().map((b) => binding(b.metadata?.name ?? '', b.roleRef.name, b.subjects ?? [])),
  ];
}

function withMissing<T>(existing: readonly T[], wanted: readonly T[]): T[] {
  return [...existing, ...wanted.filter((w) => !existing.some((e) => jsonEqual(e, w)))];
}

/** The stored object with the bootstrap object's labels and annotations it lacks. */
function reconcileMeta<T extends ClusterRole | ClusterRoleBinding>(stored: T, wanted: T): T {
  return {
    ...stored,
    metadata: {
      ...stored.metadata,
      labels: { ...wanted.metadata?.labels, ...stored.metadata?.labels },
      annotations: { ...wanted.metadata?.annotations, ...stored.metadata?.annotations },
    },
  };
}

/** The reconciled ClusterRole (rules of aggregated roles are the aggregation controller's). */
export function reconcileClusterRole(stored: ClusterRole, wanted: ClusterRole): ClusterRole {
  const out = reconcileMeta(stored, wanted);
  if (wanted.aggregationRule) {
    const selectors = withMissing(stored.aggregationRule?.clusterRoleSelectors ?? [], wanted.aggregationRule.clusterRoleSelectors ?? []);
    out.aggregationRule = { clusterRoleSelectors: selectors };
  } else {
    const missing = uncoveredRules(stored.rules ?? [], wanted.rules ?? []);
    if (missing.length) out.rules = [...(stored.rules ?? []), ...(wanted.rules ?? []).filter((r) => uncoveredRules(stored.rules ?? [], [r]).length)];
  }
  return out;
}

/** The reconciled ClusterRoleBinding: missing subjects added, extra ones kept. */
export function reconcileClusterRoleBinding(stored: ClusterRoleBinding, wanted: ClusterRoleBinding): ClusterRoleBinding {
  const out = reconcileMeta(stored, wanted);
  out.subjects = withMissing(stored.subjects ?? [], wanted.subjects ?? []);
  return out;
}

const clusterRolesRef: ResourceRef = { group: rbacGroup, version: 'v1', resource: 'clusterroles' };
const clusterRoleBindingsRef: ResourceRef = { group: rbacGroup, version: 'v1', resource: 'clusterrolebindings' };

async function getIfExists<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return undefined;
    throw err;
  }
}

/** Creates or reconciles every bootstrap ClusterRole and ClusterRoleBinding through `client`. */
export async function reconcileBootstrapPolicy(client: Client, options: BindingOptions = {}): Promise<void> {
  const asObject = (o: ClusterRole | ClusterRoleBinding) => o as unknown as KubeObject;
  for (const wanted of bootstrapClusterRoles()) {
    const stored = (await getIfExists(() => client.get(clusterRolesRef, '', wanted.metadata?.name ?? ''))) as ClusterRole | undefined;
    if (!stored) await client.create(clusterRolesRef, '', asObject(wanted));
    else if (stored.metadata?.annotations?.[autoUpdateAnnotation] !== 'false') {
      const next = reconcileClusterRole(stored, wanted);
      if (!jsonEqual(next, stored)) await client.update(clusterRolesRef, '', asObject(next));
    }
  }
  for (const wanted of bootstrapClusterRoleBindings(options)) {
    const name = wanted.metadata?.name ?? '';
    const stored = (await getIfExists(() => client.get(clusterRoleBindingsRef, '', name))) as ClusterRoleBinding | undefined;
    if (!stored) await client.create(clusterRoleBindingsRef, '', asObject(wanted));
    else if (stored.metadata?.annotations?.[autoUpdateAnnotation] !== 'false') {
      if (!jsonEqual(stored.roleRef, wanted.roleRef)) {
        // roleRef is immutable: upstream's reconciliation recreates the binding.
        await client.delete(clusterRoleBindingsRef, '', name);
        const fresh: ClusterRoleBinding = { ...stored, roleRef: wanted.roleRef, metadata: { name, labels: stored.metadata?.labels, annotations: stored.metadata?.annotations } };
        await client.create(clusterRoleBindingsRef, '', asObject(reconcileClusterRoleBinding(fresh, wanted)));
        continue;
      }
      const next = reconcileClusterRoleBinding(stored, wanted);
      if (!jsonEqual(next, stored)) await client.update(clusterRoleBindingsRef, '', asObject(next));
    }
  }
}
