import type { Pod } from 'kubernetes-types/core/v1.js';
import { computePodQOS, type PodQOSClass } from '../../apimachinery/qos.js';
import { asObject, child, objectsIn, setDefault, type JsonObject } from './util.js';

/** The default mode of configMap, secret, downwardAPI and projected volumes (0644). */
export const defaultVolumeMode = 420;

/** The tag of an image reference, 'latest' when it has neither tag nor digest, as upstream's ParseImageName. */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : '';
  if (tag) return tag;
  return at >= 0 ? '' : 'latest';
}

function defaultFieldRef(source: JsonObject | undefined): void {
  const fieldRef = asObject(source?.fieldRef);
  if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  const resourceFieldRef = asObject(source?.resourceFieldRef);
  if (resourceFieldRef) setDefault(resourceFieldRef, 'divisor', '0');
}

function defaultHandler(handler: JsonObject | undefined): void {
  if (!handler) return;
  const httpGet = asObject(handler.httpGet);
  if (httpGet) {
    setDefault(httpGet, 'path', '/');
    setDefault(httpGet, 'scheme', 'HTTP');
  }
  const grpc = asObject(handler.grpc);
  if (grpc) setDefault(grpc, 'service', '');
}

function defaultProbe(probe: JsonObject | undefined): void {
  if (!probe) return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  defaultHandler(probe);
}

/** Upstream's SetDefaults_Container and the defaults of its nested types. */
function defaultContainer(container: JsonObject): void {
  if (container.imagePullPolicy === undefined || container.imagePullPolicy === '') {
    const image = typeof container.image === 'string' ? container.image : '';
    container.imagePullPolicy = imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
  }
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  setDefault(container, 'resources', {});
  for (const port of objectsIn(container.ports)) setDefault(port, 'protocol', 'TCP');
  for (const env of objectsIn(container.env)) defaultFieldRef(asObject(env.valueFrom));
  defaultProbe(asObject(container.livenessProbe));
  defaultProbe(asObject(container.readinessProbe));
  defaultProbe(asObject(container.startupProbe));
  const lifecycle = asObject(container.lifecycle);
  if (lifecycle) {
    defaultHandler(asObject(lifecycle.postStart));
    defaultHandler(asObject(lifecycle.preStop));
  }
}

function defaultDownwardItems(source: JsonObject | undefined): void {
  for (const item of objectsIn(source?.items)) defaultFieldRef(item);
}

/** Upstream's SetDefaults_Volume and the defaults of each volume source. */
function defaultVolume(volume: JsonObject): void {
  const sources = Object.keys(volume).filter((k) => k !== 'name' && volume[k] !== undefined && volume[k] !== null);
  if (sources.length === 0) volume.emptyDir = {};
  for (const key of ['configMap', 'secret', 'downwardAPI', 'projected']) {
    const source = asObject(volume[key]);
    if (source) setDefault(source, 'defaultMode', defaultVolumeMode);
  }
  defaultDownwardItems(asObject(volume.downwardAPI));
  const projected = asObject(volume.projected);
  for (const source of objectsIn(projected?.sources)) {
    defaultDownwardItems(asObject(source.downwardAPI));
    const token = asObject(source.serviceAccountToken);
    if (token) setDefault(token, 'expirationSeconds', 3600);
  }
  const hostPath = asObject(volume.hostPath);
  if (hostPath) setDefault(hostPath, 'type', '');
  const ephemeralSpec = asObject(asObject(asObject(volume.ephemeral)?.volumeClaimTemplate)?.spec);
  if (ephemeralSpec) setDefault(ephemeralSpec, 'volumeMode', 'Filesystem');
}

/** Every container of a pod spec: init, regular and ephemeral. */
export function allContainers(spec: JsonObject): JsonObject[] {
  return [...objectsIn(spec.initContainers), ...objectsIn(spec.containers), ...objectsIn(spec.ephemeralContainers)];
}

/** Upstream's SetDefaults_PodSpec (also applied inside every pod template). */
export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  // v1 conversion keeps the deprecated serviceAccount mirroring serviceAccountName.
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount) {
    spec.serviceAccountName = spec.serviceAccount;
  }
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const container of allContainers(spec)) defaultContainer(container);
  if (spec.hostNetwork === true) {
    for (const container of allContainers(spec)) {
      for (const port of objectsIn(container.ports)) {
        if (!port.hostPort) port.hostPort = port.containerPort;
      }
    }
  }
  for (const volume of objectsIn(spec.volumes)) defaultVolume(volume);
}

/** Defaults a pod template (`{metadata, spec}`), as upstream does for workload templates. */
export function defaultPodTemplate(template: JsonObject): void {
  const metadata = child(template, 'metadata');
  // Upstream serialises a template's zero creationTimestamp as null.
  if (metadata.creationTimestamp === undefined) metadata.creationTimestamp = null;
  defaultPodSpec(child(template, 'spec'));
}

/** The tolerations the DefaultTolerationSeconds admission plugin adds (300s for not-ready and unreachable). */
const defaultNoExecuteKeys = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

/** Options of defaultPod. */
export interface PodDefaultsOptions {
  /** Also add what upstream's admission plugins add on create. Default: true. */
  admission?: boolean;
}

/**
 * Defaults a Pod: SetDefaults_Pod and SetDefaults_PodSpec, plus (with `admission`) what
 * upstream's admission plugins add on create: ServiceAccount (`serviceAccountName: default`),
 * Priority (`priority: 0`, `preemptionPolicy: PreemptLowerPriority`) and
 * DefaultTolerationSeconds (not-ready and unreachable NoExecute tolerations for 300s).
 */
export function defaultPod(pod: JsonObject, options: PodDefaultsOptions = {}): void {
  const admission = options.admission ?? true;
  const spec = child(pod, 'spec');
  if (admission && !spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccountName = 'default';
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true);
  defaultRequestsToLimits(spec);
  if (!admission) return;
  const tolerations = objectsIn(spec.tolerations);
  const added = defaultNoExecuteKeys
    .filter(
      (key) =>
        !tolerations.some(
          (t) => (t.key === key || (t.operator === 'Exists' && !t.key)) && (!t.effect || t.effect === 'NoExecute'),
        ),
    )
    .map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }));
  if (added.length > 0) spec.tolerations = [...(Array.isArray(spec.tolerations) ? spec.tolerations : []), ...added];
}

/**
 * The QoS class upstream records in status.qosClass on create (ComputePodQOS) of a pod whose
 * container requests default to their limits, as SetDefaults_Pod makes them.
 */
export function podQOSClass(pod: JsonObject): PodQOSClass {
  const defaulted = structuredClone(pod);
  defaultRequestsToLimits(asObject(defaulted.spec) ?? {});
  return computePodQOS(defaulted as Pod);
}

/** SetDefaults_Pod: a container's requests default to its limits. */
function defaultRequestsToLimits(spec: JsonObject): void {
  for (const container of [...objectsIn(spec.initContainers), ...objectsIn(spec.containers)]) {
    const resources = asObject(container.resources);
    const limits = asObject(resources?.limits);
    if (!resources || !limits || Object.keys(limits).length === 0) continue;
    const requests = child(resources, 'requests');
    for (const [name, quantity] of Object.entries(limits)) setDefault(requests, name, quantity);
  }
}
