/**
 * The cluster state DNS answers come from: Services and EndpointSlices, each in an indexed cache
 * (an informer's store, or a plain {@link Indexer} for fixtures), with the indexes a query needs
 * so that no query lists a whole cache.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { canonicalIP } from '../apimachinery/net.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources } from '../client/client.js';
import { Indexer, namespaceIndex, objectKey, type IndexFunc, type Informer, type InformerFactory } from '../client/informer.js';

/** A Service as cached. */
export type ServiceObject = Service & KubeObject;
/** An EndpointSlice as cached. */
export type EndpointSliceObject = EndpointSlice & KubeObject;

/** The label linking an EndpointSlice to its Service. */
const serviceNameLabel = 'kubernetes.io/service-name';

/** Index of Services by canonical ClusterIP (every family). */
const serviceByClusterIP = 'dns/cluster-ip';
/** Index of EndpointSlices by `namespace/service`. */
const sliceByService = 'dns/service';
/** Index of EndpointSlices by canonical endpoint address. */
const sliceByAddress = 'dns/address';

export { canonicalIP };

function clusterIPsOf(svc: ServiceObject): string[] {
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.flatMap((ip) => canonicalIP(ip) ?? []);
}

const serviceIndexers: Record<string, IndexFunc<ServiceObject>> = {
  [serviceByClusterIP]: clusterIPsOf,
};

const sliceIndexers: Record<string, IndexFunc<EndpointSliceObject>> = {
  [sliceByService]: (slice) => {
    const name = slice.metadata?.labels?.[serviceNameLabel];
    return name ? [`${slice.metadata?.namespace ?? ''}/${name}`] : [];
  },
  [sliceByAddress]: (slice) => {
    if (slice.addressType === 'FQDN') return [];
    const out = new Set<string>();
    for (const endpoint of slice.endpoints ?? []) for (const a of endpoint.addresses) {
      const ip = canonicalIP(a);
      if (ip) out.add(ip);
    }
    return [...out];
  },
};

/** The read side of an indexed cache: an {@link Informer} or an {@link Indexer}. */
export interface IndexedCache<T> {
  get(namespace: string, name: string): T | undefined;
  byIndex(indexName: string, value: string): T[];
}

/** Options of {@link ClusterDnsState}. */
export interface ClusterDnsStateOptions {
  services: IndexedCache<ServiceObject>;
  endpointSlices: IndexedCache<EndpointSliceObject>;
  /** Whether both caches hold a first full list. Default: always true (fixtures). */
  hasSynced?: () => boolean;
  /** The zone's SOA serial. Default: 1. */
  serial?: () => number;
  /** Services per namespace. Default: counted from the `namespace` index on each call. */
  servicesInNamespace?: (namespace: string) => number;
}

/**
 * Indexed lookups over Services and EndpointSlices for DNS answers. Build it with
 * {@link ClusterDnsState.fromInformers} (live caches) or {@link ClusterDnsState.fromObjects}
 * (fixtures).
 */
export class ClusterDnsState {
  private readonly services: IndexedCache<ServiceObject>;
  private readonly slices: IndexedCache<EndpointSliceObject>;
  private readonly syncedFn: () => boolean;
  private readonly serialFn: () => number;
  private readonly servicesInNamespace: (namespace: string) => number;

  constructor(options: ClusterDnsStateOptions) {
    this.services = options.services;
    this.slices = options.endpointSlices;
    this.syncedFn = options.hasSynced ?? (() => true);
    this.serialFn = options.serial ?? (() => 1);
    this.servicesInNamespace = options.servicesInNamespace ?? ((namespace) => this.services.byIndex(namespaceIndex, namespace).length);
  }

  /**
   * State over the shared Service and EndpointSlice informers of `factory` (adding the DNS
   * indexes to them). The SOA serial is the time, in seconds, of the last change seen.
   */
  static fromInformers(factory: InformerFactory, now: () => Date): { state: ClusterDnsState; informers: Informer<KubeObject>[] } {
    const services = factory.informerFor<ServiceObject>(resources.services, { indexers: serviceIndexers });
    const slices = factory.informerFor<EndpointSliceObject>(resources.endpointslices, { indexers: sliceIndexers });
    let serial = Math.floor(now().getTime() / 1000);
    const bump = (): void => {
      serial = Math.max(serial + 1, Math.floor(now().getTime() / 1000));
    };
    for (const informer of [services, slices] as Informer<KubeObject>[]) {
      informer.addEventHandler({ onAdd: bump, onUpdate: (a, b) => a !== b && bump(), onDelete: bump });
    }
    // Counted as Services come and go (an object never changes namespace), so that asking for
    // `<ns>.svc.<zone>` does not list the namespace.
    const perNamespace = new Map<string, number>();
    const count = (svc: ServiceObject, delta: number): void => {
      const namespace = svc.metadata?.namespace ?? '';
      const n = (perNamespace.get(namespace) ?? 0) + delta;
      if (n > 0) perNamespace.set(namespace, n);
      else perNamespace.delete(namespace);
    };
    services.addEventHandler({ onAdd: (svc) => count(svc, 1), onDelete: (svc) => count(svc, -1) });
    const state = new ClusterDnsState({
      services,
      endpointSlices: slices,
      hasSynced: () => services.hasSynced() && slices.hasSynced(),
      serial: () => serial,
      servicesInNamespace: (namespace) => perNamespace.get(namespace) ?? 0,
    });
    return { state, informers: [services, slices] as Informer<KubeObject>[] };
  }

  /** State over fixed objects (tests, benchmarks). */
  static fromObjects(services: ServiceObject[], endpointSlices: EndpointSliceObject[]): ClusterDnsState {
    const serviceCache = new Indexer<ServiceObject>(serviceIndexers);
    const perNamespace = new Map<string, number>();
    for (const svc of services) {
      if (serviceCache.set(objectKey(svc), svc)) continue;
      const namespace = svc.metadata?.namespace ?? '';
      perNamespace.set(namespace, (perNamespace.get(namespace) ?? 0) + 1);
    }
    const sliceCache = new Indexer<EndpointSliceObject>(sliceIndexers);
    for (const slice of endpointSlices) sliceCache.set(objectKey(slice), slice);
    return new ClusterDnsState({ services: serviceCache, endpointSlices: sliceCache, servicesInNamespace: (namespace) => perNamespace.get(namespace) ?? 0 });
  }

  /** Whether the caches are filled (before, cluster names cannot be denied). */
  hasSynced(): boolean {
    return this.syncedFn();
  }

  /** The SOA serial. */
  serial(): number {
    return this.serialFn();
  }

  /** The Service `namespace/name`. */
  service(namespace: string, name: string): ServiceObject | undefined {
    return this.services.get(namespace, name);
  }

  /** Whether a namespace has any Service (then `<ns>.svc.<zone>` exists). */
  namespaceHasServices(namespace: string): boolean {
    return this.servicesInNamespace(namespace) > 0;
  }

  /** The EndpointSlices of the Service `namespace/name`. */
  endpointSlicesOf(namespace: string, name: string): EndpointSliceObject[] {
    return this.slices.byIndex(sliceByService, `${namespace}/${name}`);
  }

  /** Services having `ip` (canonical) among their ClusterIPs. */
  servicesWithClusterIP(ip: string): ServiceObject[] {
    return this.services.byIndex(serviceByClusterIP, ip);
  }

  /** EndpointSlices having `ip` (canonical) as an endpoint address. */
  endpointSlicesWithAddress(ip: string): EndpointSliceObject[] {
    return this.slices.byIndex(sliceByAddress, ip);
  }

  /** The name of the Service an EndpointSlice belongs to. */
  static serviceNameOf(slice: EndpointSliceObject): string | undefined {
    return slice.metadata?.labels?.[serviceNameLabel];
  }
}
