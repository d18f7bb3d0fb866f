/**
 * The EndpointSlice controller, after upstream's pkg/controller/endpointslice: for each Service
 * with a selector, discovery.k8s.io/v1 EndpointSlices listing the selected pods.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { errorMessage, isStatusError, StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import { queueMappedKeys, type Controller, type ControllerContext, type ControllerFactory, type KeyQueue, type SyncedCache } from '../../client/controller.js';
import { hasSelector, serviceSelectsPod } from '../../apimachinery/service-endpoints.js';
import {
  controllerManagedBy,
  defaultMaxEndpointsPerSlice,
  desiredEndpointGroups,
  managedByLabel,
  planSlices,
  serviceNameLabel,
  type EndpointSliceObject,
} from './reconcile.js';

/** The component name of this controller's events. */
export const endpointSliceControllerName = 'endpointslice-controller';

/** Delay before looking again while the slice cache lags behind this controller's writes. */
const staleCacheRetryMs = 100;

/** Options of {@link EndpointSliceController}. */
export interface EndpointSliceControllerOptions {
  /** Concurrent syncs (upstream's --concurrent-service-endpoint-syncs). Default 5. */
  workers?: number;
  /** Upstream's --max-endpoints-per-slice. Default 100. */
  maxEndpointsPerSlice?: number;
}

type ServiceObject = Service & KubeObject;
type PodObject = Pod & KubeObject;

function isNamespaceTerminating(err: unknown): boolean {
  return (
    err instanceof StatusError &&
    err.code === 403 &&
    (err.details?.causes ?? []).some((cause: { reason?: string }) => cause.reason === 'NamespaceTerminating')
  );
}

/** Orders resourceVersions when both are numbers (as this API server's are); otherwise undefined. */
function compareVersions(a: string | undefined, b: string | undefined): number | undefined {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Upstream's EndpointSliceTracker, simplified: the slices this controller wrote that the cache
 * has not shown yet (by resourceVersion, or still present after a delete). A Service with such
 * slices is not reconciled until the cache catches up, so a lagging cache never causes a
 * second slice to be created.
 */
class SliceWriteTracker {
  /** Service key → slice name → resourceVersion written, or 'deleted'. */
  private readonly pending = new Map<string, Map<string, string>>();

  /** This controller wrote `slice`; `cached` is what the cache holds under its name now. */
  wrote(serviceKey: string, slice: KubeObject, cached: KubeObject | undefined): void {
    const written = slice.metadata?.resourceVersion ?? '';
    // The watch may have delivered the write already.
    const order = compareVersions(cached?.metadata?.resourceVersion, written);
    if (cached && (order === undefined ? cached.metadata?.resourceVersion === written : order >= 0)) return;
    this.entry(serviceKey).set(slice.metadata?.name ?? '', written);
  }

  /** This controller deleted `slice`; `cached` is what the cache holds under its name now. */
  deleted(serviceKey: string, slice: KubeObject, cached: KubeObject | undefined): void {
    if (!cached || cached.metadata?.uid !== slice.metadata?.uid) return;
    this.entry(serviceKey).set(slice.metadata?.name ?? '', 'deleted');
  }

  /** The cache now shows `slice` (added or updated). */
  observed(serviceKey: string, slice: KubeObject): void {
    const entries = this.pending.get(serviceKey);
    const name = slice.metadata?.name ?? '';
    const written = entries?.get(name);
    if (!entries || written === undefined || written === 'deleted') return;
    const order = compareVersions(slice.metadata?.resourceVersion, written);
    if (order === undefined || order >= 0) this.forget(serviceKey, name);
  }

  /** The cache no longer holds `slice`. */
  observedDeletion(serviceKey: string, slice: KubeObject): void {
    this.forget(serviceKey, slice.metadata?.name ?? '');
  }

  isStale(serviceKey: string): boolean {
    return (this.pending.get(serviceKey)?.size ?? 0) > 0;
  }

  dropService(serviceKey: string): void {
    this.pending.delete(serviceKey);
  }

  private forget(serviceKey: string, name: string): void {
    const entries = this.pending.get(serviceKey);
    entries?.delete(name);
    if (entries?.size === 0) this.pending.delete(serviceKey);
  }

  private entry(serviceKey: string): Map<string, string> {
    let entries = this.pending.get(serviceKey);
    if (!entries) this.pending.set(serviceKey, (entries = new Map()));
    return entries;
  }
}

function serviceKeyOfSlice(slice: EndpointSliceObject): string | undefined {
  const labels = slice.metadata?.labels ?? {};
  const service = labels[serviceNameLabel];
  if (!service || labels[managedByLabel] !== controllerManagedBy) return undefined;
  return `${slice.metadata?.namespace ?? ''}/${service}`;
}

/**
 * Keeps the EndpointSlices of every Service with a selector (not ExternalName): addressType
 * IPv4, endpoints with ready/serving/terminating conditions, hostname, nodeName and targetRef,
 * ports resolved per pod (pods resolving to different ports go to different slices), at most
 * `maxEndpointsPerSlice` endpoints a slice, labels kubernetes.io/service-name and
 * endpointslice.kubernetes.io/managed-by, a controller reference to the Service (the garbage
 * collector removes the slices with it), and names generated from `<service>-`.
 */
export class EndpointSliceController implements Controller {
  readonly name = endpointSliceControllerName;
  readonly queueName = 'endpoint_slice';

  private readonly services: Informer<ServiceObject>;
  private readonly pods: Informer<PodObject>;
  private readonly slices: Informer<EndpointSliceObject>;
  private readonly recorder: EventRecorder;
  private readonly tracker = new SliceWriteTracker();
  readonly workers: number;
  private readonly maxEndpointsPerSlice: number;

  constructor(
    private readonly ctx: ControllerContext,
    options: EndpointSliceControllerOptions = {},
  ) {
    this.workers = options.workers ?? 5;
    this.maxEndpointsPerSlice = options.maxEndpointsPerSlice ?? defaultMaxEndpointsPerSlice;
    this.recorder = ctx.recorder(endpointSliceControllerName);
    this.services = ctx.informers.informerFor<ServiceObject>(resources.services);
    this.pods = ctx.informers.informerFor<PodObject>(resources.pods);
    this.slices = ctx.informers.informerFor<EndpointSliceObject>(resources.endpointslices);
  }

  /** The Service, pod and EndpointSlice caches. */
  get caches(): SyncedCache[] {
    return [this.services, this.pods, this.slices];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.services.addEventHandler({
      onAdd: (svc) => queue.add(objectKey(svc)),
      onUpdate: (_old, svc) => queue.add(objectKey(svc)),
      onDelete: (svc) => {
        this.tracker.dropService(objectKey(svc));
        queue.add(objectKey(svc));
      },
    });
    this.pods.addEventHandler(queueMappedKeys(queue, (pod: Pod) => this.servicesSelecting(pod)));
    this.slices.addEventHandler({
      onAdd: (slice) => this.sliceChanged(queue, slice, false),
      onUpdate: (_old, slice) => this.sliceChanged(queue, slice, false),
      onDelete: (slice) => this.sliceChanged(queue, slice, true),
    });
  }

  private sliceChanged(queue: KeyQueue, slice: EndpointSliceObject, deleted: boolean): void {
    const key = serviceKeyOfSlice(slice);
    if (!key) return;
    if (deleted) this.tracker.observedDeletion(key, slice);
    else this.tracker.observed(key, slice);
    queue.add(key);
  }

  /** The keys of the Services whose selector takes `pod`. */
  private *servicesSelecting(pod: Pod): Iterable<string> {
    for (const svc of this.services.list(pod.metadata?.namespace ?? '')) {
      if (serviceSelectsPod(svc, pod)) yield objectKey(svc);
    }
  }

  /** Converges the EndpointSlices of the Service with this key. */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const service = this.services.get(namespace, name);
    // A deleted Service's slices go with it through their owner reference.
    if (!service) return {};
    if (service.spec?.type === 'ExternalName' || !hasSelector(service)) return {};
    if (this.tracker.isStale(key)) return { requeueAfter: staleCacheRetryMs };

    const pods = this.pods.list(namespace).filter((pod) => serviceSelectsPod(service, pod));
    const existing = this.slices
      .list(namespace)
      .filter((slice) => serviceKeyOfSlice(slice) === key && !slice.metadata?.deletionTimestamp);
    const plan = planSlices(service, desiredEndpointGroups(service, pods), existing, this.maxEndpointsPerSlice);
    try {
      for (const slice of plan.create) {
        const created = await this.ctx.client.create(resources.endpointslices, namespace, slice);
        this.tracker.wrote(key, created, this.slices.get(namespace, created.metadata?.name ?? ''));
      }
      for (const slice of plan.update) {
        const updated = await this.ctx.client.update(resources.endpointslices, namespace, slice);
        this.tracker.wrote(key, updated, this.slices.get(namespace, updated.metadata?.name ?? ''));
      }
      for (const slice of plan.delete) {
        try {
          await this.ctx.client.delete(resources.endpointslices, namespace, slice.metadata?.name ?? '', {
            preconditions: { uid: slice.metadata?.uid },
          });
          this.tracker.deleted(key, slice, this.slices.get(namespace, slice.metadata?.name ?? ''));
        } catch (err) {
          if (!isStatusError(err, 404)) throw err;
        }
      }
    } catch (err) {
      if (isNamespaceTerminating(err)) return {};
      if (isStatusError(err, 409)) return { requeueAfter: staleCacheRetryMs };
      this.recorder.event(service, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${namespace}/${name}: ${errorMessage(err)}`);
      throw err;
    }
    return {};
  }
}

/** Builds the EndpointSlice controller with default options. */
export const endpointSliceControllerFactory: ControllerFactory = (ctx) => new EndpointSliceController(ctx);
