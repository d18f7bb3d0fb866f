import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import {
  ingressCanarySettings,
  ingressPathMatch,
  intersectHostnames,
  routePathMatch,
  selectHostname,
  selectLocation,
  servesIngress,
  type PathMatch,
} from '../../apimachinery/ingress-rules.js';
import type { ClusterSnapshot } from '../snapshot.js';

/** A Service port a request may be sent to, with its share and the condition that sends it there. */
export interface HttpBackend {
  namespace: string;
  service: string;
  /** The Service port, by number or (Ingress) by name; undefined when the object names none. */
  port: number | string | undefined;
  /** Requests out of the location's total weight; 0 gets none. */
  weight: number;
  /** A header or cookie condition (`header X-Canary: always`), when the backend is chosen by one. */
  condition?: string;
  /** The object it comes from: `Ingress default/web` or `HTTPRoute default/web`. */
  source: string;
  /** Whether it is an Ingress canary. */
  canary: boolean;
}

/** The location a request reaches, and where that location sends requests. */
export interface HttpLocation extends PathMatch {
  /** The object that defines the location. */
  source: string;
  backends: HttpBackend[];
  /** Where the data plane listens (the Ingress's or Gateway's status addresses). */
  addresses: string[];
}

/** The routing of one URL: the virtual host chosen, and the location (none: 404). */
export interface HttpRouting {
  host: string;
  path: string;
  /** The virtual host that answers ('' the catch-all), undefined when none does. */
  virtualHost?: string;
  location?: HttpLocation;
  /** The hostnames served, for the message of a 404. */
  hostnames: string[];
}

interface GatewayListener {
  name?: string;
  hostname?: string;
  protocol?: string;
}
interface GatewayObject extends KubeObject {
  spec?: { listeners?: GatewayListener[] };
  status?: { addresses?: { value: string }[] };
}
interface RouteObject extends KubeObject {
  spec?: {
    parentRefs?: { name: string; namespace?: string; sectionName?: string; kind?: string }[];
    hostnames?: string[];
    rules?: { matches?: { path?: { type?: string; value?: string }; headers?: { name: string; value: string }[] }[]; backendRefs?: { name: string; namespace?: string; port?: number; weight?: number; kind?: string }[] }[];
  };
  status?: { parents?: { parentRef: { name: string; namespace?: string }; conditions?: { type: string; status: string }[] }[] };
}

const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

function ingressBackend(ing: Ingress, backend: IngressBackend | undefined, weight: number, canary: boolean, condition?: string): HttpBackend {
  const ref = backend?.service;
  return {
    namespace: ing.metadata?.namespace ?? '',
    service: ref?.name ?? '',
    port: ref?.port?.name ? ref.port.name : ref?.port?.number,
    weight,
    condition,
    source: `Ingress ${keyOf(ing as KubeObject)}`,
    canary,
  };
}

const statusAddresses = (ing: Ingress): string[] => (ing.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : i.hostname ? [i.hostname] : []));

/** The Ingresses' locations per host, as the data plane builds them: the oldest Ingress wins a path, canaries join their main path. */
function ingressLocations(snapshot: ClusterSnapshot, hosts: Map<string, HttpLocation[]>): void {
  const served = snapshot.ingresses.filter((ing) => servesIngress(ing, snapshot.ingressClasses));
  const ordered = [...served].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || keyOf(a as KubeObject).localeCompare(keyOf(b as KubeObject)));
  const at = (host: string): HttpLocation[] => hosts.get(host) ?? (hosts.set(host, []), hosts.get(host)!);
  const canaries: Ingress[] = [];
  for (const ing of ordered) {
    if (ingressCanarySettings(ing).canary) {
      canaries.push(ing);
      continue;
    }
    for (const rule of ing.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const match = ingressPathMatch(ing, path);
        const locations = at(rule.host ?? '');
        if (locations.some((l) => l.path === match.path && l.match === match.match)) continue;
        locations.push({ ...match, source: `Ingress ${keyOf(ing as KubeObject)}`, backends: [ingressBackend(ing, path.backend, 1, false)], addresses: statusAddresses(ing) });
      }
    }
    const catchAll = at('');
    if (ing.spec?.defaultBackend && !catchAll.some((l) => l.path === '/' && l.match === 'prefix')) {
      catchAll.push({ path: '/', match: 'prefix', source: `Ingress ${keyOf(ing as KubeObject)} (default backend)`, backends: [ingressBackend(ing, ing.spec.defaultBackend, 1, false)], addresses: statusAddresses(ing) });
    }
  }
  for (const ing of canaries) {
    const settings = ingressCanarySettings(ing).canary!;
    for (const rule of ing.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const p = path.path || '/';
        const main = (hosts.get(rule.host ?? '') ?? []).find((l) => l.path === p && l.backends.every((b) => !b.canary) && l.source.startsWith('Ingress '));
        if (!main) continue;
        const mainBackend = main.backends[0]!;
        if (settings.header) main.backends.push(ingressBackend(ing, path.backend, 0, true, `header ${settings.header}: ${settings.headerValue ?? (settings.headerPattern ? `~${settings.headerPattern}` : 'always')}`));
        if (settings.cookie) main.backends.push(ingressBackend(ing, path.backend, 0, true, `cookie ${settings.cookie}=always`));
        mainBackend.weight = settings.weightTotal - settings.weight;
        main.backends.push(ingressBackend(ing, path.backend, settings.weight, true));
      }
    }
  }
}

/** The accepted HTTPRoutes' locations per host (after the Ingresses', which win a shared path). */
function routeLocations(snapshot: ClusterSnapshot, hosts: Map<string, HttpLocation[]>): void {
  const gateways = new Map((snapshot.gateways as GatewayObject[]).map((g) => [keyOf(g), g]));
  const routes = [...(snapshot.httpRoutes as RouteObject[])].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || keyOf(a).localeCompare(keyOf(b)));
  for (const route of routes) {
    const namespace = route.metadata?.namespace ?? '';
    const hostnames = new Set<string>();
    const addresses: string[] = [];
    for (const parent of route.spec?.parentRefs ?? []) {
      if ((parent.kind ?? 'Gateway') !== 'Gateway') continue;
      const gatewayKey = `${parent.namespace ?? namespace}/${parent.name}`;
      const accepted = (route.status?.parents ?? []).some((p) => `${p.parentRef.namespace ?? namespace}/${p.parentRef.name}` === gatewayKey && (p.conditions ?? []).some((c) => c.type === 'Accepted' && c.status === 'True'));
      const gateway = gateways.get(gatewayKey);
      if (!accepted || !gateway) continue;
      for (const listener of gateway.spec?.listeners ?? []) {
        if (listener.protocol !== 'HTTP' || (parent.sectionName !== undefined && listener.name !== parent.sectionName)) continue;
        for (const h of intersectHostnames(listener.hostname, route.spec?.hostnames)) hostnames.add(h);
      }
      addresses.push(...(gateway.status?.addresses ?? []).map((a) => a.value));
    }
    const source = `HTTPRoute ${keyOf(route)}`;
    for (const host of [...hostnames].sort()) {
      const locations = hosts.get(host) ?? (hosts.set(host, []), hosts.get(host)!);
      for (const rule of route.spec?.rules ?? []) {
        const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
        for (const m of matches) {
          const match = routePathMatch(m.path);
          const condition = (m.headers ?? []).map((h) => `header ${h.name}: ${h.value}`).join(', ') || undefined;
          const backends: HttpBackend[] = (rule.backendRefs ?? []).map((ref) => ({
            namespace: ref.namespace ?? namespace,
            service: ref.name,
            port: ref.port,
            weight: condition ? 0 : (ref.weight ?? 1),
            condition,
            source,
            canary: false,
          }));
          const existing = locations.find((l) => l.path === match.path && l.match === match.match);
          if (existing?.source.startsWith('Ingress ')) continue;
          if (existing) existing.backends.push(...backends);
          else locations.push({ ...match, source, backends, addresses: [...new Set(addresses)] });
        }
      }
    }
  }
}

/**
 * Which Ingress or HTTPRoute answers `url`, and which Services it sends requests to, as the
 * data plane routes them: Ingresses of the controller's class and HTTPRoutes their Gateway
 * accepted, one virtual host per hostname (exact, then a wildcard, then the catch-all), exact
 * paths before regexes before the longest prefix; canary Ingresses join their main path by
 * weight, header and cookie.
 */
export function routeHttpRequest(snapshot: ClusterSnapshot, url: URL): HttpRouting {
  const hosts = new Map<string, HttpLocation[]>();
  ingressLocations(snapshot, hosts);
  routeLocations(snapshot, hosts);
  for (const [name, locations] of hosts) if (locations.length === 0) hosts.delete(name);
  const host = url.hostname.toLowerCase();
  const path = decodeURIComponent(url.pathname || '/');
  const hostnames = [...hosts.keys()].sort();
  const virtualHost = selectHostname(hostnames, host);
  if (virtualHost === undefined) return { host, path, hostnames };
  return { host, path, hostnames, virtualHost, location: selectLocation(hosts.get(virtualHost) ?? [], path) };
}
