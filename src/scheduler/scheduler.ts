/**
 * The scheduler (upstream's kube-scheduler, default profile): watches unscheduled pods and
 * nodes, picks a node with selectNode and binds through pods/binding. Bound pods are kept per
 * node from the pod informer plus the pods this scheduler bound but the cache has not seen yet
 * ("assumed", as upstream's scheduler cache), so no API read happens while scheduling.
 * Pod affinity and topology spread read a cluster snapshot, built only when the pod has such
 * terms or some placed pod has affinity terms (an index of those pods is kept); a bound pod
 * requeues the unschedulable pods that have such terms.
 */
import type { Namespace, Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { errorMessage, isStatusError } from '../apimachinery/errors.js';
import { formatTime, jsonEqual, type KubeObject } from '../apimachinery/object.js';
import { resources } from '../client/client.js';
import type { EventRecorder } from '../client/events.js';
import { objectKey, splitKey, type Informer } from '../client/informer.js';
import type { SyncResult } from '../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../client/controller.js';
import { localOnlyCycle, podNeedsCycle, prepareCycle, runCycleFilters, type SchedulingCycle } from './cycle.js';
import { failedSchedulingMessage, type FilterFailure, type NodeInfo } from './filters.js';
import { selectNode } from './select.js';
import { buildSnapshot, hasPodAffinityTerms } from './snapshot.js';
import { SchedulerMetrics } from './metrics.js';
import { mayPreempt, podPriority, selectPreemptionCandidate } from './preemption.js';

/** The scheduler's name (pods' spec.schedulerName) and its events' component. */
export const defaultSchedulerName = 'default-scheduler';

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** Pods scheduled concurrently (each awaits its binding; the decision itself is synchronous). Default 16. */
  workers?: number;
  /** Uniform random source in [0, 1) for tie breaks. Default Math.random. */
  random?: () => number;
  /** First retry delay of an unschedulable pod (upstream's podInitialBackoffSeconds). Default 1000. */
  initialBackoffMs?: number;
  /** Longest retry delay (upstream's podMaxBackoffSeconds). Default 10000. */
  maxBackoffMs?: number;
  /** An unschedulable pod is retried after this long even without cluster changes (upstream's podMaxInUnschedulablePodsDuration). Default 300000. */
  unschedulableRetryMs?: number;
  /**
   * Percentage of nodes to find feasible before scoring (upstream's percentageOfNodesToScore);
   * 0 (default) means upstream's adaptive value: 50% minus 1% per 125 nodes, at least 5%, and
   * never fewer than 100 nodes.
   */
  percentageOfNodesToScore?: number;
}

type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;
type NamespaceObject = Namespace & KubeObject;

/**
 * One node and its bound pods. The NodeInfo handed to the filters is rebuilt (a new object)
 * only when the node or its pods change, so per-NodeInfo memoisation stays valid.
 */
interface CachedNode {
  node: NodeObject;
  /** False for a placeholder holding pods bound to a node the informer does not (or no longer) show. */
  known: boolean;
  pods: Map<string, Pod>;
  info: NodeInfo | undefined;
}

/** What is known about a pod that did not fit. */
interface UnschedulableRecord {
  attempts: number;
  lastAttempt: number;
  /** The pod has pod affinity terms or spread constraints, so a newly bound pod may let it fit. */
  waitsOnPods: boolean;
}

const podScheduled = 'PodScheduled';

/** Whether this scheduler should place the pod: unbound, ours, not being deleted, not finished. */
export function needsScheduling(pod: Pod): boolean {
  const schedulerName = pod.spec?.schedulerName || defaultSchedulerName;
  if (schedulerName !== defaultSchedulerName) return false;
  if (pod.spec?.nodeName) return false;
  if (pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** Whether a node change may let a waiting pod fit (heartbeats alone do not). */
function nodeChangedForScheduling(oldNode: Node, newNode: Node): boolean {
  return (
    !jsonEqual(oldNode.metadata?.labels ?? {}, newNode.metadata?.labels ?? {}) ||
    !jsonEqual(oldNode.spec?.taints ?? [], newNode.spec?.taints ?? []) ||
    (oldNode.spec?.unschedulable ?? false) !== (newNode.spec?.unschedulable ?? false) ||
    !jsonEqual(oldNode.status?.allocatable ?? {}, newNode.status?.allocatable ?? {})
  );
}

/** Whether a pod update may change where it fits (status writes, such as this scheduler's own condition, do not). */
function podChangedForScheduling(oldPod: Pod, newPod: Pod): boolean {
  return (
    !jsonEqual(oldPod.spec ?? {}, newPod.spec ?? {}) ||
    !jsonEqual(oldPod.metadata?.labels ?? {}, newPod.metadata?.labels ?? {}) ||
    !jsonEqual(oldPod.metadata?.annotations ?? {}, newPod.metadata?.annotations ?? {})
  );
}

/** Upstream's numFeasibleNodesToFind. */
function feasibleNodesToFind(total: number, percentage: number): number {
  const minFeasible = 100;
  if (total < minFeasible) return total;
  let percent = percentage;
  if (percent <= 0) percent = Math.max(5, 50 - Math.floor(total / 125));
  return Math.max(minFeasible, Math.floor((total * percent) / 100));
}

/**
 * Schedules pods whose spec.schedulerName is default-scheduler (or empty): binds each to the
 * best node, or marks it PodScheduled=False/Unschedulable with a FailedScheduling event and
 * retries it with back-off when nodes are added or changed or pods go away.
 */
export class Scheduler implements Controller {
  readonly name = defaultSchedulerName;
  readonly queueName = 'scheduler';

  private readonly pods: Informer<PodObject>;
  private readonly nodeInformer: Informer<NodeObject>;
  private readonly namespaces: Informer<NamespaceObject>;
  private readonly recorder: EventRecorder;
  private readonly options: Required<SchedulerOptions>;
  private readonly nodes = new Map<string, CachedNode>();
  /** Where each bound (or assumed) pod is counted. */
  private readonly podNode = new Map<string, string>();
  /** Pods bound by this scheduler that the informer has not shown bound yet. */
  private readonly assumed = new Map<string, string>();
  private readonly unschedulable = new Map<string, UnschedulableRecord>();
  /** Keys of placed pods with pod (anti-)affinity terms: while empty, pods without terms or constraints skip the cluster-wide plugins. */
  private readonly podsWithAffinity = new Set<string>();
  private nodeOrder: CachedNode[] | undefined;
  /** The queue given to `watch`: a placement or a node change also requeues waiting pods. */
  private queue: KeyQueue | undefined;
  private nextStartNodeIndex = 0;
  private readonly metrics?: SchedulerMetrics;

  constructor(
    private readonly ctx: ControllerContext,
    options: SchedulerOptions = {},
  ) {
    this.options = {
      workers: options.workers ?? 16,
      random: options.random ?? Math.random,
      initialBackoffMs: options.initialBackoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      unschedulableRetryMs: options.unschedulableRetryMs ?? 300_000,
      percentageOfNodesToScore: options.percentageOfNodesToScore ?? 0,
    };
    this.metrics = ctx.metrics && new SchedulerMetrics(ctx.metrics, defaultSchedulerName);
    this.recorder = ctx.recorder(defaultSchedulerName);
    this.pods = ctx.informers.informerFor<PodObject>(resources.pods);
    this.nodeInformer = ctx.informers.informerFor<NodeObject>(resources.nodes);
    this.namespaces = ctx.informers.informerFor<NamespaceObject>(resources.namespaces);
  }

  /** Concurrent scheduling attempts (the `workers` option). */
  get workers(): number {
    return this.options.workers;
  }

  /** The pod, node and Namespace caches. */
  get caches(): SyncedCache[] {
    return [this.pods, this.nodeInformer, this.namespaces];
  }

  /** Registers the event handlers: they keep the node cache and queue the pods to schedule. */
  watch(queue: KeyQueue): void {
    this.queue = queue;
    this.pods.addEventHandler({
      onAdd: (pod) => this.podSeen(pod),
      onUpdate: (oldPod, pod) => this.podSeen(pod, oldPod),
      onDelete: (pod) => this.podGone(pod),
    });
    this.nodeInformer.addEventHandler({
      onAdd: (node) => {
        this.nodeSeen(node);
        this.retryUnschedulable();
      },
      onUpdate: (oldNode, node) => {
        this.nodeSeen(node);
        if (nodeChangedForScheduling(oldNode, node)) this.retryUnschedulable();
      },
      onDelete: (node) => this.nodeGone(node),
    });
  }

  /** Bound pods known for `nodeName` (cache plus assumed), for tests and diagnostics. */
  podsOn(nodeName: string): Pod[] {
    return [...(this.nodes.get(nodeName)?.pods.values() ?? [])];
  }

  /** Keys of pods bound by this scheduler that the cache has not shown bound yet. */
  assumedPods(): string[] {
    return [...this.assumed.keys()];
  }

  /** One scheduling attempt for the pod with this `namespace/name` key. */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod || !needsScheduling(pod) || this.assumed.has(key)) {
      this.unschedulable.delete(key);
      return {};
    }
    const started = this.metrics?.now() ?? 0;
    const nodeName = this.decide(pod);
    if (typeof nodeName !== 'string') {
      this.metrics?.attempt('unschedulable', started);
      await this.preempt(pod);
      return this.recordFailure(key, pod, nodeName.message);
    }
    this.assume(key, pod, nodeName);
    try {
      await this.ctx.client.create(
        resources.pods,
        namespace,
        { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, uid: pod.metadata?.uid }, target: { kind: 'Node', name: nodeName } },
        { subresource: 'binding' },
      );
    } catch (err) {
      this.metrics?.attempt('error', started);
      this.forget(key);
      // Deleted meanwhile, or bound by someone else: the informer will tell.
      if (isStatusError(err, 404) || isStatusError(err, 409)) return {};
      this.recorder.event(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${errorMessage(err)}`);
      throw err;
    }
    this.metrics?.attempt('scheduled', started);
    this.unschedulable.delete(key);
    this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
    return {};
  }

  /** Pending pods of higher priority are scheduled first (upstream's PrioritySort queue). */
  queuePriority(key: string): number {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    return pod ? podPriority(pod) : 0;
  }

  /**
   * Upstream's PostFilter (DefaultPreemption): makes room for a pod that fits nowhere by
   * deleting lower-priority pods on one node, after recording that node in the pod's
   * status.nominatedNodeName and marking each victim DisruptionTarget (PreemptionByScheduler).
   * A pod whose nominated node still has victims terminating waits for them.
   */
  private async preempt(pod: PodObject): Promise<void> {
    if (!mayPreempt(pod)) return;
    const nominated = pod.status?.nominatedNodeName;
    if (nominated) {
      const waiting = this.podsOn(nominated).some((p) => p.metadata?.deletionTimestamp && podPriority(p) < podPriority(pod));
      if (waiting) return;
    }
    const order = this.orderedNodes();
    const cycle = this.cycleFor(pod, order);
    const infos = order.map((cached) => this.infoOf(cached)).filter((info) => {
      const result = runCycleFilters(pod, info, cycle);
      return !result.fit && !result.unresolvable;
    });
    const candidate = selectPreemptionCandidate(pod, infos, (p, info) => runCycleFilters(p, info, cycle).fit);
    if (!candidate) return;
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    await this.ctx.client.patch(resources.pods, namespace, name, 'merge', { status: { nominatedNodeName: candidate.nodeName } }, { subresource: 'status' });
    for (const victim of candidate.victims) {
      const victimNamespace = victim.metadata?.namespace ?? '';
      const victimName = victim.metadata?.name ?? '';
      const condition: PodCondition = {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'PreemptionByScheduler',
        message: `${defaultSchedulerName}: preempting to accommodate a higher priority pod`,
        lastTransitionTime: formatTime(this.ctx.clock.now()),
      };
      const conditions = [...(victim.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition];
      try {
        await this.ctx.client.patch(resources.pods, victimNamespace, victimName, 'merge', { status: { conditions } }, { subresource: 'status' });
        this.recorder.event(victim as PodObject, 'Normal', 'Preempted', `Preempted by pod ${pod.metadata?.uid ?? ''} on node ${candidate.nodeName}`);
        await this.ctx.client.delete(resources.pods, victimNamespace, victimName);
      } catch (err) {
        if (!isStatusError(err, 404)) throw err;
      }
    }
  }

  /** Picks a node, or says why none fits. Synchronous, so concurrent workers never see half an assumption. */
  private decide(pod: Pod): string | { message: string } {
    const order = this.orderedNodes();
    const total = order.length;
    if (total === 0) return { message: failedSchedulingMessage(0, []) };
    const wanted = feasibleNodesToFind(total, this.options.percentageOfNodesToScore);
    const cycle = this.cycleFor(pod, order);
    const feasible: NodeInfo[] = [];
    const failures: FilterFailure[] = [];
    const start = this.nextStartNodeIndex % total;
    let visited = 0;
    for (; visited < total && feasible.length < wanted; visited++) {
      const cached = order[(start + visited) % total];
      if (!cached) continue;
      const info = this.infoOf(cached);
      const result = runCycleFilters(pod, info, cycle);
      if (result.fit) feasible.push(info);
      else failures.push(result);
    }
    // Upstream starts the next search where this one stopped, spreading the filtered nodes.
    this.nextStartNodeIndex = (start + visited) % total;
    if (feasible.length === 0) return { message: failedSchedulingMessage(total, failures) };
    const result = selectNode(pod, feasible, { random: this.options.random, cycle, filtered: true });
    return result.nodeName ?? { message: result.message };
  }

  /** The cluster-wide plugins' state; skipped (no snapshot) unless the pod or a placed pod has affinity terms or spread constraints. */
  private cycleFor(pod: Pod, order: readonly CachedNode[]): SchedulingCycle {
    if (!podNeedsCycle(pod) && this.podsWithAffinity.size === 0) return localOnlyCycle;
    const snapshot = buildSnapshot(
      order.map((cached) => this.infoOf(cached)),
      { namespaceLabels: (namespace) => this.namespaces.get('', namespace)?.metadata?.labels },
    );
    return prepareCycle(pod, snapshot);
  }

  private orderedNodes(): CachedNode[] {
    this.nodeOrder ??= [...this.nodes.values()].filter((cached) => cached.known);
    return this.nodeOrder;
  }

  private infoOf(cached: CachedNode): NodeInfo {
    cached.info ??= { node: cached.node, pods: [...cached.pods.values()] };
    return cached.info;
  }

  private async recordFailure(key: string, pod: PodObject, message: string): Promise<SyncResult> {
    const now = this.ctx.clock.now().getTime();
    const record = this.unschedulable.get(key);
    this.unschedulable.set(key, { attempts: (record?.attempts ?? 0) + 1, lastAttempt: now, waitsOnPods: podNeedsCycle(pod) });
    this.recorder.event(pod, 'Warning', 'FailedScheduling', message);
    await this.setUnschedulableCondition(pod, message);
    return { requeueAfter: this.options.unschedulableRetryMs };
  }

  /** Sets PodScheduled=False/Unschedulable unless it already says the same. */
  private async setUnschedulableCondition(pod: PodObject, message: string): Promise<void> {
    const conditions = pod.status?.conditions ?? [];
    const existing = conditions.find((c) => c.type === podScheduled);
    if (existing?.status === 'False' && existing.reason === 'Unschedulable' && existing.message === message) return;
    const condition: PodCondition = {
      type: podScheduled,
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime: existing?.status === 'False' && existing.lastTransitionTime ? existing.lastTransitionTime : formatTime(this.ctx.clock.now()),
    };
    const next = [...conditions.filter((c) => c.type !== podScheduled), condition];
    try {
      await this.ctx.client.patch(resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'merge', { status: { conditions: next } }, { subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err, 404)) throw err;
    }
  }

  /** Queues the unschedulable pods again, each after what remains of its back-off. */
  private retryUnschedulable(onlyWaitingOnPods = false): void {
    const now = this.ctx.clock.now().getTime();
    for (const [key, record] of this.unschedulable) {
      if (onlyWaitingOnPods && !record.waitsOnPods) continue;
      const backoff = Math.min(this.options.initialBackoffMs * 2 ** Math.max(0, record.attempts - 1), this.options.maxBackoffMs);
      this.queue?.addAfter(key, record.lastAttempt + backoff - now);
    }
  }

  private assume(key: string, pod: Pod, nodeName: string): void {
    this.assumed.set(key, nodeName);
    this.place(key, { ...pod, spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName } }, nodeName);
  }

  private forget(key: string): void {
    const nodeName = this.assumed.get(key);
    if (nodeName === undefined) return;
    this.assumed.delete(key);
    if (this.podNode.get(key) === nodeName) this.unplace(key);
  }

  private place(key: string, pod: Pod, nodeName: string): void {
    const previous = this.podNode.get(key);
    if (previous !== undefined && previous !== nodeName) this.unplace(key);
    this.podNode.set(key, nodeName);
    if (hasPodAffinityTerms(pod)) this.podsWithAffinity.add(key);
    else this.podsWithAffinity.delete(key);
    let cached = this.nodes.get(nodeName);
    if (!cached) {
      // A pod bound to a node not (yet) known: keep it so the node starts with it.
      cached = { node: { metadata: { name: nodeName } }, known: false, pods: new Map(), info: undefined };
      this.nodes.set(nodeName, cached);
    }
    cached.pods.set(key, pod);
    cached.info = undefined;
    // A newly placed pod may satisfy a waiting pod's affinity or spreading (upstream's AssignedPodAdd).
    if (previous !== nodeName && this.unschedulable.size > 0) this.retryUnschedulable(true);
  }

  private unplace(key: string): void {
    const nodeName = this.podNode.get(key);
    if (nodeName === undefined) return;
    this.podNode.delete(key);
    this.podsWithAffinity.delete(key);
    const cached = this.nodes.get(nodeName);
    if (!cached) return;
    cached.pods.delete(key);
    cached.info = undefined;
    if (!cached.known && cached.pods.size === 0) this.nodes.delete(nodeName);
  }

  private podSeen(pod: PodObject, oldPod?: PodObject): void {
    const key = objectKey(pod);
    const nodeName = pod.spec?.nodeName;
    if (nodeName) {
      this.assumed.delete(key);
      this.unschedulable.delete(key);
      this.place(key, pod, nodeName);
      return;
    }
    if (!this.assumed.has(key)) this.unplace(key);
    if (needsScheduling(pod)) {
      // A changed pod is retried after its back-off, as upstream moves updated pods out of unschedulablePods.
      if (!this.unschedulable.has(key)) this.queue?.add(key);
      else if (!oldPod || podChangedForScheduling(oldPod, pod)) this.retryOne(key);
    }
  }

  private retryOne(key: string): void {
    const record = this.unschedulable.get(key);
    if (!record) return;
    const backoff = Math.min(this.options.initialBackoffMs * 2 ** Math.max(0, record.attempts - 1), this.options.maxBackoffMs);
    this.queue?.addAfter(key, record.lastAttempt + backoff - this.ctx.clock.now().getTime());
  }

  private podGone(pod: PodObject): void {
    const key = objectKey(pod);
    this.assumed.delete(key);
    this.unschedulable.delete(key);
    const wasPlaced = this.podNode.has(key);
    this.unplace(key);
    if (wasPlaced) this.retryUnschedulable();
  }

  private nodeSeen(node: NodeObject): void {
    const name = node.metadata?.name ?? '';
    const cached = this.nodes.get(name);
    if (cached) {
      cached.node = node;
      cached.info = undefined;
      if (!cached.known) {
        cached.known = true;
        this.nodeOrder = undefined;
      }
      return;
    }
    this.nodes.set(name, { node, known: true, pods: new Map(), info: undefined });
    this.nodeOrder = undefined;
  }

  private nodeGone(node: NodeObject): void {
    const name = node.metadata?.name ?? '';
    const cached = this.nodes.get(name);
    if (!cached) return;
    // Bound pods' bookkeeping stays until they go, but the node can no longer be chosen.
    if (cached.pods.size === 0) this.nodes.delete(name);
    else cached.known = false;
    this.nodeOrder = undefined;
  }
}

/** Builds the {@link Scheduler} with default options. */
export const schedulerFactory: ControllerFactory = (ctx) => new Scheduler(ctx);
