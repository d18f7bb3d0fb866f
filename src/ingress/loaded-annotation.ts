import { createHash } from 'node:crypto';

/**
 * The annotation the controller writes on each Ingress it serves once nginx runs a
 * configuration made from it: the {@link ingressFingerprint} of the version loaded. Ingress has
 * no status field for this (upstream's status holds only load-balancer addresses) and its
 * generation does not count annotation changes, which is where ingress-nginx's canary rules live.
 */
export const loadedAnnotation = 'ingress.skiff.dev/loaded';

/** JSON with object keys sorted, so that equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What of an Ingress decides the data plane: its spec and its annotations (but
 * {@link loadedAnnotation}), hashed. A client that changed an Ingress knows nginx serves the
 * change when the Ingress's {@link loadedAnnotation} equals the fingerprint of what it now reads.
 */
export function ingressFingerprint(ingress: { metadata?: { annotations?: Record<string, string> }; spec?: unknown }): string {
  const annotations = { ...(ingress.metadata?.annotations ?? {}) };
  delete annotations[loadedAnnotation];
  return createHash('sha256').update(canonicalJson({ spec: ingress.spec ?? {}, annotations })).digest('hex').slice(0, 16);
}
