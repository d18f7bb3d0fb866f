/**
 * HTTP routing rules of Ingress (ingress-nginx's meaning) and the Gateway API, once: which
 * Ingresses the controller serves, how an Ingress path and an HTTPRoute match become a location
 * (exact, prefix by path element, regex), the canary annotations, hostname matching, and (the
 * main export) which location of a host answers a request path, {@link selectLocation}. The
 * Ingress component turns them into nginx configuration (src/ingress); `skiff trace` follows a
 * URL with them.
 */
import type { HTTPIngressPath, Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';

/** The controller name of the IngressClass Skiff's data plane serves (ingress-nginx's, so Ingresses written for it work unchanged). */
export const ingressNginxController = 'k8s.io/ingress-nginx';
/** The annotation marking an IngressClass as the default one. */
export const defaultClassAnnotation = 'ingressclass.kubernetes.io/is-default-class';
/** The prefix of ingress-nginx's annotations. */
export const nginxAnnotationPrefix = 'nginx.ingress.kubernetes.io/';

/** Whether the controller `controllerName` serves `ing`: its class (by name, by the legacy annotation, or the default class) is ours. */
export function servesIngress(ing: Ingress, classes: IngressClass[], controllerName = ingressNginxController): boolean {
  const ours = classes.filter((c) => c.spec?.controller === controllerName);
  const className = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.['kubernetes.io/ingress.class'];
  if (className !== undefined && className !== '') return ours.some((c) => c.metadata?.name === className);
  return ours.some((c) => c.metadata?.annotations?.[defaultClassAnnotation] === 'true');
}

/** How a location matches a request path: `prefix` by path element (`/a` matches `/a` and `/a/b`, not `/ab`), `regex` case-insensitive and anchored at the start. */
export type PathMatchKind = 'exact' | 'prefix' | 'regex';

/** A path a host serves, as the data plane holds it. */
export interface PathMatch {
  path: string;
  match: PathMatchKind;
}

/**
 * The location of an Ingress path: Exact is exact, Prefix by path element, and
 * ImplementationSpecific by path element too unless the Ingress asks for regexes (`use-regex`,
 * or a `rewrite-target`); an empty path is `/`.
 */
export function ingressPathMatch(ing: Ingress, path: HTTPIngressPath): PathMatch {
  const a = ing.metadata?.annotations ?? {};
  const useRegex = a[`${nginxAnnotationPrefix}use-regex`] === 'true' || !!a[`${nginxAnnotationPrefix}rewrite-target`];
  const match: PathMatchKind = path.pathType === 'Exact' ? 'exact' : path.pathType === 'Prefix' || !useRegex ? 'prefix' : 'regex';
  return { path: path.path || '/', match };
}

/** The location of an HTTPRoute match's path: Exact is exact, PathPrefix (the default, `/`) by path element. */
export function routePathMatch(path: { type?: string; value?: string } | undefined): PathMatch & { match: 'exact' | 'prefix' } {
  return { match: path?.type === 'Exact' ? 'exact' : 'prefix', path: path?.value ?? '/' };
}

/** The canary settings of an Ingress's annotations (ingress-nginx's meaning). */
export interface IngressCanarySettings {
  header?: string;
  headerValue?: string;
  headerPattern?: string;
  cookie?: string;
  /** Requests out of `weightTotal` sent to the canary (at most weightTotal). */
  weight: number;
  weightTotal: number;
}

/** The canary settings of an Ingress (none unless `canary: "true"`), and the annotations that could not be used. */
export function ingressCanarySettings(ing: Ingress): { canary?: IngressCanarySettings; problems: string[] } {
  const a = ing.metadata?.annotations ?? {};
  if (a[`${nginxAnnotationPrefix}canary`] !== 'true') return { problems: [] };
  const problems: string[] = [];
  const num = (name: string, fallback: number): number => {
    const text = a[`${nginxAnnotationPrefix}${name}`];
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) {
      problems.push(`${nginxAnnotationPrefix}${name}: not a whole number: ${JSON.stringify(text)}`);
      return fallback;
    }
    return n;
  };
  const header = a[`${nginxAnnotationPrefix}canary-by-header`];
  const cookie = a[`${nginxAnnotationPrefix}canary-by-cookie`];
  const canary: IngressCanarySettings = {
    weightTotal: Math.max(1, num('canary-weight-total', 100)),
    weight: num('canary-weight', 0),
    headerValue: a[`${nginxAnnotationPrefix}canary-by-header-value`] || undefined,
    headerPattern: a[`${nginxAnnotationPrefix}canary-by-header-pattern`] || undefined,
  };
  if (header) {
    if (/^[A-Za-z0-9-]+$/.test(header)) canary.header = header;
    else problems.push(`${nginxAnnotationPrefix}canary-by-header: not a header name: ${JSON.stringify(header)}`);
  }
  if (cookie) {
    if (/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookie)) canary.cookie = cookie;
    else problems.push(`${nginxAnnotationPrefix}canary-by-cookie: not a cookie name: ${JSON.stringify(cookie)}`);
  }
  canary.weight = Math.min(canary.weight, canary.weightTotal);
  return { canary, problems };
}

/** Whether `host` (a request hostname or wildcard) is matched by the wildcard (`*.` is one or more labels) or exact `pattern`. */
export function hostnameMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === host;
  const suffix = pattern.slice(1);
  return host.endsWith(suffix) && host.length > suffix.length;
}

/**
 * The hostnames a route serves on a listener (Gateway API's intersection): the listener's when
 * the route has none, the route's when the listener has none, else those matched by the other
 * side ('' is every hostname).
 */
export function intersectHostnames(listenerHostname: string | undefined, routeHostnames: string[] | undefined): string[] {
  const l = listenerHostname ?? '';
  const r = routeHostnames ?? [];
  if (r.length === 0) return [l];
  if (l === '') return [...new Set(r)];
  const out = new Set<string>();
  for (const h of r) {
    if (hostnameMatches(l, h)) out.add(h);
    else if (hostnameMatches(h, l)) out.add(l);
  }
  return [...out];
}

/**
 * The virtual host nginx picks for a request's host among the served hostnames: the exact name,
 * else a wildcard (`*.` allows one label, as the data plane writes it), else the catch-all ''
 * (which serves rules without a host and the default backend). Undefined when none fits.
 */
export function selectHostname(hostnames: readonly string[], host: string): string | undefined {
  const lower = host.toLowerCase();
  if (hostnames.includes(lower)) return lower;
  const wildcard = hostnames.find((h) => h.startsWith('*.') && lower.endsWith(h.slice(1)) && /^[^.]+$/.test(lower.slice(0, lower.length - (h.length - 1))));
  if (wildcard) return wildcard;
  return hostnames.includes('') ? '' : undefined;
}

/** Whether one location matches a request path (query and fragment already removed). */
export function pathMatches(location: PathMatch, requestPath: string): boolean {
  if (location.match === 'exact') return requestPath === location.path;
  if (location.match === 'regex') {
    try {
      return new RegExp(`^${location.path}`, 'i').test(requestPath);
    } catch (error) {
      // nginx refuses a configuration with a bad regex; such a location matches nothing.
      if (error instanceof SyntaxError) return false;
      throw error;
    }
  }
  const prefix = location.path.replace(/\/+$/, '');
  return prefix === '' || requestPath === prefix || requestPath.startsWith(`${prefix}/`);
}

/** The order regex locations are tried in: longest paths first, then by text (as the data plane writes them). */
export function locationOrder(a: PathMatch, b: PathMatch): number {
  return b.path.length - a.path.length || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.match.localeCompare(b.match);
}

/**
 * The location of one host that answers `requestPath`, as nginx chooses among the locations the
 * data plane writes: an exact match first (a prefix is written as an exact location for its own
 * path too), then the first matching regex (in {@link locationOrder}), then the longest matching
 * prefix. Undefined: the host answers 404.
 */
export function selectLocation<L extends PathMatch>(locations: readonly L[], requestPath: string): L | undefined {
  const exact = locations.find((l) => l.match === 'exact' && pathMatches(l, requestPath));
  if (exact) return exact;
  const prefixItself = locations.find((l) => l.match === 'prefix' && l.path.replace(/\/+$/, '') === requestPath && requestPath !== '');
  if (prefixItself) return prefixItself;
  const regex = [...locations].filter((l) => l.match === 'regex').sort(locationOrder).find((l) => pathMatches(l, requestPath));
  if (regex) return regex;
  const prefixes = locations.filter((l) => l.match === 'prefix' && pathMatches(l, requestPath));
  return prefixes.sort((a, b) => b.path.replace(/\/+$/, '').length - a.path.replace(/\/+$/, '').length)[0];
}
