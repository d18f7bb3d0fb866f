import type { KubeObject } from '../../apimachinery/object.js';
import type { CanaryStep } from './canary-step.js';

/** An HTTPRoute backendRef (the fields the canary commands read). */
export interface RouteBackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  /** Default 1, as the Gateway API says. */
  weight?: number;
}

/** An HTTPRoute header match. */
export interface RouteHeaderMatch {
  type?: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}

/** An HTTPRoute match. */
export interface RouteMatch {
  path?: { type?: 'Exact' | 'PathPrefix' | 'RegularExpression'; value?: string };
  headers?: RouteHeaderMatch[];
}

/** An HTTPRoute rule (other fields are kept as they are). */
export interface RouteRule {
  matches?: RouteMatch[];
  backendRefs?: RouteBackendRef[];
  [field: string]: unknown;
}

/** An HTTPRoute's rules. */
export function httpRouteRules(route: KubeObject): RouteRule[] {
  return ((route.spec as { rules?: RouteRule[] } | undefined)?.rules ?? []);
}

/** An HTTPRoute canary: the weighted rule's first backend is the main, its second the canary. */
export interface RouteCanary {
  route: KubeObject;
  main: string;
  canary: string;
  /** The canary's weight and the two backends' sum in the weighted rule. */
  weight: number;
  total: number;
}

const isService = (ref: RouteBackendRef): boolean => (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service';

/** The canary reading of an HTTPRoute; throws when no rule splits traffic between two Services. */
export function findRouteCanary(route: KubeObject): RouteCanary {
  const weighted = httpRouteRules(route).find((r) => (r.backendRefs ?? []).filter(isService).length >= 2);
  if (!weighted) throw new Error(`httproute "${route.metadata?.name}" has no rule with two Service backendRefs (main, then canary)`);
  const [main, canary] = weighted.backendRefs!.filter(isService) as [RouteBackendRef, RouteBackendRef];
  const weight = canary.weight ?? 1;
  return { route, main: main.name, canary: canary.name, weight, total: weight + (main.weight ?? 1) };
}

const mapRefs = (rules: RouteRule[], f: (refs: RouteBackendRef[]) => RouteBackendRef[]): RouteRule[] =>
  rules.map((r) => (r.backendRefs ? { ...r, backendRefs: f(r.backendRefs) } : r));

/** In each rule that holds both backends: the main gets `total - n`, the canary `n`. */
function withWeights(c: RouteCanary, n: number): RouteRule[] {
  return mapRefs(httpRouteRules(c.route), (refs) => {
    const names = refs.map((r) => r.name);
    if (!names.includes(c.main) || !names.includes(c.canary)) return refs;
    return refs.map((r) => (r.name === c.canary ? { ...r, weight: n } : r.name === c.main ? { ...r, weight: c.total - n } : r));
  });
}

const patchRules = (c: RouteCanary, rules: RouteRule[], why: string): CanaryStep => ({ op: 'patch', kind: 'HTTPRoute', name: c.route.metadata?.name ?? '', patch: { spec: { rules } }, why });

/** Checks a canary weight against the route's total; returns a message when it is out of range. */
export function routeWeightProblem(c: RouteCanary, n: number): string | undefined {
  return Number.isInteger(n) && n >= 0 && n <= c.total ? undefined : `weight ${n} is out of range: must be a whole number from 0 to ${c.total} (the sum of the main and canary weights)`;
}

/** `set-weight` on an HTTPRoute: the canary's weight becomes `n`, the main's the rest of the total. */
export function planRouteSetWeight(c: RouteCanary, n: number): CanaryStep[] {
  return [patchRules(c, withWeights(c, n), `canary ${c.canary} weight ${n}, main ${c.main} weight ${c.total - n}`)];
}

/** `abort` on an HTTPRoute: canary weight 0 and the rules that send only to the canary (header and cookie matches) removed. */
export function planRouteAbort(c: RouteCanary): CanaryStep[] {
  const rules = withWeights(c, 0).filter((r) => !(r.backendRefs && r.backendRefs.length > 0 && r.backendRefs.every((b) => b.name === c.canary)));
  return [patchRules(c, rules, `canary ${c.canary} weight 0 and its match rules removed; every request to ${c.main}`)];
}

/**
 * `promote` on an HTTPRoute, in two steps that each leave every rule a backend: (1) the canary
 * gets the whole weight and rules that send only to the main send to the canary instead; (2) the
 * main's backendRefs are dropped.
 */
export function planRoutePromote(c: RouteCanary): CanaryStep[] {
  const canaryRef = httpRouteRules(c.route).flatMap((r) => r.backendRefs ?? []).find((b) => b.name === c.canary)!;
  const allToCanary = mapRefs(withWeights(c, c.total), (refs) => (refs.every((b) => b.name === c.main) ? [{ ...canaryRef, weight: refs[0]?.weight ?? 1 }] : refs));
  const withoutMain = mapRefs(allToCanary, (refs) => refs.filter((b) => b.name !== c.main));
  return [
    patchRules(c, allToCanary, `canary ${c.canary} weight ${c.total}, main ${c.main} weight 0; rules that sent only to ${c.main} now send to ${c.canary}`),
    patchRules(c, withoutMain, `main ${c.main} dropped from the backendRefs`),
  ];
}
