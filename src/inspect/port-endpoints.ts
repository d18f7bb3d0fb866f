import type { Container, Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { endpointState } from '../apimachinery/service-endpoints.js';
import type { ClusterSnapshot } from './snapshot.js';
import { workloadOf, type WorkloadRef } from './workload-of.js';

/** The label an EndpointSlice names its Service with. */
export const serviceNameLabel = 'kubernetes.io/service-name';

/** One endpoint of one Service port, as its EndpointSlices publish it, with the pod behind it. */
export interface PortEndpoint {
  address: string;
  /** The endpoint's port number (the targetPort resolved for this pod); undefined when the slice leaves it open. */
  port?: number;
  /** Ready and not terminating (upstream's reading of the conditions: unset `ready` is ready). */
  ready: boolean;
  /** Ready, or terminating but still serving. */
  serving: boolean;
  /** `conditions.terminating`. */
  terminating: boolean;
  nodeName?: string;
  /** The pod named by the endpoint's targetRef (or holding the address), when it is in the snapshot. */
  podName?: string;
  /** The containers of that pod that declare the port (by number, or by name for a named targetPort), in spec order. */
  containers: string[];
  workload?: WorkloadRef;
  /** The EndpointSlice it came from. */
  slice: string;
}

const nameOf = (o: { metadata?: { name?: string } }): string => o.metadata?.name ?? '';
const byName = <T extends { metadata?: { name?: string } }>(a: T, b: T): number => nameOf(a).localeCompare(nameOf(b));

/** The EndpointSlices of a Service (by the `kubernetes.io/service-name` label), sorted by name. */
export function serviceSlices(snapshot: ClusterSnapshot, service: Service): EndpointSlice[] {
  const ns = service.metadata?.namespace ?? '';
  return snapshot.endpointSlices
    .filter((s) => (s.metadata?.namespace ?? '') === ns && s.metadata?.labels?.[serviceNameLabel] === nameOf(service))
    .sort(byName);
}

/** The containers of a pod that declare a port: by name for a named targetPort, else by number; protocol must match. */
function declaringContainers(pod: Pod, port: number | undefined, portName: string | undefined, protocol: string): string[] {
  const declares = (c: Container): boolean =>
    (c.ports ?? []).some((p) => (p.protocol ?? 'TCP') === protocol && (portName !== undefined ? p.name === portName : p.containerPort === port));
  return (pod.spec?.containers ?? []).filter(declares).map((c) => c.name);
}

/**
 * The endpoints of one Service port: every EndpointSlice of the Service that carries a port of
 * the same name and protocol contributes its endpoints with that slice's port number (so a named
 * targetPort is resolved per pod, as the slices resolve it). Each address once (the first slice
 * by name wins), sorted by pod name then address. Pure.
 */
export function portEndpoints(snapshot: ClusterSnapshot, service: Service, servicePort: ServicePort): PortEndpoint[] {
  const ns = service.metadata?.namespace ?? '';
  const protocol = servicePort.protocol ?? 'TCP';
  const portName = servicePort.name ?? '';
  const targetName = typeof servicePort.targetPort === 'string' && !/^\d+$/.test(servicePort.targetPort) ? servicePort.targetPort : undefined;
  const pods = snapshot.pods.filter((p) => (p.metadata?.namespace ?? '') === ns);
  const seen = new Set<string>();
  const out: PortEndpoint[] = [];
  for (const slice of serviceSlices(snapshot, service)) {
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!slicePort) continue;
    for (const endpoint of slice.endpoints ?? []) {
      for (const address of endpoint.addresses ?? []) {
        if (seen.has(address)) continue;
        seen.add(address);
        const ref = endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef.name : undefined;
        const pod = ref !== undefined
          ? pods.find((p) => nameOf(p) === ref)
          : pods.find((p) => p.status?.podIP === address || (p.status?.podIPs ?? []).some((i) => i.ip === address));
        const state = endpointState(endpoint);
        const e: PortEndpoint = {
          address,
          port: slicePort.port,
          ready: state === 'ready',
          serving: state !== 'not-ready',
          terminating: endpoint.conditions?.terminating === true,
          containers: pod ? declaringContainers(pod, slicePort.port, targetName, protocol) : [],
          slice: nameOf(slice),
        };
        if (endpoint.nodeName) e.nodeName = endpoint.nodeName;
        const podName = ref ?? (pod ? nameOf(pod) : undefined);
        if (podName !== undefined) e.podName = podName;
        const workload = pod ? workloadOf(snapshot, pod) : undefined;
        if (workload) e.workload = workload;
        out.push(e);
      }
    }
  }
  return out.sort((a, b) => (a.podName ?? '').localeCompare(b.podName ?? '') || a.address.localeCompare(b.address));
}
