/**
 * The pure part of the EndpointSlice controller, after upstream's endpointslice reconciler: the
 * endpoints a Service wants, grouped by resolved port set, and the plan (create, update, delete)
 * that turns the Service's existing slices into that.
 */
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { cloneJSON, jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { findPort, headlessServiceLabel, isServiceIPSet, podHostname, podIP, shouldPodBeInEndpoints } from '../../apimachinery/service-endpoints.js';
import { isPodReady } from '../../apimachinery/pod.js';
import { newControllerRef } from '../../apimachinery/owner.js';

/** Label naming the Service of a slice. */
export const serviceNameLabel = 'kubernetes.io/service-name';
/** Label naming the controller managing a slice. */
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
/** This controller's value of {@link managedByLabel}. */
export const controllerManagedBy = 'endpointslice-controller.k8s.io';
/** Upstream's default --max-endpoints-per-slice. */
export const defaultMaxEndpointsPerSlice = 100;

/** An EndpointSlice as this controller handles it. */
export type EndpointSliceObject = EndpointSlice & KubeObject;

/** The endpoints of one port set. */
export interface EndpointGroup {
  ports: EndpointPort[];
  /** By {@link endpointKey}. */
  endpoints: Map<string, Endpoint>;
}

/** What identifies an endpoint across syncs: its addresses and its pod. */
export function endpointKey(endpoint: Endpoint): string {
  const ref = endpoint.targetRef;
  return `${[...endpoint.addresses].sort().join(',')}|${ref?.namespace ?? ''}/${ref?.name ?? ''}`;
}

/** The canonical key of a port set (order-insensitive). */
export function portsKey(ports: readonly EndpointPort[] | undefined): string {
  return (ports ?? [])
    .map((p) => `${p.name ?? ''}\u0000${p.port ?? ''}\u0000${p.protocol ?? 'TCP'}\u0000${p.appProtocol ?? ''}`)
    .sort()
    .join('\u0001');
}

/**
 * Upstream's podToEndpoint: the pod's IP, ready/serving/terminating conditions (ready never
 * while terminating, unless publishNotReadyAddresses), hostname, nodeName and targetRef.
 */
export function podToEndpoint(pod: Pod, service: Service): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const ready = service.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const endpoint: Endpoint = {
    addresses: [podIP(pod)],
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  const hostname = podHostname(pod, service);
  if (hostname) endpoint.hostname = hostname;
  if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName;
  return endpoint;
}

/** Upstream's getEndpointPorts: the Service's ports resolved on this pod (ports it lacks are left out). */
export function endpointPortsFor(pod: Pod, service: Service): EndpointPort[] {
  const ports: EndpointPort[] = [];
  for (const servicePort of service.spec?.ports ?? []) {
    const port = findPort(pod, servicePort);
    if (port === undefined) continue;
    ports.push({
      name: servicePort.name ?? '',
      port,
      protocol: servicePort.protocol ?? 'TCP',
      ...(servicePort.appProtocol ? { appProtocol: servicePort.appProtocol } : {}),
    });
  }
  return ports;
}

/** The endpoints a Service wants (its selected pods, terminating ones included), by port-set key. */
export function desiredEndpointGroups(service: Service, pods: readonly Pod[]): Map<string, EndpointGroup> {
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPortsFor(pod, service);
    const key = portsKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: new Map() }));
    const endpoint = podToEndpoint(pod, service);
    group.endpoints.set(endpointKey(endpoint), endpoint);
  }
  return groups;
}

/** Upstream's setEndpointSliceLabels: the Service's labels plus the service-name, managed-by and headless labels. */
export function sliceLabelsFor(service: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
  delete labels[serviceNameLabel];
  delete labels[managedByLabel];
  delete labels[headlessServiceLabel];
  labels[serviceNameLabel] = service.metadata?.name ?? '';
  labels[managedByLabel] = controllerManagedBy;
  if (!isServiceIPSet(service)) labels[headlessServiceLabel] = '';
  return labels;
}

/** A new slice of a Service (named by the API server from `<service>-`), owned by it. */
export function newSlice(service: Service, ports: EndpointPort[], endpoints: Endpoint[]): EndpointSliceObject {
  const name = service.metadata?.name ?? '';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${name}-`,
      namespace: service.metadata?.namespace,
      labels: sliceLabelsFor(service),
      ownerReferences: [newControllerRef(service as KubeObject, { group: '', version: 'v1', kind: 'Service' })],
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

/** Whether the slice belongs to this Service (controller reference with its uid). */
export function ownedBy(slice: EndpointSliceObject, service: Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((ref) => ref.controller === true && ref.kind === 'Service' && ref.uid === service.metadata?.uid);
}

/** What to write. */
export interface SlicePlan {
  create: EndpointSliceObject[];
  /** Full objects (with their resourceVersion) to update. */
  update: EndpointSliceObject[];
  delete: EndpointSliceObject[];
}

function byKey(a: Endpoint, b: Endpoint): number {
  return endpointKey(a).localeCompare(endpointKey(b));
}

/**
 * Plans the writes that make `existing` (the Service's slices, terminating ones excluded) hold
 * exactly the desired endpoints: slices of the wrong address type, port set or owner go; kept
 * endpoints stay in their slice (updated in place when changed), gone ones are removed (a slice
 * left empty goes); new endpoints fill slices already being updated, then other slices with room,
 * then new slices of at most `maxPerSlice`. With no endpoints at all, one empty placeholder slice
 * remains, as upstream keeps.
 */
export function planSlices(
  service: Service,
  desired: Map<string, EndpointGroup>,
  existing: readonly EndpointSliceObject[],
  maxPerSlice = defaultMaxEndpointsPerSlice,
): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const kept: EndpointSliceObject[] = [];
  const existingByPorts = new Map<string, EndpointSliceObject[]>();
  for (const slice of existing) {
    if (!ownedBy(slice, service) || slice.addressType !== 'IPv4') {
      plan.delete.push(slice);
      continue;
    }
    const key = portsKey(slice.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), slice]);
  }
  const labels = sliceLabelsFor(service);
  for (const [key, slices] of existingByPorts) {
    if (!desired.has(key)) plan.delete.push(...slices);
  }
  for (const [key, group] of desired) {
    const placed = new Set<string>();
    const updating: EndpointSliceObject[] = [];
    const unchanged: EndpointSliceObject[] = [];
    for (const slice of existingByPorts.get(key) ?? []) {
      const endpoints: Endpoint[] = [];
      for (const endpoint of slice.endpoints ?? []) {
        const k = endpointKey(endpoint);
        const want = group.endpoints.get(k);
        if (!want || placed.has(k)) continue;
        placed.add(k);
        endpoints.push(want);
      }
      const labelsChanged = !jsonEqual(slice.metadata?.labels ?? {}, labels);
      if (labelsChanged || !jsonEqual(slice.endpoints ?? [], endpoints)) {
        const next = cloneJSON(slice);
        next.endpoints = endpoints;
        next.metadata = { ...next.metadata, labels };
        updating.push(next);
      } else {
        unchanged.push(slice);
      }
    }
    const pending = [...group.endpoints.entries()].filter(([k]) => !placed.has(k)).map(([, e]) => e).sort(byKey);
    for (const slice of updating) {
      while (pending.length && (slice.endpoints ?? []).length < maxPerSlice) slice.endpoints = [...(slice.endpoints ?? []), pending.shift() as Endpoint];
    }
    for (const slice of unchanged) {
      if (!pending.length || (slice.endpoints ?? []).length >= maxPerSlice) {
        if ((slice.endpoints ?? []).length === 0) plan.delete.push(slice);
        else kept.push(slice);
        continue;
      }
      const next = cloneJSON(slice);
      while (pending.length && (next.endpoints ?? []).length < maxPerSlice) next.endpoints = [...(next.endpoints ?? []), pending.shift() as Endpoint];
      updating.push(next);
    }
    while (pending.length) plan.create.push(newSlice(service, cloneJSON(group.ports), pending.splice(0, maxPerSlice)));
    for (const slice of updating) {
      // A slice left empty goes (a placeholder may be kept below).
      if ((slice.endpoints ?? []).length === 0) {
        plan.delete.push(existing.find((s) => s.metadata?.uid === slice.metadata?.uid) ?? slice);
        continue;
      }
      plan.update.push(slice);
      kept.push(slice);
    }
  }
  if (kept.length === 0 && plan.create.length === 0) {
    // No endpoints: keep (or make) one empty placeholder slice.
    const reusable = plan.delete.find((slice) => ownedBy(slice, service) && slice.addressType === 'IPv4');
    if (reusable) {
      plan.delete = plan.delete.filter((slice) => slice !== reusable);
      const isPlaceholder =
        (reusable.endpoints ?? []).length === 0 && (reusable.ports ?? []).length === 0 && jsonEqual(reusable.metadata?.labels ?? {}, labels);
      if (!isPlaceholder) {
        const next = cloneJSON(reusable);
        next.endpoints = [];
        next.ports = [];
        next.metadata = { ...next.metadata, labels };
        plan.update.push(next);
      }
    } else {
      plan.create.push(newSlice(service, [], []));
    }
  }
  return plan;
}
