import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { formatLabels } from '../../apimachinery/selectors/labels.js';
import { portEndpoints } from '../port-endpoints.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { arrow, group, rect, svgDocument, text } from '../svg.js';
import { boxWidth, fitText, textBox, textMetrics } from '../text-box.js';
import type { ViewDefinition, ViewLink } from '../view.js';
import type { WorkloadRef } from '../workload-of.js';

/** One endpoint of one Service port, with the container that declares its port and the measured share. */
export interface ServiceViewEndpoint {
  address: string;
  /** The resolved targetPort for this endpoint; undefined when the slice leaves it open. */
  port?: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  pod?: string;
  node?: string;
  /** Containers of the pod declaring the port (spec order); more than one is a conflict the pod view explains. */
  containers: string[];
  workload?: WorkloadRef;
  /** Connections the node proxies counted to this endpoint (snapshot.traffic, source `service`) and their share of this port's. */
  measured?: { count: number; share: number };
}

/** One Service port and where it leads: ClusterIP:port → (name) → targetPort → endpoints. */
export interface ServiceViewPort {
  /** '' when the port is unnamed. */
  name: string;
  port: number;
  protocol: string;
  targetPort: string;
  nodePort?: number;
  /** Addresses outside the ClusterIP that reach this port: NodePorts on node addresses, load balancer ingress, externalIPs. */
  external: string[];
  endpoints: ServiceViewEndpoint[];
}

/** A port of an endpoint's container that the Service does not expose: dialled on the ClusterIP, it is refused. */
export interface RefusedPort {
  port: number;
  protocol: string;
  /** `container in pod` for each container declaring it. */
  declaredBy: string[];
  /** The Service ports that do lead to it, as `99 (redis → 6379)`. */
  useInstead: string[];
}

/** A container port of an endpoint pod, drawn inside the pod's box. */
export interface PodContainerPort {
  container: string;
  port: number;
  protocol: string;
  /** The Service ports leading to this container port (their index in `ports`). */
  reachedBy: number[];
  /** Other containers of the pod declaring the same port: they share one network namespace, so only one can listen. */
  conflictsWith: string[];
}

/** An endpoint pod (or bare address) as one box: its container ports, ready state and node. */
export interface EndpointPodBox {
  address: string;
  pod?: string;
  node?: string;
  ready: boolean;
  terminating: boolean;
  containerPorts: PodContainerPort[];
  /** Endpoint ports no container declares (a bare address, or an undeclared port). */
  undeclared: Array<{ port: number; reachedBy: number[] }>;
}

/** What the Service view draws. */
export interface ServiceViewModel {
  namespace: string;
  name: string;
  type: string;
  /** Empty for a headless Service. */
  clusterIPs: string[];
  headless: boolean;
  externalName?: string;
  /** The selector as `a=b,c=d`, or `<none>`. */
  selector: string;
  ports: ServiceViewPort[];
  pods: EndpointPodBox[];
  refused: RefusedPort[];
  /** Ingresses and HTTPRoutes that send to this Service (`Ingress tomcat`). */
  routedBy: Array<{ kind: 'Ingress' | 'HTTPRoute'; name: string }>;
  /** The traffic window when measured connections are drawn. */
  measuredWindowSeconds?: number;
  /** Things the picture cannot show and why (e.g. a resource the user may not list). */
  notes: string[];
}

const nameOf = (o: { metadata?: { name?: string } }): string => o.metadata?.name ?? '';

/** `99 (redis → 6379)` / `80 (→ 8080)`. */
function portPath(p: ServiceViewPort): string {
  return `${p.port} (${p.name ? `${p.name} ` : ''}→ ${p.targetPort})`;
}

function externalAddresses(snapshot: ClusterSnapshot, service: Service, port: ServicePort): string[] {
  const out: string[] = [];
  if (port.nodePort) {
    const nodes = [...snapshot.nodes].sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
    for (const node of nodes) {
      for (const a of node.status?.addresses ?? []) {
        if (a.type === 'InternalIP' || a.type === 'ExternalIP') out.push(`${a.address}:${port.nodePort} (NodePort, ${nameOf(node)})`);
      }
    }
  }
  for (const ingress of service.status?.loadBalancer?.ingress ?? []) {
    const host = ingress.ip ?? ingress.hostname;
    if (host) out.push(`${host}:${port.port} (LoadBalancer)`);
  }
  for (const ip of service.spec?.externalIPs ?? []) out.push(`${ip}:${port.port} (externalIP)`);
  return out;
}

/** Connections per endpoint key from snapshot.traffic, for this Service; undefined when none were sampled. */
function serviceTraffic(snapshot: ClusterSnapshot, namespace: string, name: string): { counts: Map<string, number>; window: number } | undefined {
  const prefix = `${namespace}/${name}/`;
  const samples = snapshot.traffic.filter((t) => t.source === 'service' && t.backend.startsWith(prefix));
  if (samples.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const s of samples) {
    const endpoint = s.backend.slice(prefix.length).replace(/^\[(.*)\](:\d+)$/, '$1$2');
    counts.set(endpoint, (counts.get(endpoint) ?? 0) + s.count);
  }
  return { counts, window: Math.max(...samples.map((s) => s.windowSeconds)) };
}

/** Builds the model of one Service (pure); undefined when the snapshot has no such Service. */
function selectService(snapshot: ClusterSnapshot, params: Record<string, string>): ServiceViewModel | undefined {
  const namespace = params.namespace ?? 'default';
  const service = snapshot.services.find((s) => (s.metadata?.namespace ?? '') === namespace && nameOf(s) === params.name);
  if (!service) return undefined;
  const spec = service.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  const headless = spec.clusterIP === 'None';
  const clusterIPs = headless || type === 'ExternalName' ? [] : (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []);
  const traffic = serviceTraffic(snapshot, namespace, nameOf(service));
  const ports: ServiceViewPort[] = (spec.ports ?? []).map((p) => {
    const endpoints: ServiceViewEndpoint[] = portEndpoints(snapshot, service, p).map((e) => {
      const v: ServiceViewEndpoint = { address: e.address, ready: e.ready, serving: e.serving, terminating: e.terminating, containers: e.containers };
      if (e.port !== undefined) v.port = e.port;
      if (e.podName !== undefined) v.pod = e.podName;
      if (e.nodeName !== undefined) v.node = e.nodeName;
      if (e.workload) v.workload = e.workload;
      return v;
    });
    if (traffic) {
      const count = (e: ServiceViewEndpoint): number => traffic.counts.get(`${e.address}:${e.port ?? ''}`) ?? 0;
      const total = endpoints.reduce((sum, e) => sum + count(e), 0);
      for (const e of endpoints) e.measured = { count: count(e), share: total > 0 ? count(e) / total : 0 };
    }
    const port: ServiceViewPort = {
      name: p.name ?? '',
      port: p.port,
      protocol: p.protocol ?? 'TCP',
      targetPort: String(p.targetPort ?? p.port),
      external: externalAddresses(snapshot, service, p),
      endpoints,
    };
    if (p.nodePort) port.nodePort = p.nodePort;
    return port;
  });

  // One box per endpoint address, with every port its pod's containers declare.
  const boxes = new Map<string, EndpointPodBox>();
  ports.forEach((p, index) => {
    for (const e of p.endpoints) {
      let box = boxes.get(e.address);
      if (!box) {
        box = { address: e.address, ready: e.ready, terminating: e.terminating, containerPorts: [], undeclared: [] };
        if (e.pod !== undefined) box.pod = e.pod;
        if (e.node !== undefined) box.node = e.node;
        const pod = e.pod === undefined ? undefined : snapshot.pods.find((x) => (x.metadata?.namespace ?? '') === namespace && nameOf(x) === e.pod);
        for (const c of pod?.spec?.containers ?? []) {
          for (const cp of c.ports ?? []) box.containerPorts.push({ container: c.name, port: cp.containerPort, protocol: cp.protocol ?? 'TCP', reachedBy: [], conflictsWith: [] });
        }
        for (const cp of box.containerPorts) {
          cp.conflictsWith = box.containerPorts.filter((o) => o.container !== cp.container && o.port === cp.port && o.protocol === cp.protocol).map((o) => o.container);
        }
        boxes.set(e.address, box);
      }
      const targets = box.containerPorts.filter((cp) => e.containers.includes(cp.container) && cp.port === e.port && cp.protocol === p.protocol);
      for (const t of targets) t.reachedBy.push(index);
      if (targets.length === 0 && e.port !== undefined) {
        const u = box.undeclared.find((x) => x.port === e.port);
        if (u) u.reachedBy.push(index);
        else box.undeclared.push({ port: e.port, reachedBy: [index] });
      }
    }
  });
  const pods = [...boxes.values()].sort((a, b) => (a.pod ?? '').localeCompare(b.pod ?? '') || a.address.localeCompare(b.address));

  // Container ports the Service does not expose: dialled on the ClusterIP they are refused.
  const refused: RefusedPort[] = [];
  if (clusterIPs.length > 0) {
    const exposed = new Set(ports.map((p) => `${p.port}/${p.protocol}`));
    for (const box of pods) {
      for (const cp of box.containerPorts) {
        if (exposed.has(`${cp.port}/${cp.protocol}`)) continue;
        let r = refused.find((x) => x.port === cp.port && x.protocol === cp.protocol);
        if (!r) {
          r = { port: cp.port, protocol: cp.protocol, declaredBy: [], useInstead: [] };
          refused.push(r);
        }
        const who = `${cp.container} in ${box.pod ?? box.address}`;
        if (!r.declaredBy.includes(who)) r.declaredBy.push(who);
        for (const i of cp.reachedBy) {
          const p = ports[i];
          if (p && !r.useInstead.includes(portPath(p))) r.useInstead.push(portPath(p));
        }
      }
    }
    refused.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  }

  const routedBy: ServiceViewModel['routedBy'] = [];
  for (const ing of snapshot.ingresses.filter((i) => (i.metadata?.namespace ?? '') === namespace)) {
    const backends = [ing.spec?.defaultBackend, ...(ing.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend))];
    if (backends.some((b) => b?.service?.name === nameOf(service))) routedBy.push({ kind: 'Ingress', name: nameOf(ing) });
  }
  for (const route of snapshot.httpRoutes) {
    const routeNs = route.metadata?.namespace ?? '';
    const rules = ((route as { spec?: { rules?: Array<{ backendRefs?: Array<{ name?: string; namespace?: string; kind?: string }> }> } }).spec?.rules) ?? [];
    const sends = rules.some((r) => (r.backendRefs ?? []).some((b) => (b.kind ?? 'Service') === 'Service' && b.name === nameOf(service) && (b.namespace ?? routeNs) === namespace));
    if (sends && routeNs === namespace) routedBy.push({ kind: 'HTTPRoute', name: nameOf(route) });
  }
  routedBy.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));

  const notes: string[] = [];
  if (snapshot.forbidden.includes('endpointslices')) notes.push('Endpoints not shown: you may not list endpointslices.');
  if (snapshot.forbidden.includes('pods')) notes.push('Containers not shown: you may not list pods.');
  if (!spec.selector && type !== 'ExternalName') notes.push('No selector: the endpoints are whatever EndpointSlices name this Service.');
  if (headless) notes.push('Headless: no ClusterIP and no proxy; DNS answers with the endpoint addresses and clients dial their ports directly.');
  if (type === 'ExternalName') notes.push(`ExternalName: DNS answers with a CNAME for ${spec.externalName ?? '?'}; nothing is proxied.`);

  const model: ServiceViewModel = { namespace, name: nameOf(service), type, clusterIPs, headless, selector: formatLabels(spec.selector), ports, pods, refused, routedBy, notes };
  if (spec.externalName) model.externalName = spec.externalName;
  if (traffic) model.measuredWindowSeconds = traffic.window;
  return model;
}

function endpointState(e: { ready: boolean; terminating: boolean }): string {
  return `${e.ready ? 'ready' : 'not ready'}${e.terminating ? ', terminating' : ''}`;
}

/** `10.170.11.11:80/TCP`, or the port alone for a headless Service. */
function dialled(m: ServiceViewModel, port: number, protocol: string): string {
  return m.clusterIPs.length > 0 ? `${m.clusterIPs[0]}:${port}/${protocol}` : `port ${port}/${protocol}`;
}

function measuredText(e: ServiceViewEndpoint, window: number | undefined): string {
  return e.measured ? `${Math.round(e.measured.share * 100)}% of connections (${e.measured.count} in ${window ?? 0} s)` : '';
}

function shortMeasured(e: ServiceViewEndpoint): string {
  return e.measured ? `${Math.round(e.measured.share * 100)}% (${e.measured.count} conn.)` : '';
}

function portLines(m: ServiceViewModel, p: ServiceViewPort): string[] {
  const lines = [dialled(m, p.port, p.protocol), p.name ? `port ${p.port}, name ${p.name}` : `port ${p.port}`];
  for (const x of p.external) lines.push(x);
  return lines;
}

function podLines(box: EndpointPodBox): string[] {
  return [box.pod ? `pod ${box.pod}` : `endpoint ${box.address}`, `${box.address}${box.node ? ` on ${box.node}` : ''} · ${endpointState(box)}`];
}

function rowText(m: ServiceViewModel, box: EndpointPodBox, cp: PodContainerPort): string {
  const label = `${cp.container} :${cp.port}/${cp.protocol}${cp.conflictsWith.length > 0 ? ` · conflict with ${cp.conflictsWith.join(', ')}` : ''}`;
  const { reachedBy, port } = cp;
  if (reachedBy.length === 0) return `${label} (no Service port leads here)`;
  const shares = reachedBy
    .map((i) => m.ports[i]?.endpoints.find((e) => e.address === box.address && e.port === port))
    .filter((e): e is ServiceViewEndpoint => e?.measured !== undefined)
    .map(shortMeasured);
  return shares.length > 0 ? `${label} · ${shares[0]}` : label;
}

/** Draws the port diagram: client → ClusterIP:port → targetPort → pods' containers, refused ports below. */
function renderService(m: ServiceViewModel): string {
  const rowH = 22;
  const gap = 14;
  const top = 70 + (m.notes.length + (m.routedBy.length > 0 ? 1 : 0)) * 16;
  const clientX = 20;
  const clientLines = ['client', m.headless ? 'dials pod IPs' : 'dials the Service'];
  const clientW = boxWidth(clientLines, 110, 160);
  const portX = 180;
  const refusedLines = m.refused.map((r) => [dialled(m, r.port, r.protocol), 'refused: not a Service port', ...(r.useInstead.length > 0 ? [`use ${r.useInstead.join(' or ')}`] : [])]);
  const portW = boxWidth([...m.ports.flatMap((p) => portLines(m, p)), ...refusedLines.flat()], 170, 330);
  const targetX = portX + portW + 50;
  const targetW = boxWidth(m.ports.map((p) => `targetPort ${p.targetPort}`), 120, 200);
  const podX = targetX + targetW + 90;
  const podRowTexts = m.pods.flatMap((b) => [...podLines(b), ...b.containerPorts.map((cp) => rowText(m, b, cp)), ...b.undeclared.map((u) => `no container declares ${u.port}`)]);
  const podW = boxWidth(podRowTexts, 260, 460) + 16;
  const portGroups: string[] = [];
  const podGroups: string[] = [];
  const podEdges: string[] = [];

  // Ports column.
  let y = top;
  const portAnchors: Array<{ y: number; targetRight: number }> = [];
  m.ports.forEach((p, i) => {
    const lines = portLines(m, p);
    const label = `Service port ${portPath(p)}: ${lines.join('; ')}`;
    const box = textBox({ x: portX, y, width: portW, lines, className: 'box', label });
    const target = textBox({ x: targetX, y, width: targetW, lines: [`targetPort ${p.targetPort}`], className: 'box', label: `targetPort ${p.targetPort} of port ${p.port}` });
    const mid = y + 20;
    const none = p.endpoints.length === 0 ? [text(targetX + targetW + 10, mid + 4, 'no endpoints', { class: 'muted' })] : [];
    portGroups.push(group(`port ${i + 1}: ${portPath(p)}`, {}, box.svg, target.svg, arrow(portX + portW, mid, targetX, mid, { class: 'edge' }), ...none));
    portAnchors.push({ y: mid, targetRight: targetX + targetW });
    y += box.height + gap;
  });
  const refusedAnchors: number[] = [];
  for (const [i, r] of m.refused.entries()) {
    const lines = refusedLines[i] ?? [];
    const box = textBox({ x: portX, y, width: portW, lines, className: 'bad', label: `${dialled(m, r.port, r.protocol)} is refused: ${r.port} is the port of ${r.declaredBy.join(', ')}, not a Service port${r.useInstead.length > 0 ? `; use ${r.useInstead.join(' or ')}` : ''}` });
    portGroups.push(box.svg);
    refusedAnchors.push(y + 20);
    y += box.height + gap;
  }
  const portsBottom = y;

  // Pods column, with arrows from each targetPort to the container ports it reaches.
  let py = top;
  for (const b of m.pods) {
    const head = podLines(b);
    const rows = [
      ...b.containerPorts.map((cp) => ({ text: rowText(m, b, cp), reachedBy: cp.reachedBy, cls: cp.conflictsWith.length > 0 ? 'bad' : cp.reachedBy.length > 0 ? 'box' : 'node' })),
      ...b.undeclared.map((u) => ({ text: `:${u.port} (no container declares it)`, reachedBy: u.reachedBy, cls: 'warn' })),
    ];
    const height = 8 + head.length * textMetrics.lineHeight + rows.length * (rowH + 4) + 8;
    const parts = [rect(podX, py, podW, height, { class: b.ready ? 'pod' : 'warn', rx: 6 })];
    head.forEach((line, i) => parts.push(text(podX + 8, py + 20 + i * textMetrics.lineHeight, fitText(line, podW - 16), i === 0 ? { 'font-weight': 'bold' } : {})));
    rows.forEach((row, i) => {
      const ry = py + 8 + head.length * textMetrics.lineHeight + i * (rowH + 4);
      parts.push(rect(podX + 8, ry, podW - 16, rowH, { class: row.cls }), text(podX + 14, ry + 15, fitText(row.text, podW - 28)));
      for (const index of row.reachedBy) {
        const anchor = portAnchors[index];
        if (anchor) podEdges.push(arrow(anchor.targetRight, anchor.y, podX + 8, ry + rowH / 2, { class: 'edge' }));
      }
    });
    podGroups.push(group(`${head.join(', ')}; ${rows.map((r) => r.text).join('; ')}`, {}, ...parts));
    py += height + gap;
  }
  const height = Math.max(portsBottom, py, top + 60) + 10;

  // Client, with an arrow to each port and a refused dashed arrow to each unexposed port.
  const clientY = top;
  const client = textBox({ x: clientX, y: clientY, width: clientW, lines: clientLines, className: 'box', label: 'client' });
  const edges: string[] = [];
  for (const a of portAnchors) edges.push(arrow(clientX + clientW, clientY + 20, portX, a.y, { class: 'edge' }));
  for (const ry of refusedAnchors) edges.push(arrow(clientX + clientW, clientY + 20, portX, ry, { class: 'edge refused' }));

  const header = [
    text(20, 24, fitText(`Service ${m.namespace}/${m.name} · ${m.type}${m.clusterIPs.length > 0 ? ` ${m.clusterIPs.join(', ')}` : m.headless ? ' (headless)' : ''}${m.externalName ? ` → ${m.externalName}` : ''}`, podX + podW - 20), { 'font-weight': 'bold', 'font-size': 15 }),
    text(20, 44, fitText(`selector ${m.selector} · ${m.ports.length} port(s), ${m.pods.length} endpoint(s)${m.measuredWindowSeconds !== undefined ? ` · measured connections over ${m.measuredWindowSeconds} s` : ''}`, podX + podW - 20), { class: 'muted' }),
    ...(m.routedBy.length > 0 ? [text(20, 62, `routed to by ${m.routedBy.map((r) => `${r.kind} ${r.name}`).join(', ')}`, { class: 'muted' })] : []),
    ...m.notes.map((n, i) => text(20, 62 + (m.routedBy.length > 0 ? 16 : 0) + i * 16, n, { class: 'muted' })),
  ];
  return svgDocument(
    { width: podX + podW + 20, height, title: `Service ${m.namespace}/${m.name}`, description: describeService(m) },
    group('summary', {}, ...header),
    group('client', {}, client.svg, ...edges),
    group('Service ports', {}, ...portGroups),
    group('endpoints', {}, ...podGroups),
    group('paths from target ports to containers', {}, ...podEdges),
  );
}

/** The whole picture in words: each port's path to each endpoint, then what is refused. */
function describeService(m: ServiceViewModel): string {
  const lines: string[] = [];
  const ip = m.clusterIPs.length > 0 ? `ClusterIP ${m.clusterIPs.join(', ')}` : m.headless ? 'headless (no ClusterIP)' : 'no ClusterIP';
  lines.push(`Service ${m.namespace}/${m.name}: type ${m.type}, ${ip}, selector ${m.selector}.`);
  if (m.routedBy.length > 0) lines.push(`Routed to by ${m.routedBy.map((r) => `${r.kind} ${r.name}`).join(', ')}.`);
  for (const n of m.notes) lines.push(n);
  for (const p of m.ports) {
    lines.push(`Port ${p.name || '(unnamed)'}: ${dialled(m, p.port, p.protocol)} → targetPort ${p.targetPort} → ${p.endpoints.length === 0 ? 'no endpoints.' : `${p.endpoints.length} endpoint(s):`}`);
    for (const x of p.external) lines.push(`  also reachable at ${x}`);
    for (const e of p.endpoints) {
      const who = e.pod ? `pod ${e.pod}` : 'address';
      const container = e.containers.length === 0 ? `no container declares port ${e.port ?? '?'}` : e.containers.length === 1 ? `container ${e.containers[0]}` : `containers ${e.containers.join(' and ')} both declare it (a conflict: see the pod)`;
      const measured = e.measured ? `, ${measuredText(e, m.measuredWindowSeconds)}` : '';
      lines.push(`  - ${who} ${e.address}:${e.port ?? '?'}${e.node ? ` on ${e.node}` : ''}, ${endpointState(e)}, ${container}${measured}`);
    }
  }
  for (const b of m.pods) {
    for (const cp of b.containerPorts.filter((x) => x.reachedBy.length === 0)) {
      lines.push(`Container ${cp.container} in ${b.pod ?? b.address} declares ${cp.port}/${cp.protocol}; no Service port leads there.`);
    }
  }
  for (const r of m.refused) {
    lines.push(`${dialled(m, r.port, r.protocol)} is refused: ${r.port} is the port of ${r.declaredBy.join(', ')}, not a Service port${r.useInstead.length > 0 ? `; use ${r.useInstead.join(' or ')}` : ''}.`);
  }
  return lines.join('\n');
}

/** The pods, their workloads, the Ingresses and routes sending here, and the network. */
function serviceLinks(m: ServiceViewModel): ViewLink[] {
  const links: ViewLink[] = [];
  const seen = new Set<string>();
  const add = (l: ViewLink): void => {
    const key = JSON.stringify(l);
    if (!seen.has(key)) {
      seen.add(key);
      links.push(l);
    }
  };
  const workloads = new Set<string>();
  for (const p of m.ports) {
    for (const e of p.endpoints) {
      if (e.pod) add({ view: 'pod', params: { namespace: m.namespace, name: e.pod } });
      if (e.workload) {
        workloads.add(`${e.workload.kind}/${e.workload.name}`);
        add({ view: 'workload', params: { namespace: m.namespace, kind: e.workload.kind, name: e.workload.name } });
      }
    }
  }
  if (workloads.size > 1) add({ view: 'canary', params: { namespace: m.namespace, kind: 'service', name: m.name } });
  for (const r of m.routedBy) {
    add(r.kind === 'Ingress' ? { view: 'ingress', params: { namespace: m.namespace, kind: 'ingress', name: r.name } } : { view: 'ingress', params: { namespace: m.namespace, kind: 'httproute', name: r.name } });
  }
  add({ view: 'network', params: { namespace: m.namespace } });
  return links;
}

/**
 * The seed's "Service port question" for any Service: client → ClusterIP:port → (name) →
 * targetPort → each endpoint's containerPort and the container declaring it; container ports the
 * Service does not expose drawn as refused on the ClusterIP (the seed's `curl 10.170.11.11:6379`);
 * NodePort, load balancer and external addresses; ready and not-ready endpoints from the
 * EndpointSlices; the measured share of connections per endpoint when the node proxies report it.
 */
export const serviceView: ViewDefinition<ServiceViewModel> = {
  name: 'service',
  title: 'Service',
  params: ['namespace', 'name'],
  select: selectService,
  render: renderService,
  describe: describeService,
  links: serviceLinks,
  instances: (snapshot) =>
    snapshot.services
      .map((svc) => ({ namespace: svc.metadata?.namespace ?? '', name: nameOf(svc) }))
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)),
  usesTraffic: true,
};
