/**
 * A node's side of its Node object, shared by real and simulated nodes as upstream's kubelet
 * does it: register (or take over) the Node, renew its Lease in kube-node-lease, post status
 * with fresh heartbeats, and notice what others set on it (the podCIDR from node IPAM, a Ready
 * condition the node lifecycle controller turned Unknown).
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeAddress, NodeCondition, NodeStatus, NodeSystemInfo } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../apimachinery/errors.js';
import { formatTime, type KubeObject } from '../apimachinery/object.js';
import { resources, type Client } from '../client/client.js';
import type { Clock } from '../apimachinery/clock.js';
import { formatMicroTime } from '../client/leader-election.js';

/** The namespace of node Leases. */
export const nodeLeaseNamespace = 'kube-node-lease';

type NodeObject = Node & KubeObject;
type LeaseObject = Lease & KubeObject;

/** What a node says about itself; asked again at each status post. */
export interface NodeDescription {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  capacity: Record<string, string>;
  /** Default: the capacity. */
  allocatable?: Record<string, string>;
  addresses: NodeAddress[];
  nodeInfo: NodeSystemInfo;
  /** The port of the node's own HTTPS endpoint (logs, exec, port-forward). */
  kubeletPort: number;
  /** Whether the node can run pods, and why not (the Ready condition). */
  ready: { ready: boolean; reason: string; message: string };
}

/** Options of {@link NodeRegistration}. */
export interface NodeRegistrationOptions {
  /** The Lease's leaseDurationSeconds. Default 40. */
  leaseDurationSeconds?: number;
  /** How often the status is posted when nothing changed. Default 60000. */
  statusReportIntervalMs?: number;
}

/** One node's registration, Lease and status posts. */
export class NodeRegistration {
  private uid: string | undefined;
  private lease: LeaseObject | undefined;
  private readyTransition: string;
  /** The Ready status last seen on the Node or posted, to notice changes by others. */
  private observedReady: string | undefined;
  private lastPostedReady: boolean | undefined;
  private lastStatusPost = -Infinity;
  private readonly leaseDurationSeconds: number;

  constructor(
    private readonly client: Client,
    readonly name: string,
    private readonly clock: Clock,
    private readonly describe: () => NodeDescription,
    private readonly options: NodeRegistrationOptions = {},
  ) {
    this.leaseDurationSeconds = options.leaseDurationSeconds ?? 40;
    this.readyTransition = formatTime(clock.now());
  }

  /** The Node object this node registers. */
  nodeObject(): NodeObject {
    const d = this.describe();
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.name, labels: d.labels, ...(d.annotations ? { annotations: d.annotations } : {}) },
      spec: {},
      status: this.nodeStatus(d),
    };
  }

  /** The status posted: capacity, conditions with fresh heartbeats, addresses, nodeInfo. */
  nodeStatus(d: NodeDescription = this.describe()): NodeStatus {
    const now = formatTime(this.clock.now());
    if (this.lastPostedReady !== undefined && this.lastPostedReady !== d.ready.ready) this.readyTransition = now;
    const healthy = (type: string, reason: string, message: string): NodeCondition => ({
      type,
      status: 'False',
      lastHeartbeatTime: now,
      lastTransitionTime: this.readyTransition,
      reason,
      message,
    });
    return {
      capacity: { ...d.capacity },
      allocatable: { ...(d.allocatable ?? d.capacity) },
      conditions: [
        healthy('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        healthy('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        healthy('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        {
          type: 'Ready',
          status: d.ready.ready ? 'True' : 'False',
          lastHeartbeatTime: now,
          lastTransitionTime: this.readyTransition,
          reason: d.ready.reason,
          message: d.ready.message,
        },
      ],
      addresses: d.addresses,
      daemonEndpoints: { kubeletEndpoint: { Port: d.kubeletPort } },
      nodeInfo: d.nodeInfo,
    };
  }

  /** Creates the Node, or takes over an existing one (labels, annotations and status refreshed). */
  async register(): Promise<void> {
    const wanted = this.nodeObject();
    try {
      const created = await this.client.create<NodeObject>(resources.nodes, '', wanted);
      this.uid = created.metadata?.uid;
      this.observedReady = created.status?.conditions?.find((c) => c.type === 'Ready')?.status;
      this.lastPostedReady = this.observedReady === 'True';
    } catch (err) {
      if (!isStatusError(err, 409)) throw err;
      const patched = await this.client.patch<NodeObject>(resources.nodes, '', this.name, 'merge', {
        metadata: { labels: wanted.metadata?.labels, annotations: wanted.metadata?.annotations },
      });
      this.uid = patched.metadata?.uid;
      this.observe(patched);
      await this.postStatus();
    }
    this.lastStatusPost = this.clock.now().getTime();
  }

  /** Registers, retrying with back-off, then takes the Lease; false when `signal` aborted first. */
  async registerUntilDone(signal: AbortSignal, onError: (err: unknown) => void): Promise<boolean> {
    let backoff = 500;
    while (!signal.aborted) {
      try {
        await this.register();
        await this.renewLease();
        return true;
      } catch (err) {
        onError(err);
        await this.clock.sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 7000);
      }
    }
    return false;
  }

  /** Posts the node status (heartbeat); a Node deleted meanwhile is registered again. */
  async postStatus(): Promise<void> {
    const d = this.describe();
    // Someone else (the node lifecycle controller) changed Ready: this post is a transition.
    if (this.observedReady !== undefined && this.observedReady !== (d.ready.ready ? 'True' : 'False')) {
      this.readyTransition = formatTime(this.clock.now());
    }
    try {
      await this.client.patch(resources.nodes, '', this.name, 'merge', { status: this.nodeStatus(d) }, { subresource: 'status' });
      this.observedReady = d.ready.ready ? 'True' : 'False';
      this.lastPostedReady = d.ready.ready;
      this.lastStatusPost = this.clock.now().getTime();
    } catch (err) {
      if (!isStatusError(err, 404)) throw err;
      await this.register();
    }
  }

  /** Renews (or creates) the node's Lease in kube-node-lease. */
  async renewLease(): Promise<void> {
    const renewTime = formatMicroTime(this.clock.now());
    const spec = { holderIdentity: this.name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime };
    if (this.lease) {
      try {
        this.lease = await this.client.update<LeaseObject>(resources.leases, nodeLeaseNamespace, { ...this.lease, spec: { ...this.lease.spec, ...spec } });
        return;
      } catch (err) {
        if (!isStatusError(err, 409) && !isStatusError(err, 404)) throw err;
        this.lease = undefined;
      }
    }
    try {
      const current = await this.client.get<LeaseObject>(resources.leases, nodeLeaseNamespace, this.name);
      this.lease = await this.client.update<LeaseObject>(resources.leases, nodeLeaseNamespace, { ...current, spec: { ...current.spec, ...spec } });
    } catch (err) {
      if (!isStatusError(err, 404)) throw err;
      this.lease = await this.client.create<LeaseObject>(resources.leases, nodeLeaseNamespace, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.name,
          namespace: nodeLeaseNamespace,
          ...(this.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.name, uid: this.uid }] } : {}),
        },
        spec,
      });
    }
  }

  /**
   * Takes note of the Node as the API shows it. Returns whether the status should be posted
   * now: someone else changed Ready, the node's own readiness changed, or the last post is
   * older than the report interval.
   */
  observe(node: Node): boolean {
    if (node.metadata?.uid) this.uid = node.metadata.uid;
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    this.observedReady = ready;
    return this.statusDue(ready);
  }

  /** Whether a status post is due (readiness differs from what the API shows, or the report interval passed). */
  statusDue(apiReady: string | undefined = this.observedReady): boolean {
    const stale = this.clock.now().getTime() - this.lastStatusPost >= (this.options.statusReportIntervalMs ?? 60_000);
    const wanted = this.describe().ready.ready ? 'True' : 'False';
    return apiReady !== wanted || stale;
  }
}
