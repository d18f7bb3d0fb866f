import type { KubeObject } from '../../apimachinery/object.js';
import type { IngressCanaryPair } from './canary-pair.js';
import { routeGatewayRequest, routeIngressRequest, type ModelRequest } from './routing-model.js';

/** The shares of backends over 100 evenly spread weighted draws, as text. */
function sharesOver(decide: (roll: number) => string[]): string {
  const got: string[] = [];
  for (let k = 0; k < 100; k++) got.push(...decide(k / 100));
  return [...new Set(got)].sort().map((b) => `${b} ${got.filter((x) => x === b).length}%`).join(', ') || 'nothing';
}

/**
 * Checks that HTTPRoutes (as the server stores them) give every kind of request on the pair's
 * hosts and paths the same shares as the ingress-nginx canary pair: with and without the
 * canary header (always, never, its value, something else) and cookie (always, never, something
 * else), over the whole weighted range. Returns the first difference, or undefined.
 */
export function routesDifferFromPair(pair: IngressCanaryPair, httpRoutes: KubeObject[]): string | undefined {
  const { rules } = pair;
  const headerValues = rules.header ? [undefined, 'always', 'never', 'other', ...(rules.headerValue ? [rules.headerValue] : [])] : [undefined];
  const cookieValues = rules.cookie ? [undefined, 'always', 'never', 'other'] : [undefined];
  for (const route of pair.routes) {
    for (const h of headerValues) {
      for (const c of cookieValues) {
        const request = (roll: number): ModelRequest => ({
          host: route.host,
          path: route.path,
          headers: h === undefined || !rules.header ? {} : { [rules.header.toLowerCase()]: h },
          cookies: c === undefined || !rules.cookie ? {} : { [rules.cookie]: c },
          roll,
        });
        const viaIngress = sharesOver((roll) => routeIngressRequest([pair.main, pair.canary], request(roll)).backends);
        const viaRoutes = sharesOver((roll) => routeGatewayRequest(httpRoutes, request(roll)).backends);
        if (viaIngress !== viaRoutes) {
          const what = [`host ${route.host || '*'} path ${route.path}`, h !== undefined ? `header ${rules.header}: ${h}` : '', c !== undefined ? `cookie ${rules.cookie}=${c}` : ''].filter(Boolean).join(', ');
          return `${what}: the Ingress pair sends ${viaIngress}, the HTTPRoutes ${viaRoutes}`;
        }
      }
    }
  }
  return undefined;
}
