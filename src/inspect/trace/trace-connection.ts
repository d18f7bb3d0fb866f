import { isIP, isIPv4 } from 'node:net';
import type { Node, Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { judgeConnection, type ConnectionEnd, type DirectionVerdict } from '../../apimachinery/network-policy-rules.js';
import { parseCIDR, parseIPv4 } from '../../apimachinery/net.js';
import { isPodReady } from '../../apimachinery/pod.js';
import { podDnsConfig } from '../../apimachinery/pod-dns.js';
import { endpointState, findPort, serviceSelectsPod } from '../../apimachinery/service-endpoints.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { routeHttpRequest, type HttpBackend } from './http-route.js';
import { resolveName, type NameLookup } from './resolve-name.js';
import type { TraceObjectRef, TraceSource, TraceStep, TraceTarget } from './trace-step.js';

/** Options of {@link traceConnection}. */
export interface TraceOptions {
  /** The cluster's DNS zone (the server's `--cluster-domain`). Default `cluster.local`. */
  clusterDomain?: string;
  /** The namespace whose search path a node's lookups use (a node has none of its own). Default `default`. */
  namespace?: string;
}

/** One end of the connection as the trace knows it. */
interface End extends ConnectionEnd {
  /** How steps name it: `pod default/client`, `node node-a`. */
  label: string;
}

/** Where the connection lands behind a Service or at a pod. */
interface Destination {
  ip: string;
  port: number;
  pod?: Pod;
  nodeName?: string;
  /** The container declaring the port, if any. */
  container?: string;
  state: 'ready' | 'serving-terminating' | 'not-ready' | 'pod';
}

const podKey = (pod: Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
const serviceKey = (svc: Service): string => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
const podRef = (pod: Pod): TraceObjectRef => ({ kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name ?? '' });
const serviceRef = (svc: Service): TraceObjectRef => ({ kind: 'Service', namespace: svc.metadata?.namespace, name: svc.metadata?.name ?? '' });
const nodeRef = (name: string): TraceObjectRef => ({ kind: 'Node', name });

/** `a`, `a and b`, `a, b and c`. */
function listWords(items: string[], last = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

function nodeAddress(node: Node): string | undefined {
  const addresses = node.status?.addresses ?? [];
  return (addresses.find((a) => a.type === 'InternalIP' && isIPv4(a.address)) ?? addresses.find((a) => isIPv4(a.address)))?.address;
}

function podAddress(pod: Pod): string | undefined {
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)];
  return ips.find((ip): ip is string => !!ip && isIPv4(ip));
}

function inCIDR(ip: string, cidr: string): boolean {
  const address = parseIPv4(ip);
  if (address === undefined || !cidr.includes('/') || !isIPv4(cidr.split('/')[0] ?? '')) return false;
  const range = parseCIDR(cidr);
  return address >= range.base && address < range.base + range.size;
}

const podCIDRsOf = (node: Node): string[] => [...new Set([...(node.spec?.podCIDRs ?? []), ...(node.spec?.podCIDR ? [node.spec.podCIDR] : [])])].filter((c) => isIPv4(c.split('/')[0] ?? ''));

/** A Service port as the answer writes it: `80 (abc → 8080)`. */
function describePort(port: ServicePort): string {
  const target = port.targetPort ?? port.port;
  if (!port.name && String(target) === String(port.port)) return `${port.port}`;
  return `${port.port} (${port.name ? `${port.name} → ` : '→ '}${target})`;
}

/** Why a pod is not a ready endpoint, in a few words. */
function podNotReadyReason(pod: Pod): string {
  if (pod.metadata?.deletionTimestamp) return 'terminating';
  if (!podAddress(pod)) return `no IP yet (${pod.status?.phase ?? 'Pending'})`;
  const waiting = (pod.status?.containerStatuses ?? []).find((c) => c.state?.waiting || c.state?.terminated);
  if (waiting) {
    const reason = waiting.state?.waiting?.reason ?? waiting.state?.terminated?.reason ?? 'not running';
    return `container ${waiting.name} is ${reason}`;
  }
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
  return ready?.reason ? `not ready (${ready.reason})` : 'not ready';
}

function selectorText(svc: Service): string {
  return Object.entries(svc.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}

class Tracer {
  readonly steps: TraceStep[] = [];
  private readonly domain: string;

  constructor(
    private readonly snapshot: ClusterSnapshot,
    private readonly options: TraceOptions,
  ) {
    this.domain = (options.clusterDomain ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
  }

  step(kind: TraceStep['kind'], outcome: TraceStep['outcome'], text: string, details: string[] = [], objects: TraceObjectRef[] = []): void {
    this.steps.push({ kind, outcome, text, details, objects });
  }

  verdict(outcome: TraceStep['outcome'], text: string, objects: TraceObjectRef[] = []): TraceStep[] {
    this.step('verdict', outcome, text, [], objects);
    return this.steps;
  }

  private forbidden(resource: string): boolean {
    return this.snapshot.forbidden.includes(resource);
  }

  /** The source end, or undefined after a verdict saying why there is none. */
  source(from: TraceSource): End | undefined {
    if (from.kind === 'node') {
      const node = this.snapshot.nodes.find((n) => n.metadata?.name === from.name);
      if (!node) {
        this.verdict('stop', this.forbidden('nodes') ? `node/${from.name} cannot be traced: you may not list nodes` : `node/${from.name} not found`);
        return undefined;
      }
      const ip = nodeAddress(node) ?? '';
      this.step('source', 'pass', `From node ${from.name}${ip ? ` (${ip})` : ''}, in its host network`, podCIDRsOf(node).map((c) => `its pods are in ${c}`), [nodeRef(from.name)]);
      return { ip, nodeName: from.name, label: `node ${from.name}` };
    }
    const pod = this.snapshot.pods.find((p) => p.metadata?.namespace === from.namespace && p.metadata?.name === from.name);
    if (!pod) {
      this.verdict('stop', this.forbidden('pods') ? `pod ${from.namespace}/${from.name} cannot be traced: you may not list pods` : `pod ${from.namespace}/${from.name} not found`);
      return undefined;
    }
    const nodeName = pod.spec?.nodeName;
    if (pod.spec?.hostNetwork) {
      const node = this.snapshot.nodes.find((n) => n.metadata?.name === nodeName);
      const ip = (node && nodeAddress(node)) ?? podAddress(pod) ?? '';
      this.step('source', 'pass', `From pod ${podKey(pod)}, in the host network of node ${nodeName ?? '(none)'}${ip ? ` (${ip})` : ''}`, [], [podRef(pod)]);
      return { ip, pod, nodeName, label: `pod ${podKey(pod)}` };
    }
    const ip = podAddress(pod);
    if (!ip) {
      this.step('source', 'stop', `Pod ${podKey(pod)} has no IP address: ${podNotReadyReason(pod)}`, [], [podRef(pod)]);
      this.verdict('stop', `pod ${podKey(pod)} cannot connect yet: it has no IP address`, [podRef(pod)]);
      return undefined;
    }
    this.step('source', 'pass', `From pod ${podKey(pod)} (${ip}) on node ${nodeName ?? '(none)'}`, [], [podRef(pod), ...(nodeName ? [nodeRef(nodeName)] : [])]);
    return { ip, pod, nodeName, label: `pod ${podKey(pod)}` };
  }

  /** The kube-dns Service and the endpoint its UDP queries go to. */
  private clusterDns(): { svc?: Service; endpoint?: { ip: string; port: number; nodeName?: string } } {
    const svc = this.snapshot.services.find((s) => s.metadata?.namespace === 'kube-system' && s.metadata?.name === 'kube-dns');
    if (!svc) return {};
    const port = (svc.spec?.ports ?? []).find((p) => (p.protocol ?? 'TCP') === 'UDP');
    for (const slice of this.slicesOf(svc)) {
      const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (port?.name ?? '') && p.protocol === 'UDP');
      const endpoint = (slice.endpoints ?? []).find((e) => endpointState(e) === 'ready');
      if (slicePort?.port && endpoint?.addresses[0]) {
        const ip = endpoint.addresses[0];
        const node = this.snapshot.nodes.find((n) => nodeAddress(n) === ip);
        return { svc, endpoint: { ip, port: slicePort.port, nodeName: endpoint.nodeName ?? node?.metadata?.name } };
      }
    }
    return { svc };
  }

  /** Resolves a name as the source's resolver does; undefined after a verdict when it does not resolve to an address. */
  resolve(source: End, name: string, display: string): { address: string; lookup: NameLookup } | undefined {
    const dns = this.clusterDns();
    const dnsIP = dns.svc?.spec?.clusterIP ?? 'the cluster DNS';
    const details: string[] = [];
    let searches: string[];
    let ndots = 5;
    if (source.pod) {
      const config = podDnsConfig(source.pod, { clusterDNS: [dnsIP], clusterDomain: this.domain });
      if (!config.servers.includes(dnsIP)) {
        this.step('dns', 'stop', `Pod ${podKey(source.pod)} asks the node's resolvers (dnsPolicy ${source.pod.spec?.dnsPolicy ?? 'ClusterFirst'}${source.pod.spec?.hostNetwork ? ', host network' : ''}), not the cluster DNS: cluster names do not resolve there`, [`nameserver ${config.servers.join(' ')}`], [podRef(source.pod)]);
        this.verdict('warn', `${display}: ${name} is looked up outside the cluster; the trace cannot follow it`);
        return undefined;
      }
      searches = config.searches;
      const option = config.options.find((o) => o.startsWith('ndots:'));
      if (option) ndots = Number(option.slice('ndots:'.length)) || 0;
      details.push(`resolv.conf (as the kubelet writes it): nameserver ${config.servers.join(' ')}; search ${searches.join(' ')}; options ${config.options.join(' ')}`);
    } else {
      const namespace = this.options.namespace ?? 'default';
      searches = [`${namespace}.svc.${this.domain}`, `svc.${this.domain}`, this.domain];
      details.push(`a node uses its own resolv.conf; looked up as a pod in namespace ${namespace} would, through the cluster DNS (${dnsIP}): search ${searches.join(' ')}; options ndots:5`);
    }
    const dots = name.split('.').length - 1;
    if (!name.endsWith('.')) details.push(dots >= ndots ? `${name} has ${dots} dots (at least ndots ${ndots}): asked as is first` : `${name} has ${dots} dot${dots === 1 ? '' : 's'} (fewer than ndots ${ndots}): the search path first`);
    // The query itself: the source's egress policies may drop it before any answer.
    if (source.pod && dns.endpoint) {
      const verdict = judgeConnection(this.snapshot.networkPolicies, this.snapshot.namespaces, {
        source,
        destination: { ip: dns.endpoint.ip, nodeName: dns.endpoint.nodeName, pod: this.snapshot.pods.find((p) => podAddress(p) === dns.endpoint?.ip && !p.spec?.hostNetwork) },
        protocol: 'UDP',
        port: dns.endpoint.port,
      });
      if (!verdict.egress.allowed) {
        this.step('dns', 'stop', `The DNS query is dropped: ${listWords(verdict.egress.isolatedBy.map((p) => `NetworkPolicy ${p}`))} isolate${verdict.egress.isolatedBy.length === 1 ? 's' : ''} ${source.label} for egress and no rule lets it reach the cluster DNS (${dns.endpoint.ip}:${dns.endpoint.port}/UDP)`, details, verdict.egress.isolatedBy.map(policyRef));
        this.verdict('stop', `${display} is not resolved: ${source.label} may not send DNS queries (egress to ${dns.endpoint.ip} port ${dns.endpoint.port}/UDP)`);
        return undefined;
      }
    }
    const resolution = resolveName(this.snapshot, name, { searches, ndots, clusterDomain: this.domain });
    for (const t of resolution.tried) details.push(`${t.name}: ${lookupWords(t)}`);
    const answered = resolution.answered;
    const tried = resolution.tried.map((t) => t.name);
    if (!answered || answered.answer === 'forwarded') {
      const inCluster = resolution.tried.filter((t) => t.answer !== 'forwarded');
      if (answered && inCluster.length === 0) {
        this.step('dns', 'warn', `${name} is not a cluster name: the cluster DNS forwards it to its upstream resolvers`, details);
        this.verdict('warn', `${display}: ${name} is not a cluster name; the trace cannot follow it out of the cluster`);
        return undefined;
      }
      const forwarded = answered ? `; ${answered.name} is not a cluster name and goes to the upstream resolvers` : '';
      this.step('dns', 'stop', `${name} is not found in the cluster: no Service, endpoint or pod name matches (tried ${listWords(inCluster.map((t) => t.name))})${forwarded}`, details);
      this.verdict('stop', `${display} is not found: ${name} names no Service in ${source.pod?.metadata?.namespace ?? this.options.namespace ?? 'default'}${name.includes('.') ? ' or the namespace it names' : ''} (tried ${listWords(tried.filter((t) => t !== answered?.name))})`);
      return undefined;
    }
    const svcObject = answered.service ? this.snapshot.services.find((s) => serviceKey(s) === answered.service) : undefined;
    if (answered.answer === 'cname') {
      this.step('dns', 'warn', `${name} is an alias: ${answered.name} → ${answered.cname} (${answered.about})`, details, svcObject ? [serviceRef(svcObject)] : []);
      this.verdict('warn', `${display} leaves the cluster: ${answered.name} is an alias of ${answered.cname}; the trace cannot follow it`);
      return undefined;
    }
    const [address, ...others] = answered.addresses;
    if (others.length > 0) details.push(`the client picks one of ${answered.addresses.length} addresses; the trace follows ${address}`);
    this.step('dns', 'pass', `${name} resolves to ${answered.addresses.join(', ')}: ${answered.name} is ${answered.about}`, details, svcObject ? [serviceRef(svcObject)] : []);
    return { address: address!, lookup: answered };
  }

  slicesOf(svc: Service): EndpointSlice[] {
    return this.snapshot.endpointSlices.filter((s) => s.metadata?.namespace === svc.metadata?.namespace && s.metadata?.labels?.['kubernetes.io/service-name'] === svc.metadata?.name);
  }

  /** Follows a connection to `ip:port`; returns the steps ending in a verdict. */
  address(source: End, ip: string, port: number, protocol: string, display: string, http?: HttpContext): TraceStep[] {
    const svc = this.snapshot.services.find((s) => {
      const ips = s.spec?.clusterIPs?.length ? s.spec.clusterIPs : s.spec?.clusterIP ? [s.spec.clusterIP] : [];
      return ips.includes(ip);
    });
    if (svc) return this.service(source, svc, port, protocol, display, { via: 'ClusterIP', ip }, http);
    const node = this.snapshot.nodes.find((n) => (n.status?.addresses ?? []).some((a) => a.address === ip));
    if (node) {
      const nodePortService = this.snapshot.services.find((s) => (s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer') && (s.spec.ports ?? []).some((p) => p.nodePort === port && (p.protocol ?? 'TCP') === protocol));
      if (nodePortService) return this.service(source, nodePortService, port, protocol, display, { via: 'NodePort', ip, node: node.metadata?.name ?? '' }, http);
      this.step('destination', 'warn', `${ip} is node ${node.metadata?.name}'s address and ${port} is no NodePort: whatever listens on the node answers`, [], [nodeRef(node.metadata?.name ?? '')]);
      return this.verdict('warn', `${display} goes to node ${node.metadata?.name} itself (not a Service or a pod): the trace cannot see what listens on its port ${port}`);
    }
    const pod = this.snapshot.pods.find((p) => !p.spec?.hostNetwork && podAddress(p) === ip && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    if (pod) {
      this.step('service', 'pass', `${ip} is the address of pod ${podKey(pod)} (no Service in between)`, [], [podRef(pod)]);
      const container = declaringContainer(pod, port, protocol);
      return this.deliver(source, [{ ip, port, pod, nodeName: pod.spec?.nodeName, container, state: 'pod' }], protocol, display, undefined, http);
    }
    const owner = this.snapshot.nodes.find((n) => podCIDRsOf(n).some((c) => inCIDR(ip, c)));
    if (owner) {
      this.step('route', 'stop', `${ip} is in node ${owner.metadata?.name}'s pod range (${podCIDRsOf(owner).join(', ')}) but no pod has it`, [], [nodeRef(owner.metadata?.name ?? '')]);
      return this.verdict('stop', `${display} is unreachable: no pod has the address ${ip}`);
    }
    if (this.forbidden('services') || this.forbidden('pods')) {
      this.step('service', 'warn', `No Service, pod or node you may see has ${ip} (you may not list ${this.snapshot.forbidden.filter((r) => r === 'services' || r === 'pods').join(' and ')})`);
      return this.verdict('warn', `${display}: the trace cannot tell what ${ip} is`);
    }
    this.step('route', 'warn', `No Service, pod or node of the cluster has ${ip}: it is sent out through ${source.label}'s default route`);
    return this.verdict('warn', `${display} leaves the cluster: ${ip} is not a cluster address`);
  }

  private service(source: End, svc: Service, port: number, protocol: string, display: string, via: { via: 'ClusterIP'; ip: string } | { via: 'NodePort'; ip: string; node: string }, http?: HttpContext): TraceStep[] {
    const key = serviceKey(svc);
    const ports = svc.spec?.ports ?? [];
    const servicePort = via.via === 'ClusterIP' ? ports.find((p) => p.port === port && (p.protocol ?? 'TCP') === protocol) : ports.find((p) => p.nodePort === port && (p.protocol ?? 'TCP') === protocol);
    const what = via.via === 'ClusterIP' ? `${via.ip} is the ClusterIP of Service ${key}` : `${via.ip}:${port} is node ${via.node}'s NodePort of Service ${key}`;
    const portList = listWords(ports.map(describePort));
    if (!servicePort) {
      this.step('service', 'stop', `${what}, which exposes ${portList}: nothing on ${port}/${protocol}`, ['the Service proxy rejects a ClusterIP port no Service defines (TCP reset: "connection refused")'], [serviceRef(svc)]);
      return this.verdict('stop', `${display} is refused: Service ${key} exposes ${portList}; ${this.portHint(svc, port)}`, [serviceRef(svc)]);
    }
    const portName = servicePort.name ? ` (${servicePort.name})` : '';
    const details = [`ports: ${portList}`, `type ${svc.spec?.type ?? 'ClusterIP'}${svc.spec?.selector ? `, selector ${selectorText(svc)}` : ', no selector (endpoints written by hand)'}`];
    this.step('service', 'pass', via.via === 'ClusterIP'
      ? `${what}: port ${servicePort.port}${portName} goes to targetPort ${servicePort.targetPort ?? servicePort.port}`
      : `${what}: port ${servicePort.port}${portName} goes to targetPort ${servicePort.targetPort ?? servicePort.port}`, details, [serviceRef(svc)]);
    return this.endpoints(source, svc, servicePort, protocol, display, via.via === 'NodePort' ? via.node : undefined, http);
  }

  /** What to say about a port the Service does not expose. */
  private portHint(svc: Service, port: number): string {
    const ports = svc.spec?.ports ?? [];
    const pods = this.snapshot.pods.filter((p) => serviceSelectsPod(svc, p));
    const byTarget = ports.find((p) => p.targetPort === port || (typeof p.targetPort === 'string' && pods.some((pod) => findPort(pod, p) === port)));
    if (byTarget) return `port ${port} is the container's port, use ${byTarget.port}`;
    const byNodePort = ports.find((p) => p.nodePort === port);
    if (byNodePort) return `port ${port} is its NodePort (on the nodes' addresses), use ${byNodePort.port} on the ClusterIP`;
    return ports.length ? `use ${listWords(ports.map((p) => String(p.port)), 'or')}` : 'it has no ports';
  }

  private endpoints(source: End, svc: Service, servicePort: ServicePort, protocol: string, display: string, nodePortNode: string | undefined, http?: HttpContext): TraceStep[] {
    const key = serviceKey(svc);
    const all: Destination[] = [];
    for (const slice of this.slicesOf(svc)) {
      if (slice.addressType !== 'IPv4') continue;
      const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (servicePort.name ?? '') && (p.protocol ?? 'TCP') === protocol);
      if (slicePort?.port === undefined || slicePort.port === null) continue;
      for (const endpoint of slice.endpoints ?? []) {
        const ip = endpoint.addresses[0];
        if (!ip) continue;
        const pod = this.snapshot.pods.find((p) => (endpoint.targetRef?.kind === 'Pod' ? p.metadata?.namespace === (endpoint.targetRef.namespace ?? slice.metadata?.namespace) && p.metadata?.name === endpoint.targetRef.name : podAddress(p) === ip));
        all.push({ ip, port: slicePort.port, pod, nodeName: endpoint.nodeName ?? pod?.spec?.nodeName, container: pod ? declaringContainer(pod, slicePort.port, protocol) : undefined, state: endpointState(endpoint) });
      }
    }
    all.sort((a, b) => (parseIPv4(a.ip) ?? 0) - (parseIPv4(b.ip) ?? 0) || a.port - b.port);
    const local = nodePortNode ? svc.spec?.externalTrafficPolicy === 'Local' : svc.spec?.internalTrafficPolicy === 'Local';
    const localNode = nodePortNode ?? source.nodeName;
    const candidates = local ? all.filter((d) => d.nodeName === localNode) : all;
    const ready = candidates.filter((d) => d.state === 'ready');
    const used = ready.length > 0 ? ready : candidates.filter((d) => d.state === 'serving-terminating');
    const describe = (d: Destination): string => {
      const who = d.pod ? `pod ${podKey(d.pod)}` : 'no pod';
      const where = d.nodeName ? ` on ${d.nodeName}` : '';
      const container = d.container ? `, container ${d.container}` : '';
      const state = d.state === 'ready' ? 'ready' : d.state === 'serving-terminating' ? 'terminating, still serving' : `not ready${d.pod ? `: ${podNotReadyReason(d.pod)}` : ''}`;
      return `${d.ip}:${d.port} ${who}${where}${container} (${state}${used.includes(d) ? '' : ', not used'})`;
    };
    if (used.length === 0) {
      const details = all.map(describe);
      let why: string;
      if (all.length === 0) {
        if (!svc.spec?.selector) why = 'it has no selector and no EndpointSlice names it';
        else {
          const selected = this.snapshot.pods.filter((p) => serviceSelectsPod(svc, p));
          if (selected.length === 0) why = `its selector ${selectorText(svc)} matches no pod${this.forbidden('pods') ? ' you may see' : ''}`;
          else {
            why = `its selector ${selectorText(svc)} matches ${listWords(selected.map((p) => `pod ${podKey(p)} (${isPodReady(p) ? 'ready, not yet an endpoint' : podNotReadyReason(p)})`))}`;
          }
        }
      } else if (local && ready.length === 0 && all.some((d) => d.state === 'ready')) {
        why = `its ${nodePortNode ? 'externalTrafficPolicy' : 'internalTrafficPolicy'} is Local and no ready endpoint runs on node ${localNode}`;
      } else {
        why = `${listWords(all.map((d) => `${d.ip} ${d.state === 'not-ready' ? 'is not ready' : 'is terminating'}`))}`;
      }
      const dropped = local && all.some((d) => d.state === 'ready');
      this.step('endpoints', 'stop', `Service ${key} has no ready endpoints for port ${servicePort.port}: ${why}`, [...details, dropped ? 'the Service proxy drops the connection (Local traffic policy)' : 'the Service proxy rejects the connection (TCP reset: "connection refused")'], [serviceRef(svc)]);
      if (http) return this.verdict('stop', `${display} gets 503 from the ingress controller: Service ${key} has no ready endpoints (${why})`, [serviceRef(svc)]);
      return this.verdict('stop', `${display} is ${dropped ? 'dropped' : 'refused'}: Service ${key} has no ready endpoints (${why})`, [serviceRef(svc)]);
    }
    const target = servicePort.targetPort ?? servicePort.port;
    const byName = typeof target === 'string' ? `targetPort ${target} is the container port named ${target}: ` : '';
    const pods = used.flatMap((d) => (d.pod ? [podRef(d.pod)] : []));
    this.step('endpoints', 'pass', `${byName}${used.length} of ${all.length} endpoint${all.length === 1 ? '' : 's'} ${used.length === 1 ? 'takes' : 'take'} the connection (the Service proxy picks one at random${svc.spec?.sessionAffinity === 'ClientIP' ? ', then keeps each client on its pick (ClientIP affinity)' : ''})`, all.map(describe), pods);
    return this.deliver(source, used, protocol, display, svc, http);
  }

  /** Policies, routes and the containers at the destinations; the verdict. */
  private deliver(source: End, destinations: Destination[], protocol: string, display: string, svc: Service | undefined, http?: HttpContext): TraceStep[] {
    // NetworkPolicies: the source's egress once, each destination pod's ingress.
    const verdicts = destinations.map((d) => ({ d, v: judgeConnection(this.snapshot.networkPolicies, this.snapshot.namespaces, { source, destination: { ip: d.ip, pod: d.pod, nodeName: d.nodeName }, protocol, port: d.port }) }));
    const blocked = verdicts.filter((x) => !x.v.allowed);
    const policyDetails: string[] = [];
    const egress = verdicts[0]!.v.egress;
    policyDetails.push(`egress of ${source.label}: ${directionWords(egress, 'egress')}`);
    for (const { d, v } of verdicts) policyDetails.push(`ingress of ${d.pod ? `pod ${podKey(d.pod)}` : d.ip}: ${directionWords(v.ingress, 'ingress')}${v.egress.allowed === egress.allowed ? '' : `; egress: ${directionWords(v.egress, 'egress')}`}`);
    if (this.forbidden('networkpolicies')) policyDetails.push('you may not list NetworkPolicies: the verdicts ignore any you cannot see');
    const policies = [...new Set(verdicts.flatMap(({ v }) => [...v.egress.isolatedBy, ...v.ingress.isolatedBy]))].map(policyRef);
    if (blocked.length === destinations.length) {
      const first = blocked[0]!;
      const denied = !first.v.egress.allowed ? first.v.egress : first.v.ingress;
      const direction = !first.v.egress.allowed ? 'egress' : 'ingress';
      const isolated = direction === 'egress' ? source.label : first.d.pod ? `pod ${podKey(first.d.pod)}` : first.d.ip;
      const from = direction === 'egress' ? `to ${first.d.pod ? `pod ${podKey(first.d.pod)}` : first.d.ip}` : `from ${source.label}`;
      const sentence = `${listWords(denied.isolatedBy.map((p) => `NetworkPolicy ${p}`))} isolate${denied.isolatedBy.length === 1 ? 's' : ''} ${isolated} for ${direction} and no rule lets it ${direction === 'egress' ? 'connect' : 'in'} ${from} on port ${first.d.port}/${protocol}`;
      this.step('policy', 'stop', `Dropped by NetworkPolicy: ${sentence}`, policyDetails, policies);
      return this.verdict('stop', `${display} is dropped${http ? ' between the ingress controller and the Service' : ''}: ${sentence}`, policies);
    }
    if (blocked.length > 0) this.step('policy', 'warn', `NetworkPolicies drop the connection to ${blocked.length} of ${destinations.length} endpoints (the ones the proxy may pick): ${listWords(blocked.map((b) => b.d.ip))}`, policyDetails, policies);
    else this.step('policy', 'pass', policies.length ? `NetworkPolicies allow it (${listWords(policies.map((p) => `${p.namespace}/${p.name}`))})` : 'No NetworkPolicy isolates either end: all pods talk to each other by default', policyDetails, policies);
    const reachable = destinations.filter((d) => !blocked.some((b) => b.d === d));

    // Routes: from the source's node to each destination's node.
    const routeDetails: string[] = [];
    let routeOutcome: TraceStep['outcome'] = 'pass';
    const nodes = [...new Set(reachable.map((d) => d.nodeName ?? ''))].sort();
    for (const name of nodes) {
      const node = this.snapshot.nodes.find((n) => n.metadata?.name === name);
      const ips = reachable.filter((d) => (d.nodeName ?? '') === name).map((d) => d.ip);
      if (!name || !node) {
        routeOutcome = 'warn';
        routeDetails.push(`${listWords(ips)}: on no node the trace can see`);
      } else if (name === source.nodeName) {
        routeDetails.push(`${listWords(ips)}: on the same node ${name}, across its bridge`);
      } else {
        const cidrs = podCIDRsOf(node).filter((c) => ips.every((ip) => inCIDR(ip, c)));
        if (cidrs.length === 0) {
          routeOutcome = 'warn';
          routeDetails.push(`${listWords(ips)}: on node ${name}, outside its pod range (${podCIDRsOf(node).join(', ') || 'none'})`);
        } else routeDetails.push(`${listWords(ips)}: ${source.nodeName ?? 'the source node'} routes ${cidrs.join(', ')} to node ${name} (${nodeAddress(node) ?? 'no address'})`);
      }
    }
    this.step('route', routeOutcome, nodes.length === 1 && nodes[0] === source.nodeName ? `Same node (${source.nodeName}): no route between nodes needed` : `Routed to node${nodes.length === 1 ? '' : 's'} ${listWords(nodes.filter((n) => n !== ''))} by the pod CIDR routes`, routeDetails, nodes.filter((n) => n !== '').map(nodeRef));

    // The containers behind the port.
    const destinationDetails: string[] = [];
    let undeclared = 0;
    let stopped = 0;
    for (const d of reachable) {
      if (!d.pod) {
        destinationDetails.push(`${d.ip}:${d.port}: not a pod the trace can see`);
        continue;
      }
      const status = d.container ? (d.pod.status?.containerStatuses ?? []).find((c) => c.name === d.container) : undefined;
      const running = !d.container || !status || status.state?.running !== undefined;
      if (!d.container) undeclared++;
      else if (!running) stopped++;
      destinationDetails.push(d.container
        ? `pod ${podKey(d.pod)}: container ${d.container} declares containerPort ${d.port}${status ? (running ? ' and is running' : ` and is ${status.state?.waiting?.reason ?? status.state?.terminated?.reason ?? 'not running'}`) : ''}`
        : `pod ${podKey(d.pod)}: no container declares port ${d.port}/${protocol} (a process may listen there anyway: containerPort is informational)`);
    }
    const targets = reachable.filter((d) => d.pod);
    const podsText = listWords(targets.map((d) => `pod ${podKey(d.pod!)}${d.container ? ` (container ${d.container})` : ''}`));
    const portsText = [...new Set(reachable.map((d) => d.port))].join(', ');
    if (stopped === reachable.length && reachable.length > 0) {
      this.step('destination', 'stop', `Nothing runs to listen on port ${portsText}`, destinationDetails, targets.map((d) => podRef(d.pod!)));
      return this.verdict('stop', `${display} is refused: the container declaring port ${portsText} is not running`, targets.map((d) => podRef(d.pod!)));
    }
    const outcome: TraceStep['outcome'] = undeclared > 0 || stopped > 0 ? 'warn' : 'pass';
    this.step('destination', outcome, undeclared === reachable.length ? `No container declares port ${portsText}: the connection is refused unless a process listens there` : `Delivered to port ${portsText} of ${podsText}`, destinationDetails, targets.map((d) => podRef(d.pod!)));
    const through = http ? ` through ${http.source}` : svc ? '' : '';
    const verdictOutcome: TraceStep['outcome'] = undeclared === reachable.length ? 'warn' : 'pass';
    const many = reachable.length > 1 ? `${reachable.length} endpoints: ` : '';
    return this.verdict(verdictOutcome, `${display} reaches ${many}${podsText || listWords(reachable.map((d) => d.ip))} on port ${portsText}${through}${undeclared === reachable.length ? ', if a process listens there' : ''}`, targets.map((d) => podRef(d.pod!)));
  }

  /** Follows a URL through the Ingress or Gateway data plane to its Service. */
  url(source: End, target: Extract<TraceTarget, { kind: 'url' }>): TraceStep[] {
    const url = new URL(target.url);
    const routing = routeHttpRequest(this.snapshot, url);
    const display = target.text;
    if (!routing.location) {
      const why = routing.virtualHost === undefined
        ? `no Ingress or HTTPRoute serves host ${routing.host}${routing.hostnames.length ? ` (hosts served: ${routing.hostnames.map((h) => h || '(any host)').join(', ')})` : ''}`
        : `no path of ${routing.virtualHost ? `host ${routing.virtualHost}` : 'the rules without a host'} matches ${routing.path}`;
      this.step('ingress', 'stop', `The ingress controller answers 404: ${why}`, this.forbidden('ingresses') ? ['you may not list Ingresses: the trace cannot see them'] : []);
      return this.verdict('stop', `${display} gets 404 from the ingress controller: ${why}`);
    }
    const location = routing.location;
    const live = location.backends.filter((b) => b.weight > 0 || b.condition);
    const total = location.backends.reduce((sum, b) => sum + b.weight, 0);
    const backendWords = (b: HttpBackend): string => `${b.condition ? `${b.condition} → ` : ''}Service ${b.namespace}/${b.service}:${b.port ?? '(no port)'}${b.condition ? '' : total > 0 && location.backends.filter((x) => !x.condition).length > 1 ? ` (${b.weight} of ${total} requests)` : ''} (${b.source})`;
    const main = [...location.backends].filter((b) => !b.condition).sort((a, b) => b.weight - a.weight)[0] ?? location.backends[0];
    const hostWords = routing.virtualHost ? `host ${routing.virtualHost}` : 'any host';
    const details = [
      ...live.map(backendWords),
      `the ingress controller listens on ${location.addresses.length ? listWords(location.addresses) : '(no address in the status yet)'}${isIP(url.hostname) ? '' : `; ${url.hostname} must resolve there (the cluster DNS does not serve it)`}`,
    ];
    if (!main) {
      this.step('ingress', 'stop', `${location.source} matches ${hostWords}, path ${location.path} (${location.match}) but names no backend`, details);
      return this.verdict('stop', `${display} gets 500 from the ingress controller: ${location.source} names no backend`);
    }
    this.step('ingress', 'pass', `${location.source} matches ${hostWords}, path ${location.path} (${location.match}) → Service ${main.namespace}/${main.service}:${main.port ?? '(no port)'}${live.length > 1 ? `; the trace follows it` : ''}`, details, [ingressRef(location.source), { kind: 'Service', namespace: main.namespace, name: main.service }]);
    const svc = this.snapshot.services.find((s) => s.metadata?.namespace === main.namespace && s.metadata?.name === main.service);
    if (!svc) {
      return this.verdict('stop', `${display} gets 503 from the ingress controller: Service ${main.namespace}/${main.service} ${this.forbidden('services') ? 'cannot be seen (you may not list Services)' : 'does not exist'}`);
    }
    const servicePort = (svc.spec?.ports ?? []).find((p) => (typeof main.port === 'string' ? p.name === main.port : p.port === main.port));
    if (!servicePort) {
      this.step('service', 'stop', `Service ${serviceKey(svc)} exposes ${listWords((svc.spec?.ports ?? []).map(describePort))}: no port ${main.port}`, [], [serviceRef(svc)]);
      return this.verdict('stop', `${display} gets 503 from the ingress controller: Service ${serviceKey(svc)} has no port ${main.port} (it exposes ${listWords((svc.spec?.ports ?? []).map(describePort))})`, [serviceRef(svc)]);
    }
    const clusterIP = svc.spec?.clusterIP;
    // nginx runs in the host network of the node that serves the address in the status.
    const controllerNode = this.snapshot.nodes.find((n) => (n.status?.addresses ?? []).some((a) => location.addresses.includes(a.address)));
    const controller: End = controllerNode
      ? { ip: nodeAddress(controllerNode) ?? '', nodeName: controllerNode.metadata?.name, label: `the ingress controller on node ${controllerNode.metadata?.name}` }
      : { ip: location.addresses[0] ?? '', nodeName: source.nodeName, label: 'the ingress controller' };
    if (!clusterIP || clusterIP === 'None') {
      this.step('service', 'stop', `Service ${serviceKey(svc)} is headless: the ingress controller sends to a ClusterIP`, [], [serviceRef(svc)]);
      return this.verdict('stop', `${display} gets 503 from the ingress controller: Service ${serviceKey(svc)} has no ClusterIP`, [serviceRef(svc)]);
    }
    return this.address(controller, clusterIP, servicePort.port, servicePort.protocol ?? 'TCP', display, { source: location.source });
  }
}

/** The Ingress or HTTPRoute a step names, from `Ingress ns/name (…)`. */
function ingressRef(source: string): TraceObjectRef {
  const [kind, key] = source.split(' ');
  const [namespace, name] = (key ?? '').split('/');
  return { kind: kind ?? 'Ingress', namespace, name: name ?? '' };
}

function policyRef(key: string): TraceObjectRef {
  const [namespace, name] = key.split('/');
  return { kind: 'NetworkPolicy', namespace, name: name ?? '' };
}

/** A URL's trip: which object routed it. */
interface HttpContext {
  source: string;
}

function directionWords(v: DirectionVerdict, direction: 'ingress' | 'egress'): string {
  switch (v.reason) {
    case 'not-a-pod':
      return 'not a pod: no policy applies';
    case 'not-isolated':
      return `no policy isolates it for ${direction}`;
    case 'own-node':
      return `isolated by ${v.isolatedBy.join(', ')}, but a pod and its own node always talk`;
    case 'allowed':
      return `allowed by ${v.allowedBy.map((a) => `${a.policy} (${direction} rule ${a.rule + 1})`).join(', ')}`;
    case 'denied':
      return `isolated by ${v.isolatedBy.join(', ')}; no rule matches`;
  }
}

/** The container of a pod declaring `port`/`protocol` (containers, then restartable init containers). */
function declaringContainer(pod: Pod, port: number, protocol: string): string | undefined {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  return [...(pod.spec?.containers ?? []), ...sidecars].find((c) => (c.ports ?? []).some((p) => p.containerPort === port && (p.protocol ?? 'TCP') === protocol))?.name;
}

function lookupWords(l: NameLookup): string {
  switch (l.answer) {
    case 'addresses':
      return `${l.addresses.join(', ')} (${l.about})`;
    case 'nxdomain':
      return `NXDOMAIN${l.about ? ` (${l.about})` : ''}`;
    case 'nodata':
      return 'no address (the name exists)';
    case 'cname':
      return `alias of ${l.cname} (${l.about})`;
    case 'forwarded':
      return 'not a cluster name: forwarded to the upstream resolvers';
  }
}

/**
 * What a connection from `from` to `to` meets, step by step, and where it stops, reasoned from
 * `snapshot` alone (pure: no I/O, no clock). The steps, in order: the source (`source`), the
 * name's resolution through the pod's search path and Skiff's DNS (`dns`), for a URL the
 * Ingress or HTTPRoute rule (`ingress`), the Service holding the address and its ports
 * (`service`), the endpoints the Service proxy chooses from with their targetPort and
 * containerPort (`endpoints`), the NetworkPolicy verdicts (`policy`), the route between nodes
 * (`route`), the container at the port (`destination`); the last step is always the `verdict`,
 * one sentence (the seed's failing case: `10.170.11.11:6379 is refused: Service
 * default/cluster-service-test exposes 80 (abc → 8080) and 99 (redis → 6379); port 6379 is the
 * container's port, use 99`). Stable: the UI's "why?" button calls it.
 */
export function traceConnection(snapshot: ClusterSnapshot, from: TraceSource, to: TraceTarget, options: TraceOptions = {}): TraceStep[] {
  const tracer = new Tracer(snapshot, options);
  const source = tracer.source(from);
  if (!source) return tracer.steps;
  if (to.kind === 'url') return tracer.url(source, to);
  let address = to.host;
  if (!isIP(to.host)) {
    const resolved = tracer.resolve(source, to.host, to.text);
    if (!resolved) return tracer.steps;
    address = resolved.address;
  }
  if (!isIPv4(address)) {
    tracer.step('route', 'warn', `${address} is an IPv6 address: Skiff's pod network is IPv4`);
    return tracer.verdict('warn', `${to.text}: the trace follows IPv4 only`);
  }
  return tracer.address(source, address, to.port, to.protocol, to.text);
}
