import type { IngressCanaryPair } from './canary-pair.js';
import { formatBackend } from './ingress-canary.js';
import { httpRouteRules, type RouteCanary } from './httproute-canary.js';

/**
 * "The share each backend got in recent requests": given the namespace and the Services of a
 * canary, how many requests each received in the last minute (from the data plane's access
 * log, see recent-shares.ts), or why that is not known.
 */
export type AccessLogShares = (namespace: string, services: string[]) => Promise<Map<string, number> | string>;

/** Recent requests per Service, or why they are not known. */
export type RecentCounts = Map<string, number> | string | undefined;

function sharesLines(services: string[], counts: RecentCounts): string[] {
  if (counts === undefined) return ['Recent requests: not available'];
  if (typeof counts === 'string') return [`Recent requests: ${counts}`];
  const total = services.reduce((s, name) => s + (counts.get(name) ?? 0), 0);
  return [
    `Recent requests (last minute, ${total}):`,
    ...services.map((name) => {
      const n = counts.get(name) ?? 0;
      return `  ${name}: ${n} (${total === 0 ? 0 : Math.round((1000 * n) / total) / 10}%)`;
    }),
  ];
}

/** `skiff canary status` of an Ingress pair: both Ingresses, their backends per host+path, the weight, the header and cookie rules, and the recent shares. */
export function describeIngressCanary(pair: IngressCanaryPair, counts: RecentCounts): string {
  const { rules } = pair;
  const lines = [
    `Main ingress:    ${pair.main.metadata?.name}`,
    `Canary ingress:  ${pair.canary.metadata?.name}`,
    'Routes:',
    ...pair.routes.map((r) => `  ${r.host || '*'}${r.path} (${r.pathType}): main ${formatBackend(r.mainBackend)}, canary ${formatBackend(r.canaryBackend)}`),
    `Weight:          ${rules.weight}/${rules.weightTotal} (${Math.round((1000 * rules.weight) / rules.weightTotal) / 10}% to the canary)`,
  ];
  if (rules.header) {
    const how = rules.headerValue
      ? `value "${rules.headerValue}" sends to the canary`
      : rules.headerPattern
        ? `values matching /${rules.headerPattern}/ send to the canary`
        : '"always" sends to the canary, "never" to the main';
    lines.push(`Header:          ${rules.header}: ${how}`);
  } else {
    lines.push('Header:          <none>');
  }
  lines.push(rules.cookie ? `Cookie:          ${rules.cookie}: "always" sends to the canary, "never" to the main` : 'Cookie:          <none>');
  const services = [...new Set(pair.routes.flatMap((r) => [r.mainBackend.service?.name, r.canaryBackend.service?.name]).filter((s): s is string => s !== undefined))];
  return [...lines, ...sharesLines(services, counts)].join('\n');
}

/** `skiff canary status` of an HTTPRoute canary: main and canary backends, weights, and each rule's matches. */
export function describeRouteCanary(c: RouteCanary, counts: RecentCounts): string {
  const lines = [
    `HTTPRoute:       ${c.route.metadata?.name}`,
    `Main backend:    ${c.main}`,
    `Canary backend:  ${c.canary}`,
    `Weight:          ${c.weight}/${c.total} (${c.total === 0 ? 0 : Math.round((1000 * c.weight) / c.total) / 10}% to the canary)`,
    'Rules:',
    ...httpRouteRules(c.route).map((r) => {
      const matches = (r.matches ?? []).map((m) => [m.path ? `${m.path.type ?? 'PathPrefix'} ${m.path.value ?? '/'}` : '', ...(m.headers ?? []).map((h) => `${h.name} ${h.type === 'RegularExpression' ? '~' : '='} ${h.value}`)].filter(Boolean).join(', '));
      const to = (r.backendRefs ?? []).map((b) => `${b.name}${b.port ? `:${b.port}` : ''} weight ${b.weight ?? 1}`).join(', ');
      return `  ${matches.length > 0 ? matches.join(' | ') : 'every request'} -> ${to || '<none>'}`;
    }),
  ];
  return [...lines, ...sharesLines([c.main, c.canary], counts)].join('\n');
}
