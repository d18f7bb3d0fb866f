import { parseMetricsText, type MetricSample } from './metrics-text.js';
import type { TrafficSample } from './snapshot.js';

/** The data-plane metrics the live pictures read (agreed names; see INSPECT.md). */
export const trafficMetrics = {
  ingressRecent: 'skiff_ingress_upstream_recent_requests',
  ingressTotal: 'skiff_ingress_upstream_requests_total',
  serviceConnections: 'skiff_proxy_endpoint_connections',
  serviceConnectionsTotal: 'skiff_proxy_endpoint_connections_total',
} as const;

/** The window of `skiff_ingress_upstream_recent_requests`: the last 60 s. */
const ingressWindowSeconds = 60;
/**
 * What a conntrack entry counts: a connection open now or closed in the last 120 s (TCP's
 * TIME_WAIT timeout), so `skiff_proxy_endpoint_connections` is "current and recent" over 120 s.
 */
const conntrackWindowSeconds = 120;

/** Counter values of the previous scrape, to turn counters into recent counts. */
export interface CounterMemory {
  /** When they were read, in ms. */
  at: number;
  /** `source|backend` → counter value. */
  values: Map<string, number>;
}

/** One scrape's text: the API server's /metrics (Ingress/Gateway) or a node's (Services). */
export interface MetricsScrape {
  source: 'ingress' | 'service';
  text: string;
}

function sumBy(samples: MetricSample[], name: string, backendOf: (labels: Record<string, string>) => string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name || !Number.isFinite(s.value)) continue;
    const backend = backendOf(s.labels);
    if (backend !== undefined) out.set(backend, (out.get(backend) ?? 0) + s.value);
  }
  return out;
}

const serviceOf = (l: Record<string, string>): string | undefined => (l.namespace && l.service ? `${l.namespace}/${l.service}` : undefined);
const endpointOf = (l: Record<string, string>): string | undefined => (l.namespace && l.service && l.endpoint ? `${l.namespace}/${l.service}/${l.endpoint}` : undefined);

/**
 * Turns scraped metrics into {@link TrafficSample}s: a gauge of recent requests or connections
 * when the data plane has one (Ingress: the last 60 s per Service; a Service: conntrack entries
 * per endpoint, summed over the nodes), else the rise of its counter since the previous scrape
 * (the window being the time between the two). A metric absent from every scrape gives no
 * samples. Returns the counters to pass back next time.
 */
export function trafficFromMetrics(scrapes: MetricsScrape[], previous: CounterMemory | undefined, now: number): { samples: TrafficSample[]; counters: CounterMemory } {
  const wanted = new Set<string>(Object.values(trafficMetrics));
  const ingress = scrapes.filter((s) => s.source === 'ingress').flatMap((s) => parseMetricsText(s.text, wanted));
  const service = scrapes.filter((s) => s.source === 'service').flatMap((s) => parseMetricsText(s.text, wanted));
  const counters: CounterMemory = { at: now, values: new Map() };
  const samples: TrafficSample[] = [];
  const add = (source: TrafficSample['source'], gauge: Map<string, number>, totals: Map<string, number>, gaugeWindow: number): void => {
    for (const [backend, count] of gauge) samples.push({ source, backend, count, windowSeconds: gaugeWindow });
    for (const [backend, total] of totals) {
      const key = `${source}|${backend}`;
      counters.values.set(key, total);
      if (gauge.has(backend)) continue;
      const before = previous?.values.get(key);
      if (before === undefined || !previous || now <= previous.at) continue;
      // A counter that went down was reset (the data plane restarted): all of it is recent.
      samples.push({ source, backend, count: total >= before ? total - before : total, windowSeconds: Math.max(1, Math.round((now - previous.at) / 1000)) });
    }
  };
  add('ingress', sumBy(ingress, trafficMetrics.ingressRecent, serviceOf), sumBy(ingress, trafficMetrics.ingressTotal, serviceOf), ingressWindowSeconds);
  add('service', sumBy(service, trafficMetrics.serviceConnections, endpointOf), sumBy(service, trafficMetrics.serviceConnectionsTotal, endpointOf), conntrackWindowSeconds);
  samples.sort((a, b) => a.source.localeCompare(b.source) || a.backend.localeCompare(b.backend));
  return { samples, counters };
}
