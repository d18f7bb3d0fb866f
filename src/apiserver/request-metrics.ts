import type { GaugeChild, Counter, Gauge, Histogram, Registry } from '../apimachinery/metrics.js';
import type { RequestInfo } from './request-info.js';

/** Upstream's request latency buckets (k8s.io/apiserver/pkg/endpoints/metrics), in seconds. */
export const requestDurationBuckets: readonly number[] = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
];

/** The component label of every request metric, as upstream's APIServerComponent. */
const component = 'apiserver';

/** What identifies a request in the request metrics, as upstream labels it. */
export interface RequestLabels {
  /** GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE, ... */
  verb: string;
  /** 'All' for a dry run, else ''. */
  dryRun: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  /** 'resource', 'namespace', 'cluster', or '' for non-resource paths. */
  scope: string;
}

/** Upstream's CleanScope: a named object (or a create) is 'resource', then 'namespace', 'cluster', or ''. */
function scopeOf(info: RequestInfo): string {
  if (info.name !== '' || info.verb === 'create') return 'resource';
  if (info.namespace !== '') return 'namespace';
  if (info.isResourceRequest) return 'cluster';
  return '';
}

/** Upstream's reported verb: the HTTP method, with LIST, WATCH and APPLY told apart. */
function verbOf(method: string, info: RequestInfo, contentType: string | undefined): string {
  if (info.verb === 'watch') return 'WATCH';
  if (info.verb === 'list') return 'LIST';
  if (method === 'HEAD') return 'GET';
  if (method === 'PATCH' && contentType?.startsWith('application/apply-patch')) return 'APPLY';
  switch (method) {
    case 'GET':
    case 'POST':
    case 'PUT':
    case 'PATCH':
    case 'DELETE':
    case 'OPTIONS':
    case 'CONNECT':
      return method;
    default:
      // Unbounded label values are refused, as upstream's cleanVerb does.
      return 'other';
  }
}

/**
 * The API server's request metrics with upstream's names: `apiserver_request_total`,
 * `apiserver_request_duration_seconds` and `apiserver_longrunning_requests`.
 */
export class ApiServerRequestMetrics {
  private readonly total: Counter;
  private readonly duration: Histogram;
  private readonly longRunning: Gauge;

  constructor(registry: Registry) {
    this.total = registry.counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component', 'code'],
    });
    this.duration = registry.histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      buckets: requestDurationBuckets,
    });
    this.longRunning = registry.gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
    });
  }

  /**
   * The labels of a request. `known` says whether the resource exists: an unknown one is
   * reported without group, version and resource, so that made-up paths cannot grow the series.
   */
  static labelsOf(method: string, info: RequestInfo, query: URLSearchParams, contentType: string | undefined, known: boolean): RequestLabels {
    const resource = info.isResourceRequest && known;
    return {
      verb: verbOf(method, info, contentType),
      dryRun: query.get('dryRun') === 'All' ? 'All' : '',
      group: resource ? info.apiGroup : '',
      version: resource ? info.apiVersion : '',
      resource: resource ? info.resource : '',
      subresource: resource ? info.subresource : '',
      scope: scopeOf(info),
    };
  }

  /** Records one finished request: its response code and how long it took. */
  observe(l: RequestLabels, code: number, seconds: number): void {
    this.total.labels(l.verb, l.dryRun, l.group, l.version, l.resource, l.subresource, l.scope, component, String(code)).inc();
    this.duration.labels(l.verb, l.dryRun, l.group, l.version, l.resource, l.subresource, l.scope, component).observe(seconds);
  }

  /** The gauge of long-running requests (watches, streams to a node) with these labels. */
  longRunningGauge(l: RequestLabels): GaugeChild {
    return this.longRunning.labels(l.verb, l.group, l.version, l.resource, l.subresource, l.scope, component);
  }
}
