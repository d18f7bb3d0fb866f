import type { Service } from 'kubernetes-types/core/v1.js';
import type { Ingress, IngressBackend, IngressClass } from 'kubernetes-types/networking/v1.js';
import { defaultClassAnnotation, ingressCanarySettings, ingressNginxController, intersectHostnames, servesIngress, type IngressCanarySettings } from '../../apimachinery/ingress-rules.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { portEndpoints } from '../port-endpoints.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { arrow, group, rect, svgDocument, text } from '../svg.js';
import { boxWidth, fitText, textBox, textMetrics } from '../text-box.js';
import type { ViewDefinition, ViewLink } from '../view.js';

/** A pod behind a backend. */
export interface IngressViewEndpoint {
  pod?: string;
  address: string;
  port?: number;
  ready: boolean;
}

/** One backend of a route: a Service port, its configured share, the measured one, its pods. */
export interface IngressViewBackend {
  namespace: string;
  service: string;
  /** The port as the route names it: a number or a port name. */
  port: string;
  /** The Service port's targetPort, when the Service and port exist. */
  targetPort?: string;
  /** The configured weight and the total it is out of (a canary split, weighted backendRefs); undefined for a lone backend. */
  weight?: { weight: number; total: number };
  /** `main` or `canary` in an Ingress canary pair. */
  role?: 'main' | 'canary';
  /** The object that names this backend (`Ingress tomcat-canary`, `HTTPRoute tomcat`). */
  source: string;
  /**
   * Requests the ingress data plane counted for this Service (over all routes to it) and, when
   * the row splits between several backends, their share among them.
   */
  measured?: { count: number; share?: number };
  endpoints: IngressViewEndpoint[];
  /** Why requests here fail: no such Service or port, no ready endpoint, a kind that is not a Service. */
  problem?: string;
}

/** One route: where requests enter, what they must match, where they go. */
export interface IngressViewRow {
  /** Lines of the entry column: a host (Ingress) or a Gateway listener. */
  entry: string[];
  /** Lines of the route column (Gateway API only): the HTTPRoute and the hostnames it serves there. */
  route?: string[];
  /** Lines of the match column: the path, headers, query, method; a canary pair's header and cookie rules. */
  match: string[];
  backends: IngressViewBackend[];
}

/** What the Ingress / Gateway view draws. */
export interface IngressViewModel {
  kind: 'ingress' | 'gateway' | 'httproute';
  namespace: string;
  name: string;
  /** Lines under the title: class and controller, addresses, TLS, listeners. */
  header: string[];
  rows: IngressViewRow[];
  /** Things the picture cannot show and why, and problems the objects report. */
  notes: string[];
  measuredWindowSeconds?: number;
}

/** The Gateway API shapes this view reads (the objects are untyped in the snapshot). */
interface ParentRef {
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}
interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: { mode?: string; certificateRefs?: Array<{ kind?: string; name: string; namespace?: string }> };
}
interface RouteMatch {
  path?: { type?: string; value?: string };
  headers?: Array<{ type?: string; name: string; value: string }>;
  queryParams?: Array<{ type?: string; name: string; value: string }>;
  method?: string;
}
interface BackendRef {
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
}
interface RouteRule {
  matches?: RouteMatch[];
  filters?: Array<{ type: string }>;
  backendRefs?: BackendRef[];
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface GatewayShape {
  spec?: { gatewayClassName?: string; listeners?: Listener[] };
  status?: { addresses?: Array<{ value: string }>; listeners?: Array<{ name: string; attachedRoutes?: number }> };
}
interface RouteShape {
  spec?: { parentRefs?: ParentRef[]; hostnames?: string[]; rules?: RouteRule[] };
  status?: { parents?: Array<{ parentRef: ParentRef; conditions?: Condition[] }> };
}

const nameOf = (o: { metadata?: { name?: string } }): string => o.metadata?.name ?? '';
const nsOf = (o: { metadata?: { namespace?: string } }): string => o.metadata?.namespace ?? '';
const gatewayOf = (o: KubeObject): GatewayShape => o as GatewayShape;
const routeOf = (o: KubeObject): RouteShape => o as RouteShape;

/** Reads what the selectors need once: Services by key, the ingress traffic counts. */
interface Context {
  snapshot: ClusterSnapshot;
  services: Map<string, Service>;
  traffic?: { counts: Map<string, number>; window: number };
  secretsHidden: boolean;
}

function contextOf(snapshot: ClusterSnapshot): Context {
  const services = new Map(snapshot.services.map((s) => [`${nsOf(s)}/${nameOf(s)}`, s]));
  const samples = snapshot.traffic.filter((t) => t.source === 'ingress');
  const ctx: Context = { snapshot, services, secretsHidden: snapshot.forbidden.includes('secrets') };
  if (samples.length > 0) {
    const counts = new Map<string, number>();
    for (const s of samples) counts.set(s.backend, (counts.get(s.backend) ?? 0) + s.count);
    ctx.traffic = { counts, window: Math.max(...samples.map((s) => s.windowSeconds)) };
  }
  return ctx;
}

/** A backend Service port and its pods (by port number or port name). */
function backendOf(ctx: Context, namespace: string, service: string, port: number | string | undefined, source: string): IngressViewBackend {
  const b: IngressViewBackend = { namespace, service, port: port === undefined ? '?' : String(port), source, endpoints: [] };
  const svc = ctx.services.get(`${namespace}/${service}`);
  if (!svc) {
    b.problem = ctx.snapshot.forbidden.includes('services') ? 'Service not readable' : `Service ${namespace}/${service} not found`;
    return b;
  }
  const servicePort = (svc.spec?.ports ?? []).find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
  if (!servicePort) {
    b.problem = `Service ${service} has no port ${b.port}`;
    return b;
  }
  b.targetPort = String(servicePort.targetPort ?? servicePort.port);
  b.endpoints = portEndpoints(ctx.snapshot, svc, servicePort).map((e) => {
    const v: IngressViewEndpoint = { address: e.address, ready: e.ready };
    if (e.podName !== undefined) v.pod = e.podName;
    if (e.port !== undefined) v.port = e.port;
    return v;
  });
  if (!b.endpoints.some((e) => e.ready)) b.problem = ctx.snapshot.forbidden.includes('endpointslices') ? 'endpoints not readable' : 'no ready endpoints';
  return b;
}

/** Fills in the measured share among a row's backends from the ingress counters. */
function measure(ctx: Context, backends: IngressViewBackend[]): void {
  if (!ctx.traffic) return;
  const counts = backends.map((b) => ctx.traffic?.counts.get(`${b.namespace}/${b.service}`) ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  backends.forEach((b, i) => {
    const count = counts[i] ?? 0;
    b.measured = backends.length > 1 ? { count, share: total > 0 ? count / total : 0 } : { count };
  });
}

function ingressBackend(ctx: Context, ing: Ingress, backend: IngressBackend | undefined, source: string): IngressViewBackend {
  if (!backend?.service) {
    const resource = backend?.resource ? `${backend.resource.kind}/${backend.resource.name}` : 'none';
    return { namespace: nsOf(ing), service: resource, port: '-', source, endpoints: [], problem: backend?.resource ? 'a resource backend, not a Service' : 'no backend' };
  }
  return backendOf(ctx, nsOf(ing), backend.service.name, backend.service.port?.number ?? backend.service.port?.name, source);
}

function canaryRules(s: IngressCanarySettings): string[] {
  const lines: string[] = [];
  if (s.header) {
    if (s.headerValue) lines.push(`header ${s.header}: ${s.headerValue} → canary`);
    else if (s.headerPattern) lines.push(`header ${s.header} ~ ${s.headerPattern} → canary`);
    else lines.push(`header ${s.header}: always → canary, never → main`);
  }
  if (s.cookie) lines.push(`cookie ${s.cookie}: always → canary, never → main`);
  lines.push(`${s.header || s.cookie ? 'otherwise ' : ''}${s.weight} of ${s.weightTotal} → canary`);
  return lines;
}

/** The class an Ingress names (spec, legacy annotation, or the default class) and whether Skiff's controller serves it. */
function ingressClassLines(snapshot: ClusterSnapshot, ing: Ingress): string[] {
  if (snapshot.forbidden.includes('ingressclasses')) return [`class ${ing.spec?.ingressClassName ?? '(default)'} (IngressClasses not readable)`];
  const named = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.['kubernetes.io/ingress.class'];
  const cls: IngressClass | undefined = named
    ? snapshot.ingressClasses.find((c) => nameOf(c) === named)
    : snapshot.ingressClasses.find((c) => c.metadata?.annotations?.[defaultClassAnnotation] === 'true');
  const what = cls ? `IngressClass ${nameOf(cls)}${named ? '' : ' (the default class)'}, controller ${cls.spec?.controller ?? '?'}` : named ? `IngressClass ${named} (not found)` : 'no class and no default IngressClass';
  const served = servesIngress(ing, snapshot.ingressClasses);
  return [`${what}${served ? '' : ` — not served by ${ingressNginxController}`}`];
}

function tlsLines(ctx: Context, ing: Ingress): string[] {
  return (ing.spec?.tls ?? []).map((t) => {
    const hosts = (t.hosts ?? []).join(', ') || 'every host';
    const secret = t.secretName ? (ctx.secretsHidden ? 'a Secret (name hidden: you may not list secrets)' : `Secret ${t.secretName}`) : 'no Secret';
    return `TLS for ${hosts} with ${secret}`;
  });
}

function selectIngress(ctx: Context, namespace: string, name: string): IngressViewModel | undefined {
  const { snapshot } = ctx;
  const ing = snapshot.ingresses.find((i) => nsOf(i) === namespace && nameOf(i) === name);
  if (!ing) return undefined;
  const canary = ingressCanarySettings(ing);
  const served = (i: Ingress): boolean => snapshot.forbidden.includes('ingressclasses') || servesIngress(i, snapshot.ingressClasses);
  const others = snapshot.ingresses.filter((i) => i !== ing && served(i)).sort((a, b) => `${nsOf(a)}/${nameOf(a)}`.localeCompare(`${nsOf(b)}/${nameOf(b)}`));
  const paths = (i: Ingress) => (i.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => ({ host: r.host ?? '', path: p.path || '/', pathType: p.pathType ?? 'ImplementationSpecific', backend: p.backend })));
  const tlsHosts = new Set((ing.spec?.tls ?? []).flatMap((t) => t.hosts ?? []));
  const notes: string[] = [...canary.problems];
  const rows: IngressViewRow[] = [];
  for (const p of paths(ing)) {
    const entry = [p.host || '* (any host)', tlsHosts.has(p.host) ? 'https and http' : 'http'];
    const match = [`${p.pathType} ${p.path}`];
    const self = ingressBackend(ctx, ing, p.backend, `Ingress ${name}`);
    let backends = [self];
    if (canary.canary) {
      const main = others.find((o) => !ingressCanarySettings(o).canary && paths(o).some((q) => q.host === p.host && q.path === p.path));
      const mainPath = main && paths(main).find((q) => q.host === p.host && q.path === p.path);
      if (main && mainPath) {
        const mainBackend = ingressBackend(ctx, main, mainPath.backend, `Ingress ${nameOf(main)}`);
        mainBackend.role = 'main';
        mainBackend.weight = { weight: canary.canary.weightTotal - canary.canary.weight, total: canary.canary.weightTotal };
        self.role = 'canary';
        self.weight = { weight: canary.canary.weight, total: canary.canary.weightTotal };
        backends = [mainBackend, self];
        match.push(...canaryRules(canary.canary));
      } else {
        notes.push(`canary for host ${p.host || '*'} path ${p.path} ignored: no main Ingress serves that host and path`);
      }
    } else {
      const pair = others.find((o) => ingressCanarySettings(o).canary !== undefined && paths(o).some((q) => q.host === p.host && q.path === p.path));
      const settings = pair && ingressCanarySettings(pair).canary;
      const canaryPath = pair && paths(pair).find((q) => q.host === p.host && q.path === p.path);
      if (pair && settings && canaryPath) {
        const c = ingressBackend(ctx, pair, canaryPath.backend, `Ingress ${nameOf(pair)}`);
        c.role = 'canary';
        c.weight = { weight: settings.weight, total: settings.weightTotal };
        self.role = 'main';
        self.weight = { weight: settings.weightTotal - settings.weight, total: settings.weightTotal };
        backends = [self, c];
        match.push(...canaryRules(settings));
      }
    }
    measure(ctx, backends);
    rows.push({ entry, match, backends });
  }
  if (ing.spec?.defaultBackend) {
    const b = ingressBackend(ctx, ing, ing.spec.defaultBackend, `Ingress ${name}`);
    measure(ctx, [b]);
    rows.push({ entry: ['default backend', 'any host'], match: ['requests no rule matches'], backends: [b] });
  }
  const addresses = (ing.status?.loadBalancer?.ingress ?? []).map((a) => a.ip ?? a.hostname ?? '').filter(Boolean);
  const header = [...ingressClassLines(snapshot, ing), ...(addresses.length > 0 ? [`address ${addresses.join(', ')}`] : []), ...tlsLines(ctx, ing)];
  if (!ing.spec?.defaultBackend) header.push('no defaultBackend');
  if (rows.length === 0) notes.push('no rules: only a default backend would answer');
  const model: IngressViewModel = { kind: 'ingress', namespace, name, header, rows, notes };
  if (ctx.traffic) model.measuredWindowSeconds = ctx.traffic.window;
  return model;
}

function matchLines(rule: RouteRule): string[] {
  const matches = rule.matches?.length ? rule.matches : [{ path: { type: 'PathPrefix', value: '/' } }];
  const lines = matches.map((m, i) => {
    const parts = [`${m.path?.type ?? 'PathPrefix'} ${m.path?.value ?? '/'}`];
    for (const h of m.headers ?? []) parts.push(`header ${h.name} ${h.type === 'RegularExpression' ? '~' : '='} ${h.value}`);
    for (const q of m.queryParams ?? []) parts.push(`query ${q.name} ${q.type === 'RegularExpression' ? '~' : '='} ${q.value}`);
    if (m.method) parts.push(`method ${m.method}`);
    return `${i > 0 ? 'or ' : ''}${parts.join(', ')}`;
  });
  if (rule.filters?.length) lines.push(`filters ${rule.filters.map((f) => f.type).join(', ')}`);
  return lines;
}

function routeBackends(ctx: Context, route: KubeObject, rule: RouteRule): IngressViewBackend[] {
  const refs = rule.backendRefs ?? [];
  const total = refs.reduce((a, r) => a + (r.weight ?? 1), 0);
  const backends = refs.map((ref) => {
    const source = `HTTPRoute ${nameOf(route)}`;
    const namespace = ref.namespace ?? nsOf(route);
    const b: IngressViewBackend =
      (ref.kind ?? 'Service') === 'Service'
        ? backendOf(ctx, namespace, ref.name, ref.port, source)
        : { namespace, service: `${ref.kind}/${ref.name}`, port: String(ref.port ?? '-'), source, endpoints: [], problem: 'not a Service' };
    if (refs.length > 1 || (ref.weight ?? 1) === 0) b.weight = { weight: ref.weight ?? 1, total };
    return b;
  });
  measure(ctx, backends);
  return backends;
}

/** Whether a route's parentRef names this Gateway (and, when it says so, this listener). */
function refersTo(ref: ParentRef, routeNamespace: string, gateway: KubeObject, listener?: Listener): boolean {
  if ((ref.kind ?? 'Gateway') !== 'Gateway' || ref.name !== nameOf(gateway) || (ref.namespace ?? routeNamespace) !== nsOf(gateway)) return false;
  if (!listener) return true;
  return (ref.sectionName === undefined || ref.sectionName === listener.name) && (ref.port === undefined || ref.port === listener.port);
}

/** The route's Accepted condition for this Gateway, as its controller reported it. */
function acceptance(route: KubeObject, gateway: KubeObject): string {
  const parents = routeOf(route).status?.parents ?? [];
  const entry = parents.find((p) => refersTo(p.parentRef, nsOf(route), gateway));
  const accepted = entry?.conditions?.find((c) => c.type === 'Accepted');
  if (!accepted) return 'not yet accepted by a controller';
  return accepted.status === 'True' ? 'accepted' : `not accepted: ${accepted.reason ?? ''}${accepted.message ? ` (${accepted.message})` : ''}`;
}

function listenerLines(ctx: Context, gateway: KubeObject, l: Listener): string[] {
  const lines = [`Gateway ${nameOf(gateway)} listener ${l.name}`, `${l.protocol} :${l.port} ${l.hostname ?? '* (any host)'}`];
  for (const ref of l.tls?.certificateRefs ?? []) lines.push(`TLS with ${ctx.secretsHidden && (ref.kind ?? 'Secret') === 'Secret' ? 'a Secret (name hidden)' : `${ref.kind ?? 'Secret'} ${ref.name}`}`);
  return lines;
}

function gatewayRows(ctx: Context, gateway: KubeObject, listener: Listener, routes: KubeObject[]): IngressViewRow[] {
  const rows: IngressViewRow[] = [];
  const entry = listenerLines(ctx, gateway, listener);
  for (const route of routes) {
    const spec = routeOf(route).spec ?? {};
    if (!(spec.parentRefs ?? []).some((ref) => refersTo(ref, nsOf(route), gateway, listener))) continue;
    const hosts = intersectHostnames(listener.hostname, spec.hostnames);
    if (hosts.length === 0) continue;
    const routeLines = [`HTTPRoute ${nsOf(route) === nsOf(gateway) ? nameOf(route) : `${nsOf(route)}/${nameOf(route)}`}`, `hosts ${hosts.map((h) => h || '*').join(', ')}`, acceptance(route, gateway)];
    for (const rule of spec.rules ?? []) rows.push({ entry, route: routeLines, match: matchLines(rule), backends: routeBackends(ctx, route, rule) });
  }
  if (rows.length === 0) rows.push({ entry, route: ['no HTTPRoute attached'], match: [], backends: [] });
  return rows;
}

function gatewayHeader(ctx: Context, gateway: KubeObject): string[] {
  const g = gatewayOf(gateway);
  const addresses = (g.status?.addresses ?? []).map((a) => a.value);
  return [`GatewayClass ${g.spec?.gatewayClassName ?? '?'}`, addresses.length > 0 ? `address ${addresses.join(', ')}` : 'no address yet'];
}

function sortedRoutes(snapshot: ClusterSnapshot): KubeObject[] {
  return [...snapshot.httpRoutes].sort((a, b) => `${nsOf(a)}/${nameOf(a)}`.localeCompare(`${nsOf(b)}/${nameOf(b)}`));
}

function selectGateway(ctx: Context, namespace: string, name: string): IngressViewModel | undefined {
  const gateway = ctx.snapshot.gateways.find((g) => nsOf(g) === namespace && nameOf(g) === name);
  if (!gateway) return undefined;
  const routes = sortedRoutes(ctx.snapshot);
  const rows = (gatewayOf(gateway).spec?.listeners ?? []).flatMap((l) => gatewayRows(ctx, gateway, l, routes));
  const notes = ctx.snapshot.forbidden.includes('httproutes') ? ['HTTPRoutes not shown: you may not list httproutes.'] : [];
  const model: IngressViewModel = { kind: 'gateway', namespace, name, header: gatewayHeader(ctx, gateway), rows, notes };
  if (ctx.traffic) model.measuredWindowSeconds = ctx.traffic.window;
  return model;
}

function selectRoute(ctx: Context, namespace: string, name: string): IngressViewModel | undefined {
  const route = ctx.snapshot.httpRoutes.find((r) => nsOf(r) === namespace && nameOf(r) === name);
  if (!route) return undefined;
  const spec = routeOf(route).spec ?? {};
  const rows: IngressViewRow[] = [];
  const notes: string[] = [];
  for (const ref of spec.parentRefs ?? []) {
    const gateway = ctx.snapshot.gateways.find((g) => refersTo(ref, namespace, g));
    if (!gateway) {
      const parent = `${ref.kind ?? 'Gateway'} ${ref.namespace ?? namespace}/${ref.name}`;
      notes.push(`${parent} not found${ctx.snapshot.forbidden.includes('gateways') ? ' (you may not list gateways)' : ''}`);
      for (const rule of spec.rules ?? []) rows.push({ entry: [`${parent} (not found)`], route: [`HTTPRoute ${name}`, `hosts ${(spec.hostnames ?? ['*']).join(', ')}`], match: matchLines(rule), backends: routeBackends(ctx, route, rule) });
      continue;
    }
    for (const l of (gatewayOf(gateway).spec?.listeners ?? []).filter((x) => refersTo(ref, namespace, gateway, x))) rows.push(...gatewayRows(ctx, gateway, l, [route]).filter((r) => r.backends.length > 0 || r.route?.[0] !== 'no HTTPRoute attached'));
  }
  const header = [`hostnames ${(spec.hostnames ?? []).join(', ') || '* (the listeners\')'}`, `parents ${(spec.parentRefs ?? []).map((r) => `${r.namespace ? `${r.namespace}/` : ''}${r.name}${r.sectionName ? `/${r.sectionName}` : ''}`).join(', ') || 'none'}`];
  const model: IngressViewModel = { kind: 'httproute', namespace, name, header, rows, notes };
  if (ctx.traffic) model.measuredWindowSeconds = ctx.traffic.window;
  return model;
}

function selectIngressView(snapshot: ClusterSnapshot, params: Record<string, string>): IngressViewModel | undefined {
  const ctx = contextOf(snapshot);
  const namespace = params.namespace ?? 'default';
  const name = params.name ?? '';
  const kind = params.kind ?? 'ingress';
  if (kind === 'gateway') return selectGateway(ctx, namespace, name);
  if (kind === 'httproute') return selectRoute(ctx, namespace, name);
  if (kind === 'ingress') return selectIngress(ctx, namespace, name);
  return undefined;
}

const kindTitle: Record<IngressViewModel['kind'], string> = { ingress: 'Ingress', gateway: 'Gateway', httproute: 'HTTPRoute' };

function pct(n: number): string {
  return `${Math.round(n * 1000) / 10}%`;
}

function backendLines(b: IngressViewBackend): string[] {
  const lines = [`${b.role ? `${b.role}: ` : ''}svc ${b.service}:${b.port}`];
  if (b.role) lines.push(`from ${b.source}`);
  if (b.weight) lines.push(`configured ${pct(b.weight.total === 0 ? 0 : b.weight.weight / b.weight.total)} (weight ${b.weight.weight} of ${b.weight.total})`);
  if (b.measured) lines.push(b.measured.share === undefined ? `measured ${b.measured.count} req. (all routes)` : `measured ${pct(b.measured.share)} (${b.measured.count} req.)`);
  if (b.targetPort !== undefined) lines.push(`targetPort ${b.targetPort}`);
  if (b.problem) lines.push(b.problem);
  return lines;
}

function endpointLines(e: IngressViewEndpoint): string[] {
  return [e.pod ? `pod ${e.pod}` : `endpoint ${e.address}`, `${e.address}:${e.port ?? '?'} · ${e.ready ? 'ready' : 'not ready'}`];
}

/** Draws entry (host or listener) → [route] → match → backends → pods, one row per route, rows spanned by their shared entry. */
function renderIngress(m: IngressViewModel): string {
  const gap = 14;
  const colGap = 60;
  const top = 54 + (m.header.length + m.notes.length) * 16 + 10;
  const hasRoute = m.rows.some((r) => r.route !== undefined);
  const entryW = boxWidth(m.rows.flatMap((r) => r.entry), 160, 280);
  const routeW = hasRoute ? boxWidth(m.rows.flatMap((r) => r.route ?? []), 160, 300) : 0;
  const matchW = boxWidth(m.rows.flatMap((r) => r.match), 150, 400);
  const backendW = boxWidth(m.rows.flatMap((r) => r.backends.flatMap(backendLines)), 190, 300);
  const podW = boxWidth(m.rows.flatMap((r) => r.backends.flatMap((b) => b.endpoints.flatMap(endpointLines))), 200, 320);
  const entryX = 20;
  const routeX = entryX + entryW + colGap;
  const matchX = hasRoute ? routeX + routeW + colGap : routeX;
  const backendX = matchX + matchW + colGap;
  const podX = backendX + backendW + colGap;
  const podH = 44;

  const rowParts: string[] = [];
  /** A cell spanning consecutive rows that share it (a host, a listener, a route); `exits` are the match boxes it leads to. */
  interface Span {
    key: string;
    lines: string[];
    top: number;
    bottom: number;
    x: number;
    w: number;
    exits: number[];
  }
  const entrySpans: Span[] = [];
  const routeSpans: Span[] = [];
  const extend = (spans: Span[], key: string, lines: string[], x: number, w: number, rowTop: number, rowBottom: number, exit: number | undefined): void => {
    const prev = spans[spans.length - 1];
    if (prev && prev.key === key) {
      prev.bottom = rowBottom;
      if (exit !== undefined) prev.exits.push(exit);
    } else {
      spans.push({ key, lines, top: rowTop, bottom: rowBottom, x, w, exits: exit === undefined ? [] : [exit] });
    }
  };
  let y = top;
  m.rows.forEach((row, i) => {
    const matchBox = row.match.length > 0 ? textBox({ x: matchX, y, width: matchW, lines: row.match, className: 'box', label: `match ${row.match.join('; ')}` }) : undefined;
    let by = y;
    const backendParts: string[] = [];
    const matchMid = y + 20;
    for (const b of row.backends) {
      const lines = backendLines(b);
      const box = textBox({ x: backendX, y: by, width: backendW, lines, className: b.problem ? 'bad' : b.role === 'canary' ? 'warn' : 'box', label: backendSentence(b, m.measuredWindowSeconds) });
      backendParts.push(box.svg);
      const bMid = by + 20;
      if (matchBox) backendParts.push(arrow(matchX + matchW, matchMid, backendX, bMid, { class: 'edge' }));
      let py = by;
      for (const e of b.endpoints) {
        const pod = textBox({ x: podX, y: py, width: podW, lines: endpointLines(e), className: e.ready ? 'pod' : 'warn', label: endpointLines(e).join(', ') });
        backendParts.push(pod.svg, arrow(backendX + backendW, bMid, podX, py + podH / 2, { class: 'edge' }));
        py += podH + 6;
      }
      by = Math.max(by + box.height, py - 6) + gap;
    }
    const rowBottom = Math.max(y + (matchBox?.height ?? 40), by - gap);
    rowParts.push(group(`route ${i + 1}: ${rowSentence(row, m.measuredWindowSeconds)}`, {}, ...(matchBox ? [matchBox.svg] : []), ...backendParts));
    const exit = matchBox ? matchMid : undefined;
    extend(entrySpans, row.entry.join('|'), row.entry, entryX, entryW, y, rowBottom, row.route ? y + 20 : exit);
    if (row.route) extend(routeSpans, `${row.entry.join('|')}#${row.route.join('|')}`, row.route, routeX, routeW, y, rowBottom, exit);
    y = rowBottom + gap;
  });
  const spanGroup = (s: Span, className: string, next: number, exits: number[]): string => {
    const box = textBox({ x: s.x, y: s.top, width: s.w, height: s.bottom - s.top, lines: s.lines, className, label: s.lines.join(', ') });
    return group(s.lines.join(', '), {}, box.svg, ...exits.map((ey) => arrow(s.x + s.w, s.top + 20, next, ey, { class: 'edge' })));
  };
  const spanParts = [
    ...entrySpans.map((s) => spanGroup(s, 'node', hasRoute ? routeX : matchX, hasRoute ? routeSpans.filter((r) => r.top >= s.top && r.top <= s.bottom).map((r) => r.top + 20) : s.exits)),
    ...routeSpans.map((s) => spanGroup(s, 'box', matchX, s.exits)),
  ];
  const width = podX + podW + 20;
  const height = Math.max(y, top + 40) + 10;
  const header = [
    text(20, 24, fitText(`${kindTitle[m.kind]} ${m.namespace}/${m.name}`, width - 40), { 'font-weight': 'bold', 'font-size': 15 }),
    ...m.header.map((line, i) => text(20, 44 + i * 16, fitText(line, width - 40), { class: 'muted' })),
    ...m.notes.map((line, i) => text(20, 44 + (m.header.length + i) * 16, fitText(line, width - 40), { class: 'muted' })),
  ];
  if (m.measuredWindowSeconds !== undefined) header.push(text(20, 44 + (m.header.length + m.notes.length) * 16, `measured: requests the ingress data plane counted per Service over the last ${m.measuredWindowSeconds} s`, { class: 'muted' }));
  return svgDocument(
    { width, height: height + (m.measuredWindowSeconds !== undefined ? 16 : 0), title: `${kindTitle[m.kind]} ${m.namespace}/${m.name}`, description: describeIngress(m) },
    group('summary', {}, ...header),
    group(m.kind === 'ingress' ? 'hosts' : 'listeners and routes', {}, ...spanParts),
    group('routes to Services and pods', {}, ...rowParts),
  );
}

function backendSentence(b: IngressViewBackend, window: number | undefined): string {
  const parts = [`${b.role ? `${b.role} ` : ''}Service ${b.namespace}/${b.service} port ${b.port}${b.targetPort !== undefined ? ` (targetPort ${b.targetPort})` : ''}, from ${b.source}`];
  if (b.weight) parts.push(`configured ${pct(b.weight.total === 0 ? 0 : b.weight.weight / b.weight.total)} (weight ${b.weight.weight} of ${b.weight.total})`);
  if (b.measured) parts.push(b.measured.share === undefined ? `measured ${b.measured.count} requests in ${window ?? 0} s (all routes to this Service)` : `measured ${pct(b.measured.share)} (${b.measured.count} requests in ${window ?? 0} s)`);
  if (b.problem) parts.push(b.problem);
  const ready = b.endpoints.filter((e) => e.ready).length;
  if (b.endpoints.length > 0) parts.push(`${ready} of ${b.endpoints.length} endpoint(s) ready: ${b.endpoints.map((e) => `${e.pod ?? e.address} ${e.address}:${e.port ?? '?'}${e.ready ? '' : ' (not ready)'}`).join(', ')}`);
  return parts.join('; ');
}

function rowSentence(row: IngressViewRow, window: number | undefined): string {
  const where = [row.entry.join(', '), ...(row.route ? [row.route.join(', ')] : []), ...(row.match.length > 0 ? [`match ${row.match.join('; ')}`] : [])].join(' → ');
  if (row.backends.length === 0) return `${where}: no backends`;
  return `${where} → ${row.backends.map((b) => backendSentence(b, window)).join(' | ')}`;
}

/** The whole picture in words: the header, then each route from entry to pods. */
function describeIngress(m: IngressViewModel): string {
  const lines = [`${kindTitle[m.kind]} ${m.namespace}/${m.name}.`, ...m.header.map((h) => `${h}.`), ...m.notes.map((n) => `${n}.`)];
  if (m.measuredWindowSeconds !== undefined) lines.push(`Measured: requests the ingress data plane counted per Service over the last ${m.measuredWindowSeconds} s.`);
  if (m.rows.length === 0) lines.push('No routes.');
  m.rows.forEach((row, i) => lines.push(`Route ${i + 1}: ${rowSentence(row, m.measuredWindowSeconds)}.`));
  return lines.join('\n');
}

function ingressLinks(m: IngressViewModel): ViewLink[] {
  const links: ViewLink[] = [];
  const seen = new Set<string>();
  const add = (l: ViewLink): void => {
    const key = JSON.stringify(l);
    if (!seen.has(key)) {
      seen.add(key);
      links.push(l);
    }
  };
  for (const row of m.rows) {
    for (const b of row.backends) {
      if (!b.problem || b.endpoints.length > 0 || b.targetPort !== undefined) add({ view: 'service', params: { namespace: b.namespace, name: b.service } });
    }
  }
  for (const row of m.rows) for (const b of row.backends) for (const e of b.endpoints) if (e.pod) add({ view: 'pod', params: { namespace: b.namespace, name: e.pod } });
  for (const row of m.rows) {
    const route = row.route?.[0]?.match(/^HTTPRoute (?:(\S+)\/)?(\S+)$/);
    if (route && m.kind === 'gateway') add({ view: 'ingress', params: { namespace: route[1] ?? m.namespace, kind: 'httproute', name: route[2] ?? '' } });
    const gw = row.entry[0]?.match(/^Gateway (\S+) listener/);
    if (gw && m.kind === 'httproute') add({ view: 'ingress', params: { namespace: m.namespace, kind: 'gateway', name: gw[1] ?? '' } });
  }
  for (const row of m.rows) {
    const sources = row.backends.map((b) => b.source);
    for (const s of sources) {
      const ing = s.match(/^Ingress (\S+)$/);
      if (ing && ing[1] !== m.name) add({ view: 'ingress', params: { namespace: m.namespace, kind: 'ingress', name: ing[1] ?? '' } });
    }
    if (row.backends.some((b) => b.role === 'canary') || row.backends.filter((b) => b.weight).length > 1) {
      add({ view: 'canary', params: { namespace: m.namespace, kind: m.kind, name: m.name } });
    }
  }
  return links;
}

/**
 * The seed's "ingress" picture for Ingresses and the Gateway API: host (or Gateway listener →
 * HTTPRoute) and path → Service:port → pods, with TLS (a Secret's name only for users who may
 * list Secrets), the IngressClass and whether Skiff serves it, the default backend, an
 * ingress-nginx canary pair drawn as the split it is (configured weights, header and cookie
 * rules), weighted backendRefs, and the measured share of requests per Service when the ingress
 * data plane reports it. Params: `namespace`, `name`, `kind` (`ingress`, `gateway`, `httproute`).
 */
export const ingressView: ViewDefinition<IngressViewModel> = {
  name: 'ingress',
  title: 'Ingress / Gateway',
  params: ['namespace', 'kind', 'name'],
  select: selectIngressView,
  render: renderIngress,
  describe: describeIngress,
  links: ingressLinks,
  instances: (snapshot) => {
    const of = (kind: string, list: Array<{ metadata?: { name?: string; namespace?: string } }>) =>
      list.map((o) => ({ namespace: nsOf(o), kind, name: nameOf(o) })).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    return [...of('ingress', snapshot.ingresses), ...of('gateway', snapshot.gateways), ...of('httproute', snapshot.httpRoutes)];
  },
  usesTraffic: true,
};
