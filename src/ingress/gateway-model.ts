import type { Namespace, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Condition as MetaCondition } from 'kubernetes-types/meta/v1.js';
import { intersectHostnames, routePathMatch } from '../apimachinery/ingress-rules.js';
import { labelSelectorFromObject, matchesLabels } from '../apimachinery/selectors/labels.js';
import { gatewayGroup, type Gateway, type GatewayClass, type HTTPBackendRef, type HTTPRoute, type Listener, type ListenerStatus, type ParentReference, type ReferenceGrant, type RouteParentStatus } from './gateway-types.js';
import type { BackendTarget, Condition, DataPlane, Location, RouteRule, VirtualHost, WeightedBackend } from './model.js';

export { intersectHostnames } from '../apimachinery/ingress-rules.js';

/** The controllerName of the GatewayClass `skiff`, whose Gateways this data plane serves. */
export const skiffGatewayController = 'skiff.dev/gateway-controller';

/** What the Gateway API translation reads: the informers' caches. */
export interface GatewayState {
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  httpRoutes: HTTPRoute[];
  referenceGrants: ReferenceGrant[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  /** For allowedRoutes namespace selectors. */
  namespaces: Namespace[];
}

/** Options of {@link buildGatewayDataPlane}. */
export interface GatewayTranslationOptions {
  /** Default {@link skiffGatewayController}. */
  controllerName?: string;
  /** The port nginx serves HTTP on: HTTP listeners on another port are not accepted. */
  httpPort: number;
  /** The addresses the Gateways are reachable on (status.addresses, type IPAddress). */
  addresses: string[];
  /** The time written as lastTransitionTime of conditions whose status changes (RFC 3339). */
  now: string;
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
  gatewayClasses: StatusUpdate<NonNullable<GatewayClass['status']>>[];
  gateways: StatusUpdate<NonNullable<Gateway['status']>>[];
  httpRoutes: StatusUpdate<NonNullable<HTTPRoute['status']>>[];
}

type Meta = { metadata?: { namespace?: string; name?: string; generation?: number; creationTimestamp?: string } };
const keyOf = (o: Meta): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** A condition keeping the previous lastTransitionTime while its status stays the same. */
function condition(previous: MetaCondition[] | undefined, obj: Meta, now: string, type: string, ok: boolean, reason: string, message: string): MetaCondition {
  const status = ok ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  return { type, status, reason, message, observedGeneration: obj.metadata?.generation ?? 0, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now };
}

/** One match of a route rule, placed on a location, before the rules of a location are ordered. */
interface RuleEntry {
  when: Condition[];
  backends: WeightedBackend[];
  route: HTTPRoute;
  ruleIndex: number;
  matchIndex: number;
}

/** A backendRef's problem for the route's ResolvedRefs condition. */
interface RefProblem {
  reason: 'BackendNotFound' | 'RefNotPermitted' | 'InvalidKind';
  message: string;
}

/**
 * Translates the Gateways of this controller's GatewayClasses and the HTTPRoutes attached to
 * them into the neutral {@link DataPlane}, and computes the status each GatewayClass, Gateway
 * and HTTPRoute (for the parents this controller serves) should have. Routes attach to HTTP
 * listeners on the data plane's port that allow their namespace, on the hostnames both allow.
 * Backends are Services' ClusterIPs; a backendRef that cannot be used (missing Service or port,
 * another kind, another namespace without a ReferenceGrant) has its share answered 500, a
 * Service without ready endpoints 503, as the Gateway API says. Pure.
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

  // Listeners: which are valid, and how many routes attach to each.
  interface ListenerInfo {
    listener: Listener;
    accepted: { ok: boolean; reason: string; message: string };
    conflicted: boolean;
    kindsOk: boolean;
    attached: number;
  }
  const listeners = new Map<string, ListenerInfo[]>();
  for (const gw of gateways) {
    const seen = new Set<string>();
    listeners.set(
      keyOf(gw),
      (gw.spec?.listeners ?? []).map((listener) => {
        let accepted = { ok: true, reason: 'Accepted', message: 'Listener accepted' };
        if (listener.protocol !== 'HTTP') accepted = { ok: false, reason: 'UnsupportedProtocol', message: `protocol ${listener.protocol} is not supported: only HTTP` };
        else if (listener.port !== options.httpPort) accepted = { ok: false, reason: 'PortUnavailable', message: `port ${listener.port} is not served: the data plane serves HTTP on port ${options.httpPort}` };
        const id = `${listener.port} ${listener.hostname ?? ''}`;
        const conflicted = seen.has(id);
        seen.add(id);
        const kinds = listener.allowedRoutes?.kinds;
        const kindsOk = kinds === undefined || kinds.length === 0 || kinds.some((k) => k.kind === 'HTTPRoute' && (k.group ?? gatewayGroup) === gatewayGroup);
        return { listener, accepted, conflicted, kindsOk, attached: 0 };
      }),
    );
  }

  const allowsNamespace = (gw: Gateway, info: ListenerInfo, namespace: string): boolean => {
    const from = info.listener.allowedRoutes?.namespaces?.from ?? 'Same';
    if (from === 'All') return true;
    if (from === 'Same') return namespace === (gw.metadata?.namespace ?? '');
    const selector = info.listener.allowedRoutes?.namespaces?.selector;
    return selector !== undefined && matchesLabels(labelSelectorFromObject(selector), namespaces.get(namespace)?.metadata?.labels ?? {});
  };

  const granted = (routeNamespace: string, ref: HTTPBackendRef, namespace: string): boolean =>
    state.referenceGrants.some(
      (g) =>
        g.metadata?.namespace === namespace &&
        (g.spec?.from ?? []).some((f) => f.group === gatewayGroup && f.kind === 'HTTPRoute' && f.namespace === routeNamespace) &&
        (g.spec?.to ?? []).some((t) => (t.group === '' || t.group === 'core') && t.kind === 'Service' && (t.name === undefined || t.name === '' || t.name === ref.name)),
    );

  const backendOf = (routeNamespace: string, ref: HTTPBackendRef): { target: BackendTarget; problem?: RefProblem } => {
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Service';
    const invalid = (reason: RefProblem['reason'], message: string) => ({ target: { kind: 'status', code: 500 } as BackendTarget, problem: { reason, message } });
    if ((group !== '' && group !== 'core') || kind !== 'Service') return invalid('InvalidKind', `backendRef ${ref.name}: kind ${group ? `${group}/` : ''}${kind} is not supported: only Service`);
    const namespace = ref.namespace ?? routeNamespace;
    if (namespace !== routeNamespace && !granted(routeNamespace, ref, namespace)) return invalid('RefNotPermitted', `backendRef to Service ${namespace}/${ref.name} is not permitted by any ReferenceGrant in namespace ${namespace}`);
    const svc = services.get(`${namespace}/${ref.name}`);
    if (!svc) return invalid('BackendNotFound', `Service ${namespace}/${ref.name} not found`);
    const port = svc.spec?.ports?.find((p) => p.port === ref.port);
    if (ref.port === undefined || !port) return invalid('BackendNotFound', `Service ${namespace}/${ref.name} has no port ${ref.port ?? '(none given)'}`);
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None' || !readyServices.has(`${namespace}/${ref.name}`)) return { target: { kind: 'status', code: 503 } };
    return { target: { kind: 'upstream', name: `${namespace}-${ref.name}-${port.port}`, address: ip, port: port.port } };
  };

  const locations = new Map<string, { host: string; match: 'exact' | 'prefix'; path: string; entries: RuleEntry[] }>();
  const routeStatuses: StatusUpdate<NonNullable<HTTPRoute['status']>>[] = [];
  const sortedRoutes = [...state.httpRoutes].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || keyOf(a).localeCompare(keyOf(b)));

  for (const route of sortedRoutes) {
    const routeNamespace = route.metadata?.namespace ?? '';
    const previous = route.status?.parents ?? [];
    const ours: RouteParentStatus[] = [];
    const unsupported = unsupportedFeatures(route);
    // References: resolved once per route; the first problem names the reason.
    const problems: RefProblem[] = [];
    const rules = (route.spec?.rules ?? []).map((rule) => ({
      rule,
      backends: (rule.backendRefs ?? []).map((ref) => {
        const { target, problem } = backendOf(routeNamespace, ref);
        if (problem) problems.push(problem);
        return { target, weight: ref.weight ?? 1 };
      }),
    }));
    const hostnames = new Set<string>();
    for (const parentRef of route.spec?.parentRefs ?? []) {
      if ((parentRef.group ?? gatewayGroup) !== gatewayGroup || (parentRef.kind ?? 'Gateway') !== 'Gateway') continue;
      const gw = gatewaysByKey.get(`${parentRef.namespace ?? routeNamespace}/${parentRef.name}`);
      if (!gw) continue;
      const before = previous.find((p) => sameParent(p.parentRef, parentRef, routeNamespace) && p.controllerName === controllerName)?.conditions;
      const infos = (listeners.get(keyOf(gw)) ?? []).filter((i) => (parentRef.sectionName === undefined || i.listener.name === parentRef.sectionName) && (parentRef.port === undefined || i.listener.port === parentRef.port));
      let accepted: { ok: boolean; reason: string; message: string };
      if (infos.length === 0) accepted = { ok: false, reason: 'NoMatchingParent', message: `Gateway ${keyOf(gw)} has no listener${parentRef.sectionName ? ` named ${parentRef.sectionName}` : ''}${parentRef.port ? ` on port ${parentRef.port}` : ''}` };
      else if (unsupported) accepted = { ok: false, reason: 'UnsupportedValue', message: unsupported };
      else {
        const allowed = infos.filter((i) => i.accepted.ok && !i.conflicted && i.kindsOk && allowsNamespace(gw, i, routeNamespace));
        const matched = allowed.map((i) => ({ info: i, hosts: intersectHostnames(i.listener.hostname, route.spec?.hostnames) })).filter((m) => m.hosts.length > 0);
        if (allowed.length === 0) accepted = { ok: false, reason: 'NotAllowedByListeners', message: `no listener of Gateway ${keyOf(gw)} allows HTTPRoutes from namespace ${routeNamespace}` };
        else if (matched.length === 0) accepted = { ok: false, reason: 'NoMatchingListenerHostname', message: `no hostname of the route matches a listener of Gateway ${keyOf(gw)}` };
        else {
          accepted = { ok: true, reason: 'Accepted', message: 'Route accepted' };
          for (const m of matched) {
            m.info.attached++;
            for (const h of m.hosts) hostnames.add(h);
          }
        }
      }
      const resolved = problems[0];
      ours.push({
        parentRef: { group: gatewayGroup, kind: 'Gateway', ...parentRef },
        controllerName,
        conditions: [
          condition(before, route, now, 'Accepted', accepted.ok, accepted.reason, accepted.message),
          condition(before, route, now, 'ResolvedRefs', resolved === undefined, resolved?.reason ?? 'ResolvedRefs', resolved ? problems.map((p) => p.message).join('; ') : 'All references resolved'),
        ],
      });
    }
    if (ours.length === 0) continue;
    const others = previous.filter((p) => p.controllerName !== controllerName);
    routeStatuses.push({ namespace: routeNamespace, name: route.metadata?.name ?? '', status: { parents: [...others, ...ours] } });

    for (const host of [...hostnames].sort()) {
      rules.forEach(({ rule, backends }, ruleIndex) => {
        const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
        matches.forEach((m, matchIndex) => {
          const { match, path } = routePathMatch(m.path);
          const key = `${host} ${match} ${path}`;
          let loc = locations.get(key);
          if (!loc) locations.set(key, (loc = { host, match, path, entries: [] }));
          const when: Condition[] = (m.headers ?? []).map((h) => ({ on: 'header', name: h.name, match: 'exact', value: h.value }));
          loc.entries.push({ when, backends, route, ruleIndex, matchIndex });
        });
      });
    }
  }

  // Within a location, more header matches first, then the oldest route, then by name (the Gateway API's precedence).
  const hosts = new Map<string, VirtualHost>();
  for (const loc of locations.values()) {
    const entries = [...loc.entries].sort(
      (a, b) =>
        b.when.length - a.when.length ||
        (a.route.metadata?.creationTimestamp ?? '').localeCompare(b.route.metadata?.creationTimestamp ?? '') ||
        keyOf(a.route).localeCompare(keyOf(b.route)) ||
        a.ruleIndex - b.ruleIndex ||
        a.matchIndex - b.matchIndex,
    );
    const rules: RouteRule[] = entries.map((e) => ({ when: e.when, backends: e.backends.length > 0 ? e.backends : [{ target: { kind: 'status', code: 500 }, weight: 1 }], source: `httproute:${keyOf(e.route)}` }));
    const location: Location = { path: loc.path, match: loc.match, rules, source: rules[0]?.source ?? '' };
    let vh = hosts.get(loc.host);
    if (!vh) hosts.set(loc.host, (vh = { hostname: loc.host, locations: [] }));
    vh.locations.push(location);
  }

  const gatewayStatuses = gateways.map((gw) => {
    const before = gw.status;
    const infos = listeners.get(keyOf(gw)) ?? [];
    const listenerStatuses: ListenerStatus[] = infos.map((i) => {
      const prev = before?.listeners?.find((l) => l.name === i.listener.name)?.conditions;
      const programmed = i.accepted.ok && !i.conflicted;
      return {
        name: i.listener.name,
        supportedKinds: i.kindsOk && i.listener.protocol === 'HTTP' ? [{ group: gatewayGroup, kind: 'HTTPRoute' }] : [],
        attachedRoutes: i.attached,
        conditions: [
          condition(prev, gw, now, 'Accepted', i.accepted.ok, i.accepted.reason, i.accepted.message),
          condition(prev, gw, now, 'Conflicted', i.conflicted, i.conflicted ? 'HostnameConflict' : 'NoConflicts', i.conflicted ? `another listener has port ${i.listener.port} and hostname ${JSON.stringify(i.listener.hostname ?? '')}` : 'No conflicts'),
          condition(prev, gw, now, 'Programmed', programmed, programmed ? 'Programmed' : 'Invalid', programmed ? 'Listener programmed' : i.conflicted ? 'Listener conflicts with another' : i.accepted.message),
          condition(prev, gw, now, 'ResolvedRefs', i.kindsOk, i.kindsOk ? 'ResolvedRefs' : 'InvalidRouteKinds', i.kindsOk ? 'All references resolved' : 'allowedRoutes.kinds names no kind this controller supports (HTTPRoute)'),
        ],
      };
    });
    const anyValid = infos.length === 0 || infos.some((i) => i.accepted.ok);
    const programmed = infos.some((i) => i.accepted.ok && !i.conflicted);
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

  return { plane: { virtualHosts: [...hosts.values()] }, gatewayClasses: classStatuses, gateways: gatewayStatuses, httpRoutes: routeStatuses };
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

/** A message naming the features of `route` this controller does not implement, or undefined. */
function unsupportedFeatures(route: HTTPRoute): string | undefined {
  const found = new Set<string>();
  for (const rule of route.spec?.rules ?? []) {
    for (const f of rule.filters ?? []) found.add(`filter ${f.type}`);
    for (const ref of rule.backendRefs ?? []) if ((ref.filters ?? []).length > 0) found.add('backendRef filters');
    for (const m of rule.matches ?? []) {
      if (m.path?.type === 'RegularExpression') found.add('path match RegularExpression');
      for (const h of m.headers ?? []) if ((h.type ?? 'Exact') !== 'Exact') found.add(`header match ${h.type}`);
      if ((m.queryParams ?? []).length > 0) found.add('queryParams matches');
      if (m.method) found.add('method matches');
    }
  }
  return found.size > 0 ? `not supported by this controller: ${[...found].sort().join(', ')}` : undefined;
}

/**
 * One data plane serving both `ingress` and `gateway`: virtual hosts of the same hostname are
 * joined; where both have a location of the same path and match, the Ingress's stays.
 */
export function mergeDataPlanes(ingress: DataPlane, gateway: DataPlane): DataPlane {
  const hosts = new Map<string, VirtualHost>(ingress.virtualHosts.map((h) => [h.hostname, { ...h, locations: [...h.locations] }]));
  for (const h of gateway.virtualHosts) {
    const existing = hosts.get(h.hostname);
    if (!existing) {
      hosts.set(h.hostname, h);
      continue;
    }
    for (const loc of h.locations) if (!existing.locations.some((l) => l.path === loc.path && l.match === loc.match)) existing.locations.push(loc);
  }
  return { virtualHosts: [...hosts.values()] };
}
