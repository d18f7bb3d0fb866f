/**
 * The Endpoints controller, after upstream's pkg/controller/endpoint: for each Service with a
 * selector, an Endpoints object of the same name listing the selected pods' addresses.
 */
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import { errorMessage, isStatusError, StatusError } from '../../apimachinery/errors.js';
import { cloneJSON, jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import { queueMappedKeys, queueObjectKeys, type Controller, type ControllerContext, type ControllerFactory, type KeyQueue, type SyncedCache } from '../../client/controller.js';
import {
  findPort,
  hasSelector,
  headlessServiceLabel,
  isServiceIPSet,
  podHostname,
  podIP,
  serviceSelectsPod,
  shouldPodBeInEndpoints,
} from '../../apimachinery/service-endpoints.js';
import { isPodReady } from '../../apimachinery/pod.js';

/** The component name of this controller's events. */
export const endpointsControllerName = 'endpoint-controller';

/** Annotation upstream's leader election put on Endpoints; such Endpoints are not leftovers. */
const leaderAnnotation = 'control-plane.alpha.kubernetes.io/leader';

/** Delay before retrying a write that lost a race with the cache (409). */
const conflictRetryMs = 100;

/** Options of {@link EndpointsController}. */
export interface EndpointsControllerOptions {
  /** Concurrent syncs (upstream's --concurrent-endpoint-syncs). Default 5. */
  workers?: number;
}

type ServiceObject = Service & KubeObject;
type PodObject = Pod & KubeObject;
type EndpointsObject = Endpoints & KubeObject;

function portKey(port: EndpointPort): string {
  return `${port.name ?? ''}\u0000${port.port}\u0000${port.protocol ?? 'TCP'}`;
}

function addressOrder(a: EndpointAddress, b: EndpointAddress): number {
  return a.ip.localeCompare(b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
}

/**
 * The subsets upstream's syncService and RepackSubsets produce for a Service and its pods:
 * pods with an IP (terminating ones only with publishNotReadyAddresses), ready ones in
 * `addresses` and the rest in `notReadyAddresses` (all in `addresses` with
 * publishNotReadyAddresses), each port resolved per pod (a pod lacking a named port is left
 * out for it), and addresses with the same port set grouped in one subset. A headless Service
 * without ports gets port-less subsets. Sorted, so equal inputs give equal output.
 */
export function endpointSubsetsFor(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const tolerateUnready = service.spec?.publishNotReadyAddresses === true;
  const servicePorts = service.spec?.ports ?? [];
  const headless = service.spec?.clusterIP === 'None';
  interface Entry {
    address: EndpointAddress;
    ready: boolean;
    ports: EndpointPort[];
  }
  const entries: Entry[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const address: EndpointAddress = {
      ip: podIP(pod),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
    };
    const hostname = podHostname(pod, service);
    if (hostname) address.hostname = hostname;
    const ready = tolerateUnready || isPodReady(pod);
    if (servicePorts.length === 0) {
      if (headless) entries.push({ address, ready, ports: [] });
      continue;
    }
    const ports: EndpointPort[] = [];
    for (const servicePort of servicePorts) {
      const port = findPort(pod, servicePort);
      if (port === undefined) continue;
      ports.push({
        ...(servicePort.name ? { name: servicePort.name } : {}),
        port,
        protocol: servicePort.protocol ?? 'TCP',
        ...(servicePort.appProtocol ? { appProtocol: servicePort.appProtocol } : {}),
      });
    }
    if (ports.length > 0) entries.push({ address, ready, ports });
  }
  const byPortSet = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const entry of entries) {
    const ports = [...entry.ports].sort((a, b) => portKey(a).localeCompare(portKey(b)));
    const key = ports.map(portKey).join('\u0001');
    let group = byPortSet.get(key);
    if (!group) byPortSet.set(key, (group = { ports, ready: [], notReady: [] }));
    (entry.ready ? group.ready : group.notReady).push(entry.address);
  }
  return [...byPortSet.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, group]) => {
      const subset: EndpointSubset = {};
      if (group.ready.length) subset.addresses = group.ready.sort(addressOrder);
      if (group.notReady.length) subset.notReadyAddresses = group.notReady.sort(addressOrder);
      if (group.ports.length) subset.ports = group.ports;
      return subset;
    });
}

/** The labels upstream gives a Service's Endpoints: the Service's own, and the headless marker when it has no ClusterIP. */
export function endpointsLabelsFor(service: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
  if (isServiceIPSet(service)) delete labels[headlessServiceLabel];
  else labels[headlessServiceLabel] = '';
  return labels;
}

function isNamespaceTerminating(err: unknown): boolean {
  return (
    err instanceof StatusError &&
    err.code === 403 &&
    (err.details?.causes ?? []).some((cause: { reason?: string }) => cause.reason === 'NamespaceTerminating')
  );
}

/**
 * Keeps one Endpoints object per Service with a selector (ExternalName Services and the API
 * server's own `default/kubernetes` excepted), named as the Service, listing the selected pods
 * per {@link endpointSubsetsFor} with the Service's labels. The Endpoints go when their Service
 * goes; Endpoints left without a Service while the controller was down are removed at start.
 */
export class EndpointsController implements Controller {
  readonly name = endpointsControllerName;
  readonly queueName = 'endpoint';

  private readonly services: Informer<ServiceObject>;
  private readonly pods: Informer<PodObject>;
  private readonly endpoints: Informer<EndpointsObject>;
  private readonly recorder: EventRecorder;
  readonly workers: number;

  constructor(
    private readonly ctx: ControllerContext,
    options: EndpointsControllerOptions = {},
  ) {
    this.workers = options.workers ?? 5;
    this.recorder = ctx.recorder(endpointsControllerName);
    this.services = ctx.informers.informerFor<ServiceObject>(resources.services);
    this.pods = ctx.informers.informerFor<PodObject>(resources.pods);
    this.endpoints = ctx.informers.informerFor<EndpointsObject>(resources.endpoints);
  }

  /** The Service, pod and Endpoints caches. */
  get caches(): SyncedCache[] {
    return [this.services, this.pods, this.endpoints];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.services.addEventHandler(queueObjectKeys(queue));
    this.pods.addEventHandler(queueMappedKeys(queue, (pod: Pod) => this.servicesSelecting(pod)));
    // A deleted Endpoints object is made again while its Service is there.
    this.endpoints.addEventHandler({
      onDelete: (ep) => {
        if (this.services.get(ep.metadata?.namespace ?? '', ep.metadata?.name ?? '')) queue.add(objectKey(ep));
      },
    });
  }

  /** Queues leftover Endpoints once the caches synced. */
  cachesSynced(queue: KeyQueue): void {
    this.queueLeftoverEndpoints(queue);
  }

  /** Upstream's checkLeftoverEndpoints: Endpoints without a Service get a sync, which deletes them. */
  private queueLeftoverEndpoints(queue: KeyQueue): void {
    for (const ep of this.endpoints.list()) {
      if (ep.metadata?.annotations?.[leaderAnnotation] !== undefined) continue;
      if (!this.services.get(ep.metadata?.namespace ?? '', ep.metadata?.name ?? '')) queue.add(objectKey(ep));
    }
  }

  /** The keys of the Services whose selector takes `pod`. */
  private *servicesSelecting(pod: Pod): Iterable<string> {
    for (const svc of this.services.list(pod.metadata?.namespace ?? '')) {
      if (serviceSelectsPod(svc, pod)) yield objectKey(svc);
    }
  }

  /** Converges the Endpoints of the Service with this key. */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const service = this.services.get(namespace, name);
    if (!service) {
      // The Service is gone: so are its Endpoints.
      if (namespace === 'default' && name === 'kubernetes') return {};
      try {
        await this.ctx.client.delete(resources.endpoints, namespace, name);
      } catch (err) {
        if (!isStatusError(err, 404)) throw err;
      }
      return {};
    }
    // The API server keeps its own Service's Endpoints.
    if (namespace === 'default' && name === 'kubernetes') return {};
    if (service.spec?.type === 'ExternalName' || !hasSelector(service)) return {};

    const pods = this.pods.list(namespace).filter((pod) => serviceSelectsPod(service, pod));
    const subsets = endpointSubsetsFor(service, pods);
    const labels = endpointsLabelsFor(service);
    const current = this.endpoints.get(namespace, name);
    if (current && jsonEqual(current.subsets ?? [], subsets) && jsonEqual(current.metadata?.labels ?? {}, labels)) return {};

    const desired: EndpointsObject = current
      ? cloneJSON(current)
      : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } };
    desired.metadata = { ...desired.metadata, labels };
    if (subsets.length) desired.subsets = subsets;
    else delete desired.subsets;
    try {
      if (current) await this.ctx.client.update(resources.endpoints, namespace, desired);
      else await this.ctx.client.create(resources.endpoints, namespace, desired);
    } catch (err) {
      // The Namespace is going away: nothing to keep up to date.
      if (isNamespaceTerminating(err)) return {};
      // The cache lags behind a write: try again once it has caught up.
      if (isStatusError(err, 409)) return { requeueAfter: conflictRetryMs };
      if (current) {
        this.recorder.event(service, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${namespace}/${name}: ${errorMessage(err)}`);
      } else {
        this.recorder.event(service, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${namespace}/${name}: ${errorMessage(err)}`);
      }
      throw err;
    }
    return {};
  }
}

/** Builds the Endpoints controller with default options. */
export const endpointsControllerFactory: ControllerFactory = (ctx) => new EndpointsController(ctx);
