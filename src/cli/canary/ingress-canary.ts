import type { Ingress, IngressBackend, IngressRule } from 'kubernetes-types/networking/v1.js';

/** The annotation prefix of ingress-nginx's canary rules. */
export const canaryAnnotationPrefix = 'nginx.ingress.kubernetes.io/';

/** The canary annotations ingress-nginx reads (without the prefix). */
export const canaryAnnotationNames = [
  'canary',
  'canary-by-header',
  'canary-by-header-value',
  'canary-by-header-pattern',
  'canary-by-cookie',
  'canary-weight',
  'canary-weight-total',
] as const;

/** The canary rules of an Ingress, read from its annotations as ingress-nginx reads them. */
export interface CanaryRules {
  /** `canary: "true"`. */
  canary: boolean;
  /** `canary-by-header`: the request header that decides. */
  header?: string;
  /** `canary-by-header-value`: the header's value that sends to the canary (exact match). */
  headerValue?: string;
  /** `canary-by-header-pattern`: a regular expression; ignored when a value is set. */
  headerPattern?: string;
  /** `canary-by-cookie`: the cookie whose value `always`/`never` decides. */
  cookie?: string;
  /** `canary-weight` (default 0). */
  weight: number;
  /** `canary-weight-total` (default 100). */
  weightTotal: number;
}

/** A whole number from an annotation, or the default when absent or not a number (as ingress-nginx's parser falls back). */
function intAnnotation(value: string | undefined, fallback: number): number {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return fallback;
  return Number.parseInt(value, 10);
}

/** Reads an Ingress's canary annotations; absent ones take ingress-nginx's defaults. */
export function readCanaryRules(ingress: Ingress): CanaryRules {
  const a = ingress.metadata?.annotations ?? {};
  const get = (name: string): string | undefined => {
    const v = a[canaryAnnotationPrefix + name];
    return v === undefined || v === '' ? undefined : v;
  };
  const total = intAnnotation(get('canary-weight-total'), 100);
  return {
    canary: get('canary') === 'true',
    header: get('canary-by-header'),
    headerValue: get('canary-by-header-value'),
    headerPattern: get('canary-by-header-pattern'),
    cookie: get('canary-by-cookie'),
    weight: intAnnotation(get('canary-weight'), 0),
    weightTotal: total > 0 ? total : 100,
  };
}

/** Whether an Ingress is an ingress-nginx canary. */
export function isCanaryIngress(ingress: Ingress): boolean {
  return readCanaryRules(ingress).canary;
}

/** One host and path an Ingress routes, with its backend. */
export interface IngressRoute {
  /** '' for every host. */
  host: string;
  path: string;
  pathType: string;
  backend: IngressBackend;
}

/** The host+path routes of an Ingress (rules with an http section; a path without one is `/`). */
export function ingressRoutes(ingress: Ingress): IngressRoute[] {
  const out: IngressRoute[] = [];
  for (const rule of ingress.spec?.rules ?? ([] as IngressRule[])) {
    for (const p of rule.http?.paths ?? []) {
      out.push({ host: rule.host ?? '', path: p.path ?? '/', pathType: p.pathType ?? 'ImplementationSpecific', backend: p.backend });
    }
  }
  return out;
}

/** A backend's Service name, or undefined for a resource backend. */
export function backendService(backend: IngressBackend | undefined): string | undefined {
  return backend?.service?.name;
}

/** A backend as `service:port`, for messages. */
export function formatBackend(backend: IngressBackend | undefined): string {
  if (!backend) return '<none>';
  if (backend.service) return `${backend.service.name}:${backend.service.port?.number ?? backend.service.port?.name ?? '?'}`;
  if (backend.resource) return `${backend.resource.kind}/${backend.resource.name}`;
  return '<none>';
}
