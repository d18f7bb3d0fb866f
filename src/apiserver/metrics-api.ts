/**
 * `metrics.k8s.io/v1beta1` served by the API server itself, as metrics-server serves it:
 * NodeMetrics and PodMetrics from the nodes' `/stats/summary`, each node scraped at most once
 * per resolution (metrics-server's --metric-resolution, 15 s here) and its answer reused
 * meanwhile. CPU is usageNanoCores when the node reports it, else the rate of
 * usageCoreNanoSeconds between this scrape and the one before (a container seen once has
 * none yet and is left out, as metrics-server does); memory is the working set.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { NowClock } from '../apimachinery/clock.js';
import { badRequest, StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { matchesLabels, parseLabelSelector } from '../apimachinery/selectors/labels.js';
import type { CPUStats, Summary } from '../apimachinery/stats-summary.js';
import { sendObject } from './handlers.js';
import type { RequestInfo } from './request-info.js';

export const metricsGroup = 'metrics.k8s.io';
const metricsVersion = 'v1beta1';

/** Options of {@link MetricsAPI}. */
export interface MetricsAPIOptions {
  listNodes(): Promise<Node[]>;
  /** The pods of a namespace ('' for all). */
  listPods(namespace: string): Promise<Pod[]>;
  /** A node's `/stats/summary` (throws when the node does not answer). */
  summary(node: Node): Promise<Summary>;
  clock: NowClock;
  /** How long a node's scrape is reused, in ms. Default 15000. */
  resolutionMs?: number;
  /** Told about nodes that could not be scraped. Default: nothing. */
  onScrapeError?: (node: string, err: unknown) => void;
}

/** One scrape of a node. */
interface Scrape {
  at: number;
  summary?: Summary;
  pending?: Promise<Summary | undefined>;
}

/** A usage figure: nanocores and working-set bytes, with its sample time and window. */
interface Usage {
  nanoCores: number;
  bytes: number;
  time: string;
  windowSeconds: number;
}

/** A quantity of nanocores as metrics-server writes it (`123456n`). */
export function cpuQuantity(nanoCores: number): string {
  return `${Math.max(0, Math.round(nanoCores))}n`;
}

/** A byte count as a BinarySI quantity (`1234Ki` when a whole number of KiB). */
export function memoryQuantity(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  return b % 1024 === 0 && b > 0 ? `${b / 1024}Ki` : String(b);
}

/** Serves NodeMetrics and PodMetrics; also what the in-process client reads them from. */
export class MetricsAPI {
  private readonly scrapes = new Map<string, Scrape>();
  /** The last two cumulative CPU samples of each node and container, for rates. */
  private readonly cpuSamples = new Map<string, { previous?: { time: number; usage: number }; last: { time: number; usage: number } }>();

  constructor(private readonly options: MetricsAPIOptions) {}

  /** True for metrics.k8s.io requests. */
  static handles(info: RequestInfo): boolean {
    return info.isResourceRequest && info.apiGroup === metricsGroup;
  }

  /** Answers a request (get and list; anything else 405, unknown versions and resources 404). */
  async serve(_req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams): Promise<void> {
    if (info.apiVersion !== metricsVersion || (info.resource !== 'nodes' && info.resource !== 'pods') || info.subresource) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (info.verb !== 'get' && info.verb !== 'list') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    if (info.verb === 'get') return sendObject(res, 200, await this.get(info.resource, info.namespace, info.name));
    sendObject(res, 200, await this.list(info.resource, info.namespace, query.get('labelSelector') ?? ''));
  }

  /** One NodeMetrics (`nodes`) or PodMetrics (`pods`); 404 as metrics-server when it has no figures. */
  async get(resource: string, namespace: string, name: string): Promise<KubeObject> {
    const items = resource === 'nodes' ? await this.nodeMetrics('', name) : await this.podMetrics(namespace, '', name);
    const found = items[0];
    if (!found) {
      const kind = resource === 'nodes' ? 'nodemetrics' : 'podmetrics';
      const shown = resource === 'nodes' ? name : `${namespace}/${name}`;
      throw new StatusError(404, 'NotFound', `${kind}.${metricsGroup} "${shown}" not found`, { name: shown, group: metricsGroup, kind });
    }
    return found;
  }

  /** NodeMetricsList or PodMetricsList, filtered by a label selector. */
  async list(resource: string, namespace: string, labelSelector: string): Promise<KubeObject & { items: KubeObject[] }> {
    const items = resource === 'nodes' ? await this.nodeMetrics(labelSelector) : await this.podMetrics(namespace, labelSelector);
    return { kind: resource === 'nodes' ? 'NodeMetricsList' : 'PodMetricsList', apiVersion: `${metricsGroup}/${metricsVersion}`, metadata: {}, items };
  }

  private selector(text: string) {
    try {
      return text ? parseLabelSelector(text) : undefined;
    } catch (err) {
      throw badRequest(`unable to parse requirement: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async nodeMetrics(labelSelector: string, onlyName?: string): Promise<KubeObject[]> {
    const selector = this.selector(labelSelector);
    const nodes = (await this.options.listNodes()).filter((n) => (!onlyName || n.metadata?.name === onlyName) && (!selector || matchesLabels(selector, n.metadata?.labels)));
    const out: KubeObject[] = [];
    for (const node of nodes) {
      const name = node.metadata?.name ?? '';
      const summary = await this.scrape(node);
      if (!summary) continue;
      const usage = this.usage(`node/${name}`, summary.node.cpu, summary.node.memory?.workingSetBytes);
      if (!usage) continue;
      out.push({
        kind: 'NodeMetrics',
        apiVersion: `${metricsGroup}/${metricsVersion}`,
        metadata: { name, creationTimestamp: this.options.clock.now().toISOString(), labels: node.metadata?.labels ?? {} },
        timestamp: usage.time,
        window: `${usage.windowSeconds}s`,
        usage: { cpu: cpuQuantity(usage.nanoCores), memory: memoryQuantity(usage.bytes) },
      });
    }
    return out;
  }

  private async podMetrics(namespace: string, labelSelector: string, onlyName?: string): Promise<KubeObject[]> {
    const selector = this.selector(labelSelector);
    const pods = (await this.options.listPods(namespace)).filter(
      (p) => p.spec?.nodeName && p.status?.phase === 'Running' && (!onlyName || p.metadata?.name === onlyName) && (!selector || matchesLabels(selector, p.metadata?.labels)),
    );
    const nodes = new Map((await this.options.listNodes()).map((n) => [n.metadata?.name ?? '', n]));
    const out: KubeObject[] = [];
    for (const pod of pods) {
      const node = nodes.get(pod.spec?.nodeName ?? '');
      const summary = node ? await this.scrape(node) : undefined;
      const stats = summary?.pods.find((s) => s.podRef.namespace === pod.metadata?.namespace && s.podRef.name === pod.metadata?.name);
      if (!stats || !stats.containers.length) continue;
      const containers: { name: string; usage: Record<string, string> }[] = [];
      let window = 0;
      let time = '';
      for (const c of stats.containers) {
        const usage = this.usage(`pod/${stats.podRef.uid}/${c.name}`, c.cpu, c.memory?.workingSetBytes);
        if (!usage) continue;
        window = Math.max(window, usage.windowSeconds);
        time = usage.time;
        containers.push({ name: c.name, usage: { cpu: cpuQuantity(usage.nanoCores), memory: memoryQuantity(usage.bytes) } });
      }
      // A pod with a container that has no rate yet has no metrics, as metrics-server.
      if (containers.length !== stats.containers.length) continue;
      out.push({
        kind: 'PodMetrics',
        apiVersion: `${metricsGroup}/${metricsVersion}`,
        metadata: { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', creationTimestamp: this.options.clock.now().toISOString(), labels: pod.metadata?.labels ?? {} },
        timestamp: time,
        window: `${window}s`,
        containers,
      });
    }
    return out;
  }

  /** A usage from a CPU and memory sample; undefined when no CPU rate is known yet. */
  private usage(key: string, cpu: CPUStats | undefined, workingSetBytes: number | undefined): Usage | undefined {
    if (!cpu) return undefined;
    const bytes = workingSetBytes ?? 0;
    if (cpu.usageNanoCores !== undefined) {
      return { nanoCores: cpu.usageNanoCores, bytes, time: cpu.time, windowSeconds: Math.max(1, Math.round((this.options.resolutionMs ?? 15_000) / 1000)) };
    }
    if (cpu.usageCoreNanoSeconds === undefined) return undefined;
    const time = Date.parse(cpu.time);
    const samples = this.cpuSamples.get(key);
    const latest = { time, usage: cpu.usageCoreNanoSeconds };
    // A new sample moves the window on; the same sample read again keeps it.
    const pair = !samples ? { last: latest } : time > samples.last.time ? { previous: samples.last, last: latest } : samples;
    this.cpuSamples.set(key, pair);
    const { previous, last } = pair;
    if (!previous || last.usage < previous.usage) return undefined;
    const elapsedMs = last.time - previous.time;
    return { nanoCores: ((last.usage - previous.usage) / (elapsedMs * 1e6)) * 1e9, bytes, time: cpu.time, windowSeconds: Math.max(1, Math.round(elapsedMs / 1000)) };
  }

  /** A node's summary, scraped at most once per resolution; undefined when the node does not answer. */
  private async scrape(node: Node): Promise<Summary | undefined> {
    const name = node.metadata?.name ?? '';
    const now = this.options.clock.now().getTime();
    const cached = this.scrapes.get(name);
    if (cached?.pending) return cached.pending;
    if (cached && now - cached.at < (this.options.resolutionMs ?? 15_000)) return cached.summary;
    const pending = this.options.summary(node).then(
      (summary) => {
        this.scrapes.set(name, { at: now, summary });
        return summary;
      },
      (err: unknown) => {
        this.options.onScrapeError?.(name, err);
        this.scrapes.set(name, { at: now, summary: undefined });
        return undefined;
      },
    );
    this.scrapes.set(name, { at: cached?.at ?? 0, summary: cached?.summary, pending });
    return pending;
  }
}
