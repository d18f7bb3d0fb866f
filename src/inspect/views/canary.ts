/**
 * The seed's canary pictures, drawn live: what share of the traffic each backend should get
 * beside the share it measurably got.
 * - Service edition (`kind=service`): a Service whose ready endpoints come from more than one
 *   workload (the seed's two Deployments sharing `app: canary-tomcat`); configured is the
 *   replica ratio, measured the connections the node proxies counted per endpoint
 *   (snapshot.traffic, source `service`), summed per workload.
 * - Ingress edition (`kind=ingress`): an ingress-nginx canary pair (canary-weight of
 *   canary-weight-total; the header and cookie rules); measured are the requests nginx counted per
 *   Service (source `ingress`).
 * - Gateway API (`kind=httproute`): an HTTPRoute whose weighted rule splits between a main and a
 *   canary Service, and its header-match rules; measured as for Ingress.
 * The readers of canary annotations and routes belong to `skiff canary` (src/cli/canary), so the
 * view is a factory taking them; without them the Ingress and HTTPRoute editions say so.
 */
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { endpointState } from '../../apimachinery/service-endpoints.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { arrow, group, rect, svgDocument, text } from '../svg.js';
import { textBox } from '../text-box.js';
import type { ViewDefinition, ViewLink } from '../view.js';
import { workloadOf } from '../workload-of.js';

/** An Ingress canary pair as `skiff canary` reads it (src/cli/canary/canary-pair.ts's IngressCanaryPair). */
export interface IngressCanaryReading {
  main: Ingress;
  canary: Ingress;
  rules: {
    header?: string;
    headerValue?: string;
    headerPattern?: string;
    cookie?: string;
    weight: number;
    weightTotal: number;
  };
  routes: { host: string; path: string; mainBackend: IngressBackend; canaryBackend: IngressBackend }[];
}

/** An HTTPRoute canary as `skiff canary` reads it (src/cli/canary/httproute-canary.ts's RouteCanary). */
export interface RouteCanaryReading {
  route: KubeObject;
  main: string;
  canary: string;
  weight: number;
  total: number;
}

/**
 * The canary readers of `skiff canary`, injected by the cli. Each throws an Error whose message
 * says why when the object is no canary. Without one, that edition says it cannot be read.
 */
export interface CanaryReaders {
  /** Finds the canary pair `name` (main or canary) belongs to among one namespace's Ingresses. */
  findIngressCanaries?: (ingresses: Ingress[], name: string) => IngressCanaryReading;
  /** Reads the main/canary split of an HTTPRoute. */
  findRouteCanaries?: (route: KubeObject) => RouteCanaryReading;
}

/** One backend of the split: a workload (Service edition) or a Service (Ingress, HTTPRoute). */
export interface CanaryBackend {
  kind: string;
  name: string;
  /** `main` / `canary` where the configuration says (Ingress, HTTPRoute). */
  role?: 'main' | 'canary';
  /** The pod template's images (workloads), or the Service's port (Ingress, HTTPRoute). */
  detail: string;
  /** The configured weight: replicas, or the weight of the annotation or backendRef. */
  configured: number;
  configuredShare: number;
  /** Service edition: the Service's ready and not-ready endpoints from this workload. */
  readyEndpoints?: number;
  notReadyEndpoints?: number;
  /** Connections or requests counted in the window; undefined when nothing was sampled. */
  measured?: number;
  measuredShare?: number;
}

/** What the canary picture draws. */
export interface CanaryModel {
  kind: 'service' | 'ingress' | 'httproute';
  namespace: string;
  name: string;
  /** The entry the traffic goes through, in words (the Service's address, the hosts and paths). */
  entry: string[];
  /** What "configured" means here. */
  configuredBasis: string;
  backends: CanaryBackend[];
  /** Rules that send a request to one backend regardless of the weights (headers, cookies). */
  rules: string[];
  /** The measurement's window; undefined when nothing was sampled. */
  measuredWindowSeconds?: number;
  /** What the measured numbers count. */
  measuredUnit: 'connections' | 'requests';
  /** Why there is nothing to compare, when so. */
  problem?: string;
  /** Objects the picture names (for links). */
  related: { services: string[]; ingresses: string[]; httpRoutes: string[] };
}

const nameOf = (o: { metadata?: { name?: string } }): string => o.metadata?.name ?? '';
const nsOf = (o: { metadata?: { namespace?: string } }): string => o.metadata?.namespace ?? '';
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function shareOf(part: number, total: number): number {
  return total > 0 ? part / total : 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/** Fills configuredShare, and measured/measuredShare from `counts` when there are any. */
function withShares(backends: Omit<CanaryBackend, 'configuredShare'>[], counts: Map<string, number> | undefined): CanaryBackend[] {
  const configuredTotal = backends.reduce((n, b) => n + b.configured, 0);
  const measuredTotal = counts ? backends.reduce((n, b) => n + (counts.get(b.name) ?? 0), 0) : 0;
  return backends.map((b) => {
    const out: CanaryBackend = { ...b, configuredShare: shareOf(b.configured, configuredTotal) };
    if (counts) {
      out.measured = counts.get(b.name) ?? 0;
      out.measuredShare = shareOf(out.measured, measuredTotal);
    }
    return out;
  });
}

/** Counts per key (`keyOf` a sample's backend; undefined leaves it out) from the traffic samples of one source, with the longest window; undefined when none. */
function trafficCounts(snapshot: ClusterSnapshot, source: 'service' | 'ingress', keyOf: (backend: string) => string | undefined): { counts: Map<string, number>; window: number } | undefined {
  const counts = new Map<string, number>();
  let window = 0;
  for (const sample of snapshot.traffic) {
    if (sample.source !== source) continue;
    const key = keyOf(sample.backend);
    if (key === undefined) continue;
    counts.set(key, (counts.get(key) ?? 0) + sample.count);
    window = Math.max(window, sample.windowSeconds);
  }
  return counts.size > 0 ? { counts, window } : undefined;
}

function images(template: { spec?: { containers?: { image?: string }[] } } | undefined): string {
  return [...new Set((template?.spec?.containers ?? []).map((c) => c.image ?? ''))].filter(Boolean).join(', ');
}

/** The replicas a workload is configured with, and its images; undefined replicas when it is not in the snapshot. */
function workloadSpec(snapshot: ClusterSnapshot, namespace: string, kind: string, name: string): { replicas?: number; images: string } {
  const find = <T extends { metadata?: { namespace?: string; name?: string } }>(list: T[]): T | undefined => list.find((o) => nsOf(o) === namespace && nameOf(o) === name);
  const owner: Deployment | StatefulSet | ReplicaSet | undefined =
    kind === 'Deployment' ? find(snapshot.deployments) : kind === 'StatefulSet' ? find(snapshot.statefulSets) : kind === 'ReplicaSet' ? find(snapshot.replicaSets) : undefined;
  if (!owner) return { images: '' };
  return { replicas: owner.spec?.replicas ?? 1, images: images(owner.spec?.template) };
}

function slicesOf(snapshot: ClusterSnapshot, service: Service): EndpointSlice[] {
  return snapshot.endpointSlices
    .filter((s) => nsOf(s) === nsOf(service) && s.metadata?.labels?.['kubernetes.io/service-name'] === nameOf(service))
    .sort((a, b) => byString(nameOf(a), nameOf(b)));
}

/** The Service edition: endpoints grouped by the workload their pod belongs to. */
function selectServiceCanary(snapshot: ClusterSnapshot, namespace: string, name: string): CanaryModel | undefined {
  const service = snapshot.services.find((s) => nsOf(s) === namespace && nameOf(s) === name);
  if (!service) return undefined;
  const groups = new Map<string, { kind: string; name: string; ready: number; notReady: number; addresses: Set<string> }>();
  const seen = new Set<string>();
  for (const slice of slicesOf(snapshot, service)) {
    for (const endpoint of slice.endpoints ?? []) {
      const podName = endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef.name : undefined;
      const pod = snapshot.pods.find((p) => nsOf(p) === namespace && (podName !== undefined ? nameOf(p) === podName : (endpoint.addresses ?? []).includes(p.status?.podIP ?? '')));
      const workload = pod ? workloadOf(snapshot, pod) : undefined;
      const kind = workload?.kind ?? 'Pod';
      const owner = workload?.name ?? podName ?? endpoint.addresses?.[0] ?? '?';
      const key = `${kind}/${owner}`;
      const entry = groups.get(key) ?? { kind, name: owner, ready: 0, notReady: 0, addresses: new Set<string>() };
      for (const address of endpoint.addresses ?? []) {
        if (seen.has(address)) continue;
        seen.add(address);
        entry.addresses.add(address);
        if (endpointState(endpoint) === 'ready') entry.ready += 1;
        else entry.notReady += 1;
      }
      groups.set(key, entry);
    }
  }
  const ownerOfAddress = new Map<string, string>();
  for (const g of groups.values()) for (const a of g.addresses) ownerOfAddress.set(a, g.name);
  const prefix = `${namespace}/${name}/`;
  const traffic = trafficCounts(snapshot, 'service', (backend) => {
    if (!backend.startsWith(prefix)) return undefined;
    // `ip:port`, an IPv6 address in brackets.
    const endpoint = backend.slice(prefix.length);
    const address = endpoint.startsWith('[') ? endpoint.slice(1, endpoint.indexOf(']')) : endpoint.slice(0, endpoint.lastIndexOf(':'));
    return ownerOfAddress.get(address);
  });
  const backends = [...groups.values()]
    .map((g) => {
      const spec = workloadSpec(snapshot, namespace, g.kind, g.name);
      return {
        kind: g.kind,
        name: g.name,
        detail: spec.images,
        // A workload not in the snapshot (or a bare pod) counts its endpoints.
        configured: spec.replicas ?? g.ready + g.notReady,
        readyEndpoints: g.ready,
        notReadyEndpoints: g.notReady,
      };
    })
    .sort((a, b) => b.configured - a.configured || byString(a.name, b.name));
  const ports = (service.spec?.ports ?? []).map((p) => `${p.port}→${p.targetPort ?? p.port}`).join(', ');
  const address = service.spec?.clusterIP && service.spec.clusterIP !== 'None' ? service.spec.clusterIP : 'no ClusterIP';
  const selector = Object.entries(service.spec?.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  let problem: string | undefined;
  if (backends.length === 0) problem = `Service ${name} has no endpoints`;
  else if (backends.length === 1) problem = `every endpoint of Service ${name} belongs to ${backends[0]!.kind} ${backends[0]!.name}: there is nothing to split`;
  return {
    kind: 'service',
    namespace,
    name,
    entry: [`Service ${name}`, `${address} port ${ports || 'none'}`, selector ? `selector ${selector}` : 'no selector'],
    configuredBasis: 'replicas of each workload (the proxy picks among ready endpoints alike)',
    backends: withShares(backends, traffic?.counts),
    rules: [],
    ...(traffic ? { measuredWindowSeconds: traffic.window } : {}),
    measuredUnit: 'connections',
    ...(problem === undefined ? {} : { problem }),
    related: { services: [name], ingresses: [], httpRoutes: [] },
  };
}

function serviceTrafficByName(snapshot: ClusterSnapshot, namespace: string): { counts: Map<string, number>; window: number } | undefined {
  return trafficCounts(snapshot, 'ingress', (backend) => {
    const [ns, service] = backend.split('/');
    return ns === namespace && service ? service : undefined;
  });
}

function backendPort(backend: IngressBackend): string {
  const port = backend.service?.port;
  return port?.number !== undefined ? `port ${port.number}` : port?.name !== undefined ? `port ${port.name}` : '';
}

function readerProblem(err: unknown): string {
  if (err instanceof Error) return err.message;
  throw err;
}

/** The Ingress edition. */
function selectIngressCanary(snapshot: ClusterSnapshot, readers: CanaryReaders, namespace: string, name: string): CanaryModel | undefined {
  const ingresses = snapshot.ingresses.filter((i) => nsOf(i) === namespace).sort((a, b) => byString(nameOf(a), nameOf(b)));
  if (!ingresses.some((i) => nameOf(i) === name)) return undefined;
  const base = { kind: 'ingress' as const, namespace, name, measuredUnit: 'requests' as const, configuredBasis: 'canary-weight of canary-weight-total' };
  if (!readers.findIngressCanaries) {
    return { ...base, entry: [`Ingress ${name}`], backends: [], rules: [], problem: 'the Ingress canary reader is not available here', related: { services: [], ingresses: [name], httpRoutes: [] } };
  }
  let pair: IngressCanaryReading;
  try {
    pair = readers.findIngressCanaries(ingresses, name);
  } catch (err) {
    return { ...base, entry: [`Ingress ${name}`], backends: [], rules: [], problem: readerProblem(err), related: { services: [], ingresses: [name], httpRoutes: [] } };
  }
  const { rules } = pair;
  const mainServices = [...new Map(pair.routes.filter((r) => r.mainBackend.service).map((r) => [r.mainBackend.service!.name, r.mainBackend])).entries()];
  const canaryServices = [...new Map(pair.routes.filter((r) => r.canaryBackend.service).map((r) => [r.canaryBackend.service!.name, r.canaryBackend])).entries()];
  const traffic = serviceTrafficByName(snapshot, namespace);
  const weight = Math.min(Math.max(rules.weight, 0), rules.weightTotal);
  const backends = withShares(
    [
      ...mainServices.map(([service, b]) => ({ kind: 'Service', name: service, role: 'main' as const, detail: backendPort(b), configured: (rules.weightTotal - weight) / mainServices.length })),
      ...canaryServices.map(([service, b]) => ({ kind: 'Service', name: service, role: 'canary' as const, detail: backendPort(b), configured: weight / canaryServices.length })),
    ],
    traffic?.counts,
  );
  const ruleLines: string[] = [];
  const canaryName = canaryServices.map(([s]) => s).join(', ');
  const mainName = mainServices.map(([s]) => s).join(', ');
  if (rules.header) {
    if (rules.headerValue) ruleLines.push(`header ${rules.header}: ${rules.headerValue} → ${canaryName}`);
    else if (rules.headerPattern) ruleLines.push(`header ${rules.header} matching /${rules.headerPattern}/ → ${canaryName}`);
    else ruleLines.push(`header ${rules.header}: always → ${canaryName}, never → ${mainName}`);
  }
  if (rules.cookie) ruleLines.push(`cookie ${rules.cookie}: always → ${canaryName}, never → ${mainName}`);
  ruleLines.push(`other requests: weight ${weight} of ${rules.weightTotal} → ${canaryName}`);
  const routes = [...new Set(pair.routes.map((r) => `${r.host || '*'}${r.path}`))];
  return {
    ...base,
    entry: [`Ingress ${nameOf(pair.main)} + canary ${nameOf(pair.canary)}`, ...routes.map((r) => `http://${r}`)],
    backends,
    rules: ruleLines,
    ...(traffic ? { measuredWindowSeconds: traffic.window } : {}),
    related: { services: backends.map((b) => b.name), ingresses: [nameOf(pair.main), nameOf(pair.canary)], httpRoutes: [] },
  };
}

/** An HTTPRoute rule as far as the picture reads it. */
interface RouteRuleShape {
  matches?: { path?: { type?: string; value?: string }; headers?: { type?: string; name: string; value: string }[] }[];
  backendRefs?: { kind?: string; group?: string; name: string; port?: number; weight?: number }[];
}

/** The HTTPRoute edition. */
function selectRouteCanary(snapshot: ClusterSnapshot, readers: CanaryReaders, namespace: string, name: string): CanaryModel | undefined {
  const route = snapshot.httpRoutes.find((r) => nsOf(r) === namespace && nameOf(r) === name);
  if (!route) return undefined;
  const base = { kind: 'httproute' as const, namespace, name, measuredUnit: 'requests' as const, configuredBasis: 'backendRef weights of the weighted rule' };
  const hostnames = ((route.spec as { hostnames?: string[] } | undefined)?.hostnames ?? []).join(', ');
  const entry = [`HTTPRoute ${name}`, hostnames ? `hosts ${hostnames}` : 'any host'];
  if (!readers.findRouteCanaries) {
    return { ...base, entry, backends: [], rules: [], problem: 'the HTTPRoute canary reader is not available here', related: { services: [], ingresses: [], httpRoutes: [name] } };
  }
  let canary: RouteCanaryReading;
  try {
    canary = readers.findRouteCanaries(route);
  } catch (err) {
    return { ...base, entry, backends: [], rules: [], problem: readerProblem(err), related: { services: [], ingresses: [], httpRoutes: [name] } };
  }
  const rules = ((route.spec as { rules?: RouteRuleShape[] } | undefined)?.rules ?? []);
  const portOf = (service: string): string => {
    const ref = rules.flatMap((r) => r.backendRefs ?? []).find((b) => b.name === service);
    return ref?.port !== undefined ? `port ${ref.port}` : '';
  };
  const traffic = serviceTrafficByName(snapshot, namespace);
  const backends = withShares(
    [
      { kind: 'Service', name: canary.main, role: 'main' as const, detail: portOf(canary.main), configured: Math.max(0, canary.total - canary.weight) },
      { kind: 'Service', name: canary.canary, role: 'canary' as const, detail: portOf(canary.canary), configured: canary.weight },
    ],
    traffic?.counts,
  );
  // Rules that match on headers send to their backends whatever the weights say.
  const ruleLines = rules
    .filter((r) => (r.matches ?? []).some((m) => (m.headers ?? []).length > 0))
    .map((r) => {
      const when = (r.matches ?? [])
        .map((m) => (m.headers ?? []).map((h) => `header ${h.name} ${h.type === 'RegularExpression' ? '~' : '='} ${h.value}`).join(' and '))
        .filter(Boolean)
        .join(' or ');
      const to = (r.backendRefs ?? []).map((b) => b.name).join(', ');
      return `${when} → ${to || 'no backend'}`;
    });
  ruleLines.push(`other requests: weight ${canary.weight} of ${canary.total} → ${canary.canary}`);
  return {
    ...base,
    entry,
    backends,
    rules: ruleLines,
    ...(traffic ? { measuredWindowSeconds: traffic.window } : {}),
    related: { services: backends.map((b) => b.name), ingresses: [], httpRoutes: [name] },
  };
}

function selectCanary(readers: CanaryReaders, snapshot: ClusterSnapshot, params: Record<string, string>): CanaryModel | undefined {
  const namespace = params.namespace ?? 'default';
  const name = params.name ?? '';
  const kind = params.kind ?? 'service';
  if (kind === 'service') return selectServiceCanary(snapshot, namespace, name);
  if (kind === 'ingress') return selectIngressCanary(snapshot, readers, namespace, name);
  if (kind === 'httproute') return selectRouteCanary(snapshot, readers, namespace, name);
  return undefined;
}

function backendTitle(b: CanaryBackend): string {
  return `${b.role ? `${b.role} ` : ''}${b.kind} ${b.name}`;
}

function configuredText(model: CanaryModel, b: CanaryBackend): string {
  const basis = model.kind === 'service' ? plural(b.configured, 'replica') : `weight ${Math.round(b.configured * 100) / 100}`;
  return `configured ${percent(b.configuredShare)} (${basis})`;
}

function measuredText(model: CanaryModel, b: CanaryBackend): string {
  if (b.measured === undefined || b.measuredShare === undefined) return 'measured: no samples';
  return `measured ${percent(b.measuredShare)} (${plural(b.measured, model.measuredUnit.slice(0, -1))})`;
}

function endpointsText(b: CanaryBackend): string | undefined {
  if (b.readyEndpoints === undefined) return undefined;
  return `${plural(b.readyEndpoints, 'ready endpoint')}${b.notReadyEndpoints ? `, ${b.notReadyEndpoints} not ready` : ''}`;
}

function backendLines(model: CanaryModel, b: CanaryBackend): string[] {
  return [backendTitle(b), ...(b.detail ? [b.detail] : []), ...(endpointsText(b) ? [endpointsText(b)!] : []), configuredText(model, b), measuredText(model, b)];
}

function measuredHeading(model: CanaryModel): string {
  const source = model.kind === 'service' ? 'connections the node proxies counted (conntrack)' : 'requests nginx counted';
  return model.measuredWindowSeconds !== undefined ? `measured: ${source}, last ${model.measuredWindowSeconds} s` : `measured: no ${model.measuredUnit} sampled yet`;
}

function describeCanary(model: CanaryModel): string {
  const lines = [`Canary through ${model.entry.join(', ')} (namespace ${model.namespace}).`];
  if (model.problem !== undefined) lines.push(`No split to show: ${model.problem}.`);
  if (model.backends.length > 0) {
    lines.push(`Configured share: ${model.configuredBasis}. ${measuredHeading(model)}.`);
    for (const b of model.backends) lines.push(`- ${backendLines(model, b).join('; ')}`);
  }
  if (model.rules.length > 0) {
    lines.push('Routing rules:');
    for (const r of model.rules) lines.push(`- ${r}`);
  }
  return lines.join('\n');
}

// Layout, by rule: the entry box at the top, the backends side by side below it with an arrow to
// each (its configured share on the arrow), the routing rules beside the entry, and two bars
// under the backends split by backend: configured above measured, so the shares line up.
const margin = 16;
const backendWidth = 250;
const gap = 30;
const barHeight = 22;
const backendClasses = ['pod', 'warn', 'ok', 'node'];

function backendClass(model: CanaryModel, b: CanaryBackend, index: number): string {
  if (b.role === 'main') return 'pod';
  if (b.role === 'canary') return 'warn';
  return backendClasses[index % backendClasses.length] ?? 'box';
}

function shareBar(model: CanaryModel, label: string, shares: (number | undefined)[], x: number, y: number, width: number): string {
  const parts: string[] = [text(x, y - 6, label, { class: 'muted' })];
  const known = shares.every((s) => s !== undefined) && shares.some((s) => (s ?? 0) > 0);
  if (!known) {
    parts.push(rect(x, y, width, barHeight, { class: 'box', 'stroke-dasharray': '4 3' }), text(x + width / 2, y + 15, 'no samples', { 'text-anchor': 'middle', class: 'muted' }));
    return group(`${label}: no samples`, {}, ...parts);
  }
  let left = x;
  model.backends.forEach((b, i) => {
    const w = (shares[i] ?? 0) * width;
    if (w <= 0) return;
    parts.push(rect(left, y, w, barHeight, { class: backendClass(model, b, i) }));
    if (w >= 44) parts.push(text(left + w / 2, y + 15, percent(shares[i] ?? 0), { 'text-anchor': 'middle', 'font-size': 11 }));
    left += w;
  });
  const words = model.backends.map((b, i) => `${b.name} ${percent(shares[i] ?? 0)}`).join(', ');
  return group(`${label}: ${words}`, {}, ...parts);
}

function renderCanary(model: CanaryModel): string {
  const n = Math.max(1, model.backends.length);
  const rowWidth = n * backendWidth + (n - 1) * gap;
  const rulesWidth = model.rules.length > 0 ? Math.max(...model.rules.map((r) => r.length)) * 7 + 24 : 0;
  const entryWidth = Math.min(420, Math.max(220, ...model.entry.map((l) => l.length * 7 + 24)));
  const title = text(margin, margin + 14, `Canary: ${model.kind === 'service' ? 'Service' : model.kind === 'ingress' ? 'Ingress' : 'HTTPRoute'} ${model.namespace}/${model.name}`, { class: 'heading', 'font-size': 16 });
  const entryY = margin + 32;
  const entryX = margin + Math.max(0, (rowWidth - entryWidth) / 2);
  const entry = textBox({ x: entryX, y: entryY, width: entryWidth, lines: model.entry, className: model.kind === 'service' ? 'box' : 'node', label: `Entry: ${model.entry.join(', ')}`, dashed: model.kind === 'service' });
  const rulesX = entryX + entryWidth + 24;
  const width = Math.max(margin * 2 + Math.max(rowWidth, 520), rulesWidth > 0 ? rulesX + rulesWidth + margin : 0);
  const rules =
    model.rules.length > 0
      ? [group(`Routing rules: ${model.rules.join('; ')}`, {}, text(rulesX, entryY + 12, 'routing rules', { class: 'heading' }), ...model.rules.map((r, i) => text(rulesX, entryY + 30 + i * 16, r)))]
      : [];
  const entryBottom = entryY + Math.max(entry.height, model.rules.length > 0 ? 20 + model.rules.length * 16 : 0);
  const backendsY = entryBottom + 56;
  const boxes = model.backends.map((b, i) => {
    const x = margin + i * (backendWidth + gap);
    return textBox({ x, y: backendsY, width: backendWidth, lines: backendLines(model, b), className: backendClass(model, b, i), label: backendLines(model, b).join('; ') });
  });
  const boxesHeight = Math.max(0, ...boxes.map((b) => b.height));
  const arrows = model.backends.map((b, i) => {
    const x = margin + i * (backendWidth + gap) + backendWidth / 2;
    const fromX = entryX + entryWidth / 2;
    const midX = (fromX + x) / 2;
    const midY = (entryY + entry.height + backendsY) / 2;
    return group(
      `${model.entry[0]} to ${b.name}: configured ${percent(b.configuredShare)}`,
      {},
      arrow(fromX, entryY + entry.height, x, backendsY - 2, { class: 'edge' }),
      rect(midX - 26, midY - 10, 52, 18, { class: 'box', rx: 9 }),
      text(midX, midY + 3, percent(b.configuredShare), { 'text-anchor': 'middle', 'font-size': 11 }),
    );
  });
  const problem =
    model.problem !== undefined
      ? [group(`No split to show: ${model.problem}`, {}, rect(margin, backendsY, Math.min(width - 2 * margin, model.problem.length * 7 + 24), 30, { class: 'bad', rx: 4 }), text(margin + 12, backendsY + 19, model.problem))]
      : [];
  let y = backendsY + Math.max(boxesHeight, problem.length > 0 ? 30 : 0) + 36;
  const bars: string[] = [];
  if (model.backends.length > 0) {
    bars.push(shareBar(model, `configured: ${model.configuredBasis}`, model.backends.map((b) => b.configuredShare), margin, y, rowWidth));
    y += barHeight + 30;
    bars.push(shareBar(model, measuredHeading(model), model.backends.map((b) => b.measuredShare), margin, y, rowWidth));
    y += barHeight;
  }
  const height = y + margin;
  return svgDocument(
    { width, height, title: `Canary: configured and measured shares through ${model.entry[0] ?? model.name}`, description: describeCanary(model) },
    title,
    entry.svg,
    ...rules,
    ...arrows,
    ...boxes.map((b) => b.svg),
    ...problem,
    ...bars,
  );
}

function canaryLinks(model: CanaryModel): ViewLink[] {
  const links: ViewLink[] = [];
  for (const s of [...model.related.services].sort(byString)) links.push({ view: 'service', params: { namespace: model.namespace, name: s } });
  for (const i of [...model.related.ingresses].sort(byString)) links.push({ view: 'ingress', params: { namespace: model.namespace, kind: 'ingress', name: i } });
  for (const r of [...model.related.httpRoutes].sort(byString)) links.push({ view: 'ingress', params: { namespace: model.namespace, kind: 'httproute', name: r } });
  for (const b of model.backends) {
    if (b.kind === 'Deployment' || b.kind === 'StatefulSet' || b.kind === 'ReplicaSet' || b.kind === 'DaemonSet') {
      links.push({ view: 'workload', params: { namespace: model.namespace, kind: b.kind, name: b.name } });
    }
    if (b.kind === 'Deployment') links.push({ view: 'rollout', params: { namespace: model.namespace, name: b.name } });
  }
  return links;
}

/** The canaries the snapshot holds: Services fed by more than one workload, Ingress canary pairs, HTTPRoutes with a weighted split. */
function canaryInstances(readers: CanaryReaders, snapshot: ClusterSnapshot): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const service of snapshot.services) {
    const model = selectServiceCanary(snapshot, nsOf(service), nameOf(service));
    if (model && model.backends.length > 1) out.push({ namespace: nsOf(service), kind: 'service', name: nameOf(service) });
  }
  if (readers.findIngressCanaries) {
    const canaries = new Set<string>();
    for (const ingress of snapshot.ingresses) {
      const model = selectIngressCanary(snapshot, readers, nsOf(ingress), nameOf(ingress));
      const canary = model?.problem === undefined ? model?.related.ingresses[1] : undefined;
      if (canary !== undefined && !canaries.has(`${nsOf(ingress)}/${canary}`)) {
        canaries.add(`${nsOf(ingress)}/${canary}`);
        out.push({ namespace: nsOf(ingress), kind: 'ingress', name: canary });
      }
    }
  }
  if (readers.findRouteCanaries) {
    for (const route of snapshot.httpRoutes) {
      const model = selectRouteCanary(snapshot, readers, nsOf(route), nameOf(route));
      if (model && model.problem === undefined) out.push({ namespace: nsOf(route), kind: 'httproute', name: nameOf(route) });
    }
  }
  const key = (p: Record<string, string>): string => `${p.namespace}/${p.kind}/${p.name}`;
  return out.sort((a, b) => byString(key(a), key(b)));
}

/**
 * The canary view: `/view/canary?namespace=…&kind=service|ingress|httproute&name=…`. The cli
 * passes `skiff canary`'s readers (src/cli/ui-views.ts); without them only the Service edition
 * draws a split.
 */
export function canaryView(readers: CanaryReaders = {}): ViewDefinition<CanaryModel> {
  return {
    name: 'canary',
    title: 'Canary',
    params: ['namespace', 'kind', 'name'],
    select: (snapshot, params) => selectCanary(readers, snapshot, params),
    render: renderCanary,
    describe: describeCanary,
    links: canaryLinks,
    instances: (snapshot) => canaryInstances(readers, snapshot),
    usesTraffic: true,
  };
}
