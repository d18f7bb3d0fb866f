/**
 * Every view the page serves, in menu order. Each view file adds one line here; a view that
 * needs functions from outside src/inspect takes them from {@link InspectViewOptions} (the cli
 * injects them) and must still work without them, so that tests can register every view.
 */
import { registerView, type AnyView } from '../view.js';
import { ingressView } from './ingress.js';
import { networkView } from './network.js';
import { podView } from './pod.js';
import { serviceView } from './service.js';
import { workloadView } from './workload.js';
import { rolloutView } from './rollout.js';
import { cronJobView } from './cronjob.js';
import { canaryView, type CanaryReaders } from './canary.js';

/** What views that need more than the snapshot get; every field is optional. */
export interface InspectViewOptions {
  /** The cluster's DNS domain (StatefulSet pods' full addresses). Default `cluster.local`. */
  clusterDomain?: string;
  /** `skiff canary`'s readers of Ingress and HTTPRoute canaries (src/cli/ui-views.ts). Default none: the canary view draws Service canaries only. */
  canaryReaders?: CanaryReaders;
}

/** The registered views, for the `skiff ui` page and its tests. */
export function inspectViews(options: InspectViewOptions = {}): AnyView[] {
  return [
    registerView(podView),
    registerView(workloadView({ clusterDomain: options.clusterDomain })),
    registerView(rolloutView),
    registerView(cronJobView),
    registerView(serviceView),
    registerView(canaryView(options.canaryReaders)),
    registerView(networkView),
    registerView(ingressView),
  ];
}
