/**
 * What `skiff ui`'s views get from the rest of Skiff: the canary view reads Ingress and HTTPRoute
 * canaries with `skiff canary`'s own readers, so both agree on what a canary is; the workload view
 * writes StatefulSet pods' addresses under the cluster's DNS zone.
 */
import type { InspectViewOptions } from '../inspect/views/index.js';
import { findCanaryPair } from './canary/canary-pair.js';
import { findRouteCanary } from './canary/httproute-canary.js';

/** The options `skiff ui` builds its views with, for a cluster whose DNS zone is `clusterDomain` (default the views' own, cluster.local). */
export function uiViewOptions(clusterDomain?: string): InspectViewOptions {
  return { canaryReaders: { findIngressCanaries: findCanaryPair, findRouteCanaries: findRouteCanary }, ...(clusterDomain ? { clusterDomain } : {}) };
}
