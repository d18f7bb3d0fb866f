/**
 * What `skiff ui` knows of the cluster: one informer per snapshot kind, with the user's own
 * client (so RBAC applies: a kind the user may not list is named in `forbidden` and tried again
 * now and then), a bounded log of recent changes for the time views, log tails of containers
 * losing a port, and, while a view that draws traffic is open, the data planes' counts.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { systemClock, type Clock, type TimerHandle } from '../apimachinery/clock.js';
import { isStatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { Client, ResourceRef } from '../client/client.js';
import { resourcePath } from '../client/https-client.js';
import { Informer } from '../client/informer.js';
import { containersLosingPorts } from './port-claims.js';
import {
  snapshotKinds,
  snapshotResources,
  type ClusterSnapshot,
  type ContainerLogTail,
  type ObservedChange,
  type SnapshotKind,
  type TrafficSample,
} from './snapshot.js';
import { trafficFromMetrics, type CounterMemory, type MetricsScrape } from './traffic-samples.js';

/** GETs a non-resource path (metrics, a pod's log) as the user; throws StatusError on a non-2xx answer. */
export type TextGetter = (path: string, signal: AbortSignal) => Promise<string>;

/** Options of {@link ClusterObserver}. */
export interface ClusterObserverOptions {
  /** The user's own client: everything is read with their rights. */
  client: Client;
  /** Reads metrics and pod logs. Default none: no traffic samples and no log tails. */
  getText?: TextGetter;
  /** The namespace to observe; '' (default) all. Nodes and IngressClasses are cluster-wide anyway. */
  namespace?: string;
  /** Default the system clock. */
  clock?: Clock;
  /** Changes kept at most. Default 2000. */
  maxChanges?: number;
  /** How long a change is kept, in ms. Default 15 minutes. */
  changeWindowMs?: number;
  /** Kinds whose changes are logged. Default every kind but events and nodes (heartbeats). */
  changeKinds?: readonly SnapshotKind[];
  /** Change notifications are held this long to gather a burst into one. Default 100 ms. */
  debounceMs?: number;
  /** How often a forbidden or absent (CRD not installed) resource, and access to Secrets, is checked again. Default 60 s. */
  recheckMs?: number;
  /** How often the data planes are scraped while traffic is wanted. Default 5 s. */
  trafficIntervalMs?: number;
  /** Log tails kept at most. Default 100. */
  maxLogTails?: number;
  /** Told about failures other than 403 and 404. Default console.error. */
  onError?: (error: unknown) => void;
}

const clusterScoped: ReadonlySet<SnapshotKind> = new Set(['nodes', 'ingressClasses']);

/** Where a kind stands. */
type KindStatus = 'starting' | 'watching' | 'forbidden' | 'absent';

interface KindState {
  status: KindStatus;
  informer?: Informer<KubeObject>;
}

const accessReviews: ResourceRef = { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews' };

function isForbidden(err: unknown): boolean {
  return isStatusError(err, 403) || isStatusError(err, 401);
}

function byKey(a: KubeObject, b: KubeObject): number {
  return (a.metadata?.namespace ?? '').localeCompare(b.metadata?.namespace ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/**
 * The live state behind `skiff ui`. {@link start} runs it until the signal aborts;
 * {@link snapshot} is what views draw; {@link onChange} hears of changes (debounced);
 * {@link wantTraffic} turns metrics scraping on while a traffic view is open.
 */
export class ClusterObserver {
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly namespace: string;
  private readonly reportError: (error: unknown) => void;
  private readonly kinds = new Map<SnapshotKind, KindState>();
  private readonly listeners = new Set<() => void>();
  private readonly changeKinds: ReadonlySet<SnapshotKind>;
  private changes: ObservedChange[] = [];
  private secretsReadable = false;
  private traffic: TrafficSample[] = [];
  private counters: CounterMemory | undefined;
  private trafficDemand = 0;
  private trafficStop: AbortController | undefined;
  private readonly logTails = new Map<string, ContainerLogTail>();
  /** `uid/container/restartCount` of log tails fetched or being fetched. */
  private readonly logsAsked = new Set<string>();
  private logsForbiddenUntil = 0;
  /** Scrape paths whose failure was already reported. */
  private readonly scrapeFailures = new Set<string>();
  private notifyTimer: TimerHandle | undefined;
  private cached: Omit<ClusterSnapshot, 'now'> | undefined;
  private signal: AbortSignal | undefined;
  private readonly readyWaiters = new Set<() => void>();

  constructor(private readonly options: ClusterObserverOptions) {
    this.client = options.client;
    this.clock = options.clock ?? systemClock;
    this.namespace = options.namespace ?? '';
    this.reportError = options.onError ?? ((error) => console.error('skiff ui:', error));
    this.changeKinds = new Set(options.changeKinds ?? snapshotKinds.filter((k) => k !== 'events' && k !== 'nodes'));
    for (const kind of snapshotKinds) this.kinds.set(kind, { status: 'starting' });
  }

  /** Starts watching until `signal` aborts; resolves once everything has stopped. */
  async start(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    signal.addEventListener('abort', () => {
      this.notifyTimer?.cancel();
      this.trafficStop?.abort();
    }, { once: true });
    await Promise.all([...snapshotKinds.map((kind) => this.runKind(kind, signal)), this.checkSecrets(signal)]);
  }

  /** Resolves once every kind has been listed (or found forbidden or absent), or `signal` aborts. */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.isReady() || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.readyWaiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.readyWaiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Calls `listener` (at most once per debounce period) after the snapshot changed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Asks for the data planes' counts until the returned function is called: the first demand
   * starts scraping every `trafficIntervalMs`, the last release stops it.
   */
  wantTraffic(): () => void {
    this.trafficDemand++;
    if (this.trafficDemand === 1 && this.signal && !this.signal.aborted && this.options.getText) {
      const stop = new AbortController();
      this.trafficStop = stop;
      void this.scrapeLoop(stop.signal);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.trafficDemand--;
      if (this.trafficDemand === 0) {
        this.trafficStop?.abort();
        this.trafficStop = undefined;
      }
    };
  }

  /** The cluster as the user may see it now. Objects are the cached ones: do not modify them. */
  snapshot(): ClusterSnapshot {
    const now = this.clock.now().getTime();
    this.trimChanges(now);
    if (!this.cached) {
      const lists = Object.fromEntries(
        snapshotKinds.map((kind) => {
          const state = this.kinds.get(kind);
          const items = state?.status === 'watching' && state.informer ? [...state.informer.list()].sort(byKey) : [];
          return [kind, items];
        }),
      ) as unknown as Pick<ClusterSnapshot, SnapshotKind>;
      const forbidden = snapshotKinds.filter((k) => this.kinds.get(k)?.status === 'forbidden').map((k) => snapshotResources[k].resource);
      if (!this.secretsReadable) forbidden.push('secrets');
      this.cached = {
        ...lists,
        forbidden: [...new Set(forbidden)].sort(),
        changes: [...this.changes],
        traffic: [...this.traffic],
        containerLogs: [...this.logTails.values()].sort((a, b) => `${a.namespace}/${a.pod}/${a.container}`.localeCompare(`${b.namespace}/${b.pod}/${b.container}`)),
      };
    }
    return { ...this.cached, now };
  }

  private isReady(): boolean {
    return [...this.kinds.values()].every((s) => s.status !== 'starting' && (s.status !== 'watching' || s.informer?.hasSynced() === true));
  }

  private checkReady(): void {
    if (this.readyWaiters.size && this.isReady()) for (const wake of [...this.readyWaiters]) wake();
  }

  private changed(): void {
    this.cached = undefined;
    if (this.notifyTimer || this.signal?.aborted) return;
    this.notifyTimer = this.clock.setTimer(this.options.debounceMs ?? 100, () => {
      this.notifyTimer = undefined;
      for (const listener of [...this.listeners]) {
        try {
          listener();
        } catch (err) {
          this.reportError(err);
        }
      }
    });
  }

  private trimChanges(now: number): void {
    const window = this.options.changeWindowMs ?? 15 * 60_000;
    const max = this.options.maxChanges ?? 2000;
    let drop = 0;
    while (drop < this.changes.length && (this.changes.length - drop > max || (this.changes[drop]?.at ?? now) < now - window)) drop++;
    if (drop > 0) {
      this.changes = this.changes.slice(drop);
      this.cached = undefined;
    }
  }

  private record(kind: SnapshotKind, informer: Informer<KubeObject>, type: ObservedChange['type'], object: KubeObject): void {
    // The first list is the state, not a change.
    if (this.changeKinds.has(kind) && informer.hasSynced()) {
      const at = this.clock.now().getTime();
      this.changes.push({ at, type, kind, object });
      this.trimChanges(at);
    }
    if (kind === 'pods') this.podSeen(object as Pod, type);
    this.changed();
  }

  /** Lists and watches one kind; on 403 or 404 drops what it had and tries again after `recheckMs`. */
  private async runKind(kind: SnapshotKind, signal: AbortSignal): Promise<void> {
    const ref = snapshotResources[kind];
    const state = this.kinds.get(kind) ?? { status: 'starting' };
    while (!signal.aborted) {
      const stop = new AbortController();
      const onAbort = (): void => stop.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      let verdict: KindStatus | undefined;
      const informer = new Informer<KubeObject>(this.client, ref, {
        namespace: clusterScoped.has(kind) ? '' : this.namespace,
        clock: this.clock,
        onError: (err) => {
          if (isForbidden(err) || isStatusError(err, 404)) {
            verdict = isStatusError(err, 404) ? 'absent' : 'forbidden';
            stop.abort();
          } else {
            this.reportError(err);
          }
        },
      });
      informer.addEventHandler({
        onAdd: (o) => this.record(kind, informer, 'ADDED', o),
        onUpdate: (before, after) => {
          if (before !== after) this.record(kind, informer, 'MODIFIED', after);
        },
        onDelete: (o) => this.record(kind, informer, 'DELETED', o),
      });
      state.informer = informer;
      state.status = 'watching';
      this.kinds.set(kind, state);
      void informer.waitForSync(stop.signal).then((synced) => {
        if (synced) {
          this.changed();
          this.checkReady();
        }
      });
      await informer.start(stop.signal);
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) break;
      // Stopped by a 403 or 404: what the user saw is no longer theirs to see.
      state.informer = undefined;
      state.status = verdict ?? 'forbidden';
      if (kind === 'pods') this.logTails.clear();
      this.changed();
      this.checkReady();
      await this.clock.sleep(this.options.recheckMs ?? 60_000, signal);
    }
  }

  /** Whether the user may list Secrets (where they are observed), asked with a SelfSubjectAccessReview. */
  private async checkSecrets(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let readable = false;
      try {
        const review = await this.client.create<KubeObject & { status?: { allowed?: boolean } }>(accessReviews, '', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb: 'list', resource: 'secrets', ...(this.namespace ? { namespace: this.namespace } : {}) } },
        });
        readable = review.status?.allowed === true;
      } catch (err) {
        // Not knowing counts as not readable: a Secret's name stays hidden.
        if (!isForbidden(err) && !isStatusError(err, 404) && !signal.aborted) this.reportError(err);
      }
      if (readable !== this.secretsReadable) {
        this.secretsReadable = readable;
        this.changed();
      }
      await this.clock.sleep(this.options.recheckMs ?? 60_000, signal);
    }
  }

  /** Fetches the log tail of each container that loses a port, once per restart. */
  private podSeen(pod: Pod, type: ObservedChange['type']): void {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    if (type === 'DELETED') {
      for (const [key, tail] of this.logTails) if (tail.namespace === namespace && tail.pod === name) this.logTails.delete(key);
      return;
    }
    const getText = this.options.getText;
    const signal = this.signal;
    if (!getText || !signal || signal.aborted || this.clock.now().getTime() < this.logsForbiddenUntil) return;
    for (const container of containersLosingPorts(pod)) {
      const status = pod.status?.containerStatuses?.find((s) => s.name === container);
      const restarts = status?.restartCount ?? 0;
      const asked = `${pod.metadata?.uid ?? `${namespace}/${name}`}/${container}/${restarts}`;
      if (this.logsAsked.has(asked)) continue;
      this.logsAsked.add(asked);
      void this.fetchLogTail(getText, signal, namespace, name, container, restarts > 0);
    }
  }

  private async fetchLogTail(getText: TextGetter, signal: AbortSignal, namespace: string, pod: string, container: string, restarted: boolean): Promise<void> {
    const path = (previous: boolean): string =>
      `${resourcePath({ group: '', version: 'v1', resource: 'pods' }, namespace, pod, 'log')}?container=${encodeURIComponent(container)}&tailLines=20${previous ? '&previous=true' : ''}`;
    // The previous run's log says why it ended; a container that never ran before has only its current log.
    for (const previous of restarted ? [true, false] : [false]) {
      try {
        const text = await getText(path(previous), signal);
        const key = `${namespace}/${pod}/${container}`;
        this.logTails.set(key, { namespace, pod, container, previous, lines: text.split('\n') });
        const max = this.options.maxLogTails ?? 100;
        while (this.logTails.size > max) this.logTails.delete(this.logTails.keys().next().value ?? key);
        this.changed();
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (isForbidden(err)) {
          this.logsForbiddenUntil = this.clock.now().getTime() + (this.options.recheckMs ?? 60_000);
          return;
        }
        // 400: no previous run to read (yet); try the current log.
        if (!isStatusError(err, 400) && !isStatusError(err, 404)) this.reportError(err);
      }
    }
  }

  private async scrapeLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.scrapeOnce(signal);
      await this.clock.sleep(this.options.trafficIntervalMs ?? 5000, signal);
    }
    if (this.traffic.length) {
      this.traffic = [];
      this.counters = undefined;
      this.changed();
    }
  }

  /** One round: the API server's /metrics and each node's, as the user may read them. */
  private async scrapeOnce(signal: AbortSignal): Promise<void> {
    const getText = this.options.getText;
    if (!getText) return;
    const nodes = this.kinds.get('nodes')?.informer?.list() ?? [];
    const targets: { source: MetricsScrape['source']; path: string }[] = [
      { source: 'ingress', path: '/metrics' },
      ...nodes.map((n) => ({ source: 'service' as const, path: `/api/v1/nodes/${encodeURIComponent(n.metadata?.name ?? '')}/proxy/metrics` })),
    ];
    const answers = await Promise.allSettled(targets.map(async (t) => ({ source: t.source, text: await getText(t.path, signal) })));
    if (signal.aborted) return;
    const scrapes: MetricsScrape[] = [];
    answers.forEach((a, i) => {
      const path = targets[i]?.path ?? '';
      if (a.status === 'fulfilled') {
        scrapes.push(a.value);
        this.scrapeFailures.delete(path);
        return;
      }
      // A 403 or a node without metrics: no samples from there. Other failures (a node down) are told once.
      if (isForbidden(a.reason) || isStatusError(a.reason, 404) || this.scrapeFailures.has(path)) return;
      this.scrapeFailures.add(path);
      this.reportError(a.reason);
    });
    const { samples, counters } = trafficFromMetrics(scrapes, this.counters, this.clock.now().getTime());
    this.counters = counters;
    if (JSON.stringify(samples) !== JSON.stringify(this.traffic)) {
      this.traffic = samples;
      this.changed();
    }
  }
}
