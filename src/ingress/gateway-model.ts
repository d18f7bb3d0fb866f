import type { Namespace, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Condition as MetaCondition } from 'kubernetes-types/meta/v1.js';
import { hostnameMatches, intersectHostnames } from '../apimachinery/ingress-rules.js';
import { labelSelectorFromObject, matchesLabels } from '../apimachinery/selectors/labels.js';
import type { CertificateFile } from './certificates.js';
import { grpcRouteNotServed, referenceGranted, resolveListeners, type ListenerInfo, type Verdict } from './gateway-listeners.js';
import { translateRule, type RefProblem, type RouteMatch, type TranslatedRule } from './gateway-rules.js';
import { gatewayGroup, type BackendObjectReference, type Gateway, type GatewayClass, type GRPCRoute, type HTTPRoute, type ListenerStatus, type ParentReference, type ReferenceGrant, type RouteParentStatus } from './gateway-types.js';
import type { BackendTarget, DataPlane, Location, RouteRule, VirtualHost } from './model.js';

export { intersectHostnames } from '../apimachinery/ingress-rules.js';

/** The controllerName of the GatewayClass `skiff`, whose Gateways this data plane serves. */
export const skiffGatewayController = 'skiff.dev/gateway-controller';

/** What the Gateway API translation reads: the informers' caches. */
export interface GatewayState {
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  httpRoutes: HTTPRoute[];
  /** Not served (see {@link grpcRouteNotServed}): they get a status saying so. */
  grpcRoutes: GRPCRoute[];
  referenceGrants: ReferenceGrant[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  /** For allowedRoutes namespace selectors. */
  namespaces: Namespace[];
  /** kubernetes.io/tls Secrets, for HTTPS listeners. */
  secrets: Secret[];
}

/** Options of {@link buildGatewayDataPlane}. */
export interface GatewayTranslationOptions {
  /** Default {@link skiffGatewayController}. */
  controllerName?: string;
  /** The port nginx serves HTTP on: HTTP listeners on another port are not accepted. */
  httpPort: number;
  /** The port nginx serves HTTPS on: HTTPS listeners on another port are not accepted. */
  httpsPort: number;
  /** The directory certificate files are named in. */
  certificateDir: string;
  /** The addresses the Gateways are reachable on (status.addresses, type IPAddress). */
  addresses: string[];
  /** The time written as lastTransitionTime of conditions whose status changes (RFC 3339). */
  now: string;
  /** HTTPRoutes (`namespace/name`) whose configuration nginx rejected, with why: not served, and not Accepted. Default none. */
  rejectedRoutes?: ReadonlyMap<string, string>;
}

/** The status an object should have; `status` replaces the object's whole status. */
export interface StatusUpdate<S> {
  namespace: string;
  name: string;
  status: S;
}

/** The outcome of {@link buildGatewayDataPlane}. */
export interface GatewayDataPlane {
  plane: DataPlane;
  /** The certificates of the HTTPS listeners served. */
  certificates: CertificateFile[];
  gatewayClasses: StatusUpdate<NonNullable<GatewayClass['status']>>[];
  gateways: StatusUpdate<NonNullable<Gateway['status']>>[];
  httpRoutes: StatusUpdate<NonNullable<HTTPRoute['status']>>[];
  grpcRoutes: StatusUpdate<NonNullable<GRPCRoute['status']>>[];
}

type Meta = { metadata?: { namespace?: string; name?: string; generation?: number; creationTimestamp?: string } };
const keyOf = (o: Meta): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** A condition keeping the previous lastTransitionTime while its status stays the same. */
function condition(previous: MetaCondition[] | undefined, obj: Meta, now: string, type: string, ok: boolean, reason: string, message: string): MetaCondition {
  const status = ok ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  return { type, status, reason, message, observedGeneration: obj.metadata?.generation ?? 0, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now };
}

/** Whether `host` (a hostname or a `*.` wildcard) is within `pattern` ('' holds every host). */
function hostWithin(pattern: string, host: string): boolean {
  return pattern === '' || hostnameMatches(pattern, host);
}

/** How specific a listener hostname is: exact names first, then longer wildcards, then ''. */
function specificity(hostname: string): number {
  if (hostname === '') return 0;
  return hostname.startsWith('*.') ? hostname.length : 1000 + hostname.length;
}

/** One match of a rule served on a virtual host. */
interface Entry {
  match: RouteMatch;
  rule: RouteRule;
  route: HTTPRoute;
  ruleIndex: number;
  matchIndex: number;
}

/** A path prefix without its trailing slashes ('' for '/'). */
const trimSlash = (path: string): string => path.replace(/\/+$/, '');

/** Whether prefix `prefix` (trimmed) matches `path` by path element. */
const prefixHolds = (prefix: string, path: string): boolean => prefix === '' || path === prefix || path.startsWith(`${prefix}/`);

/** The Gateway API's precedence between matches: path, method, headers, query parameters, then the oldest route, its name, rule and match order. */
function comparePrecedence(a: Entry, b: Entry): number {
  for (let i = 0; i < a.match.precedence.length; i++) {
    const d = (a.match.precedence[i] ?? 0) - (b.match.precedence[i] ?? 0);
    if (d !== 0) return d;
  }
  return (
    (a.route.metadata?.creationTimestamp ?? '').localeCompare(b.route.metadata?.creationTimestamp ?? '') ||
    keyOf(a.route).localeCompare(keyOf(b.route)) ||
    a.ruleIndex - b.ruleIndex ||
    a.matchIndex - b.matchIndex
  );
}

/**
 * The locations of a virtual host: one per Exact path and per PathPrefix, each with every
 * match that can take its requests (its own, shorter prefixes, regular expressions) in the
 * Gateway API's order, so a request no match of a longer path takes falls through to the next.
 */
function locationsOf(entries: Entry[]): Location[] {
  const exact = new Set(entries.filter((e) => e.match.path.kind === 'exact').map((e) => e.match.path.value));
  const prefixes = new Set(entries.filter((e) => e.match.path.kind === 'prefix').map((e) => trimSlash(e.match.path.value)));
  if (entries.some((e) => e.match.path.kind === 'regex')) prefixes.add('');
  const location = (match: 'exact' | 'prefix', path: string, takes: (e: Entry) => boolean): Location => {
    const rules = entries.filter(takes).sort(comparePrecedence).map((e) => ({ ...e.rule, when: e.match.when }));
    return { path, match, rules, source: rules[0]?.source ?? '' };
  };
  const out: Location[] = [];
  for (const path of [...exact].sort()) {
    out.push(location('exact', path, (e) => (e.match.path.kind === 'exact' && e.match.path.value === path) || e.match.path.kind === 'regex' || (e.match.path.kind === 'prefix' && prefixHolds(trimSlash(e.match.path.value), path))));
  }
  for (const prefix of [...prefixes].sort()) {
    out.push(location('prefix', prefix === '' ? '/' : prefix, (e) => e.match.path.kind === 'regex' || (e.match.path.kind === 'prefix' && prefixHolds(trimSlash(e.match.path.value), prefix))));
  }
  return out;
}

/**
 * Translates the Gateways of this controller's GatewayClasses and the HTTPRoutes attached to
 * them into the neutral {@link DataPlane}, and computes the status each GatewayClass, Gateway
 * and HTTPRoute (for the parents this controller serves) should have. Listeners: HTTP and
 * HTTPS (terminated with the certificate of a Secret) on the data plane's ports; a request
 * goes to the most specific listener hostname that matches it (listener isolation), so a
 * route serves only the hostnames its listener owns. Routes attach to listeners that allow
 * their namespace and share a hostname; their rules (see translateRule) are ordered by the
 * Gateway API's precedence. Backends are Services' ClusterIPs; a backendRef that cannot be
 * used (missing Service or port, another kind, another namespace without a ReferenceGrant) has
 * its share answered 500, a Service without ready endpoints 503. Rules this controller cannot
 * serve are dropped (PartiallyInvalid), a route with none left is not Accepted. GRPCRoutes
 * are not served (no listener lists GRPCRoute in supportedKinds): each parent of theirs gets
 * Accepted False NotAllowedByListeners (NoMatchingParent without a matching listener). Pure.
 */
export function buildGatewayDataPlane(state: GatewayState, options: GatewayTranslationOptions): GatewayDataPlane {
  const controllerName = options.controllerName ?? skiffGatewayController;
  const { now } = options;
  const classes = state.gatewayClasses.filter((c) => c.spec?.controllerName === controllerName);
  const classNames = new Set(classes.map((c) => c.metadata?.name ?? ''));
  const gateways = state.gateways.filter((g) => classNames.has(g.spec?.gatewayClassName ?? ''));
  const gatewaysByKey = new Map(gateways.map((g) => [keyOf(g), g]));
  const services = new Map(state.services.map((s) => [keyOf(s), s]));
  const namespaces = new Map(state.namespaces.map((n) => [n.metadata?.name ?? '', n]));
  const readyServices = new Set<string>();
  for (const slice of state.endpointSlices) {
    const owner = slice.metadata?.labels?.['kubernetes.io/service-name'];
    if (owner && (slice.endpoints ?? []).some((e) => e.conditions?.ready !== false)) readyServices.add(`${slice.metadata?.namespace ?? ''}/${owner}`);
  }

  const listenerContext = { secrets: new Map(state.secrets.map((s) => [keyOf(s), s])), referenceGrants: state.referenceGrants, httpPort: options.httpPort, httpsPort: options.httpsPort, certificateDir: options.certificateDir };
  const listeners = new Map(gateways.map((gw) => [keyOf(gw), resolveListeners(gw, listenerContext)]));

  // The hostnames the programmed listeners of each scheme claim: a request belongs to the most specific one.
  const claims = new Map<string, string[]>();
  for (const infos of listeners.values()) for (const i of infos) if (i.programmed && i.scheme) claims.set(i.scheme, [...(claims.get(i.scheme) ?? []), i.listener.hostname ?? '']);
  const owner = (scheme: string, host: string): string | undefined =>
    (claims.get(scheme) ?? []).filter((c) => hostWithin(c, host)).sort((a, b) => specificity(b) - specificity(a))[0];

  /**
   * The skiff Gateway a route's parentRef names, this controller's previous conditions for it, and
   * the listeners it selects (by sectionName and port); undefined when it names no skiff Gateway.
   */
  const parentOf = (parentRef: ParentReference, routeNamespace: string, previous: RouteParentStatus[]) => {
    if ((parentRef.group ?? gatewayGroup) !== gatewayGroup || (parentRef.kind ?? 'Gateway') !== 'Gateway') return undefined;
    const gw = gatewaysByKey.get(`${parentRef.namespace ?? routeNamespace}/${parentRef.name}`);
    if (!gw) return undefined;
    const before = previous.find((p) => sameParent(p.parentRef, parentRef, routeNamespace) && p.controllerName === controllerName)?.conditions;
    const infos = (listeners.get(keyOf(gw)) ?? []).filter((i) => (parentRef.sectionName === undefined || i.listener.name === parentRef.sectionName) && (parentRef.port === undefined || i.listener.port === parentRef.port));
    const noMatchingParent: Verdict = { ok: false, reason: 'NoMatchingParent', message: `Gateway ${keyOf(gw)} has no listener${parentRef.sectionName ? ` named ${parentRef.sectionName}` : ''}${parentRef.port ? ` on port ${parentRef.port}` : ''}` };
    return { gw, before, infos, noMatchingParent };
  };

  // Virtual hosts by scheme and hostname; every programmed listener has its own, so requests for its hostname stay with its routes.
  const vhosts = new Map<string, { host: VirtualHost; entries: Entry[] }>();
  const certificates = new Map<string, CertificateFile>();
  const vhostOf = (info: ListenerInfo, hostname: string): { host: VirtualHost; entries: Entry[] } => {
    const key = `${info.scheme} ${hostname}`;
    let v = vhosts.get(key);
    if (!v) {
      const host: VirtualHost = { hostname, wildcard: 'labels', http: info.scheme === 'http', locations: [] };
      if (info.scheme === 'https' && info.certificate) {
        host.tls = { file: info.certificate.file, source: `gateway:${keyOf(info.gateway)}` };
        certificates.set(info.certificate.file, info.certificate);
      }
      vhosts.set(key, (v = { host, entries: [] }));
    }
    return v;
  };
  for (const infos of listeners.values()) for (const i of infos) if (i.programmed) vhostOf(i, i.listener.hostname ?? '');

  const allowsNamespace = (gw: Gateway, info: ListenerInfo, namespace: string): boolean => {
    const from = info.listener.allowedRoutes?.namespaces?.from ?? 'Same';
    if (from === 'All') return true;
    if (from === 'Same') return namespace === (gw.metadata?.namespace ?? '');
    const selector = info.listener.allowedRoutes?.namespaces?.selector;
    return selector !== undefined && matchesLabels(labelSelectorFromObject(selector), namespaces.get(namespace)?.metadata?.labels ?? {});
  };

  const backendOf = (routeNamespace: string, ref: BackendObjectReference, routeKind: 'HTTPRoute' | 'GRPCRoute' = 'HTTPRoute'): { target: BackendTarget; problem?: RefProblem } => {
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Service';
    const invalid = (reason: RefProblem['reason'], message: string) => ({ target: { kind: 'status', code: 500 } as BackendTarget, problem: { reason, message } });
    if ((group !== '' && group !== 'core') || kind !== 'Service') return invalid('InvalidKind', `backendRef ${ref.name}: kind ${group ? `${group}/` : ''}${kind} is not supported: only Service`);
    const namespace = ref.namespace ?? routeNamespace;
    if (namespace !== routeNamespace && !referenceGranted(state.referenceGrants, routeKind, routeNamespace, 'Service', namespace, ref.name)) {
      return invalid('RefNotPermitted', `backendRef to Service ${namespace}/${ref.name} is not permitted by any ReferenceGrant in namespace ${namespace}`);
    }
    const svc = services.get(`${namespace}/${ref.name}`);
    if (!svc) return invalid('BackendNotFound', `Service ${namespace}/${ref.name} not found`);
    const port = svc.spec?.ports?.find((p) => p.port === ref.port);
    if (ref.port === undefined || !port) return invalid('BackendNotFound', `Service ${namespace}/${ref.name} has no port ${ref.port ?? '(none given)'}`);
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None' || !readyServices.has(`${namespace}/${ref.name}`)) return { target: { kind: 'status', code: 503 } };
    return { target: { kind: 'upstream', name: `${namespace}-${ref.name}-${port.port}`, address: ip, port: port.port } };
  };

  const routeStatuses: StatusUpdate<NonNullable<HTTPRoute['status']>>[] = [];
  const sortedRoutes = [...state.httpRoutes].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || keyOf(a).localeCompare(keyOf(b)));

  for (const route of sortedRoutes) {
    const routeNamespace = route.metadata?.namespace ?? '';
    const routeKey = keyOf(route);
    const previous = route.status?.parents ?? [];
    const ours: RouteParentStatus[] = [];
    const translated: TranslatedRule[] = (route.spec?.rules ?? []).map((rule, i) => translateRule(rule, i, { resolve: (ref) => backendOf(routeNamespace, ref) }));
    const problems = translated.flatMap((t) => t.refProblems);
    const rejected = options.rejectedRoutes?.get(routeKey);
    const dropped = translated.filter((t) => t.unsupported.length > 0);
    const servable = rejected !== undefined ? [] : translated.filter((t) => t.unsupported.length === 0);
    const droppedMessage = dropped.map((t) => t.unsupported.join('; ')).join('; ');
    const servedHosts = new Set<string>();

    for (const parentRef of route.spec?.parentRefs ?? []) {
      const parent = parentOf(parentRef, routeNamespace, previous);
      if (!parent) continue;
      const { gw, before, infos } = parent;
      const servesKind = infos.filter((i) => i.supportedKinds.some((k) => k.kind === 'HTTPRoute'));
      const allowed = servesKind.filter((i) => allowsNamespace(gw, i, routeNamespace));
      const attached = allowed.map((info) => ({ info, hosts: intersectHostnames(info.listener.hostname, route.spec?.hostnames) })).filter((m) => m.hosts.length > 0);
      // Attachment counts whatever the listener's or the route's state (as the spec says for attachedRoutes).
      for (const m of attached) m.info.attached++;
      let accepted: Verdict;
      if (infos.length === 0) accepted = parent.noMatchingParent;
      else if (servesKind.length === 0) accepted = { ok: false, reason: 'NotAllowedByListeners', message: `no listener of Gateway ${keyOf(gw)} allows the kind HTTPRoute (allowedRoutes.kinds)` };
      else if (allowed.length === 0) accepted = { ok: false, reason: 'NotAllowedByListeners', message: `no listener of Gateway ${keyOf(gw)} allows HTTPRoutes from namespace ${routeNamespace}` };
      else if (attached.length === 0) accepted = { ok: false, reason: 'NoMatchingListenerHostname', message: `no hostname of the route matches a listener of Gateway ${keyOf(gw)}` };
      else if (rejected !== undefined) accepted = { ok: false, reason: 'UnsupportedValue', message: `nginx rejected the configuration made from this route, which is not served: ${rejected}` };
      else if (servable.length === 0 && dropped.length > 0) accepted = { ok: false, reason: 'UnsupportedValue', message: droppedMessage };
      else accepted = { ok: true, reason: 'Accepted', message: 'Route accepted' };

      if (accepted.ok) {
        for (const { info, hosts } of attached) {
          if (!info.programmed || !info.scheme) continue;
          const listenerHost = info.listener.hostname ?? '';
          for (const h of hosts) {
            if (owner(info.scheme, h) !== listenerHost) continue;
            const served = `${info.scheme} ${h}`;
            if (servedHosts.has(served)) continue;
            servedHosts.add(served);
            const v = vhostOf(info, h);
            for (const t of servable) {
              const rule: RouteRule = { when: [], ...t.servedOn({ scheme: info.scheme, port: info.listener.port }), source: `httproute:${routeKey}` };
              if (rule.backends.length === 0 && !rule.filters?.redirect) rule.backends = [{ target: { kind: 'status', code: 500 }, weight: 1 }];
              t.matches.forEach((match, matchIndex) => v.entries.push({ match, rule, route, ruleIndex: t.index, matchIndex }));
            }
          }
        }
      }
      const conditions = [
        condition(before, route, now, 'Accepted', accepted.ok, accepted.reason, accepted.message),
        condition(before, route, now, 'ResolvedRefs', problems.length === 0, problems[0]?.reason ?? 'ResolvedRefs', problems.length > 0 ? problems.map((p) => p.message).join('; ') : 'All references resolved'),
      ];
      if (accepted.ok && dropped.length > 0) conditions.push(condition(before, route, now, 'PartiallyInvalid', true, 'UnsupportedValue', `Dropped Rule(s) ${droppedMessage}`));
      ours.push({ parentRef: { group: gatewayGroup, kind: 'Gateway', ...parentRef }, controllerName, conditions });
    }
    if (ours.length === 0) continue;
    const others = previous.filter((p) => p.controllerName !== controllerName);
    routeStatuses.push({ namespace: routeNamespace, name: route.metadata?.name ?? '', status: { parents: [...others, ...ours] } });
  }

  // GRPCRoutes are not served: each parent of this controller says why, and whether its backends resolve.
  const grpcStatuses: StatusUpdate<NonNullable<GRPCRoute['status']>>[] = [];
  for (const route of state.grpcRoutes) {
    const routeNamespace = route.metadata?.namespace ?? '';
    const previous = route.status?.parents ?? [];
    const problems = (route.spec?.rules ?? []).flatMap((rule) => (rule.backendRefs ?? []).flatMap((ref) => backendOf(routeNamespace, ref, 'GRPCRoute').problem ?? []));
    const ours: RouteParentStatus[] = [];
    for (const parentRef of route.spec?.parentRefs ?? []) {
      const parent = parentOf(parentRef, routeNamespace, previous);
      if (!parent) continue;
      const { gw, before, infos } = parent;
      const accepted: Verdict =
        infos.length === 0
          ? parent.noMatchingParent
          : { ok: false, reason: 'NotAllowedByListeners', message: `no listener of Gateway ${keyOf(gw)} allows the kind GRPCRoute: ${grpcRouteNotServed}` };
      const conditions = [
        condition(before, route, now, 'Accepted', accepted.ok, accepted.reason, accepted.message),
        condition(before, route, now, 'ResolvedRefs', problems.length === 0, problems[0]?.reason ?? 'ResolvedRefs', problems.length > 0 ? problems.map((p) => p.message).join('; ') : 'All references resolved'),
      ];
      ours.push({ parentRef: { group: gatewayGroup, kind: 'Gateway', ...parentRef }, controllerName, conditions });
    }
    if (ours.length === 0) continue;
    const others = previous.filter((p) => p.controllerName !== controllerName);
    grpcStatuses.push({ namespace: routeNamespace, name: route.metadata?.name ?? '', status: { parents: [...others, ...ours] } });
  }

  const virtualHosts = [...vhosts.values()].map(({ host, entries }) => ({ ...host, locations: locationsOf(entries) }));

  const gatewayStatuses = gateways.map((gw) => {
    const before = gw.status;
    const infos = listeners.get(keyOf(gw)) ?? [];
    const listenerStatuses: ListenerStatus[] = infos.map((i) => {
      const prev = before?.listeners?.find((l) => l.name === i.listener.name)?.conditions;
      const notProgrammed = !i.accepted.ok ? i.accepted.message : i.conflict ? i.conflict.message : i.refs.message;
      return {
        name: i.listener.name,
        supportedKinds: i.supportedKinds,
        attachedRoutes: i.attached,
        conditions: [
          condition(prev, gw, now, 'Accepted', i.accepted.ok, i.accepted.reason, i.accepted.message),
          condition(prev, gw, now, 'Conflicted', i.conflict !== undefined, i.conflict?.reason ?? 'NoConflicts', i.conflict?.message ?? 'No conflicts'),
          condition(prev, gw, now, 'Programmed', i.programmed, i.programmed ? 'Programmed' : 'Invalid', i.programmed ? 'Listener programmed' : notProgrammed),
          condition(prev, gw, now, 'ResolvedRefs', i.refs.ok, i.refs.reason, i.refs.message),
        ],
      };
    });
    const anyValid = infos.length === 0 || infos.some((i) => i.accepted.ok);
    const programmed = infos.some((i) => i.programmed);
    return {
      namespace: gw.metadata?.namespace ?? '',
      name: gw.metadata?.name ?? '',
      status: {
        addresses: options.addresses.map((value) => ({ type: 'IPAddress', value })),
        conditions: [
          condition(before?.conditions, gw, now, 'Accepted', anyValid, anyValid ? 'Accepted' : 'ListenersNotValid', anyValid ? 'Gateway accepted' : 'no listener is valid'),
          condition(before?.conditions, gw, now, 'Programmed', programmed, programmed ? 'Programmed' : 'Invalid', programmed ? 'Gateway programmed in nginx' : 'no listener is programmed'),
        ],
        listeners: listenerStatuses,
      },
    };
  });

  const classStatuses = classes.map((c) => ({
    namespace: '',
    name: c.metadata?.name ?? '',
    status: { conditions: [condition(c.status?.conditions, c, now, 'Accepted', true, 'Accepted', `handled by ${controllerName}`)] },
  }));

  return { plane: { virtualHosts }, certificates: [...certificates.values()], gatewayClasses: classStatuses, gateways: gatewayStatuses, httpRoutes: routeStatuses, grpcRoutes: grpcStatuses };
}

function sameParent(a: ParentReference, b: ParentReference, routeNamespace: string): boolean {
  return (
    (a.group ?? gatewayGroup) === (b.group ?? gatewayGroup) &&
    (a.kind ?? 'Gateway') === (b.kind ?? 'Gateway') &&
    (a.namespace ?? routeNamespace) === (b.namespace ?? routeNamespace) &&
    a.name === b.name &&
    a.sectionName === b.sectionName &&
    a.port === b.port
  );
}

/**
 * One data plane serving both `ingress` and `gateway`. Hosts of the same hostname served on
 * the same ports are joined (where both have a location of the same path and match, the
 * Ingress's stays); where the ports differ, a port both serve keeps the Ingress's host and the
 * Gateway's host keeps the others.
 */
export function mergeDataPlanes(ingress: DataPlane, gateway: DataPlane): DataPlane {
  const hosts = new Map<string, VirtualHost>(ingress.virtualHosts.map((h) => [h.hostname, { ...h, locations: [...h.locations] }]));
  const added: VirtualHost[] = [];
  for (const g of gateway.virtualHosts) {
    const i = hosts.get(g.hostname);
    if (!i) {
      added.push(g);
      continue;
    }
    const gHttp = g.http !== false;
    const iHttp = i.http !== false;
    if (gHttp === iHttp && (g.tls !== undefined) === (i.tls !== undefined)) {
      for (const loc of g.locations) if (!i.locations.some((l) => l.path === loc.path && l.match === loc.match)) i.locations.push(loc);
      continue;
    }
    const rest: VirtualHost = { ...g, http: gHttp && !iHttp };
    if (i.tls !== undefined) delete rest.tls;
    if (rest.http || rest.tls) added.push(rest);
  }
  return { virtualHosts: [...hosts.values(), ...added] };
}
