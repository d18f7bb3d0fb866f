import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { applyStep, type CanaryStep, type NamespaceState } from './canary-step.js';
import { hasReadyBackend, type ModelRequest, type RoutingDecision } from './routing-model.js';

/** The seed's Ingress pair (test/fixtures/seed/ingress.yaml), in namespace `default`. */
export function seedIngresses(): Ingress[] {
  const path = fileURLToPath(new URL('../../../../test/fixtures/seed/ingress.yaml', import.meta.url));
  return (loadAll(readFileSync(path, 'utf8')) as Ingress[]).map((i) => ({ ...i, metadata: { ...i.metadata, namespace: 'default' } }));
}

/**
 * Every kind of request the canary rules tell apart on one host and path: no header or cookie,
 * the header and the cookie at `always`, `never`, a given value and something else, both at
 * once, and weighted draws across the whole range.
 */
export function requestClasses(host: string, path: string, header = 'X-Canary', cookie = 'canary', values: string[] = []): ModelRequest[] {
  const out: ModelRequest[] = [];
  const headerValues = [undefined, 'always', 'never', 'other', ...values];
  const cookieValues = [undefined, 'always', 'never', 'other'];
  for (const h of headerValues) {
    for (const c of cookieValues) {
      for (let k = 0; k < 100; k += 1) {
        out.push({ host, path, headers: h === undefined ? {} : { [header.toLowerCase()]: h }, cookies: c === undefined ? {} : { [cookie]: c }, roll: k / 100 });
      }
    }
  }
  return out;
}

/** Applies each step and checks, before the first and after each, that every request has a ready backend; returns the final state. */
export function checkEveryStep(
  state: NamespaceState,
  steps: CanaryStep[],
  requests: ModelRequest[],
  route: (state: NamespaceState, request: ModelRequest) => RoutingDecision,
): { final: NamespaceState; failures: string[] } {
  const failures: string[] = [];
  const check = (s: NamespaceState, when: string): void => {
    for (const r of requests) {
      const d = route(s, r);
      if (!hasReadyBackend(s, d)) {
        failures.push(`${when}: ${JSON.stringify({ headers: r.headers, cookies: r.cookies, roll: r.roll })} -> [${d.backends.join(', ')}] (${d.reason})`);
        return;
      }
    }
  };
  check(state, 'before the first step');
  let current = state;
  for (const [i, step] of steps.entries()) {
    current = applyStep(current, step);
    check(current, `after step ${i + 1} (${step.op} ${step.kind} ${step.name})`);
  }
  return { final: current, failures };
}
