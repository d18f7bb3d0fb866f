import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { ingressFingerprint, loadedAnnotation } from '../../ingress/loaded-annotation.js';

/** The kinds whose changes the data plane reports loading. */
export type ReportingKind = 'Ingress' | 'HTTPRoute' | 'Gateway';

type RouteStatus = { parents?: { controllerName?: string; parentRef?: { name?: string }; conditions?: Condition[] }[] };
type GatewayStatus = { conditions?: Condition[] };

/**
 * Whether the data plane reports what it loaded of this object: an Ingress carries Skiff's
 * {@link loadedAnnotation}, an HTTPRoute has a status per parent. Without it (another
 * controller, or an object not served yet) a client can only pause and hope.
 */
export function reportsLoaded(kind: ReportingKind, obj: KubeObject): boolean {
  if (kind === 'Ingress') return obj.metadata?.annotations?.[loadedAnnotation] !== undefined;
  if (kind === 'Gateway') return ((obj.status as GatewayStatus | undefined)?.conditions ?? []).some((c) => c.type === 'Programmed');
  return ((obj.status as RouteStatus | undefined)?.parents ?? []).length > 0;
}

/**
 * Whether the data plane serves the object as it now reads: an Ingress's
 * {@link loadedAnnotation} is the fingerprint of its spec and annotations; every parent status
 * of an HTTPRoute has an Accepted condition observing its current generation, a Gateway a
 * Programmed one (Skiff writes these once nginx runs the configuration made from them).
 */
export function isLoaded(kind: ReportingKind, obj: KubeObject): boolean {
  if (kind === 'Ingress') return obj.metadata?.annotations?.[loadedAnnotation] === ingressFingerprint(obj);
  const generation = obj.metadata?.generation ?? 0;
  if (kind === 'Gateway') return ((obj.status as GatewayStatus | undefined)?.conditions ?? []).some((c) => c.type === 'Programmed' && (c.observedGeneration ?? 0) >= generation);
  const parents = (obj.status as RouteStatus | undefined)?.parents ?? [];
  return parents.length > 0 && parents.every((p) => (p.conditions ?? []).some((c) => c.type === 'Accepted' && (c.observedGeneration ?? 0) >= generation));
}

/**
 * Why a loaded Gateway or HTTPRoute does not serve (a False Programmed, Accepted or ResolvedRefs
 * condition: its reason and message), or undefined when it does.
 */
export function servingProblem(kind: 'Gateway' | 'HTTPRoute', obj: KubeObject): string | undefined {
  const failing = (conditions: Condition[], types: string[]): string | undefined => {
    const c = conditions.find((x) => types.includes(x.type) && x.status !== 'True');
    return c ? `has ${c.type} ${c.status} (${c.reason}: ${c.message})` : undefined;
  };
  if (kind === 'Gateway') return failing((obj.status as GatewayStatus | undefined)?.conditions ?? [], ['Accepted', 'Programmed']);
  for (const p of (obj.status as RouteStatus | undefined)?.parents ?? []) {
    const problem = failing(p.conditions ?? [], ['Accepted', 'ResolvedRefs']);
    if (problem) return `${problem} for its parent ${p.parentRef?.name ?? ''}`;
  }
  return undefined;
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
