/**
 * Pod, Service and endpoint rules shared by the Endpoints and EndpointSlice controllers, the
 * Service proxy, cluster DNS and `skiff trace`, following upstream's endpointslice/util
 * (ShouldPodBeInEndpoints), pkg/api/v1/pod (FindPort), the services' selector semantics, the
 * reading of endpoint conditions, and the DNS specification's endpoint records.
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { canonicalIP } from './net.js';

/**
 * Upstream's ShouldPodBeInEndpoints: not terminal (Succeeded or Failed), has an IP, and is not
 * terminating unless `includeTerminating`.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!podIP(pod)) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** The pod's (first) IP, or '' before it has one. */
export function podIP(pod: Pod): string {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || '';
}

/**
 * Upstream's FindPort: the port a service port reaches on this pod. A numeric targetPort (or
 * none: the service port) is taken as is; a named one is the container port of that name and
 * the service port's protocol, in a container or a restartable (sidecar) init container.
 * Undefined when the pod has no such port.
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  const protocol = servicePort.protocol ?? 'TCP';
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const container of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
    }
  }
  return undefined;
}

/** Whether the Service selects pods at all (a Service without a selector has hand-made endpoints). */
export function hasSelector(service: Service): boolean {
  return service.spec?.selector !== undefined && service.spec.selector !== null;
}

/** Whether the Service's selector (a label map: every pair must match) selects the pod; same namespace only. */
export function serviceSelectsPod(service: Service, pod: Pod): boolean {
  if (!hasSelector(service)) return false;
  if ((service.metadata?.namespace ?? '') !== (pod.metadata?.namespace ?? '')) return false;
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(service.spec?.selector ?? {}).every(([key, value]) => labels[key] === value);
}

/** The DNS hostname of a pod behind a Service: spec.hostname when spec.subdomain names the Service. */
export function podHostname(pod: Pod, service: Service): string | undefined {
  const hostname = pod.spec?.hostname;
  if (!hostname) return undefined;
  if (pod.spec?.subdomain !== service.metadata?.name) return undefined;
  if (pod.metadata?.namespace !== service.metadata?.namespace) return undefined;
  return hostname;
}

/** Upstream's IsServiceIPSet: a ClusterIP that is neither empty nor None. */
export function isServiceIPSet(service: Service): boolean {
  const ip = service.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** Label marking the Endpoints and EndpointSlices of headless Services. */
export const headlessServiceLabel = 'service.kubernetes.io/headless';

/**
 * Upstream's reading of an endpoint's conditions: unset `ready` is ready, unset `serving`
 * follows `ready`; a terminating endpoint still serving is used only when no ready one is left.
 */
export function endpointState(endpoint: Endpoint): 'ready' | 'serving-terminating' | 'not-ready' {
  const conditions = endpoint.conditions ?? {};
  const ready = conditions.ready ?? true;
  if (ready && !conditions.terminating) return 'ready';
  const serving = conditions.serving ?? ready;
  return serving && conditions.terminating ? 'serving-terminating' : 'not-ready';
}

/** Whether DNS publishes a Service's not-ready endpoints too (publishNotReadyAddresses, or the old annotation). */
export function publishesNotReady(svc: Service): boolean {
  return svc.spec?.publishNotReadyAddresses === true || svc.metadata?.annotations?.['service.alpha.kubernetes.io/tolerate-unready-endpoints'] === 'true';
}

/** One address DNS publishes for a Service, with its _hostname_ in the DNS specification's sense. */
export interface DnsEndpoint {
  address: string;
  /** The endpoint's `hostname`, else an identifier made of its address (`10-1-2-3`). */
  hostname: string;
  ports: EndpointPort[];
}

/**
 * The endpoint addresses DNS publishes from a Service's EndpointSlices: ready ones (unset
 * `ready` is ready), all when `includeNotReady`; in slice order, each address once per hostname;
 * FQDN slices skipped.
 */
export function dnsEndpoints(slices: EndpointSlice[], includeNotReady: boolean): DnsEndpoint[] {
  const out: DnsEndpoint[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    for (const endpoint of slice.endpoints ?? []) {
      if (!includeNotReady && endpoint.conditions?.ready === false) continue;
      for (const raw of endpoint.addresses) {
        const address = canonicalIP(raw);
        if (!address) continue;
        const hostname = endpoint.hostname?.toLowerCase() || address.replace(/[.:]/g, '-');
        const key = `${hostname}|${address}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ address, hostname, ports: slice.ports ?? [] });
      }
    }
  }
  return out;
}
