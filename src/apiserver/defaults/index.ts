import { Buffer } from 'node:buffer';
import type { ResourceType } from '../registry.js';
import { defaultPod, defaultPodTemplate } from './pod.js';
import { defaultLimitRange, defaultPriorityClass } from './policy.js';
import { defaultHPAv1, defaultHPAv2 } from '../autoscaling/hpa-conversion.js';
import { asObject, child, objectsIn, setDefault, type JsonObject } from './util.js';

export { podQOSClass, imageTag, defaultPodSpec, defaultPodTemplate } from './pod.js';

/** Options of applyDefaults. */
export interface DefaultsOptions {
  /**
   * The write being defaulted. Admission-time defaults (a Pod's service account, priority
   * and tolerations) are only added on `create`. Default: `create`.
   */
  operation?: 'create' | 'update';
}

function defaultPersistentVolumeClaim(pvc: JsonObject): void {
  setDefault(child(pvc, 'spec'), 'volumeMode', 'Filesystem');
  setDefault(child(pvc, 'status'), 'phase', 'Pending');
}

function defaultServicePorts(ports: unknown): void {
  for (const port of objectsIn(ports)) setDefault(port, 'protocol', 'TCP');
}

/** Upstream's SetDefaults_Service, plus the registry's clusterIP/clusterIPs and ipFamilies defaults. */
function defaultService(service: JsonObject): void {
  // Upstream's LoadBalancerIPMode default: an ingress IP receives traffic as a VIP.
  for (const ingress of objectsIn(asObject(asObject(service.status)?.loadBalancer)?.ingress)) {
    if (typeof ingress.ip === 'string' && ingress.ip) setDefault(ingress, 'ipMode', 'VIP');
  }
  const spec = child(service, 'spec');
  if (!spec.type) spec.type = 'ClusterIP';
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    const config = child(spec, 'sessionAffinityConfig');
    setDefault(child(config, 'clientIP'), 'timeoutSeconds', 10800);
  }
  for (const port of objectsIn(spec.ports)) {
    setDefault(port, 'protocol', 'TCP');
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    if (!spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (spec.type === 'ExternalName') return;
  if (!spec.internalTrafficPolicy) spec.internalTrafficPolicy = 'Cluster';
  // The registry keeps clusterIP and clusterIPs[0] in step.
  const clusterIPs = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : undefined;
  if (typeof spec.clusterIP === 'string' && spec.clusterIP && !clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  else if (!spec.clusterIP && typeof clusterIPs?.[0] === 'string') spec.clusterIP = clusterIPs[0];
  const headlessWithoutSelector = spec.clusterIP === 'None' && Object.keys(asObject(spec.selector) ?? {}).length === 0;
  if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack';
  if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) {
    spec.ipFamilies = spec.ipFamilyPolicy === 'SingleStack' ? ['IPv4'] : ['IPv4', 'IPv6'];
  }
}

function defaultDeployment(deployment: JsonObject): void {
  const spec = child(deployment, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = child(strategy, 'rollingUpdate');
    setDefault(rollingUpdate, 'maxUnavailable', '25%');
    setDefault(rollingUpdate, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(child(spec, 'template'));
}

function defaultReplicaSet(replicaSet: JsonObject): void {
  const spec = child(replicaSet, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(child(spec, 'template'));
}

/** Upstream's SetDefaults_ReplicationController: selector and labels from the template's labels, one replica. */
function defaultReplicationController(rc: JsonObject): void {
  const spec = child(rc, 'spec');
  const labels = asObject(asObject(asObject(spec.template)?.metadata)?.labels);
  if (labels) {
    if (Object.keys(asObject(spec.selector) ?? {}).length === 0) spec.selector = { ...labels };
    const metadata = child(rc, 'metadata');
    if (Object.keys(asObject(metadata.labels) ?? {}).length === 0) metadata.labels = { ...labels };
  }
  setDefault(spec, 'replicas', 1);
  if (asObject(spec.template)) defaultPodTemplate(child(spec, 'template'));
}

function defaultStatefulSet(statefulSet: JsonObject): void {
  const spec = child(statefulSet, 'spec');
  setDefault(spec, 'replicas', 1);
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  const updateStrategy = child(spec, 'updateStrategy');
  if (!updateStrategy.type) updateStrategy.type = 'RollingUpdate';
  if (updateStrategy.type === 'RollingUpdate') setDefault(child(updateStrategy, 'rollingUpdate'), 'partition', 0);
  setDefault(spec, 'revisionHistoryLimit', 10);
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
  if (!retention.whenScaled) retention.whenScaled = 'Retain';
  for (const claim of objectsIn(spec.volumeClaimTemplates)) {
    const metadata = child(claim, 'metadata');
    if (metadata.creationTimestamp === undefined) metadata.creationTimestamp = null;
    defaultPersistentVolumeClaim(claim);
  }
  defaultPodTemplate(child(spec, 'template'));
}

function defaultDaemonSet(daemonSet: JsonObject): void {
  const spec = child(daemonSet, 'spec');
  const updateStrategy = child(spec, 'updateStrategy');
  if (!updateStrategy.type) updateStrategy.type = 'RollingUpdate';
  if (updateStrategy.type === 'RollingUpdate') {
    const rollingUpdate = child(updateStrategy, 'rollingUpdate');
    setDefault(rollingUpdate, 'maxUnavailable', 1);
    setDefault(rollingUpdate, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(child(spec, 'template'));
}

/** Upstream's SetDefaults_Job for a JobSpec (without the label copy, which needs the Job). */
function defaultJobSpec(spec: JsonObject): void {
  const completionsUnset = spec.completions === undefined || spec.completions === null;
  const parallelismUnset = spec.parallelism === undefined || spec.parallelism === null;
  if (completionsUnset && parallelismUnset) spec.completions = 1;
  if (parallelismUnset) spec.parallelism = 1;
  if (spec.backoffLimit === undefined || spec.backoffLimit === null) {
    spec.backoffLimit = spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null ? 6 : 2147483647;
  }
  if (!spec.completionMode) spec.completionMode = 'NonIndexed';
  setDefault(spec, 'suspend', false);
  if (!spec.podReplacementPolicy) {
    spec.podReplacementPolicy = spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  }
  defaultPodTemplate(child(spec, 'template'));
}

function defaultJob(job: JsonObject): void {
  const spec = child(job, 'spec');
  defaultJobSpec(spec);
  // batch/v1 SetDefaults_Job: a Job without labels takes its template's.
  const metadata = child(job, 'metadata');
  const templateLabels = asObject(asObject(asObject(spec.template)?.metadata)?.labels);
  if (templateLabels && Object.keys(asObject(metadata.labels) ?? {}).length === 0) {
    metadata.labels = { ...templateLabels };
  }
}

function defaultCronJob(cronJob: JsonObject): void {
  const spec = child(cronJob, 'spec');
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jobTemplate = child(spec, 'jobTemplate');
  const metadata = child(jobTemplate, 'metadata');
  if (metadata.creationTimestamp === undefined) metadata.creationTimestamp = null;
  defaultPodTemplate(child(child(jobTemplate, 'spec'), 'template'));
}

function defaultNamespace(namespace: JsonObject): void {
  const metadata = child(namespace, 'metadata');
  // NamespaceDefaultLabelName: the name label is always set to the name.
  if (typeof metadata.name === 'string' && metadata.name) {
    child(metadata, 'labels')['kubernetes.io/metadata.name'] = metadata.name;
  }
  setDefault(child(namespace, 'status'), 'phase', 'Active');
}

function defaultPersistentVolume(pv: JsonObject): void {
  const spec = child(pv, 'spec');
  if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = 'Retain';
  setDefault(spec, 'volumeMode', 'Filesystem');
  const hostPath = asObject(spec.hostPath);
  if (hostPath) setDefault(hostPath, 'type', '');
  setDefault(child(pv, 'status'), 'phase', 'Pending');
}

/** Merges stringData into data (base64), as upstream's v1 Secret conversion does. */
function defaultSecret(secret: JsonObject): void {
  if (!secret.type) secret.type = 'Opaque';
  const stringData = asObject(secret.stringData);
  if (!stringData) return;
  const data = child(secret, 'data');
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  delete secret.stringData;
}

function defaultNode(node: JsonObject): void {
  const status = asObject(node.status);
  if (status && status.allocatable === undefined && asObject(status.capacity)) {
    status.allocatable = { ...asObject(status.capacity) };
  }
}

function defaultEndpoints(endpoints: JsonObject): void {
  for (const subset of objectsIn(endpoints.subsets)) defaultServicePorts(subset.ports);
}

function defaultEndpointSlice(slice: JsonObject): void {
  for (const port of objectsIn(slice.ports)) {
    setDefault(port, 'name', '');
    setDefault(port, 'protocol', 'TCP');
  }
}

function defaultStorageClass(storageClass: JsonObject): void {
  if (!storageClass.reclaimPolicy) storageClass.reclaimPolicy = 'Delete';
  if (!storageClass.volumeBindingMode) storageClass.volumeBindingMode = 'Immediate';
}

/** Upstream's SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort. */
function defaultNetworkPolicy(policy: JsonObject): void {
  const spec = child(policy, 'spec');
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    // A policy that names no types implies Ingress, and Egress too when it has egress rules.
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  for (const rule of [...objectsIn(spec.ingress), ...objectsIn(spec.egress)]) {
    for (const port of objectsIn(rule.ports)) setDefault(port, 'protocol', 'TCP');
  }
}

/** Upstream's SetDefaults_Subject and SetDefaults_RoleBinding/ClusterRoleBinding (apiGroups of subjects and roleRef). */
function defaultBinding(binding: JsonObject): void {
  const rbacGroup = 'rbac.authorization.k8s.io';
  const roleRef = asObject(binding.roleRef);
  if (roleRef && !roleRef.apiGroup) roleRef.apiGroup = rbacGroup;
  for (const subject of objectsIn(binding.subjects)) {
    if (subject.apiGroup) continue;
    if (subject.kind === 'ServiceAccount') subject.apiGroup = '';
    else if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = rbacGroup;
  }
}

/** Default functions by `group/Kind`. */
/** Upstream's defaults of MatchResources: matchPolicy Equivalent, empty selectors, rule scope `*`. */
function defaultMatchResources(match: JsonObject): void {
  setDefault(match, 'matchPolicy', 'Equivalent');
  setDefault(match, 'namespaceSelector', {});
  setDefault(match, 'objectSelector', {});
  for (const rule of [...objectsIn(match.resourceRules), ...objectsIn(match.excludeResourceRules)]) setDefault(rule, 'scope', '*');
}

function defaultValidatingAdmissionPolicy(policy: JsonObject): void {
  const spec = child(policy, 'spec');
  setDefault(spec, 'failurePolicy', 'Fail');
  if (asObject(spec.matchConstraints)) defaultMatchResources(child(spec, 'matchConstraints'));
}

function defaultValidatingAdmissionPolicyBinding(binding: JsonObject): void {
  const spec = child(binding, 'spec');
  if (asObject(spec.matchResources)) defaultMatchResources(child(spec, 'matchResources'));
}

const defaulters: Record<string, (obj: JsonObject, operation: 'create' | 'update') => void> = {
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy': defaultValidatingAdmissionPolicy,
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': defaultValidatingAdmissionPolicyBinding,
  '/Pod': (pod, operation) => defaultPod(pod, { admission: operation === 'create' }),
  'autoscaling/v2/HorizontalPodAutoscaler': defaultHPAv2,
  'autoscaling/v1/HorizontalPodAutoscaler': defaultHPAv1,
  '/Service': defaultService,
  '/Namespace': defaultNamespace,
  '/PersistentVolumeClaim': defaultPersistentVolumeClaim,
  '/PersistentVolume': defaultPersistentVolume,
  '/Secret': defaultSecret,
  '/Node': defaultNode,
  '/Endpoints': defaultEndpoints,
  '/ReplicationController': defaultReplicationController,
  '/PodTemplate': (podTemplate) => {
    if (asObject(podTemplate.template)) defaultPodTemplate(child(podTemplate, 'template'));
  },
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/StatefulSet': defaultStatefulSet,
  'apps/DaemonSet': defaultDaemonSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'discovery.k8s.io/EndpointSlice': defaultEndpointSlice,
  'networking.k8s.io/NetworkPolicy': defaultNetworkPolicy,
  'storage.k8s.io/StorageClass': defaultStorageClass,
  'rbac.authorization.k8s.io/RoleBinding': defaultBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': defaultBinding,
  '/LimitRange': defaultLimitRange,
  'scheduling.k8s.io/PriorityClass': defaultPriorityClass,
};

/**
 * Fills in upstream's defaults on an object about to be written (mutating it): the scheme's
 * defaulting functions (pkg/apis/{group}/v1/defaults.go), the registries' PrepareForCreate
 * defaults that need no server state, and for Pods the admission plugins' defaults.
 * Types without defaults are left untouched.
 */
export function applyDefaults(type: ResourceType, obj: Record<string, unknown>, options: DefaultsOptions = {}): void {
  const defaulter = defaulters[`${type.group}/${type.version}/${type.kind}`] ?? defaulters[`${type.group}/${type.kind}`];
  defaulter?.(obj, options.operation ?? 'create');
}

/**
 * What the Job registry does on create when `spec.manualSelector` is not true: generates
 * `spec.selector` matching `batch.kubernetes.io/controller-uid: <uid>` and adds the
 * controller-uid and job-name labels (both the prefixed and legacy keys) to the template.
 */
export function prepareJobSelector(job: Record<string, unknown>, uid: string): void {
  const spec = child(job, 'spec');
  if (spec.manualSelector === true) return;
  const jobName = typeof asObject(job.metadata)?.name === 'string' ? String(asObject(job.metadata)?.name) : '';
  const templateMetadata = child(child(spec, 'template'), 'metadata');
  const labels = child(templateMetadata, 'labels');
  // Labels the user set are kept; a conflict is then reported by validation, as upstream.
  setDefault(labels, 'batch.kubernetes.io/controller-uid', uid);
  setDefault(labels, 'batch.kubernetes.io/job-name', jobName);
  setDefault(labels, 'controller-uid', uid);
  setDefault(labels, 'job-name', jobName);
  setDefault(child(child(spec, 'selector'), 'matchLabels'), 'batch.kubernetes.io/controller-uid', uid);
}
