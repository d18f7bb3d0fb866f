import { systemClock, type NowClock } from '../apimachinery/clock.js';
import type { Counter, Gauge, Registry } from '../apimachinery/metrics.js';

/** The counter of proxied requests per Service port and status code. */
export const upstreamRequestsMetric = 'skiff_ingress_upstream_requests_total';
/** The gauge of the requests per Service port in the last window (60 s). */
export const upstreamRecentRequestsMetric = 'skiff_ingress_upstream_recent_requests';

/** A Service port requests were proxied to. */
export interface UpstreamBackend {
  namespace: string;
  service: string;
  /** The Service's port number, as text. */
  port: string;
}

/** Options of {@link UpstreamTraffic}. */
export interface UpstreamTrafficOptions {
  /** Where the two families are declared (the server's registry, served at the API server's /metrics). */
  registry: Registry;
  /** Default the system clock. */
  clock?: NowClock;
  /** What "recent" means, in whole seconds. Default 60. */
  windowSeconds?: number;
}

/** Requests per second over the window, as a ring of one-second slots. */
class RecentWindow {
  private readonly seconds: number[];
  private readonly counts: number[];

  constructor(private readonly size: number) {
    this.seconds = new Array<number>(size).fill(-Infinity);
    this.counts = new Array<number>(size).fill(0);
  }

  add(second: number): void {
    const i = second % this.size;
    if (this.seconds[i] !== second) {
      this.seconds[i] = second;
      this.counts[i] = 0;
    }
    this.counts[i]!++;
  }

  /** Requests in the `size` seconds ending with `second` (included). */
  sum(second: number): number {
    let total = 0;
    for (let i = 0; i < this.size; i++) if (second - this.seconds[i]! < this.size) total += this.counts[i]!;
    return total;
  }
}

/**
 * Counts the requests the data plane proxied to each Service port, as the API server's
 * /metrics shows them: `skiff_ingress_upstream_requests_total{namespace,service,port,code}` (a
 * counter) and `skiff_ingress_upstream_recent_requests{namespace,service,port}` (a gauge: the
 * requests of the last `windowSeconds`, computed when the metrics are read). Memory is bounded
 * by the number of Service ports that ever took a request (one ring of slots each).
 */
export class UpstreamTraffic {
  private readonly total: Counter;
  private readonly recent: Gauge;
  private readonly windows = new Map<string, { backend: UpstreamBackend; window: RecentWindow }>();
  private readonly clock: NowClock;
  private readonly windowSeconds: number;
  /** Removes the collect hook. */
  readonly close: () => void;

  constructor(options: UpstreamTrafficOptions) {
    this.clock = options.clock ?? systemClock;
    this.windowSeconds = options.windowSeconds ?? 60;
    this.total = options.registry.counter({
      name: upstreamRequestsMetric,
      help: 'Requests the ingress data plane (nginx) proxied to a Service port, by the status code sent to the client, from its access log.',
      labelNames: ['namespace', 'service', 'port', 'code'],
    });
    this.recent = options.registry.gauge({
      name: upstreamRecentRequestsMetric,
      help: `Requests the ingress data plane (nginx) proxied to a Service port in the last ${this.windowSeconds} seconds, from its access log.`,
      labelNames: ['namespace', 'service', 'port'],
    });
    this.close = options.registry.onCollect(() => this.collect());
  }

  /** Counts one request proxied to `backend` that was answered with `code`. */
  record(backend: UpstreamBackend, code: string): void {
    this.total.labels(backend.namespace, backend.service, backend.port, code).inc();
    const key = `${backend.namespace}/${backend.service}/${backend.port}`;
    let entry = this.windows.get(key);
    if (!entry) {
      entry = { backend, window: new RecentWindow(this.windowSeconds) };
      this.windows.set(key, entry);
    }
    entry.window.add(this.second());
  }

  /** The requests of the last window per backend (`namespace/service/port`). */
  recentRequests(): Map<string, number> {
    const second = this.second();
    return new Map([...this.windows].map(([key, { window }]) => [key, window.sum(second)]));
  }

  private second(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  private collect(): void {
    const second = this.second();
    for (const { backend, window } of this.windows.values()) this.recent.labels(backend.namespace, backend.service, backend.port).set(window.sum(second));
  }
}
