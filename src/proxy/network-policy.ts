/**
 * NetworkPolicy enforcement as data (the rules themselves in apimachinery/network-policy-rules.ts):
 * a pure function from NetworkPolicies, Pods, Namespaces and
 * facts about this node to the sets and chains it adds to the Service proxy's table (one
 * {@link Contribution}), with upstream's semantics for the pods on this node:
 *
 * - A pod selected by any policy whose policyTypes hold Ingress is isolated for ingress (likewise
 *   Egress); what it may receive (send) is the union of the rules of all policies selecting it.
 *   Pods no policy selects are not isolated: all connected by default.
 * - Ingress is judged on the destination pod's node, egress on the source pod's node, both in a
 *   `forward` hook at filter priority, after the Service DNAT (prerouting): ClusterIP traffic is
 *   judged by the real destination pod.
 * - Replies and related packets of allowed connections pass (`ct state established,related`).
 *   Traffic between a pod and its own node (kubelet probes, host-network clients) takes the
 *   host's input/output hooks, never `forward`, so it is always allowed, as upstream's
 *   implementations allow it. On a node whose pods share a Linux bridge, pod-to-pod traffic
 *   on that bridge reaches `forward` only with br_netfilter's `bridge-nf-call-iptables=1` (as
 *   kube-proxy needs it too).
 * - Denied packets are DROPPED (as Calico, Cilium and kube-router do), counted by the `counter`
 *   ending `policy-ingress` and `policy-egress` (`nft list chain ip skiff policy-ingress`).
 *
 * Pod addresses live in sets updated in place, never in rules: per policy the local pods it
 * selects (`np-H-targets`), per rule the pods its selector peers match (`np-H-in-R-peers`,
 * `np-H-eg-R-peers`) and the address . protocol . port of named ports (`np-H-in-R-named`). The
 * chains change only when policies do (H is a hash of the policy's `namespace/name`).
 */
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';
import { namespaceLabelsOf, peerSelectsPod, policyPodAddress, policyTypesOf, selectorMatcher } from '../apimachinery/network-policy-rules.js';
import type { NodeFacts } from './desired-ruleset.js';
import type { Contribution, ContributedElement } from './ruleset-builder.js';
import type { NftChain, NftMap, Ruleset } from './ruleset.js';

/** What {@link policyContribution} reads. */
export interface PolicyInput {
  policies: NetworkPolicy[];
  /** All pods of the cluster: peers may run on other nodes. */
  pods: Pod[];
  namespaces: Namespace[];
  /** Only `nodeName` is read: pods with that `spec.nodeName` are enforced here. */
  node: Pick<NodeFacts, 'nodeName'>;
}

/** The chain hooked at `forward` (filter priority, after the Service proxy's checks at -10). */
export const policyForwardChain = 'policy-forward';
/** The set of local pods isolated for ingress. */
export const ingressIsolatedSet = 'policy-ingress-isolated';
/** The set of local pods isolated for egress. */
export const egressIsolatedSet = 'policy-egress-isolated';

type Direction = 'in' | 'eg';

const addressSet = 'type ipv4_addr';
const namedPortSet = 'type ipv4_addr . inet_proto . inet_service';
const nftProtocols: Record<string, string> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/** A pod as the policy model sees it. */
interface PolicyPod {
  namespace: string;
  labels: Record<string, string>;
  ip: string;
  local: boolean;
  /** Container port name → `proto . port` texts. */
  namedPorts: Map<string, string[]>;
}

/** The `namespace/name` of a policy. */
export function policyKey(policy: NetworkPolicy): string {
  return `${policy.metadata?.namespace ?? ''}/${policy.metadata?.name ?? ''}`;
}

/** The short, stable name part of a policy's sets and chains. */
export function policyId(policy: NetworkPolicy): string {
  return `np-${createHash('sha256').update(policyKey(policy)).digest('hex').slice(0, 12)}`;
}

function policyPods(pods: Pod[], nodeName: string): PolicyPod[] {
  const out: PolicyPod[] = [];
  for (const pod of pods) {
    const ip = policyPodAddress(pod);
    if (!ip) continue;
    const namedPorts = new Map<string, string[]>();
    for (const container of pod.spec?.containers ?? []) {
      for (const port of container.ports ?? []) {
        const protocol = nftProtocols[port.protocol ?? 'TCP'];
        if (!port.name || !protocol) continue;
        namedPorts.set(port.name, [...(namedPorts.get(port.name) ?? []), `${protocol} . ${port.containerPort}`]);
      }
    }
    out.push({ namespace: pod.metadata?.namespace ?? '', labels: pod.metadata?.labels ?? {}, ip, local: pod.spec?.nodeName === nodeName, namedPorts });
  }
  return out;
}

/** The pods a selector peer matches: podSelector in the policy's namespace, namespaceSelector, or both (AND). */
function peerPods(peer: NetworkPolicyPeer, policyNamespace: string, pods: PolicyPod[], namespaceLabels: Map<string, Record<string, string>>): PolicyPod[] {
  return pods.filter((pod) => peerSelectsPod(peer, policyNamespace, pod, namespaceLabels));
}

/** nft text of an anonymous set or a single value. */
function oneOrSet(values: string[]): string {
  return values.length === 1 ? values[0]! : `{ ${values.join(', ')} }`;
}

/** The match alternatives of a rule's numbered ports: one per protocol (a protocol without a port matches all its ports). */
function numberedPortMatches(ports: NetworkPolicyPort[]): string[] {
  const byProtocol = new Map<string, string[] | 'all'>();
  for (const port of ports) {
    const protocol = nftProtocols[port.protocol ?? 'TCP'];
    if (!protocol || typeof port.port === 'string') continue;
    if (port.port === undefined) {
      byProtocol.set(protocol, 'all');
      continue;
    }
    const known = byProtocol.get(protocol);
    if (known === 'all') continue;
    const value = port.endPort !== undefined && port.endPort > port.port ? `${port.port}-${port.endPort}` : `${port.port}`;
    byProtocol.set(protocol, [...new Set([...(known ?? []), value])]);
  }
  return [...byProtocol].map(([protocol, values]) => (values === 'all' ? `meta l4proto ${protocol}` : `meta l4proto ${protocol} th dport ${oneOrSet(values)}`));
}

/** `ip saddr CIDR` with its excepts, or undefined for a non-IPv4 block. */
function ipBlockMatch(field: 'saddr' | 'daddr', cidr: string, except: string[]): string | undefined {
  if (!isIPv4(cidr.split('/')[0] ?? '')) return undefined;
  const excepts = except.filter((e) => isIPv4(e.split('/')[0] ?? ''));
  return excepts.length ? `ip ${field} ${cidr} ip ${field} != ${oneOrSet(excepts)}` : `ip ${field} ${cidr}`;
}

class ContributionWriter {
  readonly contribution: Contribution = { elements: [], maps: new Map(), chains: new Map(), skipped: [] };
  private readonly seen = new Set<string>();

  declare(name: string, declaration: string): void {
    this.contribution.maps.set(name, { declaration: [declaration], elements: new Map() });
  }

  element(map: string, key: string): void {
    const id = `${map}\n${key}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const element: ContributedElement = { map, key, value: undefined };
    this.contribution.elements.push(element);
  }

  chain(name: string, rules: string[]): void {
    this.contribution.chains.set(name, { rules });
  }
}

/**
 * The sets and chains enforcing `input.policies` for the pods on `input.node`: the same
 * declarations and chain rules as long as the policies are the same; pods only change set
 * elements.
 */
export function policyContribution(input: PolicyInput): Contribution {
  const out = new ContributionWriter();
  const pods = policyPods(input.pods, input.node.nodeName);
  const namespaceLabels = namespaceLabelsOf(input.namespaces);
  out.declare(ingressIsolatedSet, addressSet);
  out.declare(egressIsolatedSet, addressSet);
  const chains: Record<Direction, string[]> = { in: [], eg: [] };
  const policies = [...input.policies].sort((a, b) => (policyKey(a) < policyKey(b) ? -1 : policyKey(a) > policyKey(b) ? 1 : 0));
  for (const policy of policies) {
    const id = policyId(policy);
    const namespace = policy.metadata?.namespace ?? '';
    const selects = selectorMatcher(policy.spec?.podSelector ?? {});
    const targets = pods.filter((pod) => pod.local && pod.namespace === namespace && selects(pod.labels));
    const types = policyTypesOf(policy);
    const targetSet = `${id}-targets`;
    out.declare(targetSet, addressSet);
    for (const pod of targets) {
      out.element(targetSet, pod.ip);
      if (types.ingress) out.element(ingressIsolatedSet, pod.ip);
      if (types.egress) out.element(egressIsolatedSet, pod.ip);
    }
    const directions: [Direction, boolean, { ports?: NetworkPolicyPort[]; peers?: NetworkPolicyPeer[] }[]][] = [
      ['in', types.ingress, (policy.spec?.ingress ?? []).map((r) => ({ ports: r.ports, peers: r.from }))],
      ['eg', types.egress, (policy.spec?.egress ?? []).map((r) => ({ ports: r.ports, peers: r.to }))],
    ];
    for (const [direction, enforced, rules] of directions) {
      if (!enforced) continue;
      const self = direction === 'in' ? 'daddr' : 'saddr';
      const other = direction === 'in' ? 'saddr' : 'daddr';
      rules.forEach((rule, index) => {
        const prefix = `${id}-${direction}-${index}`;
        // Peer alternatives: '' for "any peer".
        const peerMatches: string[] = [];
        const peers = rule.peers ?? [];
        if (peers.length === 0) peerMatches.push('');
        const selectorPeers = peers.filter((p) => !p.ipBlock);
        if (selectorPeers.length > 0) {
          const peerSet = `${prefix}-peers`;
          out.declare(peerSet, addressSet);
          for (const peer of selectorPeers) for (const pod of peerPods(peer, namespace, pods, namespaceLabels)) out.element(peerSet, pod.ip);
          peerMatches.push(`ip ${other} @${peerSet}`);
        }
        for (const peer of peers) {
          if (!peer.ipBlock) continue;
          const match = ipBlockMatch(other, peer.ipBlock.cidr, peer.ipBlock.except ?? []);
          if (match) peerMatches.push(match);
        }
        // Port alternatives: '' for "any port".
        const ports = rule.ports ?? [];
        const portMatches = ports.length === 0 ? [''] : numberedPortMatches(ports);
        const named = ports.filter((p): p is NetworkPolicyPort & { port: string } => typeof p.port === 'string');
        if (named.length > 0) {
          const namedSet = `${prefix}-named`;
          out.declare(namedSet, namedPortSet);
          // A name resolves on the destination pod: the selected pod for ingress, any pod for egress.
          const destinations = direction === 'in' ? targets : pods;
          for (const pod of destinations) {
            for (const port of named) {
              const protocol = nftProtocols[port.protocol ?? 'TCP'];
              for (const entry of pod.namedPorts.get(port.port) ?? []) if (entry.startsWith(`${protocol} `)) out.element(namedSet, `${pod.ip} . ${entry}`);
            }
          }
          portMatches.push(`ip daddr . meta l4proto . th dport @${namedSet}`);
        }
        for (const peerMatch of peerMatches) {
          for (const portMatch of portMatches) {
            chains[direction].push([`ip ${self} @${targetSet}`, peerMatch, portMatch, 'return'].filter(Boolean).join(' '));
          }
        }
      });
    }
  }
  out.chain(policyForwardChain, [
    'type filter hook forward priority filter; policy accept;',
    'ct state established,related accept',
    `ip saddr @${egressIsolatedSet} jump policy-egress`,
    `ip daddr @${ingressIsolatedSet} jump policy-ingress`,
  ]);
  out.chain('policy-ingress', [...chains.in, 'counter drop']);
  out.chain('policy-egress', [...chains.eg, 'counter drop']);
  return out.contribution;
}

/** The policy's part alone as a table (for golden tests and a table of its own). */
export function policyRuleset(input: PolicyInput, table = 'skiff'): Ruleset {
  const contribution = policyContribution(input);
  const maps = new Map<string, NftMap>();
  for (const [name, map] of contribution.maps) maps.set(name, { ...map, elements: new Map() });
  for (const element of contribution.elements) maps.get(element.map)!.elements.set(element.key, element.value);
  return { family: 'ip', table, maps, chains: new Map<string, NftChain>(contribution.chains) };
}
