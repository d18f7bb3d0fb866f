/**
 * Which nodes serve each LoadBalancer Service, in the manner of k3s's ServiceLB: the Ready nodes
 * (narrowed by ServiceLB's node labels), with externalTrafficPolicy Local only those with a
 * ready endpoint, and one Service per port and protocol on a node (the oldest keeps it, as the
 * first svclb pod holding the host port would). Pure: the controller feeds it from its caches.
 */
import type { LoadBalancerIngress, Node, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';

type ServiceObject = Service & KubeObject;
type NodeObject = Node & KubeObject;

/** ServiceLB's node label: once a node has it `true`, only such nodes serve; `false` never does. */
export const enableLoadBalancerLabel = 'svccontroller.k3s.cattle.io/enablelb';
/** ServiceLB's pool label: a Service with it is served only by nodes with the same value. */
export const loadBalancerPoolLabel = 'svccontroller.k3s.cattle.io/lbpool';
/** Upstream's label keeping a node out of every external load balancer. */
export const excludeFromLoadBalancersLabel = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** Upstream's default LoadBalancerIngress ipMode: traffic reaches the node with the load balancer's IP as destination. */
export const ipModeVIP = 'VIP';

/** Another Service holding a port this one asks for on a node both would use. */
export interface PortClash {
  /** `namespace/name` of the Service holding the port. */
  holder: string;
  port: number;
  protocol: string;
  node: string;
}

/** Where one Service is served. */
export interface LoadBalancerPlacement {
  /** The nodes answering for it (sorted); empty while pending. */
  nodes: string[];
  /** status.loadBalancer.ingress: the nodes' InternalIP and ExternalIP addresses, sorted. */
  ingress: LoadBalancerIngress[];
  /** Set when a port clash keeps it pending. */
  clash?: PortClash;
  /** True when no node is eligible (none Ready, or with Local none with a ready endpoint). */
  noNodes: boolean;
}

/** What {@link placeLoadBalancers} needs to know. */
export interface PlacementInput {
  /** The Services this controller handles (type LoadBalancer, a class it claims). */
  services: readonly ServiceObject[];
  nodes: readonly NodeObject[];
  /** For a Service with externalTrafficPolicy Local: the nodes with a ready endpoint of it. */
  readyEndpointNodes(service: ServiceObject): ReadonlySet<string>;
}

/** `namespace/name` of an object. */
export function keyOf(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

/** True when the node's Ready condition is True. */
export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The node's InternalIP and ExternalIP addresses. */
export function loadBalancerAddresses(node: Node): string[] {
  return (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
}

/** Ready nodes not excluded from load balancers, narrowed by ServiceLB's enablelb label. */
function servingNodes(nodes: readonly NodeObject[]): NodeObject[] {
  const labelled = nodes.some((n) => n.metadata?.labels?.[enableLoadBalancerLabel] === 'true');
  return nodes.filter((node) => {
    const labels = node.metadata?.labels ?? {};
    if (!isNodeReady(node) || labels[excludeFromLoadBalancersLabel] !== undefined) return false;
    const enabled = labels[enableLoadBalancerLabel];
    return enabled !== 'false' && (!labelled || enabled === 'true');
  });
}

/** Oldest first (creationTimestamp), then by namespace/name: the order in which ports are granted. */
function olderFirst(a: ServiceObject, b: ServiceObject): number {
  const at = a.metadata?.creationTimestamp ?? '';
  const bt = b.metadata?.creationTimestamp ?? '';
  if (at !== bt) return at < bt ? -1 : 1;
  const ak = keyOf(a);
  const bk = keyOf(b);
  return ak < bk ? -1 : ak > bk ? 1 : 0;
}

function compareAddresses(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Places every Service of `input`; the answer is keyed by `namespace/name`. */
export function placeLoadBalancers(input: PlacementInput): Map<string, LoadBalancerPlacement> {
  const eligible = servingNodes(input.nodes);
  /** `node|protocol/port` → the Service holding it. */
  const held = new Map<string, string>();
  const placements = new Map<string, LoadBalancerPlacement>();
  for (const service of [...input.services].sort(olderFirst)) {
    const key = keyOf(service);
    const pool = service.metadata?.labels?.[loadBalancerPoolLabel];
    let nodes = eligible.filter((node) => pool === undefined || node.metadata?.labels?.[loadBalancerPoolLabel] === pool);
    if (service.spec?.externalTrafficPolicy === 'Local') {
      const withEndpoints = input.readyEndpointNodes(service);
      nodes = nodes.filter((node) => withEndpoints.has(node.metadata?.name ?? ''));
    }
    const names = nodes.map((n) => n.metadata?.name ?? '').sort();
    const claims = (service.spec?.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' }));
    let clash: PortClash | undefined;
    for (const node of names) {
      for (const { port, protocol } of claims) {
        const holder = held.get(`${node}|${protocol}/${port}`);
        if (holder && holder !== key) clash ??= { holder, port, protocol, node };
      }
    }
    if (clash || names.length === 0) {
      placements.set(key, { nodes: [], ingress: [], noNodes: names.length === 0, ...(clash ? { clash } : {}) });
      continue;
    }
    for (const node of names) for (const { port, protocol } of claims) held.set(`${node}|${protocol}/${port}`, key);
    const addresses = new Set(nodes.flatMap(loadBalancerAddresses));
    placements.set(key, {
      nodes: names,
      ingress: [...addresses].sort(compareAddresses).map((ip) => ({ ip, ipMode: ipModeVIP })),
      noNodes: false,
    });
  }
  return placements;
}
