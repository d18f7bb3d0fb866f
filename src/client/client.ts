import type { DeleteOptions } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../apimachinery/object.js';

/**
 * The one interface every component (controllers, scheduler, kubelet, proxy, DNS, ingress)
 * uses to reach the API. In `skiff server` it calls the API server in process, skipping
 * HTTP; a remote agent uses HTTPS. Both raise `StatusError` (src/apiserver/errors.ts) with
 * the upstream code and reason for failures the API answers (404, 409, 410, 422...).
 */

/** Names a resource type as in a URL: `{ group: 'apps', version: 'v1', resource: 'deployments' }`. */
export interface ResourceRef {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural resource name. */
  resource: string;
}

/** Options of {@link Client.list} and {@link Client.watch}. */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** '' (latest, consistent), '0' (any), or a resourceVersion. */
  resourceVersion?: string;
}

/** Options of {@link Client.watch}. */
export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

/** A page of a list. */
export interface ObjectList<T extends KubeObject = KubeObject> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

/** One watch event, as upstream's watch.Event (ERROR events are raised as StatusError instead). */
export interface WatchEventOf<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: T;
}

/** Options of writes. */
export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** For update and patch: a subresource such as `status` or `scale`. */
  subresource?: string;
}

/** The patch types upstream accepts. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Options of {@link Client.patch}. */
export interface PatchOptions extends WriteOptions {
  /** For server-side apply: take conflicting fields. */
  force?: boolean;
}

/** The API, as every component sees it. */
export interface Client {
  get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, name: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, options?: ListOptions): Promise<ObjectList<T>>;
  /** Events until `signal` aborts or the server ends the watch; throws StatusError 410 when the revision is too old. */
  watch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    namespace: string,
    options: WatchOptions,
    signal: AbortSignal,
  ): AsyncIterable<WatchEventOf<T>>;
  create<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, options?: WriteOptions): Promise<T>;
  /** Replaces an object (or its subresource); a stale resourceVersion is a 409. */
  update<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, options?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    namespace: string,
    name: string,
    type: PatchType,
    patch: unknown,
    options?: PatchOptions,
  ): Promise<T>;
  /** Deletes (or starts deleting) an object; returns it as the server answered. */
  delete(ref: ResourceRef, namespace: string, name: string, options?: DeleteOptions & { dryRun?: boolean }): Promise<KubeObject>;
}

/** Frequently used resource references. */
export const resources = {
  pods: { group: '', version: 'v1', resource: 'pods' },
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  services: { group: '', version: 'v1', resource: 'services' },
  endpoints: { group: '', version: 'v1', resource: 'endpoints' },
  events: { group: '', version: 'v1', resource: 'events' },
  configmaps: { group: '', version: 'v1', resource: 'configmaps' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts' },
  persistentvolumes: { group: '', version: 'v1', resource: 'persistentvolumes' },
  persistentvolumeclaims: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  replicationcontrollers: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  podtemplates: { group: '', version: 'v1', resource: 'podtemplates' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  replicasets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  statefulsets: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  daemonsets: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  controllerrevisions: { group: 'apps', version: 'v1', resource: 'controllerrevisions' },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs' },
  cronjobs: { group: 'batch', version: 'v1', resource: 'cronjobs' },
  ingresses: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
  ingressclasses: { group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses' },
  networkpolicies: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' },
  storageclasses: { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' },
} satisfies Record<string, ResourceRef>;
