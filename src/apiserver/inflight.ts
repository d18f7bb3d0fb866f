/**
 * Upstream's max-in-flight filter: at most so many read-only and so many mutating requests are
 * served at once, and (Skiff's addition) so many watches are open; past a limit the request is
 * answered at once with 429 and `Retry-After`, so a flood cannot queue without bound.
 * Long-running requests other than watches (exec, attach, port-forward, proxy, followed logs)
 * and the health checks are not limited, as upstream.
 */
import { StatusError } from '../apimachinery/errors.js';
import type { RequestInfo } from './request-info.js';
import { boolParam } from '../apimachinery/query-params.js';

/** Limits of {@link InFlightLimiter}; 0 means no limit. */
export interface InFlightLimits {
  /** Upstream's --max-requests-inflight. Default 400. */
  readOnly?: number;
  /** Upstream's --max-mutating-requests-inflight. Default 200. */
  mutating?: number;
  /** Open watches. Default 10,000. */
  watches?: number;
}

/** Which limit a request counts against, or `exempt`. */
export type InFlightKind = 'readOnly' | 'mutating' | 'watch' | 'exempt';

const longRunningSubresources = new Set(['exec', 'attach', 'portforward', 'proxy']);
const healthPaths = new Set(['/healthz', '/livez', '/readyz']);

/** Classifies a request as upstream's filter does. */
export function inFlightKind(method: string, path: string, info: RequestInfo, query: URLSearchParams): InFlightKind {
  if (healthPaths.has(path) || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/')) return 'exempt';
  if (info.isResourceRequest) {
    if (info.verb === 'watch') return 'watch';
    if (longRunningSubresources.has(info.subresource) || (info.subresource === 'log' && boolParam(query, 'follow'))) return 'exempt';
  }
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'readOnly' : 'mutating';
}

/** Counts requests in flight per kind; {@link acquire} refuses past the limit. */
export class InFlightLimiter {
  private readonly limits: Record<Exclude<InFlightKind, 'exempt'>, number>;
  private readonly current = { readOnly: 0, mutating: 0, watch: 0 };

  constructor(limits: InFlightLimits = {}) {
    this.limits = { readOnly: limits.readOnly ?? 400, mutating: limits.mutating ?? 200, watch: limits.watches ?? 10_000 };
  }

  /**
   * Takes a slot for a request of `kind`; returns the function that gives it back (call it once,
   * when the response is done). @throws StatusError 429 when the limit is reached.
   */
  acquire(kind: InFlightKind): () => void {
    if (kind === 'exempt') return () => undefined;
    const limit = this.limits[kind];
    if (limit > 0 && this.current[kind] >= limit) {
      throw new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 });
    }
    this.current[kind]++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.current[kind]--;
    };
  }

  /** Requests in flight now, by kind. */
  inFlight(): { readOnly: number; mutating: number; watch: number } {
    return { ...this.current };
  }
}
