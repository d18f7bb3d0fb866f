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
  /** What a CustomResourceDefinition adds; undefined for built-in types. */
  custom?: CustomResourceInfo;
}

/** One additionalPrinterColumn of a custom resource version. */
export interface PrinterColumn {
  name: string;
  /** integer, number, string, boolean or date. */
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** What a custom resource type carries from its CustomResourceDefinition. */
export interface CustomResourceInfo {
  /** The CRD's name (`plural.group`). */
  crdName: string;
  /** The version objects are stored in. */
  storageVersion: string;
  /** additionalPrinterColumns of this version ([] prints NAME and AGE). */
  printerColumns: PrinterColumn[];
  /** The scale subresource's paths, when the version has one. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** The version's openAPIV3Schema, if it has one. */
  schema?: Record<string, unknown>;
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
  /** The OpenAPI definition name, when not `definitionPackage(group, version).kind`. */
  definition?: string;
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
    definition: s.definition ?? `${definitionPackage(group, version)}.${s.kind}`,
  };
}

/** Every resource type Skiff serves, in discovery order. */
export const resourceTypes: readonly ResourceType[] = [
  make({ kind: 'Binding', plural: 'bindings', verbs: ['create'] }),
  make({ kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] }),
  make({ kind: 'Endpoints', plural: 'endpoints', shortNames: ['ep'] }),
  make({ kind: 'Event', plural: 'events', shortNames: ['ev'] }),
  make({ kind: 'LimitRange', plural: 'limitranges', shortNames: ['limits'] }),
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
  make({ kind: 'ResourceQuota', plural: 'resourcequotas', shortNames: ['quota'], subresources: [statusSub] }),
  make({ kind: 'PodTemplate', plural: 'podtemplates' }),
  make({
    kind: 'ReplicationController',
    plural: 'replicationcontrollers',
    shortNames: ['rc'],
    categories: ['all'],
    subresources: [scaleSub, statusSub],
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
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    namespaced: false,
    subresources: [statusSub],
    definition: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
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
  // autoscaling/v2 first: the preferred version; v1 objects are the same objects (autoscaling/hpa-conversion.ts).
  make({ group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', shortNames: ['hpa'], categories: ['all'], subresources: [statusSub] }),
  make({ group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', shortNames: ['hpa'], categories: ['all'], subresources: [statusSub] }),
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
  make({ group: 'policy', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', shortNames: ['pdb'], subresources: [statusSub] }),
  make({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false }),
  make({ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false }),
  make({ group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', plural: 'rolebindings' }),
  make({ group: 'rbac.authorization.k8s.io', kind: 'Role', plural: 'roles' }),
  make({ group: 'scheduling.k8s.io', kind: 'PriorityClass', plural: 'priorityclasses', shortNames: ['pc'], namespaced: false }),
  make({ group: 'storage.k8s.io', kind: 'StorageClass', plural: 'storageclasses', shortNames: ['sc'], namespaced: false }),
];

/**
 * The types one API server serves: the built-in ones and those its CustomResourceDefinitions
 * add while it runs. Listeners hear of every change (discovery, OpenAPI, the garbage collector).
 */
export class ServedTypes {
  private custom: ResourceType[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly builtIn: readonly ResourceType[] = resourceTypes) {}

  /** Every served type, built-in first, in discovery order. */
  all(): readonly ResourceType[] {
    return this.custom.length ? [...this.builtIn, ...this.custom] : this.builtIn;
  }

  /** Replaces the types of one CustomResourceDefinition (none: it is no longer served). */
  setCustom(crdName: string, types: readonly ResourceType[]): void {
    this.custom = [...this.custom.filter((t) => t.custom?.crdName !== crdName), ...types];
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Types the API server answers from node figures instead of storage (metrics-server's
 * metrics.k8s.io, served in process): in discovery, not in storage, OpenAPI or in-process discovery.
 */
export const metricsResourceTypes: readonly ResourceType[] = [
  { ...make({ group: 'metrics.k8s.io', version: 'v1beta1', kind: 'NodeMetrics', plural: 'nodes', namespaced: false, verbs: ['get', 'list'] }), singular: '' },
  { ...make({ group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics', plural: 'pods', verbs: ['get', 'list'] }), singular: '' },
];

/** Every type in discovery: the stored ones, then the metrics. */
export function discoveryTypes(types: readonly ResourceType[] = resourceTypes): readonly ResourceType[] {
  return [...types, ...metricsResourceTypes];
}

/** `group/version`, or `version` for the core group, as in apiVersion. */
export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Finds a served type by group, version and plural. */
export function findResource(group: string, version: string, plural: string, types: readonly ResourceType[] = resourceTypes): ResourceType | undefined {
  return types.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** Finds a served type by apiVersion and kind. */
export function findKind(apiVersion: string, kind: string, types: readonly ResourceType[] = resourceTypes): ResourceType | undefined {
  return types.find((r) => groupVersion(r.group, r.version) === apiVersion && r.kind === kind);
}

/** The groups served, in discovery order (core excluded), each with its versions. */
export function servedGroups(types: readonly ResourceType[] = resourceTypes): { group: string; versions: string[] }[] {
  return groupsOf(types);
}

/** The groups in discovery (served and metrics), each with its versions. */
export function discoveryGroups(types: readonly ResourceType[] = resourceTypes): { group: string; versions: string[] }[] {
  return groupsOf(discoveryTypes(types));
}

function groupsOf(types: readonly ResourceType[]): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const r of types) {
    if (r.group === '') continue;
    let g = out.find((x) => x.group === r.group);
    if (!g) out.push((g = { group: r.group, versions: [] }));
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
  }
  return out;
}
