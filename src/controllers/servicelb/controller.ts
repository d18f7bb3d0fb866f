/**
 * The ServiceLB controller, after k3s's ServiceLB (klipper-lb) with upstream's service
 * controller's events: LoadBalancer Services without a loadBalancerClass (or with the one this
 * controller claims) get the addresses of the nodes serving them in status.loadBalancer.ingress;
 * the node's Service proxy answers on those addresses. No pods are run: Skiff's proxy already
 * answers for LoadBalancer ingress IPs on every node.
 */
import type { LoadBalancerIngress, Node, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { jsonEqual } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';
import type { EndpointSliceObject } from '../endpointslice/reconcile.js';
import { keyOf, loadBalancerAddresses, isNodeReady, placeLoadBalancers, type LoadBalancerPlacement } from './placement.js';

/** The component name of this controller's events (upstream's service controller's). */
export const serviceControllerComponent = 'service-controller';

/** The label naming an EndpointSlice's Service. */
const serviceNameLabel = 'kubernetes.io/service-name';

/** Options of {@link ServiceLBController}. */
export interface ServiceLBControllerOptions {
  /** Concurrent syncs (upstream's --concurrent-service-syncs). Default 1. */
  workers?: number;
  /** A spec.loadBalancerClass this controller also handles. Default: none (only Services without a class, as upstream's default controller). */
  loadBalancerClass?: string;
}

type ServiceObject = Service & KubeObject;
type NodeObject = Node & KubeObject;

function isLoadBalancer(service: Service | undefined): boolean {
  return service?.spec?.type === 'LoadBalancer';
}

function currentIngress(service: Service): LoadBalancerIngress[] {
  return service.status?.loadBalancer?.ingress ?? [];
}

/** What about a node decides whether and where it serves load balancers. */
function nodeSummary(node: Node): string {
  return JSON.stringify([isNodeReady(node), loadBalancerAddresses(node), node.metadata?.labels ?? {}]);
}

/**
 * Keeps status.loadBalancer.ingress of LoadBalancer Services: the InternalIP and ExternalIP of
 * the Ready nodes serving each (with externalTrafficPolicy Local, those with a ready endpoint),
 * following nodes and endpoints. Two Services asking for the same port and protocol on a node
 * both would use: the older keeps it, the other stays pending with a SyncLoadBalancerFailed
 * warning naming the holder and the port until the clash goes. A Service leaving type
 * LoadBalancer has its status.loadBalancer cleared.
 */
export class ServiceLBController implements Controller {
  readonly name = 'service-lb-controller';
  readonly queueName = 'service';
  readonly workers: number;

  private readonly services: Informer<ServiceObject>;
  private readonly nodes: Informer<NodeObject>;
  private readonly slices: Informer<EndpointSliceObject>;
  private readonly recorder: EventRecorder;
  private readonly loadBalancerClass: string | undefined;
  /** Service key → the last warning recorded while it was pending, so a warning is not repeated every sync. */
  private readonly pendingWarnings = new Map<string, string>();

  constructor(
    private readonly ctx: ControllerContext,
    options: ServiceLBControllerOptions = {},
  ) {
    this.workers = options.workers ?? 1;
    this.loadBalancerClass = options.loadBalancerClass;
    this.recorder = ctx.recorder(serviceControllerComponent);
    this.services = ctx.informers.informerFor<ServiceObject>(resources.services);
    this.nodes = ctx.informers.informerFor<NodeObject>(resources.nodes);
    this.slices = ctx.informers.informerFor<EndpointSliceObject>(resources.endpointslices);
  }

  /** The Service, Node and EndpointSlice caches. */
  get caches(): SyncedCache[] {
    return [this.services, this.nodes, this.slices];
  }

  /** True for the Services this controller gives addresses: type LoadBalancer, no class or the one it claims. */
  handles(service: Service): boolean {
    if (!isLoadBalancer(service)) return false;
    const wanted = service.spec?.loadBalancerClass;
    return wanted === undefined || wanted === null || wanted === this.loadBalancerClass;
  }

  /** Registers the event handlers: Services are placed together (ports are shared), so most changes queue every LoadBalancer. */
  watch(queue: KeyQueue): void {
    this.services.addEventHandler({
      onAdd: (svc) => {
        queue.add(objectKey(svc));
        if (isLoadBalancer(svc)) this.enqueueLoadBalancers(queue);
      },
      onUpdate: (old, svc) => {
        queue.add(objectKey(svc));
        if (isLoadBalancer(old) || isLoadBalancer(svc)) this.enqueueLoadBalancers(queue);
      },
      onDelete: (svc) => {
        queue.add(objectKey(svc));
        if (isLoadBalancer(svc)) this.enqueueLoadBalancers(queue);
      },
    });
    this.nodes.addEventHandler({
      onAdd: () => this.enqueueLoadBalancers(queue),
      onUpdate: (old, node) => {
        if (nodeSummary(old) !== nodeSummary(node)) this.enqueueLoadBalancers(queue);
      },
      onDelete: () => this.enqueueLoadBalancers(queue),
    });
    const sliceChanged = (slice: EndpointSliceObject): void => {
      const name = slice.metadata?.labels?.[serviceNameLabel];
      const service = name ? this.services.get(slice.metadata?.namespace ?? '', name) : undefined;
      // Only Local Services follow their endpoints; their nodes decide the clashes of the others.
      if (service && isLoadBalancer(service) && service.spec?.externalTrafficPolicy === 'Local') this.enqueueLoadBalancers(queue);
    };
    this.slices.addEventHandler({ onAdd: sliceChanged, onUpdate: (_old, slice) => sliceChanged(slice), onDelete: sliceChanged });
  }

  private enqueueLoadBalancers(queue: KeyQueue): void {
    for (const service of this.services.list()) if (isLoadBalancer(service)) queue.add(objectKey(service));
  }

  /** The nodes with a ready endpoint of `service`, from its EndpointSlices. */
  private readyEndpointNodes(service: ServiceObject): Set<string> {
    const nodes = new Set<string>();
    for (const slice of this.slices.list(service.metadata?.namespace ?? '')) {
      if (slice.metadata?.labels?.[serviceNameLabel] !== service.metadata?.name) continue;
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready !== false && endpoint.nodeName) nodes.add(endpoint.nodeName);
      }
    }
    return nodes;
  }

  /** Converges status.loadBalancer of the Service with this key. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const service = this.services.get(namespace, name);
    if (!service) {
      this.pendingWarnings.delete(key);
      return;
    }
    if (!isLoadBalancer(service)) {
      this.pendingWarnings.delete(key);
      if (currentIngress(service).length === 0) return;
      await this.writeIngress(service, []);
      this.recorder.event(service, 'Normal', 'DeletingLoadBalancer', 'Deleting load balancer');
      this.recorder.event(service, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
      return;
    }
    // A Service of another class is another controller's.
    if (!this.handles(service)) return;
    const placements = placeLoadBalancers({
      services: this.services.list().filter((s) => this.handles(s)),
      nodes: this.nodes.list(),
      readyEndpointNodes: (s) => this.readyEndpointNodes(s),
    });
    const placement = placements.get(keyOf(service)) ?? { nodes: [], ingress: [], noNodes: true };
    this.warnWhilePending(key, service, placement);
    const current = currentIngress(service);
    if (jsonEqual(current, placement.ingress)) return;
    if (placement.ingress.length === 0) {
      await this.writeIngress(service, []);
      return;
    }
    if (current.length === 0) {
      // Recorded once the write succeeded: a write from a stale cache fails (409) and is retried.
      await this.writeIngress(service, placement.ingress);
      this.recorder.event(service, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
      this.recorder.event(service, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
    } else {
      await this.writeIngress(service, placement.ingress);
      this.recorder.event(service, 'Normal', 'UpdatedLoadBalancer', 'Updated load balancer with new hosts');
    }
  }

  /** Records why the Service is pending, once per reason. */
  private warnWhilePending(key: string, service: ServiceObject, placement: LoadBalancerPlacement): void {
    let reason: string | undefined;
    let message: string | undefined;
    if (placement.clash) {
      const { holder, port, protocol, node } = placement.clash;
      reason = 'SyncLoadBalancerFailed';
      message = `Error syncing load balancer: port ${port}/${protocol} is already used by Service ${holder} on node ${node}`;
    } else if (placement.noNodes) {
      reason = 'UnAvailableLoadBalancer';
      message = 'There are no available nodes for LoadBalancer';
    }
    if (!reason || !message) {
      this.pendingWarnings.delete(key);
      return;
    }
    if (this.pendingWarnings.get(key) === message) return;
    this.pendingWarnings.set(key, message);
    this.recorder.event(service, 'Warning', reason, message);
  }

  private async writeIngress(service: ServiceObject, ingress: LoadBalancerIngress[]): Promise<void> {
    const status = { ...service.status, loadBalancer: ingress.length > 0 ? { ingress } : {} };
    await this.ctx.client.update<ServiceObject>(resources.services, service.metadata?.namespace ?? '', { ...service, status }, { subresource: 'status' });
  }
}

/** Builds the ServiceLB controller with default options. */
export const serviceLBControllerFactory: ControllerFactory = (ctx) => new ServiceLBController(ctx);
