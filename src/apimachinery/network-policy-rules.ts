/**
 * NetworkPolicy's rules, once: which pods a policy isolates and for which direction, which pods a
 * peer selects, which ports a rule's ports cover, and (the main export) the verdict on one
 * connection, {@link judgeConnection}. The Service proxy writes the same rules as nftables sets
 * and chains (src/proxy/network-policy.ts); `skiff trace` explains a connection with them.
 */
import { isIPv4 } from 'node:net';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { IPBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';
import { parseCIDR, parseIPv4 } from './net.js';
import { SelectorError } from './selectors/errors.js';
import { labelSelectorFromObject, matchesLabels } from './selectors/labels.js';

/** The label every namespace carries with its own name (upstream sets it; selectors may use it). */
export const namespaceNameLabel = 'kubernetes.io/metadata.name';

/** A selector's matcher; a selector that cannot be parsed (never valid in the API) matches nothing. */
export function selectorMatcher(selector: LabelSelector | undefined): (labels: Record<string, string>) => boolean {
  try {
    const expr = labelSelectorFromObject(selector);
    return (labels) => matchesLabels(expr, labels);
  } catch (error) {
    // Validation keeps invalid selectors out of the API; one that slips through selects nothing.
    if (error instanceof SelectorError) return () => false;
    throw error;
  }
}

/** The policyTypes, or upstream's defaulting of them when absent (Ingress, and Egress when it has egress rules). */
export function policyTypesOf(policy: NetworkPolicy): { ingress: boolean; egress: boolean } {
  const types = policy.spec?.policyTypes;
  if (types && types.length > 0) return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
  return { ingress: true, egress: (policy.spec?.egress ?? []).length > 0 };
}

/** Each namespace's labels by name, with {@link namespaceNameLabel} as upstream sets it. */
export function namespaceLabelsOf(namespaces: Namespace[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const ns of namespaces) {
    const name = ns.metadata?.name ?? '';
    out.set(name, { [namespaceNameLabel]: name, ...(ns.metadata?.labels ?? {}) });
  }
  return out;
}

/**
 * The pod's IPv4 address when policies apply to it: it has one, is not host network (its
 * traffic is its node's) and is not finished.
 */
export function policyPodAddress(pod: Pod): string | undefined {
  if (pod.spec?.hostNetwork) return undefined;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const candidates = [...(pod.status?.podIPs ?? []).map((p) => p.ip), pod.status?.podIP];
  return candidates.find((ip): ip is string => ip !== undefined && isIPv4(ip));
}

/** A pod as peer selectors see it. */
export interface PeerPod {
  namespace: string;
  labels: Record<string, string>;
}

/**
 * Whether a selector peer (podSelector, namespaceSelector or both, ANDed) selects the pod: without
 * a namespaceSelector only pods of the policy's own namespace. An ipBlock peer selects no pod by
 * this rule (see {@link ipBlockContains}).
 */
export function peerSelectsPod(peer: NetworkPolicyPeer, policyNamespace: string, pod: PeerPod, namespaceLabels: Map<string, Record<string, string>>): boolean {
  if (peer.ipBlock) return false;
  if (peer.namespaceSelector) {
    const labels = namespaceLabels.get(pod.namespace) ?? { [namespaceNameLabel]: pod.namespace };
    if (!selectorMatcher(peer.namespaceSelector)(labels)) return false;
  } else if (pod.namespace !== policyNamespace) {
    return false;
  }
  return peer.podSelector ? selectorMatcher(peer.podSelector)(pod.labels) : true;
}

/** Whether an IPv4 address is in an ipBlock's cidr and in none of its excepts. */
export function ipBlockContains(block: IPBlock, ip: string): boolean {
  const address = parseIPv4(ip);
  if (address === undefined) return false;
  const inside = (cidr: string): boolean => {
    try {
      const range = parseCIDR(cidr);
      return address >= range.base && address < range.base + range.size;
    } catch (error) {
      // Validation keeps bad CIDRs out; one that slips through contains nothing.
      if (error instanceof Error) return false;
      throw error;
    }
  };
  return inside(block.cidr) && !(block.except ?? []).some(inside);
}

/** The container port names of a pod: name → `PROTOCOL/number` entries. */
function namedPortsOf(pod: Pod | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const container of pod?.spec?.containers ?? []) {
    for (const port of container.ports ?? []) {
      if (!port.name) continue;
      out.set(port.name, [...(out.get(port.name) ?? []), `${port.protocol ?? 'TCP'}/${port.containerPort}`]);
    }
  }
  return out;
}

/**
 * Whether one entry of a rule's `ports` covers `protocol`/`port` on the destination: the protocol
 * (default TCP) must match; no port covers all of it; a number, with endPort a range; a name is
 * the destination pod's container port of that name and protocol.
 */
export function policyPortCovers(entry: NetworkPolicyPort, protocol: string, port: number, destination: Pod | undefined): boolean {
  const entryProtocol = entry.protocol ?? 'TCP';
  if (entryProtocol !== protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === 'string') return (namedPortsOf(destination).get(entry.port) ?? []).includes(`${protocol}/${port}`);
  const end = entry.endPort !== undefined && entry.endPort > entry.port ? entry.endPort : entry.port;
  return port >= entry.port && port <= end;
}

/** One side of a connection: an address, the pod behind it (none for a node or an outside address), the node it runs on. */
export interface ConnectionEnd {
  ip: string;
  pod?: Pod;
  /** The node: the pod's, or the node itself for a node's own address. */
  nodeName?: string;
}

/** A connection as policies judge it: after the Service's DNAT, so the destination is the real pod and its port. */
export interface PolicyConnection {
  source: ConnectionEnd;
  destination: ConnectionEnd;
  /** TCP, UDP or SCTP. */
  protocol: string;
  port: number;
}

/** A rule that lets a connection through: the policy (`namespace/name`) and the rule's index in its ingress or egress list. */
export interface AllowingRule {
  policy: string;
  rule: number;
}

/** The verdict of one direction (ingress of the destination, egress of the source). */
export interface DirectionVerdict {
  allowed: boolean;
  /**
   * Why: `not-isolated` (no policy selects the pod for this direction), `allowed` (a rule lets it
   * in), `denied` (isolated and no rule matches), `own-node` (a pod and its own node always talk),
   * `not-a-pod` (the end is no pod: policies do not apply).
   */
  reason: 'not-isolated' | 'allowed' | 'denied' | 'own-node' | 'not-a-pod';
  /** The policies (`namespace/name`, sorted) that isolate the pod for this direction. */
  isolatedBy: string[];
  /** The rules that allow the connection (empty unless `reason` is `allowed`). */
  allowedBy: AllowingRule[];
}

/** The verdicts on a connection. */
export interface ConnectionVerdict {
  /** The source pod's egress. */
  egress: DirectionVerdict;
  /** The destination pod's ingress. */
  ingress: DirectionVerdict;
  allowed: boolean;
}

const keyOf = (policy: NetworkPolicy): string => `${policy.metadata?.namespace ?? ''}/${policy.metadata?.name ?? ''}`;

/** Whether a rule's peers (none: every peer) include the other end of the connection. */
function peersInclude(peers: NetworkPolicyPeer[] | undefined, policyNamespace: string, other: ConnectionEnd, namespaceLabels: Map<string, Record<string, string>>): boolean {
  if (!peers || peers.length === 0) return true;
  const otherPod = other.pod && policyPodAddress(other.pod) ? other.pod : undefined;
  return peers.some((peer) => {
    if (peer.ipBlock) return ipBlockContains(peer.ipBlock, other.ip);
    if (!otherPod) return false;
    return peerSelectsPod(peer, policyNamespace, { namespace: otherPod.metadata?.namespace ?? '', labels: otherPod.metadata?.labels ?? {} }, namespaceLabels);
  });
}

function judgeDirection(direction: 'ingress' | 'egress', policies: NetworkPolicy[], connection: PolicyConnection, namespaceLabels: Map<string, Record<string, string>>): DirectionVerdict {
  const self = direction === 'ingress' ? connection.destination : connection.source;
  const other = direction === 'ingress' ? connection.source : connection.destination;
  const none: Pick<DirectionVerdict, 'isolatedBy' | 'allowedBy'> = { isolatedBy: [], allowedBy: [] };
  if (!self.pod || !policyPodAddress(self.pod)) return { allowed: true, reason: 'not-a-pod', ...none };
  const namespace = self.pod.metadata?.namespace ?? '';
  const labels = self.pod.metadata?.labels ?? {};
  const selecting = policies
    .filter((p) => (p.metadata?.namespace ?? '') === namespace && policyTypesOf(p)[direction] && selectorMatcher(p.spec?.podSelector ?? {})(labels))
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  if (selecting.length === 0) return { allowed: true, reason: 'not-isolated', ...none };
  const isolatedBy = selecting.map(keyOf);
  // Traffic between a pod and its own node takes the host's input and output hooks: never judged.
  const otherIsNode = !other.pod || !policyPodAddress(other.pod);
  if (otherIsNode && other.nodeName !== undefined && other.nodeName === self.pod.spec?.nodeName) return { allowed: true, reason: 'own-node', isolatedBy, allowedBy: [] };
  const allowedBy: AllowingRule[] = [];
  for (const policy of selecting) {
    const rules = direction === 'ingress' ? (policy.spec?.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (policy.spec?.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
    rules.forEach((rule, index) => {
      if (!peersInclude(rule.peers, namespace, other, namespaceLabels)) return;
      const ports = rule.ports ?? [];
      if (ports.length > 0 && !ports.some((p) => policyPortCovers(p, connection.protocol, connection.port, connection.destination.pod))) return;
      allowedBy.push({ policy: keyOf(policy), rule: index });
    });
  }
  return allowedBy.length > 0 ? { allowed: true, reason: 'allowed', isolatedBy, allowedBy } : { allowed: false, reason: 'denied', isolatedBy, allowedBy };
}

/**
 * Upstream's verdict on one connection: the source pod's egress and the destination pod's
 * ingress are each allowed when no policy isolates the pod for that direction, or when some rule
 * of a policy isolating it matches the other end (pod selectors on pods, ipBlocks on addresses)
 * and the destination port. Both must allow it.
 */
export function judgeConnection(policies: NetworkPolicy[], namespaces: Namespace[], connection: PolicyConnection): ConnectionVerdict {
  const namespaceLabels = namespaceLabelsOf(namespaces);
  const egress = judgeDirection('egress', policies, connection, namespaceLabels);
  const ingress = judgeDirection('ingress', policies, connection, namespaceLabels);
  return { egress, ingress, allowed: egress.allowed && ingress.allowed };
}
