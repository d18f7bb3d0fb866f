import type { Event, Namespace, Node, PersistentVolumeClaim, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type ResourceRef } from '../client/client.js';

/**
 * One change seen on a watch, kept (bounded) so views that draw time (a rollout's counts, a
 * CronJob's timeline) can replay it. `at` is the observer's clock in milliseconds.
 */
export interface ObservedChange {
  at: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The snapshot field the object belongs to, e.g. `replicaSets`. */
  kind: SnapshotKind;
  object: KubeObject;
}

/**
 * Requests or connections a data plane counted per backend, for the measured side of a canary:
 * `source` says which counter (nginx's access log for Ingress/Gateway, conntrack or nftables
 * counters for a Service), `backend` is `namespace/service` (and for a Service's endpoints
 * `namespace/service/ip:port`), `count` is the number in the recent `windowSeconds`.
 */
export interface TrafficSample {
  source: 'ingress' | 'service';
  backend: string;
  count: number;
  windowSeconds: number;
}

/**
 * The end of one container's log, fetched (pods/log) by the observer because a picture explains
 * it: a container that wants a port another container of its pod has (the line that says
 * "address in use"). `previous` when it is the log of the container's last run.
 */
export interface ContainerLogTail {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
  lines: string[];
}

/**
 * What the live pictures are drawn from: the objects a user may read, as their own informers
 * see them (a kind the user may not list is absent and named in `forbidden`), the recent changes
 * and the data plane's counts. Plain data, so every view is a pure function of it.
 */
export interface ClusterSnapshot {
  /** Namespaces with their labels (NetworkPolicy namespaceSelectors match them). */
  namespaces: Namespace[];
  nodes: Node[];
  pods: Pod[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  deployments: Deployment[];
  replicaSets: ReplicaSet[];
  statefulSets: StatefulSet[];
  daemonSets: DaemonSet[];
  jobs: Job[];
  cronJobs: CronJob[];
  persistentVolumeClaims: PersistentVolumeClaim[];
  ingresses: Ingress[];
  ingressClasses: IngressClass[];
  networkPolicies: NetworkPolicy[];
  /** Gateway API objects (CRDs, so untyped here): gateway.networking.k8s.io/v1. */
  gateways: KubeObject[];
  httpRoutes: KubeObject[];
  events: Event[];
  /**
   * Resources (plural names as in URLs: `pods`, `secrets`) the user may not list (RBAC said
   * 403): views say so instead of drawing nothing. A view draws a Secret's name (a TLS
   * secretName, a volume) only when `secrets` is not in this list.
   */
  forbidden: string[];
  /** Recent watch changes, oldest first, bounded by the observer. */
  changes: ObservedChange[];
  traffic: TrafficSample[];
  /** Log tails of the containers whose ports conflict with another container's, when readable. */
  containerLogs: ContainerLogTail[];
  /** The observer's clock when the snapshot was taken, in milliseconds. */
  now: number;
}

/** The object-list fields of a {@link ClusterSnapshot}. */
export const snapshotKinds = [
  'namespaces', 'nodes', 'pods', 'services', 'endpointSlices', 'deployments', 'replicaSets', 'statefulSets',
  'daemonSets', 'jobs', 'cronJobs', 'persistentVolumeClaims', 'ingresses', 'ingressClasses',
  'networkPolicies', 'gateways', 'httpRoutes', 'events',
] as const;

/** One of {@link snapshotKinds}. */
export type SnapshotKind = (typeof snapshotKinds)[number];

/** A snapshot with nothing in it, to build fixtures from: `{ ...emptySnapshot(), pods: [...] }`. */
export function emptySnapshot(now = 0): ClusterSnapshot {
  return {
    namespaces: [], nodes: [], pods: [], services: [], endpointSlices: [], deployments: [], replicaSets: [],
    statefulSets: [], daemonSets: [], jobs: [], cronJobs: [], persistentVolumeClaims: [],
    ingresses: [], ingressClasses: [], networkPolicies: [], gateways: [], httpRoutes: [],
    events: [], forbidden: [], changes: [], traffic: [], containerLogs: [], now,
  };
}

/** The API resource each {@link SnapshotKind} is listed and watched from. */
export const snapshotResources: Record<SnapshotKind, ResourceRef> = {
  namespaces: resources.namespaces,
  nodes: resources.nodes,
  pods: resources.pods,
  services: resources.services,
  endpointSlices: resources.endpointslices,
  deployments: resources.deployments,
  replicaSets: resources.replicasets,
  statefulSets: resources.statefulsets,
  daemonSets: resources.daemonsets,
  jobs: resources.jobs,
  cronJobs: resources.cronjobs,
  persistentVolumeClaims: resources.persistentvolumeclaims,
  ingresses: resources.ingresses,
  ingressClasses: resources.ingressclasses,
  networkPolicies: resources.networkpolicies,
  gateways: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways' },
  httpRoutes: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
  events: resources.events,
};
