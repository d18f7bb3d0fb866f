import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { applyMergePatch } from '../../apiserver/patch/mergepatch.js';
import type { KubeObject } from '../../apimachinery/object.js';

/** The kinds the canary commands change. */
export type CanaryKind = 'Ingress' | 'Service' | 'HTTPRoute';

/** One change a canary command makes, as data, so a plan can be checked without a cluster. */
export type CanaryStep =
  | { op: 'patch'; kind: 'Ingress' | 'HTTPRoute'; name: string; /** A JSON merge patch (RFC 7386). */ patch: Record<string, unknown>; why: string }
  | { op: 'delete'; kind: CanaryKind; name: string; why: string };

/** What the routing model sees of a namespace: its Ingresses, HTTPRoutes and the Services that have ready endpoints. */
export interface NamespaceState {
  ingresses: Ingress[];
  httpRoutes: KubeObject[];
  /** Names of the Services that exist and have ready endpoints. */
  readyServices: string[];
}

/** The state after a step (pure: the input is not changed). */
export function applyStep(state: NamespaceState, step: CanaryStep): NamespaceState {
  const byName = <T extends KubeObject>(list: T[]): T[] => list.filter((o) => o.metadata?.name !== step.name);
  const patched = <T extends KubeObject>(list: T[]): T[] =>
    list.map((o) => (o.metadata?.name === step.name && step.op === 'patch' ? (applyMergePatch(o, step.patch) as T) : o));
  if (step.op === 'delete') {
    if (step.kind === 'Ingress') return { ...state, ingresses: byName(state.ingresses as KubeObject[]) as Ingress[] };
    if (step.kind === 'HTTPRoute') return { ...state, httpRoutes: byName(state.httpRoutes) };
    return { ...state, readyServices: state.readyServices.filter((s) => s !== step.name) };
  }
  if (step.kind === 'Ingress') return { ...state, ingresses: patched(state.ingresses as KubeObject[]) as Ingress[] };
  return { ...state, httpRoutes: patched(state.httpRoutes) };
}

/** A step in one line, for the command's output: `ingress/tomcat patched: why`. */
export function formatStep(step: CanaryStep): string {
  const kind = step.kind === 'HTTPRoute' ? 'httproute' : step.kind.toLowerCase();
  return `${kind}/${step.name} ${step.op === 'patch' ? 'patched' : 'deleted'}: ${step.why}`;
}
