/**
 * A simulated node in the manner of KWOK: it registers a Node, keeps its Lease and status
 * fresh, and plays the kubelet for the pods bound to it without running anything: pods go
 * straight to Running and Ready with an IP from the node's spec.podCIDR, pods being deleted
 * are removed at once. Node addresses and pod IPs are only strings in the API.
 */
import type { Node, NodeStatus, Pod } from 'kubernetes-types/core/v1.js';
import { formatIPv4, parseCIDR } from '../../apimachinery/net.js';
import { isStatusError } from '../../apimachinery/errors.js';
import { formatTime, type KubeObject } from '../../apimachinery/object.js';
import { resources, type Client } from '../../client/client.js';
import type { Clock } from '../../apimachinery/clock.js';
import { Informer, objectKey, splitKey } from '../../client/informer.js';
import { runWorkers, WorkQueue, type SyncResult } from '../../client/work-queue.js';
import { NodeRegistration, type NodeDescription } from '../node-registration.js';
import { PodIPPool } from './ip-pool.js';
import { runningPodStatus, simulatedDurationSeconds, succeededPodStatus } from './pod-status.js';

/** The range simulated node addresses come from: never routed, they only appear in the API. */
export const defaultSimulatedAddressRange = '10.254.0.0/16';

export { nodeLeaseNamespace } from '../node-registration.js';

/** Resources a simulated node reports as capacity (and allocatable). */
export interface SimulatedCapacity {
  /** Default '8'. */
  cpu?: string;
  /** Default '32Gi'. */
  memory?: string;
  /** Default '110'. */
  pods?: string;
  /** Default '100Gi'. */
  ephemeralStorage?: string;
}

/** Options of {@link SimulatedNode}. */
export interface SimulatedNodeOptions {
  /** Default cpu '8', memory '32Gi', pods '110', ephemeral-storage '100Gi'. */
  capacity?: SimulatedCapacity;
  /** Labels besides kubernetes.io/hostname, kubernetes.io/os=linux and kubernetes.io/arch=amd64. */
  labels?: Record<string, string>;
  /** The node's InternalIP. Default: an address of `addressRange` derived from the node name. */
  internalIP?: string;
  /** Where the default InternalIP is taken from. Default {@link defaultSimulatedAddressRange}. */
  addressRange?: string;
  /** How often the Lease is renewed (the kubelet's 10 s). Default 10000. */
  leaseRenewIntervalMs?: number;
  /** The Lease's leaseDurationSeconds. Default 40. */
  leaseDurationSeconds?: number;
  /** How often the status (Ready's lastHeartbeatTime) is posted when nothing changed. Default 60000. */
  statusReportIntervalMs?: number;
  /** Pods synced concurrently by a standalone node. Default 4. */
  podWorkers?: number;
  /** Told about failed API calls (they are retried). Default console.error. */
  onError?: (err: unknown, where: string) => void;
}

/** The version strings a simulated node reports. */
export const simulatedNodeInfo = {
  kubeletVersion: 'v1.32.0-skiff',
  kubeProxyVersion: 'v1.32.0-skiff',
  containerRuntimeVersion: 'simulated://0.1',
  osImage: 'Skiff simulated node',
  kernelVersion: '6.1.0-simulated',
  operatingSystem: 'linux',
  architecture: 'amd64',
} as const;

type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;

/** An address of `range` picked by hashing `name` (FNV-1a), skipping the network and broadcast addresses. */
export function addressForName(name: string, range = defaultSimulatedAddressRange): string {
  const { base, size } = parseCIDR(range);
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return formatIPv4(base + 1 + (hash % Math.max(1, size - 2)));
}

function stableID(name: string, salt: string): string {
  let out = '';
  for (let i = 0; out.length < 32; i++) {
    let hash = 0x811c9dc5;
    for (const ch of `${salt}/${name}/${i}`) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += hash.toString(16).padStart(8, '0');
  }
  return out.slice(0, 32);
}

/**
 * One simulated node. Standalone, `start(signal)` registers it and runs everything with its
 * own two watches (its pods by spec.nodeName, its Node by name). A {@link SimulatedNodePool}
 * drives many nodes through the methods marked "for a driver" over shared informers instead.
 */
export class SimulatedNode {
  /** The InternalIP reported (and used as pods' hostIP). */
  readonly internalIP: string;

  private readonly capacity: Record<string, string>;
  private readonly reportError: (err: unknown, where: string) => void;
  private readonly registration: NodeRegistration;
  private ipPool: PodIPPool | undefined;
  /** Pods seen before the pod CIDR was known. */
  private readonly waitingForCIDR = new Set<string>();

  constructor(
    private readonly client: Client,
    readonly name: string,
    private readonly clock: Clock,
    private readonly options: SimulatedNodeOptions = {},
  ) {
    this.internalIP = options.internalIP ?? addressForName(name, options.addressRange);
    const capacity = options.capacity ?? {};
    this.capacity = {
      cpu: capacity.cpu ?? '8',
      memory: capacity.memory ?? '32Gi',
      pods: capacity.pods ?? '110',
      'ephemeral-storage': capacity.ephemeralStorage ?? '100Gi',
    };
    this.reportError = options.onError ?? ((err, where) => console.error(`simulated node ${name} ${where}:`, err));
    this.registration = new NodeRegistration(client, name, clock, () => this.describe(), {
      leaseDurationSeconds: options.leaseDurationSeconds,
      statusReportIntervalMs: options.statusReportIntervalMs,
    });
  }

  /** The pod CIDR the node got from node IPAM, once known. */
  get podCIDR(): string | undefined {
    return this.ipPool?.cidr;
  }

  /** Registers the node, then syncs its pods, Lease and status until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    if (!(await this.registration.registerUntilDone(signal, (err) => this.reportError(err, 'register')))) return;
    const pods = new Informer<PodObject>(this.client, resources.pods, { fieldSelector: `spec.nodeName=${this.name}`, clock: this.clock, onError: (err) => this.reportError(err, 'pod watch') });
    const nodes = new Informer<NodeObject>(this.client, resources.nodes, { fieldSelector: `metadata.name=${this.name}`, clock: this.clock, onError: (err) => this.reportError(err, 'node watch') });
    const podQueue = new WorkQueue<string>({ clock: this.clock });
    const statusQueue = new WorkQueue<string>({ clock: this.clock });
    pods.addEventHandler({
      onAdd: (pod) => podQueue.add(objectKey(pod)),
      onUpdate: (_old, pod) => podQueue.add(objectKey(pod)),
      onDelete: (pod) => this.podDeleted(pod),
    });
    nodes.addEventHandler({
      onAdd: (node) => this.afterObserve(node, podQueue, statusQueue),
      onUpdate: (_old, node) => this.afterObserve(node, podQueue, statusQueue),
    });
    const watching = [pods.start(signal), nodes.start(signal)];
    const syncPod = (key: string): Promise<SyncResult> => {
      const { namespace, name } = splitKey(key);
      return this.syncPod(key, pods.get(namespace, name));
    };
    await Promise.all([
      ...watching,
      runWorkers(podQueue, this.options.podWorkers ?? 4, syncPod, signal, (err, key) => this.reportError(err, `pod ${key}`)),
      runWorkers(statusQueue, 1, () => this.postStatus(), signal, (err) => this.reportError(err, 'status')),
      this.every(this.options.leaseRenewIntervalMs ?? 10_000, signal, () => this.renewLease()),
      this.every(this.options.statusReportIntervalMs ?? 60_000, signal, async () => statusQueue.add(this.name)),
    ]);
  }

  private afterObserve(node: NodeObject, podQueue: WorkQueue<string>, statusQueue: WorkQueue<string>): void {
    const { requeue, postStatus } = this.observeNode(node);
    for (const key of requeue) podQueue.add(key);
    if (postStatus) statusQueue.add(this.name);
  }

  private async every(intervalMs: number, signal: AbortSignal, fn: () => Promise<void>): Promise<void> {
    // The first round is the registration's.
    await this.clock.sleep(intervalMs, signal);
    while (!signal.aborted) {
      try {
        await fn();
      } catch (err) {
        this.reportError(err, 'heartbeat');
      }
      await this.clock.sleep(intervalMs, signal);
    }
  }

  private describe(): NodeDescription {
    return {
      labels: {
        ...this.options.labels,
        'kubernetes.io/hostname': this.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
      },
      annotations: { type: 'simulated', 'node.alpha.kubernetes.io/ttl': '0' },
      capacity: this.capacity,
      addresses: [
        { type: 'InternalIP', address: this.internalIP },
        { type: 'Hostname', address: this.name },
      ],
      kubeletPort: 10250,
      nodeInfo: {
        machineID: stableID(this.name, 'machine'),
        systemUUID: stableID(this.name, 'system'),
        bootID: stableID(this.name, 'boot'),
        ...simulatedNodeInfo,
      },
      ready: { ready: true, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
    };
  }

  /** The Node object this node registers. */
  nodeObject(): NodeObject {
    return this.registration.nodeObject();
  }

  /** The status posted: capacity, conditions with fresh heartbeats, addresses, nodeInfo. */
  nodeStatus(): NodeStatus {
    return this.registration.nodeStatus();
  }

  /** For a driver: creates the Node, or takes over an existing one (labels and status refreshed). */
  register(): Promise<void> {
    return this.registration.register();
  }

  /** For a driver: posts the node status (heartbeat); a Node deleted meanwhile is registered again. */
  postStatus(): Promise<void> {
    return this.registration.postStatus();
  }

  /** For a driver: renews (or creates) the node's Lease in kube-node-lease. */
  renewLease(): Promise<void> {
    return this.registration.renewLease();
  }

  /**
   * For a driver: takes note of the Node as the API shows it. Returns the pod keys to sync
   * again (those that waited for the pod CIDR) and whether the status should be posted now
   * (someone else changed Ready, or it is older than the report interval).
   */
  observeNode(node: Node): { requeue: string[]; postStatus: boolean } {
    let requeue: string[] = [];
    const cidr = node.spec?.podCIDR;
    if (cidr && !this.ipPool) {
      try {
        this.ipPool = new PodIPPool(cidr);
        requeue = [...this.waitingForCIDR];
        this.waitingForCIDR.clear();
      } catch (err) {
        this.reportError(err, 'pod CIDR');
      }
    }
    return { requeue, postStatus: this.registration.observe(node) };
  }

  /** For a driver: a pod bound here is gone; its IP is free again. */
  podDeleted(pod: Pod): void {
    const key = objectKey(pod as KubeObject);
    this.waitingForCIDR.delete(key);
    const uid = pod.metadata?.uid;
    if (uid) this.ipPool?.release(uid);
  }

  /** For a driver: plays the kubelet for one pod bound here (`pod` undefined when it no longer exists). */
  async syncPod(key: string, pod: PodObject | undefined): Promise<SyncResult> {
    if (!pod) {
      this.waitingForCIDR.delete(key);
      return {};
    }
    const uid = pod.metadata?.uid ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp) {
      // Nothing runs, so nothing needs the grace period.
      try {
        await this.client.delete(resources.pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (err) {
        // 409: a precondition failed; look again at whatever the pod is now.
        if (isStatusError(err, 409)) return { requeueAfter: 1000 };
        if (!isStatusError(err, 404)) throw err;
      }
      this.ipPool?.release(uid);
      return {};
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.ipPool?.release(uid);
      return {};
    }
    const pool = this.ipPool;
    if (!pool) {
      this.waitingForCIDR.add(key);
      return {};
    }
    const now = this.clock.now();
    const podIP = pod.status?.podIP;
    const startedHere = phase === 'Running' && podIP !== undefined && pool.reserve(uid, podIP);
    if (!startedHere) {
      const ip = pool.allocate(uid);
      if (ip === undefined) throw new Error(`no free pod IP in ${pool.cidr} for pod ${key}`);
      const status = runningPodStatus(pod, { hostIP: this.internalIP, podIP: ip, now });
      try {
        await this.client.patch(resources.pods, namespace, name, 'merge', { status }, { subresource: 'status' });
      } catch (err) {
        if (isStatusError(err, 404)) {
          pool.release(uid);
          return {};
        }
        throw err;
      }
      const remaining = msUntilCompletion(pod, status.startTime ?? formatTime(now), now);
      // Even when already due, the next sync (woken by the status write or this requeue) completes it.
      return remaining === undefined ? {} : { requeueAfter: Math.max(1, remaining) };
    }
    const remaining = msUntilCompletion(pod, pod.status?.startTime ?? formatTime(now), now);
    if (remaining === undefined) return {};
    if (remaining > 0) return { requeueAfter: remaining };
    try {
      await this.client.patch(resources.pods, namespace, name, 'merge', { status: succeededPodStatus(pod, now) }, { subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err, 404)) throw err;
    }
    pool.release(uid);
    return {};
  }
}

/** Milliseconds until a pod with a simulated duration succeeds (may be <= 0), or undefined when it runs until deleted. */
function msUntilCompletion(pod: Pod, startTime: string, now: Date): number | undefined {
  const duration = simulatedDurationSeconds(pod);
  if (duration === undefined) return undefined;
  return Date.parse(startTime) + duration * 1000 - now.getTime();
}
