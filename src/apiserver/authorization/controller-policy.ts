/**
 * Upstream's controller roles (bootstrappolicy's controller policy): one ClusterRole
 * `system:controller:<name>` per controller of kube-controller-manager, bound to the
 * ServiceAccount `kube-system/<name>` the controller acts as (`--use-service-account-credentials`),
 * for the controllers Skiff runs; and the identities of the other components inside
 * `skiff server` (CoreDNS's ServiceAccount and role, as its addon manifest has them; k3s's
 * `system:k3s-controller` for the NetworkPolicy enforcer).
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { AUTHENTICATED_GROUP } from '../../pki/verify.js';
import type { UserInfo } from '../auth.js';

const rbacGroup = 'rbac.authorization.k8s.io';
/** The prefix of every controller role's name (upstream's saRolePrefix). */
export const controllerRolePrefix = 'system:controller:';
/** The namespace of the controllers' and system components' ServiceAccounts. */
export const systemNamespace = 'kube-system';

function rule(verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  return { verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) };
}

const core = '';
const apps = 'apps';
const extensions = 'extensions';
const batch = 'batch';
const certificates = 'certificates.k8s.io';
const events = rule(['create', 'update', 'patch'], [core, 'events.k8s.io'], ['events']);

/**
 * The rules of each controller role Skiff needs, by ServiceAccount name, as upstream's; the
 * comments name what Skiff adds.
 */
export function controllerRoleRules(): Record<string, PolicyRule[]> {
  return {
    'certificate-controller': [
      rule(['get', 'list', 'watch', 'delete'], [certificates], ['certificatesigningrequests']),
      rule(['update'], [certificates], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
      // Skiff adds kubelet-serving: it approves nodes' serving certificates itself (csr-approval.ts).
      rule(['approve'], [certificates], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
      rule(['sign'], [certificates], ['signers'], ['kubernetes.io/legacy-unknown', 'kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      events,
    ],
    'clusterrole-aggregation-controller': [rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], [rbacGroup], ['clusterroles'])],
    'cronjob-controller': [
      rule(['get', 'list', 'watch', 'update'], [batch], ['cronjobs']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], [batch], ['jobs']),
      rule(['update'], [batch], ['cronjobs/status']),
      rule(['update'], [batch], ['cronjobs/finalizers']),
      rule(['list', 'watch', 'delete'], [core], ['pods']),
      events,
    ],
    'daemon-set-controller': [
      rule(['get', 'list', 'watch'], [extensions, apps], ['daemonsets']),
      rule(['update'], [extensions, apps], ['daemonsets/status']),
      rule(['update'], [extensions, apps], ['daemonsets/finalizers']),
      rule(['list', 'watch'], [core], ['nodes']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [core], ['pods']),
      rule(['create'], [core], ['pods/binding']),
      rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], [apps], ['controllerrevisions']),
      events,
    ],
    'deployment-controller': [
      rule(['get', 'list', 'watch', 'update'], [extensions, apps], ['deployments']),
      rule(['update'], [extensions, apps], ['deployments/status']),
      rule(['update'], [extensions, apps], ['deployments/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], [apps, extensions], ['replicasets']),
      rule(['get', 'list', 'watch', 'update'], [core], ['pods']),
      events,
    ],
    'endpoint-controller': [
      rule(['get', 'list', 'watch'], [core], ['services', 'pods']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [core], ['endpoints']),
      rule(['create'], [core], ['endpoints/restricted']),
      events,
    ],
    'endpointslice-controller': [
      rule(['get', 'list', 'watch'], [core], ['services', 'pods', 'nodes']),
      rule(['update'], [core], ['services/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
      events,
    ],
    'generic-garbage-collector': [rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']), events],
    'job-controller': [
      rule(['get', 'list', 'watch', 'update', 'patch'], [batch], ['jobs']),
      rule(['update'], [batch], ['jobs/status']),
      rule(['update'], [batch], ['jobs/finalizers']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [core], ['pods']),
      events,
    ],
    'namespace-controller': [
      rule(['get', 'list', 'watch', 'delete'], [core], ['namespaces']),
      rule(['update'], [core], ['namespaces/finalize', 'namespaces/status']),
      rule(['get', 'list', 'watch', 'delete', 'deletecollection'], ['*'], ['*']),
    ],
    'node-controller': [
      rule(['get', 'list', 'watch', 'update', 'delete', 'patch'], [core], ['nodes']),
      rule(['patch', 'update'], [core], ['nodes/status']),
      rule(['patch', 'update'], [core], ['pods/status']),
      rule(['list', 'watch', 'get', 'delete'], [core], ['pods']),
      events,
    ],
    'persistent-volume-binder': [
      rule(['get', 'list', 'watch', 'update', 'create', 'delete'], [core], ['persistentvolumes']),
      rule(['update'], [core], ['persistentvolumes/status']),
      rule(['get', 'list', 'watch', 'update'], [core], ['persistentvolumeclaims']),
      rule(['update'], [core], ['persistentvolumeclaims/status']),
      rule(['list', 'watch', 'get', 'create', 'delete'], [core], ['pods']),
      rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
      rule(['list', 'watch'], [core], ['nodes']),
      events,
      rule(['watch'], [core], ['events']),
      rule(['get'], [core], ['services']),
      // Skiff: the built-in local-path provisioner runs as this controller and makes the
      // default StorageClass `local-path` at start (k3s ships it as a manifest).
      rule(['create'], ['storage.k8s.io'], ['storageclasses']),
    ],
    'replicaset-controller': [
      rule(['get', 'list', 'watch', 'update'], [apps, extensions], ['replicasets']),
      rule(['update'], [apps, extensions], ['replicasets/status']),
      rule(['update'], [apps, extensions], ['replicasets/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], [core], ['pods']),
      events,
    ],
    'service-account-controller': [rule(['create'], [core], ['serviceaccounts']), events],
    'service-controller': [
      rule(['get', 'list', 'watch'], [core], ['services']),
      rule(['patch', 'update'], [core], ['services/status']),
      rule(['list', 'watch'], [core], ['nodes']),
      events,
    ],
    'statefulset-controller': [
      rule(['list', 'watch'], [core], ['pods']),
      rule(['get', 'list', 'watch'], [apps], ['statefulsets']),
      rule(['update'], [apps], ['statefulsets/status']),
      rule(['update'], [apps], ['statefulsets/finalizers']),
      rule(['get', 'create', 'delete', 'update', 'patch'], [core], ['pods']),
      rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], [apps], ['controllerrevisions']),
      rule(['get', 'create', 'list', 'watch'], [core], ['persistentvolumeclaims']),
      rule(['update', 'delete'], [core], ['persistentvolumeclaims']),
      rule(['update'], [core], ['pods/finalizers']),
      events,
    ],
    'ttl-after-finished-controller': [rule(['get', 'list', 'watch', 'delete'], [batch], ['jobs']), events],
    'disruption-controller': [
      rule(['get', 'list', 'watch'], [apps, extensions], ['deployments', 'replicasets']),
      rule(['get', 'list', 'watch'], [core], ['replicationcontrollers']),
      rule(['get', 'list', 'watch'], ['policy'], ['poddisruptionbudgets']),
      rule(['get', 'list', 'watch'], [apps], ['statefulsets']),
      rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
      rule(['get'], ['*'], ['*/scale']),
      rule(['patch', 'update'], [core], ['pods/status']),
      events,
    ],
    'horizontal-pod-autoscaler': [
      rule(['get', 'list', 'watch'], ['autoscaling'], ['horizontalpodautoscalers']),
      rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
      // Skiff's autoscaler writes the scale as a patch (upstream's, an update).
      rule(['get', 'update', 'patch'], ['*'], ['*/scale']),
      // Skiff's autoscaler reads its target's replicas and selector from the object itself.
      rule(['get'], [apps], ['deployments', 'replicasets', 'statefulsets']),
      rule(['get'], [core], ['replicationcontrollers']),
      rule(['list'], [core], ['pods']),
      rule(['list'], ['metrics.k8s.io'], ['pods']),
      events,
    ],
    'replication-controller': [
      rule(['get', 'list', 'watch', 'update'], [core], ['replicationcontrollers']),
      rule(['update'], [core], ['replicationcontrollers/status']),
      rule(['update'], [core], ['replicationcontrollers/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], [core], ['pods']),
      events,
    ],
    'resourcequota-controller': [rule(['list', 'watch'], ['*'], ['*']), rule(['update'], [core], ['resourcequotas/status']), events],
    'root-ca-cert-publisher': [rule(['create', 'update'], [core], ['configmaps']), events],
    // Upstream runs the token controller with the manager's own credentials; Skiff gives it a
    // ServiceAccount whose role is what it does: fill and delete legacy token Secrets.
    'tokens-controller': [rule(['get', 'list', 'watch'], [core], ['serviceaccounts']), rule(['get', 'list', 'watch', 'update', 'delete'], [core], ['secrets']), events],
  };
}

/** The ServiceAccount name of CoreDNS, whose role the cluster DNS server inside `skiff server` acts with. */
export const coreDnsServiceAccount = 'coredns';

/** CoreDNS's ClusterRole `system:coredns` (its addon manifest's rules). */
export const coreDnsRules: PolicyRule[] = [
  rule(['list', 'watch'], [core], ['endpoints', 'services', 'pods', 'namespaces']),
  rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
];

/** The user k3s's NetworkPolicy controller acts as. */
export const k3sControllerUserName = 'system:k3s-controller';

/** k3s's ClusterRole `system:k3s-controller` (its network policy controller's reads). */
export const k3sControllerRules: PolicyRule[] = [
  rule(['get'], [core], ['nodes']),
  rule(['list', 'watch'], [core], ['namespaces']),
  rule(['list', 'watch'], ['networking.k8s.io'], ['networkpolicies']),
  rule(['list', 'get', 'watch'], [core], ['endpoints', 'pods']),
];

/** The user of a ServiceAccount, as its token authenticates: `system:serviceaccount:<ns>:<name>` and its groups. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, AUTHENTICATED_GROUP],
  };
}

/** The ServiceAccounts in kube-system the controller roles are bound to, and CoreDNS's. */
export function systemServiceAccountNames(): string[] {
  return [...Object.keys(controllerRoleRules()), coreDnsServiceAccount];
}

/** The controller ClusterRoles, `system:coredns` and `system:k3s-controller` (labels and annotations are the bootstrap policy's). */
export function controllerClusterRoles(): ClusterRole[] {
  const roles = Object.entries(controllerRoleRules()).map(([name, rules]) => clusterRole(controllerRolePrefix + name, rules));
  return [...roles, clusterRole('system:coredns', coreDnsRules), clusterRole(k3sControllerUserName, k3sControllerRules)];
}

/** Each controller role bound to its ServiceAccount in kube-system, and `system:coredns` to CoreDNS's. */
export function controllerClusterRoleBindings(): ClusterRoleBinding[] {
  const bindings = Object.keys(controllerRoleRules()).map((name) => clusterRoleBinding(controllerRolePrefix + name, name));
  const k3sController: ClusterRoleBinding = {
    ...clusterRoleBinding(k3sControllerUserName, ''),
    subjects: [{ apiGroup: rbacGroup, kind: 'User', name: k3sControllerUserName }],
  };
  return [...bindings, clusterRoleBinding('system:coredns', coreDnsServiceAccount), k3sController];
}

function clusterRole(name: string, rules: PolicyRule[]): ClusterRole {
  return { apiVersion: `${rbacGroup}/v1`, kind: 'ClusterRole', metadata: { name }, rules };
}

function clusterRoleBinding(roleName: string, serviceAccount: string): ClusterRoleBinding {
  return {
    apiVersion: `${rbacGroup}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: roleName },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: roleName },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace: systemNamespace }],
  };
}
