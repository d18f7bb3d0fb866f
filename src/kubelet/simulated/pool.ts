import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { formatIPv4, parseCIDR } from '../../apimachinery/net.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources, type Client } from '../../client/client.js';
import type { Clock } from '../../apimachinery/clock.js';
import { Informer, objectKey, splitKey } from '../../client/informer.js';
import { runWorkers, WorkQueue, type SyncResult } from '../../client/work-queue.js';
import { defaultSimulatedAddressRange, SimulatedNode, type SimulatedNodeOptions } from './node.js';
import type { Summary } from '../../apimachinery/stats-summary.js';
import { simulatedSummary, type SimulatedUsage } from './usage.js';
import { withoutManagedFields } from '../../client/trim-managed-fields.js';

/** Options of {@link SimulatedNodePool}. */
export interface SimulatedNodePoolOptions {
  /** Nodes to run. Required. */
  count: number;
  /** Node names are `<namePrefix><i>`, i from 0. Default 'sim-node-'. */
  namePrefix?: string;
  /**
   * Options of every node (capacity, labels, intervals, onError). `internalIP` is ignored:
   * node i gets the (i+1)th address of `addressRange` (default {@link defaultSimulatedAddressRange}).
   */
  node?: Omit<SimulatedNodeOptions, 'internalIP'>;
  /** Concurrent API calls for registration, Lease renewals and status posts. Default 32. */
  heartbeatConcurrency?: number;
  /** Pods synced concurrently across all nodes. Default 16. */
  podWorkers?: number;
  /** What each node uses besides its pods, at /stats/summary. Default cpu 100m, memory 256Mi. */
  systemUsage?: SimulatedUsage;
}

type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;

/** Runs `fn` on every item with at most `limit` calls in flight; errors go to `onError`. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>, onError: (err: unknown, item: T) => void): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        onError(err, item);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

/**
 * Many simulated nodes (`sim-node-0` …) sharing one watch on all pods and one on all nodes,
 * dispatching by spec.nodeName and name, with Lease renewals and status posts batched on one
 * timer each, so a thousand nodes cost two watches and a bounded number of calls in flight.
 */
export class SimulatedNodePool {
  /** The nodes, by name. */
  readonly nodes = new Map<string, SimulatedNode>();

  private readonly reportError: (err: unknown, where: string) => void;
  private podCache?: Informer<PodObject>;
  private readonly startTime: Date;

  constructor(
    private readonly client: Client,
    private readonly clock: Clock,
    private readonly options: SimulatedNodePoolOptions,
  ) {
    this.startTime = clock.now();
    const prefix = options.namePrefix ?? 'sim-node-';
    const range = parseCIDR(options.node?.addressRange ?? defaultSimulatedAddressRange);
    if (options.count > range.size - 2) throw new Error(`address range holds only ${range.size - 2} nodes`);
    this.reportError = options.node?.onError ?? ((err, where) => console.error(`simulated node pool ${where}:`, err));
    for (let i = 0; i < options.count; i++) {
      const name = `${prefix}${i}`;
      this.nodes.set(name, new SimulatedNode(client, name, clock, { ...options.node, internalIP: formatIPv4(range.base + 1 + i) }));
    }
  }

  /**
   * A node's `/stats/summary` (usage from the pods' `skiff.dev/simulated-usage` annotations),
   * or undefined when the node is not one of this pool's.
   */
  statsSummary(nodeName: string): Summary | undefined {
    if (!this.nodes.has(nodeName)) return undefined;
    const pods = (this.podCache?.list() ?? []).filter((p) => p.spec?.nodeName === nodeName);
    return simulatedSummary(nodeName, pods, this.clock.now(), { nodeStartTime: this.startTime, systemUsage: this.options.systemUsage });
  }

  /** Registers every node, then runs them until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    const concurrency = this.options.heartbeatConcurrency ?? 32;
    const all = [...this.nodes.values()];
    let pending = all;
    let backoff = 500;
    while (pending.length > 0 && !signal.aborted) {
      const failed: SimulatedNode[] = [];
      await forEachLimited(
        pending,
        concurrency,
        async (node) => {
          await node.register();
          await node.renewLease();
        },
        (err, node) => {
          failed.push(node);
          this.reportError(err, `register ${node.name}`);
        },
      );
      pending = failed;
      if (pending.length > 0) {
        await this.clock.sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 7000);
      }
    }
    if (signal.aborted) return;

    const pods = new Informer<PodObject>(this.client, resources.pods, { clock: this.clock, onError: (err) => this.reportError(err, 'pod watch'), transform: withoutManagedFields });
    this.podCache = pods;
    const nodeInformer = new Informer<NodeObject>(this.client, resources.nodes, { clock: this.clock, onError: (err) => this.reportError(err, 'node watch') });
    const podQueue = new WorkQueue<string>({ clock: this.clock });
    const statusQueue = new WorkQueue<string>({ clock: this.clock });
    const enqueuePod = (pod: PodObject): void => {
      if (pod.spec?.nodeName && this.nodes.has(pod.spec.nodeName)) podQueue.add(objectKey(pod));
    };
    pods.addEventHandler({
      onAdd: enqueuePod,
      onUpdate: (_old, pod) => enqueuePod(pod),
      onDelete: (pod) => {
        const node = pod.spec?.nodeName ? this.nodes.get(pod.spec.nodeName) : undefined;
        node?.podDeleted(pod);
      },
    });
    const observe = (obj: NodeObject): void => {
      const node = this.nodes.get(obj.metadata?.name ?? '');
      if (!node) return;
      const { requeue, postStatus } = node.observeNode(obj);
      for (const key of requeue) podQueue.add(key);
      if (postStatus) statusQueue.add(node.name);
    };
    nodeInformer.addEventHandler({ onAdd: observe, onUpdate: (_old, obj) => observe(obj) });

    const syncPod = (key: string): Promise<SyncResult> => {
      const { namespace, name } = splitKey(key);
      const pod = pods.get(namespace, name);
      const node = pod?.spec?.nodeName ? this.nodes.get(pod.spec.nodeName) : undefined;
      return node ? node.syncPod(key, pod) : Promise.resolve({});
    };
    const postStatus = async (name: string): Promise<void> => {
      await this.nodes.get(name)?.postStatus();
    };
    const statusWorkers = Math.max(1, Math.min(concurrency, all.length));
    await Promise.all([
      pods.start(signal),
      nodeInformer.start(signal),
      runWorkers(podQueue, this.options.podWorkers ?? 16, syncPod, signal, (err, key) => this.reportError(err, `pod ${key}`)),
      runWorkers(statusQueue, statusWorkers, postStatus, signal, (err, name) => this.reportError(err, `status ${name}`)),
      this.every(this.options.node?.leaseRenewIntervalMs ?? 10_000, signal, () =>
        forEachLimited(all, concurrency, (node) => node.renewLease(), (err, node) => this.reportError(err, `lease ${node.name}`)),
      ),
      this.every(this.options.node?.statusReportIntervalMs ?? 60_000, signal, async () => {
        for (const node of all) statusQueue.add(node.name);
      }),
    ]);
  }

  private async every(intervalMs: number, signal: AbortSignal, fn: () => Promise<void>): Promise<void> {
    // The first round is the registration's.
    await this.clock.sleep(intervalMs, signal);
    while (!signal.aborted) {
      await fn();
      await this.clock.sleep(intervalMs, signal);
    }
  }
}
