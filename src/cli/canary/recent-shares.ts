import { errorMessage } from '../../apimachinery/errors.js';
import { upstreamRecentRequestsMetric } from '../../ingress/upstream-traffic.js';
import type { AccessLogShares } from './canary-status.js';

/** The labels of one sample line of the text exposition format, unescaped. */
function sampleLabels(text: string): Map<string, string> | undefined {
  const labels = new Map<string, string>();
  const pair = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let at = 0;
  while (at < text.length) {
    pair.lastIndex = at;
    const m = pair.exec(text);
    if (!m) return undefined;
    labels.set(m[1]!, m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)));
    at = pair.lastIndex;
  }
  return labels;
}

/**
 * The requests each Service of `namespace` got in the last minute, summed over its ports, from
 * the ingress controller's `skiff_ingress_upstream_recent_requests` gauge in a Prometheus text
 * exposition; undefined when the exposition has no such family (no access log is kept).
 */
export function recentRequestsByService(exposition: string, namespace: string): Map<string, number> | undefined {
  let present = false;
  const counts = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`# TYPE ${upstreamRecentRequestsMetric} `)) present = true;
    if (!line.startsWith(`${upstreamRecentRequestsMetric}{`)) continue;
    const close = line.lastIndexOf('}');
    const labels = sampleLabels(line.slice(upstreamRecentRequestsMetric.length + 1, close));
    const value = Number(line.slice(close + 1).trim().split(/\s+/)[0]);
    const service = labels?.get('service');
    if (!labels || labels.get('namespace') !== namespace || service === undefined || !Number.isFinite(value)) continue;
    present = true;
    counts.set(service, (counts.get(service) ?? 0) + value);
  }
  return present ? counts : undefined;
}

/**
 * The {@link AccessLogShares} of `skiff canary status`: the API server's /metrics, read with the
 * user's own credentials (`getText`; RBAC decides, as for `kubectl get --raw /metrics`). When it
 * cannot be read or holds no access-log counts, the answer says why.
 */
export function metricsAccessLogShares(getText: (path: string) => Promise<string>): AccessLogShares {
  return async (namespace, services) => {
    let text: string;
    try {
      text = await getText('/metrics');
    } catch (err) {
      return `not available: GET /metrics: ${errorMessage(err)}`;
    }
    const counts = recentRequestsByService(text, namespace);
    if (!counts) return 'not available: the server keeps no access log of the ingress data plane (no Ingress controller runs on it)';
    return new Map(services.map((s) => [s, counts.get(s) ?? 0]));
  };
}
