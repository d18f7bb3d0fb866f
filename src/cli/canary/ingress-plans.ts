import type { Ingress, IngressRule } from 'kubernetes-types/networking/v1.js';
import type { CanaryStep } from './canary-step.js';
import type { IngressCanaryPair } from './canary-pair.js';
import { backendService, canaryAnnotationNames, canaryAnnotationPrefix, formatBackend, ingressRoutes } from './ingress-canary.js';

const name = (i: Ingress): string => i.metadata?.name ?? '';

/** A merge patch of annotations: each name (without prefix) to a value, or null to remove it. */
function annotationPatch(values: Partial<Record<(typeof canaryAnnotationNames)[number], string | null>>): Record<string, unknown> {
  const annotations: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(values)) annotations[canaryAnnotationPrefix + k] = v ?? null;
  return { metadata: { annotations } };
}

const noMatchRules = { 'canary-by-header': null, 'canary-by-header-value': null, 'canary-by-header-pattern': null, 'canary-by-cookie': null } as const;

/** Checks a canary weight against canary-weight-total; returns a message when it is out of range. */
export function weightProblem(pair: IngressCanaryPair, n: number): string | undefined {
  const total = pair.rules.weightTotal;
  return Number.isInteger(n) && n >= 0 && n <= total ? undefined : `canary-weight ${n} is out of range: must be a whole number from 0 to ${total} (canary-weight-total)`;
}

/** `set-weight`: the canary Ingress's canary-weight annotation becomes `n` (check it with {@link weightProblem} first). */
export function planSetWeight(pair: IngressCanaryPair, n: number): CanaryStep[] {
  return [{ op: 'patch', kind: 'Ingress', name: name(pair.canary), patch: annotationPatch({ 'canary-weight': String(n) }), why: `canary-weight ${n} of ${pair.rules.weightTotal}` }];
}

/**
 * `abort`: the canary takes no more requests. By default its canary-weight becomes 0 and its
 * header and cookie rules are removed (the Ingress stays, for a later attempt); with
 * `deleteCanary` the canary Ingress is deleted. Either way the main Ingress, untouched, serves all.
 */
export function planAbort(pair: IngressCanaryPair, options: { deleteCanary?: boolean } = {}): CanaryStep[] {
  if (options.deleteCanary) return [{ op: 'delete', kind: 'Ingress', name: name(pair.canary), why: `every request to the main ingress ${name(pair.main)}` }];
  return [{ op: 'patch', kind: 'Ingress', name: name(pair.canary), patch: annotationPatch({ 'canary-weight': '0', ...noMatchRules }), why: 'canary-weight 0, header and cookie rules removed' }];
}

/** The rules of `ingress` with each route `pick` keeps, rewritten by `rewrite`; rules left without paths are dropped. */
function rewriteRules(
  ingress: Ingress,
  keep: (host: string, path: string) => boolean,
  rewrite: (host: string, path: string, backend: NonNullable<IngressRule['http']>['paths'][number]['backend']) => NonNullable<IngressRule['http']>['paths'][number]['backend'],
): IngressRule[] {
  const rules: IngressRule[] = [];
  for (const rule of ingress.spec?.rules ?? []) {
    if (!rule.http) {
      rules.push(rule);
      continue;
    }
    const host = rule.host ?? '';
    const paths = rule.http.paths.filter((p) => keep(host, p.path ?? '/')).map((p) => ({ ...p, backend: rewrite(host, p.path ?? '/', p.backend) }));
    if (paths.length > 0) rules.push({ ...rule, http: { ...rule.http, paths } });
  }
  return rules;
}

/** Options of {@link planPromote}. */
export interface PromoteOptions {
  /** The namespace's other Ingresses: a main Service one of them still routes to is kept. Default none. */
  otherIngresses?: Ingress[];
}

/**
 * `promote`: reaches the seed's end state — the old Ingress and its Service gone, the former
 * canary Ingress a plain Ingress routing to the new version — in an order where every request
 * always has a ready backend (the canary's Service, which the caller checks has ready endpoints):
 *
 * 1. The canary Ingress gets canary-weight = canary-weight-total and loses its header and cookie
 *    rules: every request on the shared host+paths goes to the canary's Service (the main Ingress
 *    is still there, so ingress-nginx honours the canary).
 * 2. The main Ingress's paths the canary shadows are repointed to the canary's backends: main and
 *    canary now route to the same Service, so whichever decides a request, it reaches v2.
 * 3. The canary annotations are removed from the canary Ingress. For a moment two plain Ingresses
 *    claim the same host+path; both route to v2, so the controller's tie-break does not matter.
 *    (The seed's literal order, deleting the main first, leaves a canary without a main Ingress,
 *    which ingress-nginx ignores: a 404 window.)
 * 4. The main Ingress is deleted (or, when it also routes paths the canary does not shadow, only
 *    the shadowed paths are removed from it): the former canary serves the host+paths alone.
 * 5. The main's old Services are deleted, unless an Ingress still routes to them.
 */
export function planPromote(pair: IngressCanaryPair, options: PromoteOptions = {}): CanaryStep[] {
  const shadowed = (host: string, path: string): boolean => pair.routes.some((r) => r.host === host && r.path === path);
  const canaryBackend = (host: string, path: string) => pair.routes.find((r) => r.host === host && r.path === path)!.canaryBackend;
  const steps: CanaryStep[] = [];
  const total = pair.rules.weightTotal;
  steps.push({
    op: 'patch', kind: 'Ingress', name: name(pair.canary),
    patch: annotationPatch({ 'canary-weight': String(total), ...noMatchRules }),
    why: `canary-weight ${total} of ${total}, header and cookie rules removed: every request to ${pair.routes.map((r) => formatBackend(r.canaryBackend)).join(', ')}`,
  });
  const repointed = rewriteRules(pair.main, () => true, (host, path, backend) => (shadowed(host, path) ? canaryBackend(host, path) : backend));
  steps.push({ op: 'patch', kind: 'Ingress', name: name(pair.main), patch: { spec: { rules: repointed } }, why: `shadowed paths repointed to the canary's backends` });
  const plain: Record<string, null> = {};
  for (const n of canaryAnnotationNames) plain[n] = null;
  steps.push({ op: 'patch', kind: 'Ingress', name: name(pair.canary), patch: annotationPatch(plain), why: 'canary annotations removed: now a plain Ingress' });
  const unshadowedRules = rewriteRules(pair.main, (host, path) => !shadowed(host, path), (_h, _p, backend) => backend);
  const mainKeeps = unshadowedRules.length > 0 || pair.main.spec?.defaultBackend !== undefined;
  if (mainKeeps) {
    steps.push({ op: 'patch', kind: 'Ingress', name: name(pair.main), patch: { spec: { rules: unshadowedRules } }, why: 'the paths the former canary now serves removed' });
  } else {
    steps.push({ op: 'delete', kind: 'Ingress', name: name(pair.main), why: 'the former canary serves its host and paths' });
  }
  const stillRouted = new Set<string>();
  const remaining: Ingress[] = [...(options.otherIngresses ?? []), pair.canary, ...(mainKeeps ? [{ ...pair.main, spec: { ...pair.main.spec, rules: unshadowedRules } }] : [])];
  for (const i of remaining) {
    for (const r of ingressRoutes(i)) {
      const s = backendService(r.backend);
      if (s) stillRouted.add(s);
    }
    const d = backendService(i.spec?.defaultBackend);
    if (d) stillRouted.add(d);
  }
  const oldServices = [...new Set(pair.routes.map((r) => backendService(r.mainBackend)).filter((s): s is string => s !== undefined))];
  for (const s of oldServices) {
    if (!stillRouted.has(s)) steps.push({ op: 'delete', kind: 'Service', name: s, why: 'the old version no Ingress routes to' });
  }
  return steps;
}

/**
 * `migrate --switch`, once the HTTPRoutes serve the pair's hosts and paths (the caller waited
 * for the data plane to load them): the Ingresses hand those over. The main Ingress loses the
 * migrated paths first, a change the data plane reports loading: its locations give way to the
 * routes' in one graceful reload, and the canary, left without a main, is ignored. Then the main
 * (unless it keeps other paths or a defaultBackend) and the canary are deleted, which changes
 * nothing more in the data plane.
 */
export function planSwitchToGateway(pair: IngressCanaryPair, routeNames: string[]): CanaryStep[] {
  const migrated = (host: string, path: string): boolean => pair.routes.some((r) => r.host === host && r.path === path);
  const remaining = rewriteRules(pair.main, (host, path) => !migrated(host, path), (_h, _p, backend) => backend);
  const mainKeeps = remaining.length > 0 || pair.main.spec?.defaultBackend !== undefined;
  // An Ingress needs rules or a defaultBackend: its hosts stay, without paths, until it is deleted.
  const rules = mainKeeps ? remaining : [...new Set(pair.routes.map((r) => r.host))].map((host) => (host ? { host } : {}));
  const to = routeNames.map((n) => `httproute/${n}`).join(', ');
  const steps: CanaryStep[] = [
    { op: 'patch', kind: 'Ingress', name: name(pair.main), patch: { spec: { rules } }, why: `${pair.routes.map((r) => `${r.host || '*'}${r.path}`).join(', ')} handed to ${to}` },
  ];
  if (!mainKeeps) steps.push({ op: 'delete', kind: 'Ingress', name: name(pair.main), why: `${to} serves its hosts and paths` });
  steps.push({ op: 'delete', kind: 'Ingress', name: name(pair.canary), why: `its requests are ${to}'s` });
  return steps;
}
