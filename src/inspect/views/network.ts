import type { Pod } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';
import { namespaceLabelsOf, peerSelectsPod, policyTypesOf, selectorMatcher } from '../../apimachinery/network-policy-rules.js';
import { isPodReady, isPodTerminal } from '../../apimachinery/pod.js';
import { formatLabelSelector } from '../../apimachinery/selectors/labels.js';
import { serviceSlices } from '../port-endpoints.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { el, group, rect, svgDocument, text } from '../svg.js';
import { boxWidth, fitText, textBox, textMetrics } from '../text-box.js';
import type { ViewDefinition, ViewLink } from '../view.js';

/** A pod on the flat network. */
export interface NetworkPod {
  namespace: string;
  name: string;
  /** The pod IP; undefined before it has one. */
  ip?: string;
  /** Uses its node's network namespace (and address): policies do not apply to it. */
  hostNetwork: boolean;
  ready: boolean;
  node?: string;
  /** Policies (`namespace/name`) isolating the pod for ingress: only what their rules allow gets in. */
  ingressWalls: string[];
  /** Policies isolating the pod for egress. */
  egressWalls: string[];
}

/** A node with its addresses, pod CIDRs and the pods placed on it. */
export interface NetworkNode {
  name: string;
  /** `InternalIP 192.168.50.11`, … */
  addresses: string[];
  podCIDRs: string[];
  /** The Ready condition: true, false, or undefined when not reported. */
  ready?: boolean;
  pods: NetworkPod[];
}

/** A Service as the virtual address above the pods. */
export interface NetworkService {
  namespace: string;
  name: string;
  type: string;
  /** The ClusterIP, `None` (headless), or '' (ExternalName). */
  clusterIP: string;
  /** `80→8080/TCP`, … */
  ports: string[];
  /** Endpoint pods (`namespace/name`) from its EndpointSlices. */
  endpoints: string[];
}

/** One rule of a policy: who (peers) on which ports, and the pods its selectors match now. */
export interface NetworkPolicyRule {
  /** Peer descriptions; empty means anyone. */
  peers: string[];
  /** `TCP 6379`, … ; empty means every port. */
  ports: string[];
  /** Pods (`namespace/name`) the rule's selector peers match in the snapshot. */
  peerPods: string[];
}

/** A NetworkPolicy as the wall it is. */
export interface NetworkPolicyWall {
  namespace: string;
  name: string;
  /** The podSelector as text (`app=db`; `all pods` when empty). */
  selects: string;
  /** Pods (`namespace/name`) it selects. */
  selectedPods: string[];
  /** Undefined when the policy does not restrict ingress; an empty list denies all ingress. */
  ingress?: NetworkPolicyRule[];
  egress?: NetworkPolicyRule[];
}

/** What the network view draws. */
export interface NetworkModel {
  /** The namespace shown; undefined for all namespaces. */
  namespace?: string;
  nodes: NetworkNode[];
  /** Pods not placed on a node (yet). */
  unscheduled: NetworkPod[];
  services: NetworkService[];
  policies: NetworkPolicyWall[];
  notes: string[];
}

const nameOf = (o: { metadata?: { name?: string } }): string => o.metadata?.name ?? '';
const nsOf = (o: { metadata?: { namespace?: string } }): string => o.metadata?.namespace ?? '';
const keyOf = (o: { metadata?: { name?: string; namespace?: string } }): string => `${nsOf(o)}/${nameOf(o)}`;

function selectorText(sel: LabelSelector | undefined, all: string): string {
  const empty = !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
  return empty ? all : formatLabelSelector(sel);
}

function peerText(peer: NetworkPolicyPeer, policyNamespace: string): string {
  if (peer.ipBlock) return `addresses ${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(', ')}` : ''}`;
  const pods = peer.podSelector ? `pods ${selectorText(peer.podSelector, '(all)')}` : 'all pods';
  if (!peer.namespaceSelector) return `${pods} in ${policyNamespace}`;
  return `${pods} in namespaces ${selectorText(peer.namespaceSelector, '(all)')}`;
}

function portText(p: NetworkPolicyPort): string {
  const protocol = p.protocol ?? 'TCP';
  if (p.port === undefined) return `${protocol} any port`;
  if (typeof p.port === 'string') return `${protocol} port named ${p.port}`;
  return p.endPort !== undefined && p.endPort > p.port ? `${protocol} ${p.port}-${p.endPort}` : `${protocol} ${p.port}`;
}

/** A pod's key as drawn: `name` inside the shown namespace, `namespace/name` otherwise. */
function podRef(pod: { namespace: string; name: string }, shown: string | undefined): string {
  return shown === pod.namespace ? pod.name : `${pod.namespace}/${pod.name}`;
}

function selectNetwork(snapshot: ClusterSnapshot, params: Record<string, string>): NetworkModel {
  const namespace = params.namespace || undefined;
  const inScope = (o: { metadata?: { namespace?: string } }): boolean => namespace === undefined || nsOf(o) === namespace;
  const namespaceLabels = namespaceLabelsOf(snapshot.namespaces);
  const livePods = snapshot.pods.filter((p) => !isPodTerminal(p));
  const policies = [...snapshot.networkPolicies].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

  const selects = (policy: NetworkPolicy, pod: Pod): boolean =>
    !pod.spec?.hostNetwork && nsOf(policy) === nsOf(pod) && selectorMatcher(policy.spec?.podSelector ?? {})(pod.metadata?.labels ?? {});
  const toNetworkPod = (pod: Pod): NetworkPod => {
    const p: NetworkPod = {
      namespace: nsOf(pod),
      name: nameOf(pod),
      hostNetwork: pod.spec?.hostNetwork === true,
      ready: isPodReady(pod),
      ingressWalls: policies.filter((pol) => policyTypesOf(pol).ingress && selects(pol, pod)).map(keyOf),
      egressWalls: policies.filter((pol) => policyTypesOf(pol).egress && selects(pol, pod)).map(keyOf),
    };
    const ip = pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip;
    if (ip) p.ip = ip;
    if (pod.spec?.nodeName) p.node = pod.spec.nodeName;
    return p;
  };
  const pods = livePods.filter(inScope).map(toNetworkPod).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));

  const nodes: NetworkNode[] = [...snapshot.nodes]
    .sort((a, b) => nameOf(a).localeCompare(nameOf(b)))
    .map((node) => {
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
      const n: NetworkNode = {
        name: nameOf(node),
        addresses: (node.status?.addresses ?? []).filter((a) => a.type !== 'Hostname').map((a) => `${a.type} ${a.address}`),
        podCIDRs: node.spec?.podCIDRs?.length ? [...node.spec.podCIDRs] : node.spec?.podCIDR ? [node.spec.podCIDR] : [],
        pods: pods.filter((p) => p.node === nameOf(node)),
      };
      if (ready !== undefined) n.ready = ready === 'True';
      return n;
    });
  const known = new Set(nodes.map((n) => n.name));
  const unscheduled = pods.filter((p) => p.node === undefined || !known.has(p.node));

  const services: NetworkService[] = snapshot.services
    .filter(inScope)
    .map((svc) => {
      const endpoints = new Set<string>();
      for (const slice of serviceSlices(snapshot, svc)) {
        for (const e of slice.endpoints ?? []) if (e.targetRef?.kind === 'Pod') endpoints.add(`${nsOf(svc)}/${e.targetRef.name ?? ''}`);
      }
      const type = svc.spec?.type ?? 'ClusterIP';
      return {
        namespace: nsOf(svc),
        name: nameOf(svc),
        type,
        clusterIP: type === 'ExternalName' ? '' : (svc.spec?.clusterIP ?? ''),
        ports: (svc.spec?.ports ?? []).map((p) => `${p.port}→${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`),
        endpoints: [...endpoints].sort(),
      };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));

  const rulesOf = (policy: NetworkPolicy, rules: Array<{ peers?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>): NetworkPolicyRule[] =>
    rules.map((r) => {
      const peers = r.peers ?? [];
      const peerPods = livePods
        .filter((pod) => !pod.spec?.hostNetwork && peers.some((peer) => peerSelectsPod(peer, nsOf(policy), { namespace: nsOf(pod), labels: pod.metadata?.labels ?? {} }, namespaceLabels)))
        .map(keyOf)
        .sort();
      return { peers: peers.map((peer) => peerText(peer, nsOf(policy))), ports: (r.ports ?? []).map(portText), peerPods };
    });
  const walls: NetworkPolicyWall[] = policies.filter(inScope).map((policy) => {
    const types = policyTypesOf(policy);
    const w: NetworkPolicyWall = {
      namespace: nsOf(policy),
      name: nameOf(policy),
      selects: selectorText(policy.spec?.podSelector, 'all pods'),
      selectedPods: livePods.filter((pod) => selects(policy, pod)).map(keyOf).sort(),
    };
    if (types.ingress) w.ingress = rulesOf(policy, (policy.spec?.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })));
    if (types.egress) w.egress = rulesOf(policy, (policy.spec?.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports })));
    return w;
  });

  const notes: string[] = [];
  for (const resource of ['nodes', 'pods', 'services', 'networkpolicies', 'endpointslices']) {
    if (snapshot.forbidden.includes(resource)) notes.push(`Not shown: you may not list ${resource}.`);
  }
  if (snapshot.forbidden.includes('namespaces') && snapshot.networkPolicies.some((p) => [...(p.spec?.ingress ?? []).flatMap((r) => r.from ?? []), ...(p.spec?.egress ?? []).flatMap((r) => r.to ?? [])].some((peer) => peer.namespaceSelector))) {
    notes.push('Namespace labels unknown (you may not list namespaces): namespaceSelector peers match by namespace name only.');
  }
  const model: NetworkModel = { nodes, unscheduled, services, policies: walls, notes };
  if (namespace !== undefined) model.namespace = namespace;
  return model;
}

function podLines(p: NetworkPod, shown: string | undefined): string[] {
  const lines = [`pod ${podRef(p, shown)}`, `${p.ip ?? 'no IP yet'}${p.hostNetwork ? ' (host network)' : ''} · ${p.ready ? 'ready' : 'not ready'}`];
  if (p.ingressWalls.length > 0) lines.push(`walled in: ${p.ingressWalls.map((w) => w.split('/')[1]).join(', ')}`);
  if (p.egressWalls.length > 0) lines.push(`walled out: ${p.egressWalls.map((w) => w.split('/')[1]).join(', ')}`);
  return lines;
}

function podSentence(p: NetworkPod, shown: string | undefined): string {
  const walls = [
    p.ingressWalls.length > 0 ? `ingress only as ${p.ingressWalls.join(', ')} allow${p.ingressWalls.length === 1 ? 's' : ''}` : '',
    p.egressWalls.length > 0 ? `egress only as ${p.egressWalls.join(', ')} allow${p.egressWalls.length === 1 ? 's' : ''}` : '',
  ].filter(Boolean);
  const open = p.hostNetwork ? 'host network, no policy applies' : walls.length > 0 ? walls.join('; ') : 'open to all';
  return `pod ${podRef(p, shown)} ${p.ip ?? '(no IP yet)'}, ${p.ready ? 'ready' : 'not ready'}, ${open}`;
}

function nodeLines(n: NetworkNode): string[] {
  return [`node ${n.name}${n.ready === undefined ? '' : n.ready ? ' · Ready' : ' · NotReady'}`, ...n.addresses, `pod CIDR ${n.podCIDRs.join(', ') || 'none'}`];
}

function serviceLines(s: NetworkService, shown: string | undefined): string[] {
  const address = s.clusterIP === 'None' ? 'headless (no ClusterIP)' : s.clusterIP === '' ? `${s.type} (no ClusterIP)` : s.clusterIP;
  return [`svc ${podRef(s, shown)}`, address, s.ports.join(', ') || 'no ports'];
}

function ruleText(r: NetworkPolicyRule, direction: 'from' | 'to'): string {
  const who = r.peers.length === 0 ? 'anyone' : r.peers.join(' or ');
  return `${direction} ${who} on ${r.ports.length === 0 ? 'any port' : r.ports.join(', ')}`;
}

function policyLines(w: NetworkPolicyWall, shown: string | undefined): string[] {
  const lines = [`NetworkPolicy ${podRef(w, shown)}`, `selects ${w.selects} (${w.selectedPods.length} pod${w.selectedPods.length === 1 ? '' : 's'})`];
  const side = (rules: NetworkPolicyRule[] | undefined, name: string, direction: 'from' | 'to'): void => {
    if (rules === undefined) lines.push(`${name}: not restricted`);
    else if (rules.length === 0) lines.push(`${name}: deny all`);
    else for (const r of rules) lines.push(`${name} ${ruleText(r, direction)}`);
  };
  side(w.ingress, 'in', 'from');
  side(w.egress, 'out', 'to');
  return lines;
}

/** Draws Services on top, nodes side by side with their pods, policies at the right. */
function renderNetwork(m: NetworkModel): string {
  const margin = 20;
  const gap = 16;
  const shown = m.namespace;
  const columns = [...m.nodes.map((n) => ({ title: nodeLines(n), pods: n.pods, virtual: false, label: `node ${n.name}` }))];
  if (m.unscheduled.length > 0) columns.push({ title: ['not on a node'], pods: m.unscheduled, virtual: true, label: 'pods not on a node' });
  const colW = Math.max(250, ...columns.map((c) => boxWidth([...c.title, ...c.pods.flatMap((p) => podLines(p, shown))], 250, 420) + 28));
  const nodesWidth = Math.max(1, columns.length) * (colW + gap) - gap;
  const policyW = boxWidth(m.policies.flatMap((w) => policyLines(w, shown)), 260, 520);
  const summary = `Pod network${shown ? ` · namespace ${shown}` : ' · all namespaces'}: ${m.nodes.length} node(s), ${m.nodes.reduce((n, x) => n + x.pods.length, 0) + m.unscheduled.length} pod(s), ${m.services.length} Service(s), ${m.policies.length} NetworkPolicy(ies)`;
  const flat = 'Flat: every pod reaches every pod and every Service, across nodes, unless a NetworkPolicy walls it in (red bars: left in, right out).';
  const width = Math.max(margin * 2 + nodesWidth + (m.policies.length > 0 ? gap * 2 + policyW : 0), boxWidth([summary, flat, ...m.notes], 0, 2000) + margin);

  // Services row(s), wrapped to the nodes' width.
  const top = 64 + m.notes.length * 16;
  const serviceBoxes: string[] = [];
  const serviceAnchors = new Map<string, { x: number; y: number }>();
  let sx = margin;
  let sy = top;
  let rowH = 0;
  for (const s of m.services) {
    const lines = serviceLines(s, shown);
    const w = boxWidth(lines, 150, 280);
    if (sx > margin && sx + w > margin + Math.max(nodesWidth, 600)) {
      sx = margin;
      sy += rowH + gap;
      rowH = 0;
    }
    const box = textBox({ x: sx, y: sy, width: w, lines, className: 'box', dashed: true, label: `Service ${s.namespace}/${s.name}: virtual address ${lines[1]}, ports ${lines[2]}, endpoints ${s.endpoints.join(', ') || 'none'}` });
    serviceBoxes.push(box.svg);
    serviceAnchors.set(`${s.namespace}/${s.name}`, { x: sx + w / 2, y: sy + box.height });
    rowH = Math.max(rowH, box.height);
    sx += w + gap;
  }
  const nodesTop = m.services.length > 0 ? sy + rowH + 60 : top;

  // Nodes side by side, pods stacked inside.
  const nodeGroups: string[] = [];
  const podAnchors = new Map<string, { x: number; y: number }>();
  let bottom = nodesTop;
  columns.forEach((c, i) => {
    const x = margin + i * (colW + gap);
    const headH = 8 + c.title.length * textMetrics.lineHeight;
    const podParts: string[] = [];
    let y = nodesTop + headH + 6;
    for (const p of c.pods) {
      const lines = podLines(p, shown);
      const box = textBox({ x: x + 14, y, width: colW - 28, lines, className: p.ready ? 'pod' : 'warn', label: podSentence(p, shown) });
      const walls = [
        ...(p.ingressWalls.length > 0 ? [rect(x + 8, y - 2, 5, box.height + 4, { class: 'bad', 'aria-hidden': 'true' })] : []),
        ...(p.egressWalls.length > 0 ? [rect(x + colW - 13, y - 2, 5, box.height + 4, { class: 'bad', 'aria-hidden': 'true' })] : []),
      ];
      podParts.push(box.svg, ...walls);
      podAnchors.set(`${p.namespace}/${p.name}`, { x: x + colW / 2, y });
      y += box.height + 10;
    }
    const height = Math.max(y - nodesTop + 4, headH + 30);
    const title = c.title.map((line, j) => text(x + 8, nodesTop + 20 + j * textMetrics.lineHeight, fitText(line, colW - 16), j === 0 ? { 'font-weight': 'bold' } : { class: 'muted' }));
    const empty = c.pods.length === 0 ? [text(x + 14, nodesTop + headH + 20, 'no pods', { class: 'muted' })] : [];
    nodeGroups.push(group(`${c.label}: ${c.title.slice(1).join(', ')}; ${c.pods.length} pod(s)`, {}, rect(x, nodesTop, colW, height, { class: 'node', rx: 6, 'stroke-dasharray': c.virtual ? '6 4' : undefined }), ...title, ...empty, ...podParts));
    bottom = Math.max(bottom, nodesTop + height);
  });

  // Each Service's virtual address reaches its endpoint pods.
  const serviceEdges: string[] = [];
  for (const s of m.services) {
    const from = serviceAnchors.get(`${s.namespace}/${s.name}`);
    for (const e of s.endpoints) {
      const to = podAnchors.get(e);
      if (from && to) serviceEdges.push(el('line', { x1: from.x, y1: from.y, x2: to.x, y2: to.y, class: 'edge', 'stroke-opacity': 0.35, 'marker-end': 'url(#arrow)' }));
    }
  }

  // Policies as walls, stacked at the right.
  const policyGroups: string[] = [];
  let py = nodesTop;
  const px = margin + nodesWidth + gap * 2;
  for (const w of m.policies) {
    const lines = policyLines(w, shown);
    const denyAll = (w.ingress !== undefined && w.ingress.length === 0) || (w.egress !== undefined && w.egress.length === 0);
    const box = textBox({ x: px, y: py, width: policyW, lines, className: denyAll ? 'bad' : 'warn', label: policySentence(w, shown) });
    policyGroups.push(box.svg);
    py += box.height + gap;
  }
  const height = Math.max(bottom, py) + margin;

  const header = [
    text(margin, 24, summary, { 'font-weight': 'bold', 'font-size': 15 }),
    text(margin, 44, flat, { class: 'muted' }),
    ...m.notes.map((n, i) => text(margin, 60 + i * 16, n, { class: 'muted' })),
  ];
  return svgDocument(
    { width, height, title: `Pod network${shown ? ` (namespace ${shown})` : ''}`, description: describeNetwork(m) },
    group('summary', {}, ...header),
    group('Services (virtual addresses)', {}, ...serviceBoxes),
    group('nodes and their pods', {}, ...nodeGroups),
    group('Service to endpoint paths', {}, ...serviceEdges),
    group('NetworkPolicies', {}, ...policyGroups),
  );
}

function policySentence(w: NetworkPolicyWall, shown: string | undefined): string {
  const side = (rules: NetworkPolicyRule[] | undefined, name: string, direction: 'from' | 'to'): string => {
    if (rules === undefined) return `${name} not restricted`;
    if (rules.length === 0) return `${name} denied (no rule allows any)`;
    return `${name} allowed only ${rules.map((r) => `${ruleText(r, direction)}${r.peerPods.length > 0 ? ` (now: ${r.peerPods.map((k) => (shown && k.startsWith(`${shown}/`) ? k.slice(shown.length + 1) : k)).join(', ')})` : ''}`).join('; or ')}`;
  };
  const selected = w.selectedPods.length > 0 ? `: ${w.selectedPods.map((k) => (shown && k.startsWith(`${shown}/`) ? k.slice(shown.length + 1) : k)).join(', ')}` : '';
  return `NetworkPolicy ${podRef(w, shown)} selects ${w.selects} (${w.selectedPods.length} pod(s)${selected}); ${side(w.ingress, 'ingress', 'from')}; ${side(w.egress, 'egress', 'to')}.`;
}

/** The whole picture in words: nodes and their pods, Services and their endpoints, each policy's walls. */
function describeNetwork(m: NetworkModel): string {
  const shown = m.namespace;
  const lines = [
    `Pod network${shown ? ` (namespace ${shown})` : ' (all namespaces)'}: ${m.nodes.length} node(s), ${m.services.length} Service(s), ${m.policies.length} NetworkPolicy(ies). Every pod reaches every pod and every Service directly, across nodes, unless a NetworkPolicy selects it.`,
    ...m.notes,
  ];
  for (const n of m.nodes) {
    lines.push(`Node ${n.name}${n.ready === undefined ? '' : n.ready ? ' (Ready)' : ' (NotReady)'}: ${n.addresses.join(', ') || 'no addresses'}; pod CIDR ${n.podCIDRs.join(', ') || 'none'}; ${n.pods.length === 0 ? 'no pods.' : `${n.pods.length} pod(s):`}`);
    for (const p of n.pods) lines.push(`  - ${podSentence(p, shown)}`);
  }
  if (m.unscheduled.length > 0) {
    lines.push(`Not on a node: ${m.unscheduled.length} pod(s):`);
    for (const p of m.unscheduled) lines.push(`  - ${podSentence(p, shown)}`);
  }
  for (const s of m.services) {
    const lines2 = serviceLines(s, shown);
    lines.push(`Service ${podRef(s, shown)}: ${lines2[1]}, ports ${lines2[2]}; endpoints ${s.endpoints.map((k) => (shown && k.startsWith(`${shown}/`) ? k.slice(shown.length + 1) : k)).join(', ') || 'none'}.`);
  }
  for (const w of m.policies) lines.push(policySentence(w, shown));
  return lines.join('\n');
}

function networkLinks(m: NetworkModel): ViewLink[] {
  const links: ViewLink[] = [];
  for (const p of [...m.nodes.flatMap((n) => n.pods), ...m.unscheduled]) links.push({ view: 'pod', params: { namespace: p.namespace, name: p.name } });
  for (const s of m.services) links.push({ view: 'service', params: { namespace: s.namespace, name: s.name } });
  return links;
}

/**
 * The seed's "network layers: all connected by default": nodes side by side with their
 * addresses and pod CIDRs, the pods placed on them with their IPs, Services as virtual addresses
 * above (arrows to their endpoints), and NetworkPolicies as the walls they are: the pods they
 * select get a wall (in, out), and each policy lists who may pass on which ports, or that it
 * denies all. Params: `namespace` (all namespaces when absent).
 */
export const networkView: ViewDefinition<NetworkModel> = {
  name: 'network',
  title: 'Network',
  params: ['namespace'],
  select: selectNetwork,
  render: renderNetwork,
  describe: describeNetwork,
  links: networkLinks,
  instances: (snapshot) => {
    const namespaces = new Set([...snapshot.pods, ...snapshot.services, ...snapshot.networkPolicies].map(nsOf));
    return [{}, ...[...namespaces].sort().map((namespace) => ({ namespace }))];
  },
};
