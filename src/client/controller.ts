import type { Client } from './client.js';
import type { Clock } from '../apimachinery/clock.js';
import type { EventRecorder } from './events.js';
import type { InformerFactory } from './informer.js';
import type { Registry } from '../apimachinery/metrics.js';
import type { WorkQueueMetricsProvider } from './work-queue-metrics.js';

/**
 * What every controller is given, in the manner of kube-controller-manager's ControllerContext:
 * the API client, shared informers (one cache per type for all controllers), the clock (tests
 * drive time) and an event recorder per component.
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
}

/**
 * A level-triggered controller: its informer handlers only enqueue keys, and `sync(key)`
 * reads the caches and converges (running it twice is harmless). `run` registers handlers,
 * waits for the caches to sync, runs workers until `signal` aborts.
 */
export interface Controller {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

/** Builds a controller from the shared context. */
export type ControllerFactory = (ctx: ControllerContext) => Controller;
