import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { ingressFingerprint, loadedAnnotation } from '../../ingress/loaded-annotation.js';

/** The kinds whose changes the data plane reports loading. */
export type ReportingKind = 'Ingress' | 'HTTPRoute';

type RouteStatus = { parents?: { controllerName?: string; conditions?: Condition[] }[] };

/**
 * Whether the data plane reports what it loaded of this object: an Ingress carries Skiff's
 * {@link loadedAnnotation}, an HTTPRoute has a status per parent. Without it (another
 * controller, or an object not served yet) a client can only pause and hope.
 */
export function reportsLoaded(kind: ReportingKind, obj: KubeObject): boolean {
  if (kind === 'Ingress') return obj.metadata?.annotations?.[loadedAnnotation] !== undefined;
  return ((obj.status as RouteStatus | undefined)?.parents ?? []).length > 0;
}

/**
 * Whether the data plane serves the object as it now reads: an Ingress's
 * {@link loadedAnnotation} is the fingerprint of its spec and annotations; every parent status
 * of an HTTPRoute has an Accepted condition observing its current generation (Skiff writes route
 * status once nginx runs the configuration made from it).
 */
export function isLoaded(kind: ReportingKind, obj: KubeObject): boolean {
  if (kind === 'Ingress') return obj.metadata?.annotations?.[loadedAnnotation] === ingressFingerprint(obj);
  const generation = obj.metadata?.generation ?? 0;
  const parents = (obj.status as RouteStatus | undefined)?.parents ?? [];
  return parents.length > 0 && parents.every((p) => (p.conditions ?? []).some((c) => c.type === 'Accepted' && (c.observedGeneration ?? 0) >= generation));
}

/** Options of {@link waitUntilLoaded}. */
export interface WaitUntilLoadedOptions {
  kind: ReportingKind;
  /** Reads the object as it is now. */
  read: () => Promise<KubeObject>;
  timeoutMs: number;
  /** Time in milliseconds (monotonic). */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Between reads. Default 100 ms. */
  pollMs?: number;
}

/** Reads the object until {@link isLoaded} says the data plane serves it; false when `timeoutMs` passed first. */
export async function waitUntilLoaded(o: WaitUntilLoadedOptions): Promise<boolean> {
  const deadline = o.now() + o.timeoutMs;
  for (;;) {
    if (isLoaded(o.kind, await o.read())) return true;
    if (o.now() >= deadline) return false;
    await o.sleep(o.pollMs ?? 100);
  }
}
