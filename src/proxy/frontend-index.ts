import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { compareText } from './ruleset.js';
import { loadBalancerIPs, nftProtocol, portFrontendAddresses, proxiedClusterIP, serviceKey, type NodeFacts } from './desired-ruleset.js';

/** A Service port as the connection metrics label it. */
export interface ServicePortRef {
  namespace: string;
  service: string;
  /** {@link servicePortLabel} of the port: `80`, `53/UDP`. */
  port: string;
}

/**
 * Service ports by the frontend a client connects to: {@link frontendKey} (protocol as the
 * kernel names it, address, port) → the Service port. ClusterIPs, NodePorts on this node's
 * addresses and load-balancer ingress IPs, as the proxy serves them.
 */
export type FrontendIndex = Map<string, ServicePortRef>;

/** The key of a frontend in a {@link FrontendIndex}: `tcp 10.43.0.10:53`. */
export function frontendKey(protocol: string, address: string, port: number): string {
  return `${protocol} ${address}:${port}`;
}

/**
 * A Service port's label value: its number, with the protocol after a slash unless it is TCP
 * (`80`, `53/UDP`), so that a port number open for two protocols gives two series.
 */
export function servicePortLabel(port: ServicePort): string {
  const protocol = port.protocol ?? 'TCP';
  return protocol === 'TCP' ? String(port.port) : `${port.port}/${protocol}`;
}

/**
 * The frontends of these Services on a node. A frontend two Services name belongs to the first
 * in `namespace/name` order, as in the proxy's table; ports the proxy does not serve (SCTP,
 * headless and ExternalName Services, non-IPv4 ClusterIPs) are not there.
 */
export function frontendIndex(services: Iterable<Service>, node: NodeFacts): FrontendIndex {
  const index: FrontendIndex = new Map();
  const sorted = [...services].sort((a, b) => compareText(serviceKey(a), serviceKey(b)));
  for (const svc of sorted) {
    if (proxiedClusterIP(svc) === undefined) continue;
    const namespace = svc.metadata?.namespace ?? '';
    const service = svc.metadata?.name ?? '';
    const ingressIPs = loadBalancerIPs(svc);
    for (const port of svc.spec?.ports ?? []) {
      const protocol = nftProtocol(port.protocol ?? 'TCP');
      if (typeof protocol !== 'string') continue;
      const ref: ServicePortRef = { namespace, service, port: servicePortLabel(port) };
      for (const f of portFrontendAddresses(svc, port, node, ingressIPs)) {
        const key = frontendKey(protocol, f.address, f.port);
        if (!index.has(key)) index.set(key, ref);
      }
    }
  }
  return index;
}
