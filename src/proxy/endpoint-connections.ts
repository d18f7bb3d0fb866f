/**
 * The measured side of a Service canary, from the data plane itself: how many of the node's
 * tracked connections (current, and recently closed ones still in the table: TCP's TIME_WAIT
 * keeps them two minutes) each endpoint of each Service port answered, read from conntrack when
 * metrics are scraped.
 */
import { createReadStream } from 'node:fs';
import type { Counter, Gauge, Registry } from '../apimachinery/metrics.js';
import { parseConntrackLine, textLines } from './conntrack-entries.js';
import { frontendKey, type FrontendIndex, type ServicePortRef } from './frontend-index.js';

/** Connections one endpoint of one Service port answered. */
export interface EndpointConnections {
  ref: ServicePortRef;
  /** `ip:port`. */
  endpoint: string;
  count: number;
}

/** What {@link tallyEndpointConnections} found. */
export interface ConnectionTally {
  /** By Service port and endpoint. */
  counts: Map<string, EndpointConnections>;
  /** Table lines read. */
  entries: number;
  /** Whether the table had more lines than the cap (the rest were not read). */
  truncated: boolean;
}

/** Options of {@link tallyEndpointConnections}. */
export interface TallyOptions {
  /** Lines read at most. Default 1,048,576 (four times the kernel's usual nf_conntrack_max). */
  maxEntries?: number;
}

/** Default cap on conntrack lines read per scrape. */
export const defaultMaxEntries = 1_048_576;

/**
 * Counts the conntrack entries whose original destination is a Service frontend of `index` and
 * whose reply source (after DNAT) is another address: that is the endpoint. Lines come in
 * batches (a file read piece by piece), so a large table never blocks the event loop for long.
 */
export async function tallyEndpointConnections(batches: AsyncIterable<string[]>, index: FrontendIndex, options: TallyOptions = {}): Promise<ConnectionTally> {
  const maxEntries = options.maxEntries ?? defaultMaxEntries;
  const counts = new Map<string, EndpointConnections>();
  let entries = 0;
  for await (const lines of batches) {
    for (const line of lines) {
      if (line === '') continue;
      if (entries >= maxEntries) return { counts, entries, truncated: true };
      entries++;
      const entry = parseConntrackLine(line);
      if (!entry) continue;
      const ref = index.get(frontendKey(entry.protocol, entry.originalDestination, entry.originalDestinationPort));
      if (!ref) continue;
      // Not DNATed: a frontend without endpoints (refused), nothing answered for the Service.
      if (entry.replySource === entry.originalDestination && entry.replySourcePort === entry.originalDestinationPort) continue;
      const endpoint = `${entry.replySource}:${entry.replySourcePort}`;
      const key = seriesKey(ref, endpoint);
      const seen = counts.get(key);
      if (seen) seen.count++;
      else counts.set(key, { ref, endpoint, count: 1 });
    }
  }
  return { counts, entries, truncated: false };
}

/** The lines of /proc/net/nf_conntrack (this process's network namespace), read in 64 KiB pieces. */
export function procConntrackLines(path = '/proc/net/nf_conntrack'): AsyncIterable<string[]> {
  return textLines(createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 }));
}

/** Options of {@link EndpointConnectionMetrics}. */
export interface EndpointConnectionMetricsOptions {
  registry: Registry;
  /** The Service frontends now (the proxy's {@link ServiceProxy.frontendIndex}). */
  frontends: () => FrontendIndex;
  /** Reads the conntrack table. Default {@link procConntrackLines}. */
  readConntrack?: () => AsyncIterable<string[]>;
  /** Default {@link defaultMaxEntries}. */
  maxEntries?: number;
  /** Told when the table is larger than `maxEntries` (once until it is not). Default: nothing. */
  onTruncated?: (entries: number) => void;
  /**
   * The kernel's new-connection counts ({@link ConnectionCounters}) and what they belong to,
   * for `skiff_proxy_endpoint_connections_total`. Default: none, and that family is not served.
   */
  counters?: {
    /** Counts by {@link counterKey}. */
    read: () => Promise<Map<string, number>>;
    /** The Service port of each counted pair now; null when ambiguous ({@link endpointAttribution}). */
    attribution: () => Map<string, ServicePortRef | null>;
  };
}

/** A counter series: a Service port and endpoint with the connections counted so far. */
interface CounterSeries {
  ref: ServicePortRef;
  endpoint: string;
  total: number;
}

function seriesKey(ref: ServicePortRef, endpoint: string): string {
  return `${ref.namespace}/${ref.service}\n${ref.port}\n${endpoint}`;
}

/**
 * `skiff_proxy_endpoint_connections{namespace,service,port,endpoint}`: conntrack entries per
 * Service port and endpoint, read at each scrape (a collect hook, no timer); with `counters`,
 * `skiff_proxy_endpoint_connections_total`: new connections per Service port and endpoint as
 * the kernel counted them, kept increasing across the kernel's own resets (an element
 * forgotten after an idle hour starts again at 0). Concurrent scrapes share one read.
 */
export class EndpointConnectionMetrics {
  private readonly connections: Gauge;
  private readonly scanned: Gauge;
  private readonly newConnections: Counter | undefined;
  private reading: Promise<void> | undefined;
  private readingCounters: Promise<void> | undefined;
  private wasTruncated = false;
  /** The kernel's count per pair at the last scrape. */
  private readonly kernelCounts = new Map<string, number>();
  private readonly totals = new Map<string, CounterSeries>();

  constructor(private readonly options: EndpointConnectionMetricsOptions) {
    this.connections = options.registry.gauge({
      name: 'skiff_proxy_endpoint_connections',
      help:
        "Connections in this node's conntrack table to a Service port (ClusterIP, NodePort or load-balancer address) answered by an endpoint (ip:port): current ones and recently closed ones still tracked. Port is the Service port's number, with /PROTOCOL unless TCP.",
      labelNames: ['namespace', 'service', 'port', 'endpoint'],
    });
    this.scanned = options.registry.gauge({
      name: 'skiff_proxy_conntrack_entries_read',
      help: "Entries of this node's conntrack table read at the last scrape (at most the proxy's cap).",
    });
    if (options.counters) {
      this.newConnections = options.registry.counter({
        name: 'skiff_proxy_endpoint_connections_total',
        help:
          'New connections this node sent to a Service port (ClusterIP, NodePort or load-balancer address) and an endpoint (ip:port), counted by the kernel at the DNAT. Frontend address and endpoint pairs that two Service ports share are left out.',
        labelNames: ['namespace', 'service', 'port', 'endpoint'],
      });
    }
  }

  /** Starts answering scrapes; returns a function that stops. */
  register(): () => void {
    const stops = [this.options.registry.onCollect(() => (this.reading ??= this.collect().finally(() => (this.reading = undefined))))];
    if (this.options.counters) {
      stops.push(this.options.registry.onCollect(() => (this.readingCounters ??= this.collectCounters().finally(() => (this.readingCounters = undefined)))));
    }
    return () => stops.forEach((stop) => stop());
  }

  private async collectCounters(): Promise<void> {
    const counters = this.options.counters!;
    const counts = await counters.read();
    const attribution = counters.attribution();
    const live = new Set<string>();
    for (const [pair, ref] of attribution) if (ref) live.add(seriesKey(ref, pair.slice(pair.lastIndexOf(' ') + 1)));
    for (const [pair, count] of counts) {
      const ref = attribution.get(pair);
      if (!ref) {
        this.kernelCounts.delete(pair);
        continue;
      }
      const last = this.kernelCounts.get(pair) ?? 0;
      this.kernelCounts.set(pair, count);
      const endpoint = pair.slice(pair.lastIndexOf(' ') + 1);
      const key = seriesKey(ref, endpoint);
      let series = this.totals.get(key);
      if (!series) this.totals.set(key, (series = { ref, endpoint, total: 0 }));
      // Below the last count: the kernel forgot the pair and counts again from 0.
      series.total += count >= last ? count - last : count;
    }
    // A pair the kernel no longer holds starts again at 0 when it comes back.
    for (const pair of this.kernelCounts.keys()) if (!counts.has(pair)) this.kernelCounts.delete(pair);
    for (const key of this.totals.keys()) if (!live.has(key)) this.totals.delete(key);
    this.newConnections!.reset();
    for (const { ref, endpoint, total } of this.totals.values()) this.newConnections!.labels(ref.namespace, ref.service, ref.port, endpoint).inc(total);
  }

  private async collect(): Promise<void> {
    const read = this.options.readConntrack ?? (() => procConntrackLines());
    const tally = await tallyEndpointConnections(read(), this.options.frontends(), { maxEntries: this.options.maxEntries });
    if (tally.truncated && !this.wasTruncated) this.options.onTruncated?.(tally.entries);
    this.wasTruncated = tally.truncated;
    this.scanned.set(tally.entries);
    this.connections.reset();
    for (const { ref, endpoint, count } of tally.counts.values()) this.connections.labels(ref.namespace, ref.service, ref.port, endpoint).set(count);
  }
}
