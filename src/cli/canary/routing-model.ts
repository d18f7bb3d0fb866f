import type { Ingress } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { backendService, ingressRoutes, isCanaryIngress, readCanaryRules, type IngressRoute } from './ingress-canary.js';
import type { NamespaceState } from './canary-step.js';
import { httpRouteRules, type RouteBackendRef, type RouteMatch, type RouteRule } from './httproute-canary.js';

/** One request, as the routing decision sees it. */
export interface ModelRequest {
  host: string;
  path: string;
  /** Request headers by lower-case name. */
  headers: Record<string, string>;
  /** The `Cookie` header's cookies by name. */
  cookies: Record<string, string>;
  /** The random draw of weighted routing, in [0, 1). */
  roll: number;
}

/** Where a request goes: every Service it may reach (more than one when two objects claim it and the controller's tie-break decides), none for a 404/500. */
export interface RoutingDecision {
  backends: string[];
  /** What decided, for failure messages. */
  reason: string;
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '') return true;
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1);
    return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes('.') && host.length > suffix.length;
  }
  return pattern === host;
}

/** Lexicographic order of two ranks: positive when `a` is more specific. */
function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

const hostRank = (pattern: string): number => (pattern === '' ? 0 : pattern.startsWith('*.') ? 1 : 2);

/** Prefix match by path element, as the Ingress spec's Prefix and Gateway API's PathPrefix say. */
function prefixMatches(prefix: string, path: string): boolean {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' || path === trimmed || path.startsWith(`${trimmed}/`);
}

function ingressPathMatches(route: IngressRoute, path: string): boolean {
  return route.pathType === 'Exact' ? route.path === path : prefixMatches(route.path, path);
}

/** ingress-nginx's canary decision: header, then cookie, then weight. */
function toCanary(canary: Ingress, request: ModelRequest): boolean {
  const rules = readCanaryRules(canary);
  if (rules.header) {
    const value = request.headers[rules.header.toLowerCase()];
    if (value !== undefined) {
      if (rules.headerValue) {
        if (value === rules.headerValue) return true;
      } else if (rules.headerPattern) {
        if (new RegExp(rules.headerPattern).test(value)) return true;
      } else if (value === 'always') {
        return true;
      } else if (value === 'never') {
        return false;
      }
    }
  }
  if (rules.cookie) {
    const value = request.cookies[rules.cookie];
    if (value === 'always') return true;
    if (value === 'never') return false;
  }
  return request.roll * rules.weightTotal < rules.weight;
}

/**
 * The routing decision of an ingress-nginx-style controller for one request: the most specific
 * host, then the longest matching path (Exact before Prefix) among non-canary Ingresses; a
 * canary with the same host and path then takes the request by header, cookie or weight. A
 * canary without a main Ingress is ignored. Two non-canary Ingresses claiming the same host and
 * path both count as possible (the controller's tie-break is not modelled).
 */
export function routeIngressRequest(ingresses: Ingress[], request: ModelRequest): RoutingDecision {
  type Candidate = { ingress: Ingress; route: IngressRoute };
  const candidates: Candidate[] = [];
  for (const ingress of ingresses) {
    if (isCanaryIngress(ingress)) continue;
    for (const route of ingressRoutes(ingress)) {
      if (hostMatches(route.host, request.host) && ingressPathMatches(route, request.path)) candidates.push({ ingress, route });
    }
  }
  if (candidates.length === 0) return { backends: [], reason: 'no Ingress matches (404)' };
  const score = (c: Candidate): number[] => [hostRank(c.route.host), c.route.pathType === 'Exact' ? 1 : 0, c.route.path.length];
  let best: Candidate[] = [];
  for (const c of candidates) {
    const order = best.length === 0 ? 1 : compareRank(score(c), score(best[0]!));
    if (order > 0) best = [c];
    else if (order === 0) best.push(c);
  }
  const backends = new Set<string>();
  const reasons: string[] = [];
  for (const main of best) {
    const canaries = ingresses.filter((i) => isCanaryIngress(i) && ingressRoutes(i).some((r) => r.host === main.route.host && r.path === main.route.path));
    const canary = canaries.find((c) => toCanary(c, request));
    const chosen = canary ? ingressRoutes(canary).find((r) => r.host === main.route.host && r.path === main.route.path)!.backend : main.route.backend;
    const service = backendService(chosen);
    if (service) backends.add(service);
    reasons.push(canary ? `canary ingress ${canary.metadata?.name}` : `ingress ${main.ingress.metadata?.name}`);
  }
  return { backends: [...backends], reason: reasons.join(' or ') };
}

function ruleMatches(rule: RouteRule, request: ModelRequest): { matched: boolean; rank: number[] } {
  const matches: RouteMatch[] = rule.matches && rule.matches.length > 0 ? rule.matches : [{ path: { type: 'PathPrefix', value: '/' } }];
  let bestRank: number[] | undefined;
  for (const m of matches) {
    const pathType = m.path?.type ?? 'PathPrefix';
    const pathValue = m.path?.value ?? '/';
    const pathOK = pathType === 'Exact' ? request.path === pathValue : prefixMatches(pathValue, request.path);
    const headersOK = (m.headers ?? []).every((h) => {
      const value = h.name.toLowerCase() === 'cookie' ? Object.entries(request.cookies).map(([k, v]) => `${k}=${v}`).join('; ') : request.headers[h.name.toLowerCase()];
      if (value === undefined || (h.name.toLowerCase() === 'cookie' && value === '')) return false;
      return h.type === 'RegularExpression' ? new RegExp(h.value).test(value) : value === h.value;
    });
    if (!pathOK || !headersOK) continue;
    const rank = [pathType === 'Exact' ? 1 : 0, pathValue.length, (m.headers ?? []).length];
    if (!bestRank || compareRank(rank, bestRank) > 0) bestRank = rank;
  }
  return bestRank ? { matched: true, rank: bestRank } : { matched: false, rank: [] };
}

function weightedChoice(refs: RouteBackendRef[], roll: number): string | undefined {
  const weighted = refs.filter((r) => (r.weight ?? 1) > 0);
  const total = weighted.reduce((s, r) => s + (r.weight ?? 1), 0);
  if (total === 0) return undefined;
  let acc = 0;
  for (const r of weighted) {
    acc += r.weight ?? 1;
    if (roll * total < acc) return r.name;
  }
  return weighted[weighted.length - 1]!.name;
}

/**
 * The Gateway API routing decision for one request over a namespace's HTTPRoutes: routes whose
 * hostnames match, then the rule with the most specific match (Exact path, longest prefix, most
 * header matches, first in list order), then a backend drawn by weight (weight 0 sends nothing;
 * all weights 0 is a 500).
 */
export function routeGatewayRequest(httpRoutes: KubeObject[], request: ModelRequest): RoutingDecision {
  let best: { rule: RouteRule; rank: number[]; route: string } | undefined;
  for (const route of httpRoutes) {
    const hostnames = ((route.spec as { hostnames?: string[] } | undefined)?.hostnames ?? ['']);
    if (!hostnames.some((h) => hostMatches(h, request.host))) continue;
    for (const rule of httpRouteRules(route)) {
      const m = ruleMatches(rule, request);
      if (!m.matched) continue;
      if (!best || compareRank(m.rank, best.rank) > 0) best = { rule, rank: m.rank, route: route.metadata?.name ?? '' };
    }
  }
  if (!best) return { backends: [], reason: 'no HTTPRoute rule matches (404)' };
  const chosen = weightedChoice(best.rule.backendRefs ?? [], request.roll);
  return { backends: chosen ? [chosen] : [], reason: chosen ? `httproute ${best.route}` : `httproute ${best.route}: no backend with weight (500)` };
}

/** Whether every backend a request may reach is a ready Service (and there is one). */
export function hasReadyBackend(state: NamespaceState, decision: RoutingDecision): boolean {
  return decision.backends.length > 0 && decision.backends.every((b) => state.readyServices.includes(b));
}
