/**
 * Who each component inside `skiff server` acts as, as upstream's kube-controller-manager with
 * `--use-service-account-credentials`, kube-scheduler, kube-proxy and CoreDNS: every controller
 * under its ServiceAccount in kube-system (bound to its `system:controller:<name>` role), the
 * scheduler as `system:kube-scheduler`, the manager itself (leader election, shared informers)
 * as `system:kube-controller-manager`.
 */
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { AUTHENTICATED_GROUP } from '../pki/verify.js';
import type { UserInfo } from '../apiserver/auth.js';
import { NODE_USER_PREFIX, NODES_GROUP } from '../apiserver/authorization/node-authorizer.js';
import { k3sControllerUserName, serviceAccountUser, systemNamespace, systemServiceAccountNames } from '../apiserver/authorization/controller-policy.js';
import { resources, type Client } from '../client/client.js';
import type { ControllerFactory } from '../client/controller.js';
import { clusterRoleAggregationControllerFactory } from '../controllers/clusterroleaggregation/controller.js';
import { cronJobControllerFactory } from '../controllers/cronjob/controller.js';
import { daemonSetControllerFactory } from '../controllers/daemonset/controller.js';
import { deploymentControllerFactory } from '../controllers/deployment/controller.js';
import { endpointsControllerFactory } from '../controllers/endpoints/controller.js';
import { endpointSliceControllerFactory } from '../controllers/endpointslice/controller.js';
import { garbageCollectorFactory } from '../controllers/garbagecollector/controller.js';
import { jobControllerFactory } from '../controllers/job/controller.js';
import { ttlAfterFinishedControllerFactory } from '../controllers/job/ttl.js';
import { namespaceControllerFactory } from '../controllers/namespace/controller.js';
import { nodeIpamControllerFactory } from '../controllers/nodeipam/controller.js';
import { nodeLifecycleControllerFactory } from '../controllers/nodelifecycle/controller.js';
import { replicaSetControllerFactory, replicationControllerFactory } from '../controllers/replicaset/controller.js';
import { disruptionControllerFactory } from '../controllers/disruption/controller.js';
import { horizontalPodAutoscalerControllerFactory } from '../controllers/horizontalpodautoscaler/controller.js';
import { resourceQuotaControllerFactory } from '../controllers/resourcequota/controller.js';
import { serviceAccountControllerFactory } from '../controllers/serviceaccount/controller.js';
import { serviceLBControllerFactory } from '../controllers/servicelb/controller.js';
import { statefulSetControllerFactory } from '../controllers/statefulset/controller.js';
import { localPathProvisionerFactory } from '../controllers/volume/controller.js';
import { schedulerFactory } from '../scheduler/scheduler.js';

/** upstream's kube-controller-manager user (leader election, shared informers). */
export const controllerManagerUser: UserInfo = { user: 'system:kube-controller-manager', groups: [AUTHENTICATED_GROUP] };
/** upstream's kube-scheduler user. */
export const schedulerUser: UserInfo = { user: 'system:kube-scheduler', groups: [AUTHENTICATED_GROUP] };
/** k3s's network policy controller user (bound to `system:k3s-controller`). */
export const k3sControllerUser: UserInfo = { user: k3sControllerUserName, groups: [AUTHENTICATED_GROUP] };
/** upstream's kube-proxy user (bound to `system:node-proxier`). */
export const kubeProxyUser: UserInfo = { user: 'system:kube-proxy', groups: [AUTHENTICATED_GROUP] };

/** The user of a node's agent: `system:node:<name>` in `system:nodes` (the Node authorizer decides). */
export function nodeUser(nodeName: string): UserInfo {
  return { user: `${NODE_USER_PREFIX}${nodeName}`, groups: [NODES_GROUP, AUTHENTICATED_GROUP] };
}

/**
 * The ServiceAccount in kube-system each controller acts as: upstream's name for the same
 * controller (the node IPAM controller uses `node-controller`'s as upstream; the service load
 * balancer, Skiff's cloud provider, upstream's `service-controller`; the local-path provisioner,
 * which binds claims, `persistent-volume-binder`).
 */
export function controllerServiceAccounts(extra: Iterable<[ControllerFactory, string]> = []): ReadonlyMap<ControllerFactory, string> {
  return new Map<ControllerFactory, string>([
    ...extra,
    [replicaSetControllerFactory, 'replicaset-controller'],
    [deploymentControllerFactory, 'deployment-controller'],
    [statefulSetControllerFactory, 'statefulset-controller'],
    [daemonSetControllerFactory, 'daemon-set-controller'],
    [localPathProvisionerFactory, 'persistent-volume-binder'],
    [jobControllerFactory, 'job-controller'],
    [ttlAfterFinishedControllerFactory, 'ttl-after-finished-controller'],
    [cronJobControllerFactory, 'cronjob-controller'],
    [endpointsControllerFactory, 'endpoint-controller'],
    [endpointSliceControllerFactory, 'endpointslice-controller'],
    [serviceLBControllerFactory, 'service-controller'],
    [garbageCollectorFactory, 'generic-garbage-collector'],
    [namespaceControllerFactory, 'namespace-controller'],
    [serviceAccountControllerFactory, 'service-account-controller'],
    [nodeIpamControllerFactory, 'node-controller'],
    [nodeLifecycleControllerFactory, 'node-controller'],
    [clusterRoleAggregationControllerFactory, 'clusterrole-aggregation-controller'],
    [replicationControllerFactory, 'replication-controller'],
    [disruptionControllerFactory, 'disruption-controller'],
    [resourceQuotaControllerFactory, 'resourcequota-controller'],
    [horizontalPodAutoscalerControllerFactory, 'horizontal-pod-autoscaler'],
  ]);
}

/**
 * The user a controller (or the scheduler) acts as; a controller without a ServiceAccount acts as
 * `system:kube-controller-manager`, which may only list and watch, so it fails where it writes.
 */
export function controllerUser(controller: ControllerFactory, serviceAccounts = controllerServiceAccounts()): UserInfo {
  if (controller === schedulerFactory) return schedulerUser;
  const name = serviceAccounts.get(controller);
  return name ? serviceAccountUser(systemNamespace, name) : controllerManagerUser;
}

/** Creates the ServiceAccounts in kube-system the controllers and CoreDNS act as, when missing (a privileged `client`). */
export async function ensureSystemServiceAccounts(client: Client): Promise<void> {
  for (const name of systemServiceAccountNames()) {
    const sa: ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: systemNamespace } };
    try {
      await client.create(resources.serviceaccounts, systemNamespace, sa as KubeObject);
    } catch (err) {
      if (!isStatusError(err, 409)) throw err;
    }
  }
}
