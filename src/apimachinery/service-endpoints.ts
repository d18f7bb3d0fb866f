/**
 * Pod and Service helpers shared by the Endpoints and EndpointSlice controllers, following
 * upstream's endpointslice/util (ShouldPodBeInEndpoints), pkg/api/v1/pod (FindPort)
 * and the services' selector semantics.
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';

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
