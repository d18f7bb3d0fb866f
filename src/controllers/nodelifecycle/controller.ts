/**
 * The node lifecycle controller, after kube-controller-manager's nodelifecycle and
 * taint-eviction controllers: a node whose kubelet went silent (no Lease renewal nor status
 * heartbeat for node-monitor-grace-period) gets its conditions set Unknown and the
 * node.kubernetes.io/unreachable taints; pods on a node with NoExecute taints are evicted when
 * their tolerations run out.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../apimachinery/errors.js';
import { cloneJSON, formatTime, jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import { toleratesTaint } from '../../apimachinery/scheduling.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';

/** The component name of this controller's events. */
export const nodeLifecycleControllerName = 'node-controller';

/** The taint of a node whose Ready condition is Unknown. */
export const unreachableTaintKey = 'node.kubernetes.io/unreachable';
/** The taint of a node whose Ready condition is False. */
export const notReadyTaintKey = 'node.kubernetes.io/not-ready';

/** Options of {@link NodeLifecycleController}. */
export interface NodeLifecycleControllerOptions {
  /** How long a node may stay silent before it is Unknown (upstream's --node-monitor-grace-period). Default 40000. */
  nodeMonitorGracePeriodMs?: number;
  /** Concurrent syncs. Default 4. */
  workers?: number;
}

type NodeObject = Node & KubeObject;
type LeaseObject = Lease & KubeObject;
type PodObject = Pod & KubeObject;

const leaseNamespace = 'kube-node-lease';
const podsByNodeIndex = 'node-lifecycle-controller/spec.nodeName';
const monitoredConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** When this controller last saw each node's kubelet alive, on its own clock (upstream's probeTimestamp). */
interface NodeHealth {
  probeTime: number;
  leaseRenewTime: string | undefined;
  heartbeat: string | undefined;
}

function isManagedTaint(taint: Taint): boolean {
  return (taint.key === unreachableTaintKey || taint.key === notReadyTaintKey) && (taint.effect === 'NoExecute' || taint.effect === 'NoSchedule');
}

/** The not-ready/unreachable taints a node with this Ready status should carry. */
function wantedTaints(readyStatus: string | undefined, now: string): Taint[] {
  if (readyStatus === 'Unknown') {
    return [
      { key: unreachableTaintKey, effect: 'NoExecute', timeAdded: now },
      { key: unreachableTaintKey, effect: 'NoSchedule' },
    ];
  }
  if (readyStatus === 'False') {
    return [
      { key: notReadyTaintKey, effect: 'NoExecute', timeAdded: now },
      { key: notReadyTaintKey, effect: 'NoSchedule' },
    ];
  }
  return [];
}

/**
 * Seconds a pod may stay given the node's NoExecute taints: 0 when one is not tolerated,
 * undefined when all are tolerated forever, else the least tolerationSeconds among the
 * tolerations used (negative counts as 0), as upstream's getMinTolerationTime.
 */
export function minTolerationSeconds(tolerations: readonly Toleration[] | undefined, taints: readonly Taint[]): number | undefined {
  let least: number | undefined;
  for (const taint of taints) {
    const matching = (tolerations ?? []).filter((toleration) => toleratesTaint(toleration, taint));
    if (matching.length === 0) return 0;
    for (const toleration of matching) {
      const seconds = toleration.tolerationSeconds;
      if (seconds === undefined || seconds === null) continue;
      least = Math.min(least ?? Infinity, Math.max(0, seconds));
    }
  }
  return least;
}

/**
 * Watches node Leases and heartbeats: a node silent for the grace period gets Ready (and the
 * pressure conditions) Unknown with reason NodeStatusUnknown and the unreachable NoExecute and
 * NoSchedule taints (not-ready ones for Ready False); the taints go when the kubelet posts
 * Ready True again. Pods on a node with NoExecute taints are deleted (TaintManagerEviction)
 * once the least tolerationSeconds of their matching tolerations has passed since the taint's
 * timeAdded; pods not tolerating a taint go at once.
 */
export class NodeLifecycleController implements Controller {
  readonly name = nodeLifecycleControllerName;
  readonly queueName = 'node_lifecycle_controller';

  private readonly nodes: Informer<NodeObject>;
  private readonly leases: Informer<LeaseObject>;
  private readonly pods: Informer<PodObject>;
  private readonly recorder: EventRecorder;
  private readonly gracePeriodMs: number;
  readonly workers: number;
  private readonly health = new Map<string, NodeHealth>();
  /** Pods deleted by this controller whose deletion the cache has not shown yet. */
  private readonly evicted = new Set<string>();

  constructor(
    private readonly ctx: ControllerContext,
    options: NodeLifecycleControllerOptions = {},
  ) {
    this.gracePeriodMs = options.nodeMonitorGracePeriodMs ?? 40_000;
    this.workers = options.workers ?? 4;
    this.recorder = ctx.recorder(nodeLifecycleControllerName);
    this.nodes = ctx.informers.informerFor<NodeObject>(resources.nodes);
    this.leases = ctx.informers.informerFor<LeaseObject>(resources.leases, { namespace: leaseNamespace });
    this.pods = ctx.informers.informerFor<PodObject>(resources.pods, {
      indexers: { [podsByNodeIndex]: (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []) },
    });
  }

  /** The Node, Lease and pod caches. */
  get caches(): SyncedCache[] {
    return [this.nodes, this.leases, this.pods];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.nodes.addEventHandler({
      onAdd: (node) => queue.add(node.metadata?.name ?? ''),
      onUpdate: (_old, node) => queue.add(node.metadata?.name ?? ''),
      onDelete: (node) => queue.add(node.metadata?.name ?? ''),
    });
    this.leases.addEventHandler({
      onAdd: (lease) => queue.add(lease.metadata?.name ?? ''),
      onUpdate: (_old, lease) => queue.add(lease.metadata?.name ?? ''),
    });
    const podChanged = (pod: PodObject): void => {
      const nodeName = pod.spec?.nodeName;
      if (!nodeName) return;
      const node = this.nodes.get('', nodeName);
      if (node?.spec?.taints?.some((taint) => taint.effect === 'NoExecute')) queue.add(nodeName);
    };
    this.pods.addEventHandler({
      onAdd: podChanged,
      onUpdate: (_old, pod) => podChanged(pod),
      onDelete: (pod) => this.evicted.delete(pod.metadata?.uid ?? ''),
    });
  }

  /** Checks one node's health, fixes its conditions and taints, evicts what is due. */
  async sync(name: string): Promise<SyncResult> {
    const cached = this.nodes.get('', name);
    if (!cached) {
      this.health.delete(name);
      return {};
    }
    const now = this.ctx.clock.now().getTime();
    const health = this.observe(cached, now);
    let node: NodeObject = cached;
    let requeueAfter: number | undefined;
    const silentFor = now - health.probeTime;
    if (silentFor > this.gracePeriodMs) node = await this.markUnknown(node);
    else requeueAfter = this.gracePeriodMs - silentFor + 1;
    node = await this.reconcileTaints(node);
    const evictionWait = await this.evictPods(node, now);
    if (evictionWait !== undefined) requeueAfter = Math.min(requeueAfter ?? Infinity, evictionWait);
    return requeueAfter !== undefined ? { requeueAfter } : {};
  }

  /** Updates the probe time when the Lease was renewed or the status heartbeat moved since last look. */
  private observe(node: NodeObject, now: number): NodeHealth {
    const name = node.metadata?.name ?? '';
    const leaseRenewTime = this.leases.get(leaseNamespace, name)?.spec?.renewTime;
    const heartbeat = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
    let health = this.health.get(name);
    if (!health) {
      health = { probeTime: now, leaseRenewTime, heartbeat };
      this.health.set(name, health);
    } else if (health.leaseRenewTime !== leaseRenewTime || health.heartbeat !== heartbeat) {
      health.probeTime = now;
      health.leaseRenewTime = leaseRenewTime;
      health.heartbeat = heartbeat;
    }
    return health;
  }

  /** Sets the monitored conditions Unknown (keeping their heartbeat times), as upstream's tryUpdateNodeHealth. */
  private async markUnknown(node: NodeObject): Promise<NodeObject> {
    const now = formatTime(this.ctx.clock.now());
    const conditions = [...(node.status?.conditions ?? [])];
    let changed = false;
    for (const type of monitoredConditions) {
      const index = conditions.findIndex((c) => c.type === type);
      const existing = index >= 0 ? conditions[index] : undefined;
      if (existing?.status === 'Unknown') continue;
      const next: NodeCondition = existing
        ? { ...existing, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now }
        : { type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: now };
      if (index >= 0) conditions[index] = next;
      else conditions.push(next);
      changed = true;
    }
    if (!changed) return node;
    const wasReady = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    const updated = await this.ctx.client.update<NodeObject>(resources.nodes, '', { ...cloneJSON(node), status: { ...node.status, conditions } }, { subresource: 'status' });
    if (wasReady) this.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${node.metadata?.name ?? ''} status is now: NodeNotReady`);
    return updated;
  }

  /** Makes the not-ready/unreachable taints match the Ready condition, keeping timeAdded of taints already there. */
  private async reconcileTaints(node: NodeObject): Promise<NodeObject> {
    const taints = node.spec?.taints ?? [];
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const wanted = wantedTaints(ready, formatTime(this.ctx.clock.now())).map(
      (taint) => taints.find((t) => t.key === taint.key && t.effect === taint.effect) ?? taint,
    );
    const next = [...taints.filter((taint) => !isManagedTaint(taint)), ...wanted];
    const current = [...taints.filter((taint) => !isManagedTaint(taint)), ...taints.filter(isManagedTaint)];
    if (jsonEqual(next, current)) return node;
    const spec: Node['spec'] = { ...node.spec, taints: next };
    if (next.length === 0) delete spec.taints;
    return this.ctx.client.update<NodeObject>(resources.nodes, '', { ...cloneJSON(node), spec });
  }

  /** Deletes the pods whose tolerations of the node's NoExecute taints ran out; returns ms until the next is due. */
  private async evictPods(node: NodeObject, now: number): Promise<number | undefined> {
    const noExecute = (node.spec?.taints ?? []).filter((taint) => taint.effect === 'NoExecute');
    if (noExecute.length === 0) return undefined;
    let next: number | undefined;
    for (const pod of this.pods.byIndex(podsByNodeIndex, node.metadata?.name ?? '')) {
      const uid = pod.metadata?.uid ?? '';
      if (pod.metadata?.deletionTimestamp || this.evicted.has(uid)) continue;
      let due: number | undefined;
      for (const taint of noExecute) {
        const seconds = minTolerationSeconds(pod.spec?.tolerations, [taint]);
        if (seconds === undefined) continue;
        const added = taint.timeAdded ? Date.parse(taint.timeAdded) : now;
        due = Math.min(due ?? Infinity, added + seconds * 1000);
      }
      if (due === undefined) continue;
      if (due > now) {
        next = Math.min(next ?? Infinity, due - now);
        continue;
      }
      await this.evict(pod);
    }
    return next;
  }

  private async evict(pod: PodObject): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const uid = pod.metadata?.uid ?? '';
    this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`);
    try {
      const conditions = [
        ...(pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'),
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'DeletionByTaintManager',
          message: 'Taint manager: deleting due to NoExecute taint',
          lastTransitionTime: formatTime(this.ctx.clock.now()),
        },
      ];
      await this.ctx.client.patch(resources.pods, namespace, name, 'merge', { status: { conditions } }, { subresource: 'status' });
      await this.ctx.client.delete(resources.pods, namespace, name, { preconditions: { uid } });
      this.evicted.add(uid);
    } catch (err) {
      if (!isStatusError(err, 404) && !isStatusError(err, 409)) throw err;
    }
  }
}

/** Builds the {@link NodeLifecycleController} with default options. */
export const nodeLifecycleControllerFactory: ControllerFactory = (ctx) => new NodeLifecycleController(ctx);
