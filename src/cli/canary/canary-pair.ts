import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';
import { ingressRoutes, isCanaryIngress, readCanaryRules, type CanaryRules } from './ingress-canary.js';

/** One host+path both Ingresses route: the main's backend and the canary's. */
export interface PairedRoute {
  host: string;
  path: string;
  pathType: string;
  mainBackend: IngressBackend;
  canaryBackend: IngressBackend;
}

/** A main Ingress and the ingress-nginx canary that shadows it. */
export interface IngressCanaryPair {
  main: Ingress;
  canary: Ingress;
  rules: CanaryRules;
  /** The canary's host+path routes, each with the main's backend for it. */
  routes: PairedRoute[];
}

/** A mistake the user can fix (no such canary, no main Ingress...): the command prints it and changes nothing. */
export class CanaryLookupError extends Error {}

const sameRoute = (a: { host: string; path: string }, b: { host: string; path: string }): boolean => a.host === b.host && a.path === b.path;

/**
 * Finds the canary pair `name` belongs to among a namespace's Ingresses, as ingress-nginx pairs
 * them: a canary (`canary: "true"`) shadows the non-canary Ingress with the same host and path.
 * `name` may be either of the two. Throws {@link CanaryLookupError} when there is no pair, when a
 * canary path has no main Ingress (ingress-nginx ignores such a canary), or when the canary's
 * paths belong to more than one main Ingress.
 */
export function findCanaryPair(ingresses: Ingress[], name: string): IngressCanaryPair {
  const named = ingresses.find((i) => i.metadata?.name === name);
  if (!named) throw new CanaryLookupError(`ingresses.networking.k8s.io "${name}" not found`);
  const mains = ingresses.filter((i) => !isCanaryIngress(i));
  let canary: Ingress;
  if (isCanaryIngress(named)) {
    canary = named;
  } else {
    const namedRoutes = ingressRoutes(named);
    const candidates = ingresses.filter((i) => isCanaryIngress(i) && ingressRoutes(i).some((r) => namedRoutes.some((m) => sameRoute(r, m))));
    if (candidates.length === 0) throw new CanaryLookupError(`ingress "${name}" has no canary: no Ingress with annotation nginx.ingress.kubernetes.io/canary: "true" routes its hosts and paths`);
    if (candidates.length > 1) throw new CanaryLookupError(`ingress "${name}" has more than one canary (${candidates.map((c) => c.metadata?.name).join(', ')}); name the canary Ingress`);
    canary = candidates[0]!;
  }
  const routes: PairedRoute[] = [];
  let main: Ingress | undefined;
  for (const r of ingressRoutes(canary)) {
    const owner = mains.find((m) => ingressRoutes(m).some((mr) => sameRoute(mr, r)));
    if (!owner) throw new CanaryLookupError(`canary ingress "${canary.metadata?.name}" has no main Ingress for host "${r.host}" path "${r.path}" (ingress-nginx ignores it)`);
    if (main && owner.metadata?.name !== main.metadata?.name) {
      throw new CanaryLookupError(`canary ingress "${canary.metadata?.name}" shadows two main Ingresses (${main.metadata?.name}, ${owner.metadata?.name}); split it first`);
    }
    main = owner;
    const mainRoute = ingressRoutes(owner).find((mr) => sameRoute(mr, r))!;
    routes.push({ host: r.host, path: r.path, pathType: mainRoute.pathType, mainBackend: mainRoute.backend, canaryBackend: r.backend });
  }
  if (!main) throw new CanaryLookupError(`canary ingress "${canary.metadata?.name}" has no paths`);
  return { main, canary, rules: readCanaryRules(canary), routes };
}
