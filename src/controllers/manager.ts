import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { isExpectedWriteRace } from '../apimachinery/errors.js';
import type { Client } from '../client/client.js';
import type { Clock } from '../apimachinery/clock.js';
import { ApiEventRecorder } from '../client/events.js';
import { InformerFactory } from '../client/informer.js';
import { LeaderElector } from '../client/leader-election.js';
import type { Discovery } from '../client/discovery.js';
import { runController, type ClusterSettings, type ControllerContext, type ControllerFactory } from '../client/controller.js';
import type { Registry } from '../apimachinery/metrics.js';
import { WorkQueueMetricsProvider } from '../client/work-queue-metrics.js';
import { withoutManagedFields } from '../client/trim-managed-fields.js';

/** Options of {@link ControllerManager}. */
export interface ControllerManagerOptions {
  /** The manager's own client: leader election and the shared informers (upstream's `system:kube-controller-manager`). */
  client: Client;
  /**
   * The client a controller acts with, by its factory: its own identity, as upstream's
   * `--use-service-account-credentials`. Default: `client` for every controller.
   */
  clientFor?: (controller: ControllerFactory) => Client;
  clock: Clock;
  settings: ClusterSettings;
  /** The resource types the API server serves. */
  discovery: Discovery;
  /** The controllers to run, each built once this manager leads. */
  controllers: ControllerFactory[];
  /** This candidate's identity for leader election (default: host name and PID). */
  identity?: string;
  /** The Lease in kube-system that elects one manager among servers (default `kube-controller-manager`, as upstream). */
  leaseName?: string;
  /** Where what an operator wants to see goes (leadership, failures). */
  log: (msg: string) => void;
  /** Where detail goes: write conflicts the work queues retry, which are the normal race of writers. Default: nowhere. */
  debug?: (msg: string) => void;
  /** The process's metrics registry, for the controllers' and scheduler's metrics. Default: none. */
  metrics?: Registry;
}

/**
 * Runs the controllers of `skiff server` (and the scheduler) once per cluster: it campaigns
 * for a Lease, and while it leads builds the shared informers, the controllers on top of them,
 * and runs them until leadership is lost or the server stops. Several servers sharing one etcd
 * thus run every controller exactly once.
 */
export class ControllerManager {
  /** One provider for every leadership term, so queues rebuilt after an election continue their series. */
  private readonly workQueueMetrics?: WorkQueueMetricsProvider;

  constructor(private readonly options: ControllerManagerOptions) {
    this.workQueueMetrics = options.metrics && new WorkQueueMetricsProvider(options.metrics);
  }

  /** Campaigns and runs until `signal` aborts; campaigns again after losing leadership. */
  async start(signal: AbortSignal): Promise<void> {
    const o = this.options;
    const identity = o.identity ?? `${hostname()}_${process.pid}`;
    while (!signal.aborted) {
      const elector = new LeaderElector({
        client: o.client,
        name: o.leaseName ?? 'kube-controller-manager',
        identity,
        clock: o.clock,
        releaseOnCancel: true,
        onError: (err) => o.log(`leader election: ${String(err)}`),
      });
      await elector.run(signal, {
        onStartedLeading: (leaderSignal) => {
          o.log(`controller manager: leading as ${identity}`);
          return this.runControllers(leaderSignal);
        },
        // A stop gives the lease up on purpose: only a failed renewal is a loss.
        onStoppedLeading: () => (signal.aborted ? o.debug?.('controller manager: stopped leading (stopping)') : o.log('controller manager: lost leadership')),
      });
    }
  }

  private async runControllers(signal: AbortSignal): Promise<void> {
    const o = this.options;
    // Every informer, queue and worker listens on this one signal.
    setMaxListeners(0, signal);
    // A conflict is the normal race of level-triggered writers (the key is retried), and a create in a
    // namespace being deleted is dropped as upstream's controllers and event sinks do: one debug line, no stack.
    const onError = (err: unknown, where: string) =>
      isExpectedWriteRace(err) ? o.debug?.(`${where}: ${err.message}`) : o.log(`${where}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    // The caches drop managedFields, which no controller reads (as upstream's controller manager and scheduler).
    const informers = new InformerFactory(o.client, { clock: o.clock, onError: (err) => onError(err, 'informer'), transform: withoutManagedFields });
    // Each controller writes (and records events) with its own client; the informers are shared.
    const contextFor = (client: Client): ControllerContext => ({
      client,
      informers,
      clock: o.clock,
      settings: o.settings,
      discovery: o.discovery,
      metrics: o.metrics,
      workQueueMetrics: this.workQueueMetrics,
      onError,
      recorder: (component) => new ApiEventRecorder({ client, clock: o.clock, component, onError: (err) => onError(err, 'event') }),
    });
    const ctx = contextFor(o.client);
    const controllers = o.controllers.map((make) => make(o.clientFor ? contextFor(o.clientFor(make)) : ctx));
    informers.start(signal);
    await Promise.all(
      controllers.map((c) =>
        runController(ctx, c, signal).catch((err: unknown) => {
          onError(err, c.name);
        }),
      ),
    );
  }
}
