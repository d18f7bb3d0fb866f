/**
 * The Service proxy's desired state: a pure function from Services, EndpointSlices and facts
 * about this node to a {@link Ruleset}, with kube-proxy's nftables-mode semantics but built on
 * maps. A "frontend" is an address . protocol . port a client connects to (a ClusterIP port, a
 * NodePort on each node address, a LoadBalancer ingress IP's port).
 *
 * - `frontends` (verdict map) sends a frontend to `endpoints-N` (or `endpoints-N-affinity-T`),
 *   one chain per endpoint count N: `ct mark` takes `numgen random mod N` and
 *   `dnat to ip daddr . meta l4proto . th dport . ct mark map @endpoints-N` picks the endpoint.
 *   One modulus serves every frontend with N endpoints, so chains stay few.
 * - Session affinity ClientIP: `affinity-T` (dynamic map with timeout T seconds) remembers the
 *   endpoint index a client got for a frontend; an index beyond a shrunken endpoint list is
 *   drawn again rather than failing.
 * - `no-endpoint-frontends` (verdict map, checked in filter hooks after DNAT) rejects
 *   frontends without endpoints, or drops them when a Local traffic policy left none; anything
 *   still bound for `cluster-ips` is a port no Service defines (reject); anything else in the
 *   Service CIDR is unallocated (drop), so no ClusterIP ever leaves the node.
 * - Masquerade: `masquerade-frontends` (NodePort/LoadBalancer with Cluster policy) and
 *   ClusterIP traffic from outside the cluster CIDR are marked; `hairpin` holds `ip . ip` of
 *   local endpoints so a pod reaching itself through its Service is masqueraded.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { endpointState } from '../apimachinery/service-endpoints.js';
import { isIPv4 } from 'node:net';
import type { NftChain, NftMap, Ruleset } from './ruleset.js';
import { RulesetBuilder, type Contribution } from './ruleset-builder.js';

/** Facts about the node the proxy runs on. */
export interface NodeFacts {
  /** This node's name: endpoints with this `nodeName` are local. */
  nodeName: string;
  /** The node's addresses NodePorts answer on (IPv6 and 127.0.0.0/8 are ignored). */
  nodeIPs: string[];
  /** The pod network, e.g. `10.42.0.0/16`: ClusterIP traffic from elsewhere is masqueraded. '' for none. */
  clusterCIDR: string;
  /** The Service network, e.g. `10.43.0.0/16`: its unallocated addresses are dropped. */
  serviceCIDR: string;
}

/** What {@link desiredRuleset} reads. */
export interface ProxyInput {
  services: Service[];
  endpointSlices: EndpointSlice[];
  node: NodeFacts;
  /** The table's name. Default `skiff`. */
  table?: string;
}

/** A Service port the proxy cannot serve, with a reason for an event. */
export interface SkippedPort {
  /** `namespace/name` of the Service. */
  service: string;
  /** The port's name ('' when unnamed), or undefined for the whole Service. */
  port?: string;
  /** Suitable as an event message. */
  reason: string;
}

/** The desired ruleset and what it had to leave out. */
export interface DesiredState {
  ruleset: Ruleset;
  skipped: SkippedPort[];
}

/** The packet mark bit for "masquerade this connection" (kube-proxy's 0x4000). */
export const masqueradeMark = '0x4000';
/** Upstream's default ClientIP affinity timeout (3 hours). */
export const defaultAffinityTimeoutSeconds = 10800;

interface Backend {
  address: string;
  port: number;
  local: boolean;
  /** The address as a number, for sorting. */
  order: number;
}

interface Frontend {
  key: string;
  backends: Backend[];
  /** With no backends: `drop` (a Local policy left none) or reject. */
  whenEmpty: 'drop' | 'reject';
  masquerade: boolean;
  affinityTimeout?: number;
}

const setOfFrontends = 'type ipv4_addr . inet_proto . inet_service';

/** The service's `namespace/name`. */
export function serviceKey(svc: Service): string {
  return `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
}

function isUsableIPv4(ip: string | undefined): ip is string {
  return ip !== undefined && isIPv4(ip) && !ip.startsWith('127.');
}

/**
 * The endpoints of one Service port, from its slices: each slice names its own port number
 * for the port name, so a named targetPort resolves per endpoint. Deduplicated, sorted.
 */
function backendsOf(slices: EndpointSlice[], port: ServicePort, protocol: string, nodeName: string): { ready: Backend[]; terminating: Backend[] } {
  const ready = new Map<string, Backend>();
  const terminating = new Map<string, Backend>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === protocol);
    if (slicePort?.port === undefined) continue;
    for (const endpoint of slice.endpoints ?? []) {
      const address = endpoint.addresses[0];
      if (!isIPv4(address ?? '')) continue;
      const backend: Backend = { address: address!, port: slicePort.port, local: endpoint.nodeName === nodeName, order: ipOrder(address!) };
      const id = `${backend.address}:${backend.port}`;
      const state = endpointState(endpoint);
      if (state === 'ready') ready.set(id, backend);
      else if (state === 'serving-terminating') terminating.set(id, backend);
    }
  }
  const sorted = (m: Map<string, Backend>): Backend[] => (m.size < 2 ? [...m.values()] : [...m.values()].sort(compareBackends));
  return { ready: sorted(ready), terminating: sorted(terminating) };
}

function compareBackends(a: Backend, b: Backend): number {
  const byAddress = a.order - b.order;
  return byAddress !== 0 ? byAddress : a.port - b.port;
}

function ipOrder(ip: string): number {
  let n = 0;
  let octet = 0;
  for (let i = 0; i < ip.length; i++) {
    const digit = ip.charCodeAt(i) - 48;
    if (digit >= 0 && digit <= 9) octet = octet * 10 + digit;
    else {
      n = n * 256 + octet;
      octet = 0;
    }
  }
  return n * 256 + octet;
}

/**
 * kube-proxy's choice: ready endpoints, or when none is ready the serving-but-terminating
 * ones; with a Local policy only this node's.
 */
function usable(candidates: { ready: Backend[]; terminating: Backend[] }, localOnly: boolean): Backend[] {
  const pick = (list: Backend[]): Backend[] => (localOnly ? list.filter((b) => b.local) : list);
  const ready = pick(candidates.ready);
  return ready.length > 0 ? ready : pick(candidates.terminating);
}

function affinityTimeoutOf(svc: Service): number | undefined {
  if (svc.spec?.sessionAffinity !== 'ClientIP') return undefined;
  return svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? defaultAffinityTimeoutSeconds;
}

/** The nft protocol name of a Service port's protocol (`TCP`), or the reason the port is skipped. */
export function nftProtocol(protocol: string): 'tcp' | 'udp' | { reason: string } {
  if (protocol === 'TCP') return 'tcp';
  if (protocol === 'UDP') return 'udp';
  return { reason: `protocol ${protocol} is not supported by the Service proxy` };
}

/** The node's addresses NodePorts answer on. */
function nodePortAddresses(node: NodeFacts): string[] {
  return [...new Set(node.nodeIPs.filter(isUsableIPv4))];
}

/** One address and port a Service port answers on. */
export interface FrontendAddress {
  address: string;
  port: number;
  /** A NodePort or load-balancer address (externalTrafficPolicy applies), not the ClusterIP. */
  external: boolean;
}

/**
 * The ClusterIP the proxy serves for a Service: undefined for headless and ExternalName
 * Services and for a ClusterIP that is not IPv4.
 */
export function proxiedClusterIP(svc: Service): string | undefined {
  const spec = svc.spec ?? {};
  const clusterIP = spec.clusterIP;
  if (spec.type === 'ExternalName' || !clusterIP || clusterIP === 'None' || !isIPv4(clusterIP)) return undefined;
  return clusterIP;
}

/**
 * The addresses one port of a Service answers on: its ClusterIP at `port.port`, each node
 * address at its NodePort (NodePort and LoadBalancer Services), each load-balancer ingress IP at
 * `port.port`. `ingressIPs` are the Service's usable ingress IPs ({@link loadBalancerIPs}).
 */
export function portFrontendAddresses(svc: Service, port: ServicePort, node: NodeFacts, ingressIPs: string[]): FrontendAddress[] {
  const spec = svc.spec ?? {};
  const out: FrontendAddress[] = [{ address: spec.clusterIP!, port: port.port, external: false }];
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && port.nodePort) {
    for (const ip of nodePortAddresses(node)) out.push({ address: ip, port: port.nodePort, external: true });
  }
  for (const ip of ingressIPs) out.push({ address: ip, port: port.port, external: true });
  return out;
}

/** The IPv4 load-balancer ingress IPs of a LoadBalancer Service the proxy answers on. */
export function loadBalancerIPs(svc: Service): string[] {
  return svc.spec?.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(isUsableIPv4) : [];
}

/** The frontends of one Service; a frontend it names twice is skipped with a reason. */
function frontendsOf(svc: Service, slices: EndpointSlice[], node: NodeFacts, skipped: SkippedPort[]): Frontend[] {
  const spec = svc.spec ?? {};
  const name = serviceKey(svc);
  const frontends: Frontend[] = [];
  const taken = new Set<string>();
  const affinityTimeout = affinityTimeoutOf(svc);
  const internalLocal = spec.internalTrafficPolicy === 'Local';
  const externalLocal = spec.externalTrafficPolicy === 'Local';
  const ingressIPs = loadBalancerIPs(svc);
  for (const port of spec.ports ?? []) {
    const protocolName = port.protocol ?? 'TCP';
    const protocol = nftProtocol(protocolName);
    if (typeof protocol !== 'string') {
      skipped.push({ service: name, port: port.name ?? '', reason: protocol.reason });
      continue;
    }
    const candidates = backendsOf(slices, port, protocolName, node.nodeName);
    const add = (address: string, portNumber: number, localOnly: boolean, external: boolean): void => {
      const key = `${address} . ${protocol} . ${portNumber}`;
      if (taken.has(key)) {
        skipped.push({ service: name, port: port.name ?? '', reason: `${address}:${portNumber}/${protocolName} is named twice` });
        return;
      }
      taken.add(key);
      frontends.push({
        key,
        backends: usable(candidates, localOnly),
        whenEmpty: localOnly ? 'drop' : 'reject',
        masquerade: external && !localOnly,
        affinityTimeout,
      });
    };
    for (const f of portFrontendAddresses(svc, port, node, ingressIPs)) add(f.address, f.port, f.external ? externalLocal : internalLocal, f.external);
  }
  return frontends;
}

/** The chains every ruleset has, which depend only on the node facts. */
function staticChains(node: NodeFacts): Map<string, NftChain> {
  const newConnections = 'ct state new jump service-checks';
  const chains: [string, string[]][] = [
    ['nat-prerouting', ['type nat hook prerouting priority dstnat; policy accept;', 'jump services']],
    ['nat-output', ['type nat hook output priority -100; policy accept;', 'jump services']],
    ['nat-postrouting', ['type nat hook postrouting priority srcnat; policy accept;', 'jump masquerading']],
    // After DNAT (filter - 10): what still heads for a frontend found no endpoint.
    ['filter-input', ['type filter hook input priority -10; policy accept;', newConnections]],
    ['filter-forward', ['type filter hook forward priority -10; policy accept;', newConnections]],
    ['filter-output', ['type filter hook output priority -10; policy accept;', newConnections]],
    [
      'services',
      [
        `ip daddr . meta l4proto . th dport @masquerade-frontends meta mark set meta mark | ${masqueradeMark}`,
        ...(node.clusterCIDR ? [`ip daddr @cluster-ips ip saddr != ${node.clusterCIDR} meta mark set meta mark | ${masqueradeMark}`] : []),
        'ip daddr . meta l4proto . th dport vmap @frontends',
      ],
    ],
    [
      'masquerading',
      [
        `meta mark & ${masqueradeMark} == ${masqueradeMark} meta mark set meta mark ^ ${masqueradeMark} masquerade fully-random`,
        'ct status dnat ip saddr . ip daddr @hairpin masquerade fully-random',
      ],
    ],
    [
      'service-checks',
      [
        'ip daddr . meta l4proto . th dport vmap @no-endpoint-frontends',
        'ip daddr @cluster-ips goto reject-chain',
        ...(node.serviceCIDR ? [`ip daddr ${node.serviceCIDR} drop`] : []),
      ],
    ],
    ['reject-chain', ['meta l4proto tcp reject with tcp reset', 'reject']],
  ];
  return new Map(chains.map(([name, rules]) => [name, { rules }]));
}

function emptyMap(...declaration: string[]): NftMap {
  return { declaration, elements: new Map() };
}

/** The sets, maps and chains every ruleset has, without elements: they depend only on the node facts. */
export function baseRuleset(node: NodeFacts, table = 'skiff'): Ruleset {
  const maps = new Map<string, NftMap>([
    ['cluster-ips', emptyMap('type ipv4_addr')],
    ['frontends', emptyMap(`${setOfFrontends} : verdict`)],
    ['no-endpoint-frontends', emptyMap(`${setOfFrontends} : verdict`)],
    ['masquerade-frontends', emptyMap(setOfFrontends)],
    ['hairpin', emptyMap('type ipv4_addr . ipv4_addr')],
  ]);
  return { family: 'ip', table, maps, chains: staticChains(node) };
}

/**
 * What one Service puts in the ruleset, given its EndpointSlices (those labelled with its
 * name in its namespace): nothing for headless and ExternalName Services.
 */
export function serviceContribution(svc: Service, slices: EndpointSlice[], node: NodeFacts): Contribution {
  const contribution: Contribution = { elements: [], maps: new Map(), chains: new Map(), skipped: [] };
  const clusterIP = proxiedClusterIP(svc);
  if (clusterIP === undefined) {
    const given = svc.spec?.clusterIP;
    if (svc.spec?.type !== 'ExternalName' && given && given !== 'None') {
      contribution.skipped.push({ service: serviceKey(svc), reason: `ClusterIP ${given} is not IPv4: the Service proxy serves IPv4 only` });
    }
    return contribution;
  }
  const element = (map: string, key: string, value?: string): void => void contribution.elements.push({ map, key, value });
  element('cluster-ips', clusterIP);
  for (const frontend of frontendsOf(svc, slices, node, contribution.skipped)) {
    const count = frontend.backends.length;
    if (count === 0) {
      element('no-endpoint-frontends', frontend.key, frontend.whenEmpty === 'drop' ? 'drop' : 'goto reject-chain');
      continue;
    }
    if (frontend.masquerade) element('masquerade-frontends', frontend.key);
    const endpointsMap = `endpoints-${count}`;
    contribution.maps.set(endpointsMap, emptyMap('type ipv4_addr . inet_proto . inet_service . mark : ipv4_addr . inet_service'));
    contribution.chains.set(endpointsMap, {
      rules: [`ct mark set numgen random mod ${count}`, `dnat to ip daddr . meta l4proto . th dport . ct mark map @${endpointsMap}`],
    });
    frontend.backends.forEach((backend, index) => {
      element(endpointsMap, `${frontend.key} . ${index}`, `${backend.address} . ${backend.port}`);
      if (backend.local) element('hairpin', `${backend.address} . ${backend.address}`);
    });
    let target = endpointsMap;
    if (frontend.affinityTimeout !== undefined) {
      const timeout = frontend.affinityTimeout;
      const affinityMap = `affinity-${timeout}`;
      target = `${endpointsMap}-${affinityMap}`;
      contribution.maps.set(affinityMap, {
        declaration: ['type ipv4_addr . ipv4_addr . inet_proto . inet_service : mark', 'flags dynamic,timeout', `timeout ${timeout}s`],
        elements: new Map(),
        dynamic: true,
      });
      const clientKey = 'ip saddr . ip daddr . meta l4proto . th dport';
      contribution.chains.set(target, {
        rules: [
          `ct mark set numgen random mod ${count}`,
          // A remembered index replaces the random one; one beyond a shrunken list is drawn again.
          `ct mark set ${clientKey} map @${affinityMap}`,
          `ct mark >= ${count} ct mark set numgen random mod ${count}`,
          `update @${affinityMap} { ${clientKey} timeout ${timeout}s : ct mark }`,
          `dnat to ip daddr . meta l4proto . th dport . ct mark map @${endpointsMap}`,
        ],
      });
    }
    element('frontends', frontend.key, `goto ${target}`);
  }
  return contribution;
}

/** The `namespace/service-name` an EndpointSlice belongs to, or undefined. */
export function sliceOwner(slice: EndpointSlice): string | undefined {
  const owner = slice.metadata?.labels?.['kubernetes.io/service-name'];
  return owner ? `${slice.metadata?.namespace ?? ''}/${owner}` : undefined;
}

/**
 * The ruleset for these Services and EndpointSlices on this node, and the Service ports it
 * cannot serve (SCTP, non-IPv4, a frontend another Service already holds).
 */
export function desiredRuleset(input: ProxyInput): DesiredState {
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of input.endpointSlices) {
    const owner = sliceOwner(slice);
    if (!owner) continue;
    const slices = slicesByService.get(owner);
    if (slices) slices.push(slice);
    else slicesByService.set(owner, [slice]);
  }
  const builder = new RulesetBuilder(baseRuleset(input.node, input.table), { recordChanges: false });
  for (const svc of input.services) {
    builder.set(serviceKey(svc), serviceContribution(svc, slicesByService.get(serviceKey(svc)) ?? [], input.node));
  }
  return { ruleset: builder.ruleset(), skipped: builder.skipped() };
}
