/**
 * The node IPAM controller, after kube-controller-manager's range allocator: every Node gets
 * a pod CIDR (a /24 for IPv4) carved out of the cluster CIDR, in spec.podCIDR and
 * spec.podCIDRs, never one already in use.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { formatIPv4, parseCIDR, parseIPv4, type IPv4Range } from '../../apimachinery/net.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';

/** The component name of this controller's events. */
export const nodeIpamControllerName = 'node-ipam-controller';

/** Options of {@link NodeIpamController}. */
export interface NodeIpamControllerOptions {
  /** Prefix length of each node's range (upstream's --node-cidr-mask-size-ipv4). Default 24. */
  nodeCIDRMaskSize?: number;
  /** Concurrent syncs. Default 4. */
  workers?: number;
}

type NodeObject = Node & KubeObject;

/**
 * The /N subnets of a cluster CIDR, as upstream's cidrset: handed out in order from a
 * rotating cursor; occupied ones (from existing nodes) are skipped.
 */
export class CIDRSet {
  private readonly cluster: IPv4Range;
  private readonly subnetSize: number;
  /** Number of subnets. */
  readonly capacity: number;
  private readonly used = new Set<number>();
  private cursor = 0;

  /** @throws Error when the CIDR is not IPv4 or the mask is shorter than the cluster's or longer than 30. */
  constructor(clusterCIDR: string, readonly maskSize: number) {
    this.cluster = parseCIDR(clusterCIDR);
    if (maskSize < this.cluster.prefix || maskSize > 30) {
      throw new Error(`node CIDR mask size ${maskSize} does not fit cluster CIDR ${clusterCIDR}`);
    }
    this.subnetSize = 2 ** (32 - maskSize);
    this.capacity = 2 ** (maskSize - this.cluster.prefix);
  }

  /** The index of `cidr` in this set, or undefined when it is not one of its subnets. */
  indexOf(cidr: string): number | undefined {
    const [ip, bits] = cidr.split('/');
    const address = parseIPv4(ip ?? '');
    if (address === undefined || Number(bits) !== this.maskSize) return undefined;
    const offset = address - this.cluster.base;
    if (offset < 0 || offset >= this.cluster.size || offset % this.subnetSize !== 0) return undefined;
    return offset / this.subnetSize;
  }

  /** The subnet at `index` as `a.b.c.d/N`. */
  cidrAt(index: number): string {
    return `${formatIPv4(this.cluster.base + index * this.subnetSize)}/${this.maskSize}`;
  }

  /** Marks a subnet used; false when it is not in the set. */
  occupy(cidr: string): boolean {
    const index = this.indexOf(cidr);
    if (index === undefined) return false;
    this.used.add(index);
    return true;
  }

  /** Frees a subnet. */
  release(cidr: string): void {
    const index = this.indexOf(cidr);
    if (index !== undefined) this.used.delete(index);
  }

  /** The next free subnet (marked used), or undefined when all are taken. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.capacity; i++) {
      const index = (this.cursor + i) % this.capacity;
      if (this.used.has(index)) continue;
      this.used.add(index);
      this.cursor = (index + 1) % this.capacity;
      return this.cidrAt(index);
    }
    return undefined;
  }

  /** Subnets in use. */
  get usedCount(): number {
    return this.used.size;
  }
}

/** The first IPv4 CIDR of a (possibly dual-stack, comma-separated) setting. */
function firstIPv4CIDR(setting: string): string | undefined {
  return setting
    .split(',')
    .map((cidr) => cidr.trim())
    .find((cidr) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr));
}

/**
 * Assigns each Node without spec.podCIDR the next free /24 of settings.clusterCIDR. The used
 * set is rebuilt from the nodes at start; a node's range is freed when the node is deleted.
 * When the range is exhausted the node gets a `CIDRNotAvailable` event and is retried.
 */
export class NodeIpamController implements Controller {
  readonly name = nodeIpamControllerName;
  readonly queueName = 'cidrallocator_node';

  private readonly nodes: Informer<NodeObject>;
  private readonly recorder: EventRecorder;
  private readonly cidrs: CIDRSet | undefined;
  readonly workers: number;
  /** What this controller gave each node, until the informer shows it (or the node goes). */
  private readonly assigned = new Map<string, string>();

  constructor(
    private readonly ctx: ControllerContext,
    options: NodeIpamControllerOptions = {},
  ) {
    this.workers = options.workers ?? 4;
    this.recorder = ctx.recorder(nodeIpamControllerName);
    const clusterCIDR = firstIPv4CIDR(ctx.settings.clusterCIDR);
    try {
      this.cidrs = clusterCIDR ? new CIDRSet(clusterCIDR, options.nodeCIDRMaskSize ?? 24) : undefined;
    } catch (err) {
      ctx.onError(err, nodeIpamControllerName);
      this.cidrs = undefined;
    }
    this.nodes = ctx.informers.informerFor<NodeObject>(resources.nodes);
  }

  /** The Node cache. */
  get caches(): SyncedCache[] {
    return [this.nodes];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.nodes.addEventHandler({
      onAdd: (node) => queue.add(node.metadata?.name ?? ''),
      onUpdate: (_old, node) => {
        if (!node.spec?.podCIDR) queue.add(node.metadata?.name ?? '');
      },
      onDelete: (node) => this.nodeGone(node),
    });
  }

  /** Rebuilds the set of given ranges from the nodes; without a cluster CIDR, reports that node IPAM is off (syncs then do nothing). */
  cachesSynced(): void {
    if (!this.cidrs) {
      this.ctx.onError(new Error(`no IPv4 cluster CIDR in ${JSON.stringify(this.ctx.settings.clusterCIDR)}: node IPAM is off`), this.name);
      return;
    }
    for (const node of this.nodes.list()) {
      for (const cidr of podCIDRsOf(node)) this.cidrs.occupy(cidr);
    }
  }

  /** Gives the node a pod CIDR unless it has one. */
  async sync(name: string): Promise<SyncResult> {
    const cidrs = this.cidrs;
    const node = this.nodes.get('', name);
    if (!cidrs || !node) return {};
    const existing = podCIDRsOf(node);
    if (existing.length > 0) {
      for (const cidr of existing) cidrs.occupy(cidr);
      const mine = this.assigned.get(name);
      if (mine && !existing.includes(mine)) cidrs.release(mine);
      this.assigned.delete(name);
      return {};
    }
    // Assigned before, the cache not caught up yet: write the same range again (harmless).
    let cidr = this.assigned.get(name);
    if (!cidr) {
      cidr = cidrs.allocateNext();
      if (!cidr) {
        this.recorder.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        throw new Error(`failed to allocate cidr from cluster cidr: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range`);
      }
      this.assigned.set(name, cidr);
    }
    try {
      await this.ctx.client.patch(resources.nodes, '', name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) {
        this.assigned.delete(name);
        cidrs.release(cidr);
        return {};
      }
      // The range stays reserved for this node: the retry writes the same one, or finds the node holds another.
      throw err;
    }
    return {};
  }

  private nodeGone(node: NodeObject): void {
    const name = node.metadata?.name ?? '';
    const mine = this.assigned.get(name);
    this.assigned.delete(name);
    for (const cidr of new Set([...podCIDRsOf(node), ...(mine ? [mine] : [])])) this.cidrs?.release(cidr);
  }
}

function podCIDRsOf(node: Node): string[] {
  const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  return cidrs.filter((cidr) => cidr.includes('.'));
}

/** Builds the {@link NodeIpamController} with default options. */
export const nodeIpamControllerFactory: ControllerFactory = (ctx) => new NodeIpamController(ctx);
