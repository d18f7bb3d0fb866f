import type { IngressBackend } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import type { IngressCanaryPair, PairedRoute } from './canary-pair.js';
import type { RouteBackendRef, RouteMatch, RouteRule } from './httproute-canary.js';

/** Options of {@link migrateToGateway}. */
export interface MigrateOptions {
  /** The GatewayClass of the Gateway. Default `skiff`. */
  gatewayClassName?: string;
  /** The Gateway's name. Default the main Ingress's name. */
  gatewayName?: string;
  /** The listeners' port. Default 80. */
  port?: number;
  /** A Service port's number from its name (backendRefs need numbers). Default: none known, so a named port is an error. */
  servicePortNumber?: (service: string, portName: string) => number | undefined;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The `Cookie` header pattern that matches cookie `name` with value `value` (ingress-nginx's canary-by-cookie as a header match). */
export function cookieMatchPattern(name: string, value: string): string {
  return `(^|; )${escapeRegExp(name)}=${escapeRegExp(value)}(;|$)`;
}

function backendRef(backend: IngressBackend, weight: number | undefined, options: MigrateOptions): RouteBackendRef {
  const service = backend.service;
  if (!service) throw new Error(`backend ${backend.resource?.kind}/${backend.resource?.name} is not a Service: an HTTPRoute cannot route to it`);
  let port = service.port?.number;
  if (port === undefined && service.port?.name) {
    port = options.servicePortNumber?.(service.name, service.port.name);
    if (port === undefined) throw new Error(`service "${service.name}" has no port named "${service.port.name}"`);
  }
  return { name: service.name, ...(port !== undefined ? { port } : {}), ...(weight !== undefined ? { weight } : {}) };
}

/** Ingress pathType to an HTTPRoute path match: Exact stays, Prefix and ImplementationSpecific (read as a prefix) become PathPrefix. */
function pathMatch(route: PairedRoute): NonNullable<RouteMatch['path']> {
  return { type: route.pathType === 'Exact' ? 'Exact' : 'PathPrefix', value: route.path };
}

/** The rules of one host+path: header rules, then cookie rules (list order breaks ties, keeping ingress-nginx's precedence), then the weighted split. */
function rulesFor(pair: IngressCanaryPair, route: PairedRoute, options: MigrateOptions): RouteRule[] {
  const { rules } = pair;
  const path = pathMatch(route);
  const main = (): RouteBackendRef[] => [backendRef(route.mainBackend, undefined, options)];
  const canary = (): RouteBackendRef[] => [backendRef(route.canaryBackend, undefined, options)];
  const headerRule = (type: 'Exact' | 'RegularExpression', name: string, value: string, to: RouteBackendRef[]): RouteRule => ({
    matches: [{ path, headers: [{ type, name, value }] }],
    backendRefs: to,
  });
  const out: RouteRule[] = [];
  if (rules.header) {
    if (rules.headerValue) out.push(headerRule('Exact', rules.header, rules.headerValue, canary()));
    else if (rules.headerPattern) out.push(headerRule('RegularExpression', rules.header, rules.headerPattern, canary()));
    else out.push(headerRule('Exact', rules.header, 'always', canary()), headerRule('Exact', rules.header, 'never', main()));
  }
  if (rules.cookie) {
    out.push(
      headerRule('RegularExpression', 'Cookie', cookieMatchPattern(rules.cookie, 'always'), canary()),
      headerRule('RegularExpression', 'Cookie', cookieMatchPattern(rules.cookie, 'never'), main()),
    );
  }
  const weight = Math.min(Math.max(rules.weight, 0), rules.weightTotal);
  out.push({
    matches: [{ path }],
    backendRefs: [backendRef(route.mainBackend, rules.weightTotal - weight, options), backendRef(route.canaryBackend, weight, options)],
  });
  return out;
}

/**
 * The Gateway API objects equivalent to an ingress-nginx canary pair: a Gateway (in GatewayClass
 * `skiff`) with an HTTP listener per host, and an HTTPRoute per host whose rules split each path
 * between the main and canary Services by canary-weight / canary-weight-total, send the
 * canary-by-header requests by an Exact (value) or RegularExpression (pattern) header match, and
 * the canary-by-cookie requests by a RegularExpression match on the `Cookie` header (upstream's
 * ingress2gateway leaves cookies out). `always`/`never` keep their meaning; header rules come
 * before cookie rules so list order keeps ingress-nginx's precedence.
 */
export function migrateToGateway(pair: IngressCanaryPair, options: MigrateOptions = {}): KubeObject[] {
  const namespace = pair.main.metadata?.namespace;
  const gatewayName = options.gatewayName ?? pair.main.metadata?.name ?? 'ingress';
  const hosts = [...new Set(pair.routes.map((r) => r.host))];
  const listenerName = (i: number): string => (hosts.length === 1 ? 'http' : `http-${i}`);
  const meta = (name: string) => ({ name, ...(namespace ? { namespace } : {}) });
  const gateway: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: meta(gatewayName),
    spec: {
      gatewayClassName: options.gatewayClassName ?? 'skiff',
      listeners: hosts.map((host, i) => ({
        name: listenerName(i),
        protocol: 'HTTP',
        port: options.port ?? 80,
        ...(host ? { hostname: host } : {}),
        allowedRoutes: { namespaces: { from: 'Same' } },
      })),
    },
  };
  const routes: KubeObject[] = hosts.map((host, i) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: meta(hosts.length === 1 ? (pair.main.metadata?.name ?? gatewayName) : `${pair.main.metadata?.name}-${i}`),
    spec: {
      parentRefs: [{ name: gatewayName, sectionName: listenerName(i) }],
      ...(host ? { hostnames: [host] } : {}),
      rules: pair.routes.filter((r) => r.host === host).flatMap((r) => rulesFor(pair, r, options)),
    },
  }));
  return [gateway, ...routes];
}
