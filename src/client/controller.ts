import type { Client } from './client.js';
import type { Clock } from '../apimachinery/clock.js';
import type { EventRecorder } from './events.js';
import type { Discovery } from './discovery.js';
import { objectKey, type EventHandlers, type InformerFactory } from './informer.js';
import type { KubeObject } from '../apimachinery/object.js';
import { runWorkers, WorkQueue, type SyncResult } from './work-queue.js';
import type { Registry } from '../apimachinery/metrics.js';
import type { WorkQueueMetricsProvider } from './work-queue-metrics.js';

/**
 * What every controller is given, in the manner of kube-controller-manager's ControllerContext:
 * the API client, shared informers (one cache per type for all controllers), the clock (tests
 * drive time), an event recorder per component and discovery of the served types.
 */
export interface ControllerContext {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  /** An event recorder reporting as `component` (e.g. `replicaset-controller`). */
  recorder(component: string): EventRecorder;
  /** Reports an unexpected error (a failed sync is retried with back-off). */
  onError(err: unknown, where: string): void;
  /** Cluster settings some controllers need. */
  settings: ClusterSettings;
  /** The resource types the API server serves (for controllers that work on every type). */
  discovery: Discovery;
  /** The process's metrics registry. Default: none (nothing is recorded). */
  metrics?: Registry;
  /** Work queue metrics for the controllers' queues (`metrics` of WorkQueueOptions). Default: none. */
  workQueueMetrics?: WorkQueueMetricsProvider;
}

/** Cluster-wide settings from the server's flags. */
export interface ClusterSettings {
  clusterCIDR: string;
  serviceCIDR: string;
  clusterDomain: string;
  clusterDNS: string;
  /** Where the local-path provisioner keeps volumes. */
  dataDir: string;
  /** The HPA controller's sync period and scale-down stabilization window (defaults 15 s and 5 min). */
  horizontalPodAutoscaler?: { syncPeriodMs?: number; downscaleStabilizationMs?: number };
}

/** Where a controller's event handlers put keys: they only add keys, `sync` does the work. */
export type KeyQueue<K = string> = Pick<WorkQueue<K>, 'add' | 'addAfter'>;

/** A cache the workers wait for (an informer). */
export interface SyncedCache {
  waitForSync(signal?: AbortSignal): Promise<boolean>;
}

/**
 * A level-triggered controller, in the manner of controller-runtime: it declares only what is
 * its own (its name, the caches it reads, event handlers that turn events into keys, and
 * `sync(key)` that reads the caches and converges, harmless to run twice). {@link runController}
 * does the rest: queue, handler registration, cache sync, workers, back-off and shutdown.
 */
export interface Controller<K = string> {
  /** The controller's name (for error reports; its queue's unless `queueName` says otherwise). */
  readonly name: string;
  /** Its work queue's name in metrics, as upstream names that queue (e.g. `replicaset`). Default: `name`. */
  readonly queueName?: string;
  /** Concurrent syncs (upstream's --concurrent-*-syncs). */
  readonly workers: number;
  /** The caches `sync` reads: workers start once all have synced. */
  readonly caches: readonly SyncedCache[];
  /** Registers the informer event handlers; they only find the keys concerned and add them to `queue`. */
  watch(queue: KeyQueue<K>): void;
  /** Orders the queue: keys with a higher value are processed first (see WorkQueueOptions.priorityOf). Default: first in first out. */
  queuePriority?(key: K): number;
  /** Called once the caches synced, before the workers start (e.g. to queue leftovers or rebuild state from the caches). Default: nothing. */
  cachesSynced?(queue: KeyQueue<K>): Promise<void> | void;
  /** Converges the object of `key`; may ask to be requeued after a delay; throws to be retried with per-key back-off. */
  sync(key: K): Promise<SyncResult | void>;
}

/**
 * Runs `controller` until `signal` aborts: builds its work queue (named after it), registers its
 * event handlers, waits for its caches, then runs `controller.workers` workers; a failed key is
 * retried with per-key exponential back-off and reported to `ctx.onError`. Resolves once every
 * worker stopped.
 */
export async function runController<K>(
  ctx: Pick<ControllerContext, 'clock' | 'onError' | 'workQueueMetrics'>,
  controller: Controller<K>,
  signal: AbortSignal,
): Promise<void> {
  const queueName = controller.queueName ?? controller.name;
  const queue = new WorkQueue<K>({
    clock: ctx.clock,
    name: queueName,
    metrics: ctx.workQueueMetrics?.forQueue(queueName),
    priorityOf: controller.queuePriority ? (key) => controller.queuePriority!(key) : undefined,
  });
  controller.watch(queue);
  const synced = await Promise.all(controller.caches.map((cache) => cache.waitForSync(signal)));
  if (!synced.every(Boolean)) {
    queue.shutDown();
    return;
  }
  await controller.cachesSynced?.(queue);
  await runWorkers(queue, controller.workers, (key) => controller.sync(key), signal, (err, key) => ctx.onError(err, `${controller.name} ${String(key)}`));
}

/** Builds a controller from the shared context. */
export type ControllerFactory = (ctx: ControllerContext) => Controller;

/**
 * Handlers that queue each added, changed or deleted object's own `namespace/name` key: the
 * usual watch of a controller's primary type (controller-runtime's EnqueueRequestForObject).
 */
export function queueObjectKeys<T extends KubeObject>(queue: KeyQueue<string>): EventHandlers<T> {
  const add = (obj: T) => queue.add(objectKey(obj));
  return { onAdd: add, onUpdate: (_old, obj) => add(obj), onDelete: add };
}

/**
 * Handlers that queue the keys `keysOf` maps an object to (its owner, the Services selecting a
 * pod...): on a change both the old and the new object's keys, since either may have stopped
 * or started mattering (controller-runtime's EnqueueRequestsFromMapFunc).
 */
export function queueMappedKeys<T, K>(queue: KeyQueue<K>, keysOf: (obj: T) => Iterable<K>): EventHandlers<T> {
  const add = (obj: T) => {
    for (const key of keysOf(obj)) queue.add(key);
  };
  return {
    onAdd: add,
    onUpdate: (oldObj, obj) => {
      add(oldObj);
      add(obj);
    },
    onDelete: add,
  };
}

