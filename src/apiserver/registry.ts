/**
 * The resource types the API server serves: names, scope, verbs and subresources, as
 * upstream's discovery documents them. Everything that needs "which types exist" (routing,
 * discovery, OpenAPI, tables) reads this list.
 */

/** A subresource of a resource type. */
export interface SubresourceType {
  name: string;
  /** The kind it takes and returns (Scale for scale, Binding for binding...). */
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

/** One served resource type. */
export interface ResourceType {
  /** API group, '' for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, as in URLs. */
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  verbs: string[];
  subresources: SubresourceType[];
  /** The OpenAPI definition name of the kind, e.g. `io.k8s.api.core.v1.Pod`. */
  definition: string;
}

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const statusSub: SubresourceType = { name: 'status', kind: '', verbs: ['get', 'patch', 'update'] };
/** The verbs of the `proxy` subresources (one per HTTP method upstream serves). */
const proxyVerbs = ['create', 'delete', 'get', 'patch', 'update'];
const scaleSub: SubresourceType = {
  name: 'scale',
  kind: 'Scale',
  group: 'autoscaling',
  version: 'v1',
  verbs: ['get', 'patch', 'update'],
};

/** The OpenAPI package of a group/version, e.g. `io.k8s.api.apps.v1`. */
export function definitionPackage(group: string, version: string): string {
  if (group === '') return `io.k8s.api.core.${version}`;
  // Upstream names a *.k8s.io group's package by its first label (rbac.authorization.k8s.io is `rbac`).
  const short = group.endsWith('.k8s.io') ? group.split('.')[0] : group;
  return `io.k8s.api.${short}.${version}`;
}

interface Spec {
  group?: string;
  version?: string;
  kind: string;
  plural: string;
  shortNames?: string[];
  categories?: string[];
  namespaced?: boolean;
  verbs?: string[];
  subresources?: SubresourceType[];
}

function make(s: Spec): ResourceType {
  const group = s.group ?? '';
  const version = s.version ?? 'v1';
  return {
    group,
    version,
    kind: s.kind,
    plural: s.plural,
    singular: s.kind.toLowerCase(),
    shortNames: s.shortNames ?? [],
    categories: s.categories ?? [],
    namespaced: s.namespaced ?? true,
    verbs: s.verbs ?? allVerbs,
    subresources: (s.subresources ?? []).map((sub) => ({ ...sub, kind: sub.kind || s.kind })),
    definition: `${definitionPackage(group, version)}.${s.kind}`,
  };
}

/** Every resource type Skiff serves, in discovery order. */
export const resourceTypes: readonly ResourceType[] = [
  make({ kind: 'Binding', plural: 'bindings', verbs: ['create'] }),
  make({ kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] }),
  make({ kind: 'Endpoints', plural: 'endpoints', shortNames: ['ep'] }),
  make({ kind: 'Event', plural: 'events', shortNames: ['ev'] }),
  make({
    kind: 'Namespace',
    plural: 'namespaces',
    shortNames: ['ns'],
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [statusSub, { name: 'finalize', kind: '', verbs: ['update'] }],
  }),
  make({
    kind: 'Node',
    plural: 'nodes',
    shortNames: ['no'],
    namespaced: false,
    subresources: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: proxyVerbs }, statusSub],
  }),
  make({
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    shortNames: ['pvc'],
    subresources: [statusSub],
  }),
  make({
    kind: 'PersistentVolume',
    plural: 'persistentvolumes',
    shortNames: ['pv'],
    namespaced: false,
    subresources: [statusSub],
  }),
  make({
    kind: 'Pod',
    plural: 'pods',
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: proxyVerbs },
      statusSub,
    ],
  }),
  make({ kind: 'Secret', plural: 'secrets' }),
  make({
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    shortNames: ['sa'],
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  }),
  make({
    kind: 'Service',
    plural: 'services',
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [{ name: 'proxy', kind: 'ServiceProxyOptions', verbs: proxyVerbs }, statusSub],
  }),
  make({
    group: 'apps',
    kind: 'ControllerRevision',
    plural: 'controllerrevisions',
  }),
  make({
    group: 'apps',
    kind: 'DaemonSet',
    plural: 'daemonsets',
    shortNames: ['ds'],
    categories: ['all'],
    subresources: [statusSub],
  }),
  make({
    group: 'apps',
    kind: 'Deployment',
    plural: 'deployments',
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [scaleSub, statusSub],
  }),
  make({
    group: 'apps',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [scaleSub, statusSub],
  }),
  make({
    group: 'apps',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    shortNames: ['sts'],
    categories: ['all'],
    subresources: [scaleSub, statusSub],
  }),
  // The reviews: create-only, nothing stored (authorization/reviews.ts answers them).
  make({ group: 'authentication.k8s.io', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', namespaced: false, verbs: ['create'] }),
  make({ group: 'authorization.k8s.io', kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', verbs: ['create'] }),
  make({ group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', namespaced: false, verbs: ['create'] }),
  make({
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingAdmissionPolicy',
    plural: 'validatingadmissionpolicies',
    categories: ['api-extensions'],
    namespaced: false,
    subresources: [statusSub],
  }),
  make({
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingAdmissionPolicyBinding',
    plural: 'validatingadmissionpolicybindings',
    categories: ['api-extensions'],
    namespaced: false,
  }),
  make({ group: 'authorization.k8s.io', kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', namespaced: false, verbs: ['create'] }),
  make({ group: 'authorization.k8s.io', kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', namespaced: false, verbs: ['create'] }),
  make({
    group: 'batch',
    kind: 'CronJob',
    plural: 'cronjobs',
    shortNames: ['cj'],
    categories: ['all'],
    subresources: [statusSub],
  }),
  make({ group: 'authentication.k8s.io', kind: 'TokenReview', plural: 'tokenreviews', namespaced: false, verbs: ['create'] }),
  make({ group: 'batch', kind: 'Job', plural: 'jobs', categories: ['all'], subresources: [statusSub] }),
  make({
    group: 'certificates.k8s.io',
    kind: 'CertificateSigningRequest',
    plural: 'certificatesigningrequests',
    shortNames: ['csr'],
    namespaced: false,
    subresources: [{ name: 'approval', kind: '', verbs: ['get', 'patch', 'update'] }, statusSub],
  }),
  make({ group: 'coordination.k8s.io', kind: 'Lease', plural: 'leases' }),
  make({ group: 'discovery.k8s.io', kind: 'EndpointSlice', plural: 'endpointslices' }),
  make({ group: 'events.k8s.io', kind: 'Event', plural: 'events', shortNames: ['ev'] }),
  make({
    group: 'networking.k8s.io',
    kind: 'IngressClass',
    plural: 'ingressclasses',
    namespaced: false,
  }),
  make({
    group: 'networking.k8s.io',
    kind: 'Ingress',
    plural: 'ingresses',
    shortNames: ['ing'],
    subresources: [statusSub],
  }),
  make({ group: 'networking.k8s.io', kind: 'NetworkPolicy', plural: 'networkpolicies', shortNames: ['netpol'] }),
  make({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false }),
  make({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false }),
  make({ group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', plural: 'rolebindings' }),
  make({ group: 'rbac.authorization.k8s.io', kind: 'Role', plural: 'roles' }),
  make({ group: 'storage.k8s.io', kind: 'StorageClass', plural: 'storageclasses', shortNames: ['sc'], namespaced: false }),
];

/** `group/version`, or `version` for the core group, as in apiVersion. */
export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Finds a served type by group, version and plural. */
export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return resourceTypes.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** Finds a served type by apiVersion and kind. */
export function findKind(apiVersion: string, kind: string): ResourceType | undefined {
  return resourceTypes.find((r) => groupVersion(r.group, r.version) === apiVersion && r.kind === kind);
}

/** The groups served, in discovery order (core excluded), each with its versions. */
export function servedGroups(): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const r of resourceTypes) {
    if (r.group === '') continue;
    let g = out.find((x) => x.group === r.group);
    if (!g) out.push((g = { group: r.group, versions: [] }));
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
  }
  return out;
}
