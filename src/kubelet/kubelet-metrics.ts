import { setTimeout as sleep } from 'node:timers/promises';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { systemClock, type NowClock } from '../apimachinery/clock.js';
import { exponentialBuckets, type Counter, type Gauge, type Histogram, type Registry } from '../apimachinery/metrics.js';
import type { Container, PodSandbox } from './cri/types.js';

/** Upstream's pod start buckets (seconds): half a second to an hour. */
const podStartBuckets: readonly number[] = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

/** CRI RPCs whose upstream operation_type is not their snake_case name. */
const operationTypes: Record<string, string> = {
  UpdateContainerResources: 'update_container',
};

/** Upstream's operation_type of a CRI RPC: `RunPodSandbox` is `run_podsandbox`, `ListContainers` `list_containers`. */
export function operationTypeOf(rpc: string): string {
  return operationTypes[rpc] ?? rpc.replace(/PodSandbox/g, 'Podsandbox').replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase();
}

/** What the runtime holds now, for the running pods and containers gauges. */
export interface RuntimeSnapshot {
  sandboxes: PodSandbox[];
  containers: Container[];
}

/** The CRI container states and upstream's container_state label values. */
const containerStates: Record<string, string> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
  CONTAINER_UNKNOWN: 'unknown',
};

/** Options of {@link KubeletMetrics}. */
export interface KubeletMetricsOptions {
  registry: Registry;
  /** When pods are seen and start. Default: the system clock. */
  clock?: NowClock;
}

/**
 * The node agent's metrics with upstream's kubelet names: CRI call counts, latency and errors
 * (`kubelet_runtime_operations_*{operation_type}`), `kubelet_pod_start_duration_seconds` (from
 * the agent first seeing a pod to it running), and `kubelet_running_pods` /
 * `kubelet_running_containers{container_state}` read from the runtime at scrape time.
 */
export class KubeletMetrics {
  private readonly operations: Counter;
  private readonly operationDuration: Histogram;
  private readonly operationErrors: Counter;
  private readonly podStart: Histogram;
  private readonly runningPods: Gauge;
  private readonly runningContainers: Gauge;
  private readonly clock: NowClock;
  /** Pods seen but not yet running: uid → when first seen (ms). */
  private readonly starting = new Map<string, number>();
  /** Pods whose start is recorded, or that were running when first seen. */
  private readonly started = new Set<string>();

  /** The registry these metrics are in. */
  readonly registry: Registry;

  constructor(options: KubeletMetricsOptions) {
    const r = options.registry;
    this.registry = r;
    this.clock = options.clock ?? systemClock;
    this.operations = r.counter({ name: 'kubelet_runtime_operations_total', help: 'Cumulative number of runtime operations by operation type.', labelNames: ['operation_type'] });
    this.operationDuration = r.histogram({
      name: 'kubelet_runtime_operations_duration_seconds',
      help: 'Duration in seconds of runtime operations. Broken down by operation type.',
      labelNames: ['operation_type'],
      buckets: exponentialBuckets(0.005, 2.5, 14),
    });
    this.operationErrors = r.counter({
      name: 'kubelet_runtime_operations_errors_total',
      help: 'Cumulative number of runtime operation errors by operation type.',
      labelNames: ['operation_type'],
    });
    this.podStart = r.histogram({
      name: 'kubelet_pod_start_duration_seconds',
      help: 'Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run',
      buckets: podStartBuckets,
    });
    this.runningPods = r.gauge({ name: 'kubelet_running_pods', help: 'Number of pods that have a running pod sandbox' });
    this.runningContainers = r.gauge({ name: 'kubelet_running_containers', help: 'Number of containers currently running', labelNames: ['container_state'] });
  }

  /** Records one CRI call (the `onCall` of CriClientOptions). */
  readonly observeRuntimeCall = (rpc: string, seconds: number, error: unknown): void => {
    const type = operationTypeOf(rpc);
    this.operations.labels(type).inc();
    this.operationDuration.labels(type).observe(seconds);
    if (error !== undefined) this.operationErrors.labels(type).inc();
  };

  /**
   * Follows a pod bound to this node (each informer add or update): the first sight starts its
   * clock, and its first Running phase records the start duration. A pod already running when
   * first seen (after an agent restart) is not recorded, as upstream.
   */
  podSeen(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid || this.started.has(uid)) return;
    const now = this.clock.now().getTime();
    const firstSeen = this.starting.get(uid);
    if (pod.status?.phase === 'Running') {
      if (firstSeen !== undefined) this.podStart.observe((now - firstSeen) / 1000);
      this.starting.delete(uid);
      this.started.add(uid);
      return;
    }
    if (firstSeen === undefined) this.starting.set(uid, now);
  }

  /** Forgets a pod that is gone from this node. */
  podGone(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.starting.delete(uid);
    this.started.delete(uid);
  }

  /**
   * Reads the runtime before each scrape for the running pods and containers gauges; a runtime
   * that does not answer within `timeoutMs` (default 5 s) leaves them as they were rather than
   * holding the scrape. Returns a function that stops it.
   */
  trackRuntime(read: () => Promise<RuntimeSnapshot>, timeoutMs = 5000): () => void {
    return this.registry.onCollect(async () => {
      const giveUp = new AbortController();
      const timeout = sleep(timeoutMs, undefined, { signal: giveUp.signal }).then(() => {
        throw new Error(`the container runtime did not list pods and containers within ${timeoutMs} ms`);
      });
      let snapshot: RuntimeSnapshot;
      try {
        // The race handles the timer's AbortError once it is cancelled.
        snapshot = await Promise.race([read(), timeout]);
      } finally {
        giveUp.abort();
      }
      const { sandboxes, containers } = snapshot;
      this.runningPods.set(sandboxes.filter((s) => s.state === 'SANDBOX_READY').length);
      const counts = new Map<string, number>(Object.values(containerStates).map((s) => [s, 0]));
      for (const c of containers) {
        const state = containerStates[c.state] ?? 'unknown';
        counts.set(state, (counts.get(state) ?? 0) + 1);
      }
      for (const [state, n] of counts) this.runningContainers.labels(state).set(n);
    });
  }
}
