import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { HTTPIngressPath, Ingress, IngressBackend, IngressClass } from 'kubernetes-types/networking/v1.js';
import { ingressCanarySettings, ingressNginxController, ingressPathMatch, nginxAnnotationPrefix, servesIngress, type IngressCanarySettings } from '../apimachinery/ingress-rules.js';
import { certificateFromSecret, type CertificateFile } from './certificates.js';
import type { BackendTarget, Condition, DataPlane, Location, RouteRule, VirtualHost } from './model.js';

export { defaultClassAnnotation, ingressNginxController, servesIngress } from '../apimachinery/ingress-rules.js';
const annotationPrefix = nginxAnnotationPrefix;

/** What the Ingress translation reads: the informers' caches. */
export interface IngressState {
  ingresses: Ingress[];
  ingressClasses: IngressClass[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  /** kubernetes.io/tls Secrets (others are ignored). */
  secrets: Secret[];
}

/** Options of {@link buildIngressDataPlane}. */
export interface IngressTranslationOptions {
  /** Default {@link ingressNginxController}. */
  controllerName?: string;
  /** The directory certificate files are named in. */
  certificateDir: string;
}

/** Something wrong with an Ingress, for a Warning event on it. */
export interface IngressProblem {
  /** `namespace/name`. */
  ingress: string;
  reason: string;
  message: string;
}

export type { CertificateFile } from './certificates.js';

/** The outcome of {@link buildIngressDataPlane}. */
export interface IngressDataPlane {
  plane: DataPlane;
  /** The Ingresses this controller serves (`namespace/name`), for their status. */
  served: string[];
  certificates: CertificateFile[];
  problems: IngressProblem[];
}

const keyOf = (o: { metadata?: { namespace?: string; name?: string } }): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** A main route: an Ingress's path on a host, before canaries join it. */
interface Route {
  host: string;
  location: Location;
  main: BackendTarget;
  created: string;
  canary?: { settings: IngressCanarySettings; target: BackendTarget; source: string };
}

/**
 * Translates the Ingresses this controller serves into the neutral {@link DataPlane}: one
 * virtual host per host (the catch-all '' for rules without one and the defaultBackend), one
 * location per path (the oldest Ingress wins a duplicate, as ingress-nginx), canaries merged
 * into the main route of their host and path as rules (header, then cookie, then weight),
 * backends as the Services' ClusterIPs (503 when the Service, its port or a ready endpoint is
 * missing), TLS from kubernetes.io/tls Secrets. Pure: problems are returned for events.
 */
export function buildIngressDataPlane(state: IngressState, options: IngressTranslationOptions): IngressDataPlane {
  const controllerName = options.controllerName ?? ingressNginxController;
  const problems: IngressProblem[] = [];
  const served = state.ingresses.filter((ing) => servesIngress(ing, state.ingressClasses, controllerName));
  const services = new Map(state.services.map((s) => [keyOf(s), s]));
  const readyServices = new Set<string>();
  for (const slice of state.endpointSlices) {
    const owner = slice.metadata?.labels?.['kubernetes.io/service-name'];
    if (owner && (slice.endpoints ?? []).some((e) => e.conditions?.ready !== false)) readyServices.add(`${slice.metadata?.namespace ?? ''}/${owner}`);
  }

  const backendTarget = (namespace: string, backend: IngressBackend | undefined): BackendTarget => {
    const ref = backend?.service;
    if (!ref) return { kind: 'status', code: 503 };
    const svc = services.get(`${namespace}/${ref.name}`);
    const port = svc?.spec?.ports?.find((p) => (ref.port?.name ? p.name === ref.port.name : p.port === ref.port?.number));
    const ip = svc?.spec?.clusterIP;
    if (!svc || !port || !ip || ip === 'None' || !readyServices.has(`${namespace}/${ref.name}`)) return { kind: 'status', code: 503 };
    return { kind: 'upstream', name: `${namespace}-${ref.name}-${port.port}`, address: ip, port: port.port };
  };

  const ordered = [...served].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || keyOf(a).localeCompare(keyOf(b)));
  const routes = new Map<string, Route>();
  const canaries: { ing: Ingress; settings: IngressCanarySettings }[] = [];
  const tls = new Map<string, { secret: string; source: string }>();

  const pathsOf = (ing: Ingress): { host: string; path: HTTPIngressPath }[] =>
    (ing.spec?.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((path) => ({ host: rule.host ?? '', path })));

  for (const ing of ordered) {
    const key = keyOf(ing);
    const namespace = ing.metadata?.namespace ?? '';
    const { canary, problems: annotationProblems } = ingressCanarySettings(ing);
    for (const message of annotationProblems) problems.push({ ingress: key, reason: 'InvalidAnnotation', message });
    if (canary) {
      canaries.push({ ing, settings: canary });
      continue;
    }
    const rewriteTarget = ing.metadata?.annotations?.[`${annotationPrefix}rewrite-target`] || undefined;
    for (const { host, path } of pathsOf(ing)) {
      const { match, path: p } = ingressPathMatch(ing, path);
      const routeKey = `${host} ${match} ${p}`;
      if (routes.has(routeKey)) {
        problems.push({ ingress: key, reason: 'DuplicatePath', message: `host ${JSON.stringify(host)} path ${p} is already served by ${routes.get(routeKey)?.location.source}` });
        continue;
      }
      routes.set(routeKey, {
        host,
        created: ing.metadata?.creationTimestamp ?? '',
        main: backendTarget(namespace, path.backend),
        location: { path: p, match, rewriteTarget, rules: [], source: key },
      });
    }
    if (ing.spec?.defaultBackend && !routes.has(' prefix /')) {
      routes.set(' prefix /', { host: '', created: '', main: backendTarget(namespace, ing.spec.defaultBackend), location: { path: '/', match: 'prefix', rules: [], source: key } });
    }
    for (const entry of ing.spec?.tls ?? []) {
      if (!entry.secretName) continue;
      for (const host of entry.hosts ?? []) if (!tls.has(host)) tls.set(host, { secret: `${namespace}/${entry.secretName}`, source: key });
    }
  }

  for (const { ing, settings } of canaries) {
    const key = keyOf(ing);
    const namespace = ing.metadata?.namespace ?? '';
    for (const { host, path } of pathsOf(ing)) {
      const p = path.path || '/';
      const main = [...routes.values()].find((r) => r.host === host && r.location.path === p);
      if (!main) {
        problems.push({ ingress: key, reason: 'CanaryIgnored', message: `canary for host ${JSON.stringify(host)} path ${p} ignored: no main Ingress serves that host and path` });
        continue;
      }
      if (main.canary) {
        problems.push({ ingress: key, reason: 'CanaryIgnored', message: `canary for host ${JSON.stringify(host)} path ${p} ignored: ${main.canary.source} is already its canary` });
        continue;
      }
      main.canary = { settings, target: backendTarget(namespace, path.backend), source: key };
    }
  }

  const hosts = new Map<string, VirtualHost>();
  const hostOf = (name: string): VirtualHost => {
    let h = hosts.get(name);
    if (!h) hosts.set(name, (h = { hostname: name, locations: [] }));
    return h;
  };
  for (const route of routes.values()) {
    route.location.rules = routeRules(route);
    hostOf(route.host).locations.push(route.location);
  }

  const certificates: CertificateFile[] = [];
  const secrets = new Map(state.secrets.map((s) => [keyOf(s), s]));
  for (const [host, { secret, source }] of [...tls.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const found = certificateFromSecret(secrets.get(secret), options.certificateDir);
    if ('problem' in found) {
      problems.push({ ingress: source, reason: 'TLSSecretInvalid', message: `Secret ${secret} for host ${host}: ${found.problem}` });
      continue;
    }
    const { file } = found.certificate;
    if (!certificates.some((c) => c.file === file)) certificates.push(found.certificate);
    hostOf(host).tls = { file, source };
  }
  return { plane: { virtualHosts: [...hosts.values()] }, served: served.map(keyOf).sort(), certificates, problems };
}

/** The rules of a route: the canary's header, cookie and weight rules (ingress-nginx's precedence), then the main backend. */
function routeRules(route: Route): RouteRule[] {
  const main = route.main;
  const c = route.canary;
  if (!c) return [{ when: [], backends: [{ target: main, weight: 1 }], source: route.location.source }];
  const s = c.settings;
  const to = (target: BackendTarget, when: Condition[]): RouteRule => ({ when, backends: [{ target, weight: 1 }], source: c.source });
  const rules: RouteRule[] = [];
  if (s.header) {
    if (s.headerValue) rules.push(to(c.target, [{ on: 'header', name: s.header, match: 'exact', value: s.headerValue }]));
    else if (s.headerPattern) rules.push(to(c.target, [{ on: 'header', name: s.header, match: 'regex', value: s.headerPattern }]));
    else {
      rules.push(to(c.target, [{ on: 'header', name: s.header, match: 'exact', value: 'always' }]));
      rules.push(to(main, [{ on: 'header', name: s.header, match: 'exact', value: 'never' }]));
    }
  }
  if (s.cookie) {
    rules.push(to(c.target, [{ on: 'cookie', name: s.cookie, match: 'exact', value: 'always' }]));
    rules.push(to(main, [{ on: 'cookie', name: s.cookie, match: 'exact', value: 'never' }]));
  }
  rules.push({
    when: [],
    backends: [
      { target: main, weight: s.weightTotal - s.weight },
      { target: c.target, weight: s.weight },
    ],
    source: c.source,
  });
  return rules;
}
