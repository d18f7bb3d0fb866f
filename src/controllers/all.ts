import type { ControllerFactory } from '../client/controller.js';
import { clusterRoleAggregationControllerFactory } from './clusterroleaggregation/controller.js';
import { cronJobControllerFactory } from './cronjob/controller.js';
import { jobControllerFactory } from './job/controller.js';
import { ttlAfterFinishedControllerFactory } from './job/ttl.js';
import { deploymentControllerFactory } from './deployment/controller.js';
import { disruptionControllerFactory } from './disruption/controller.js';
import { resourceQuotaControllerFactory } from './resourcequota/controller.js';
import { daemonSetControllerFactory } from './daemonset/controller.js';
import { endpointsControllerFactory } from './endpoints/controller.js';
import { endpointSliceControllerFactory } from './endpointslice/controller.js';
import { garbageCollectorFactory } from './garbagecollector/controller.js';
import { namespaceControllerFactory } from './namespace/controller.js';
import { nodeIpamControllerFactory } from './nodeipam/controller.js';
import { nodeLifecycleControllerFactory } from './nodelifecycle/controller.js';
import { serviceAccountControllerFactory } from './serviceaccount/controller.js';
import { serviceLBControllerFactory } from './servicelb/controller.js';
import { replicaSetControllerFactory, replicationControllerFactory } from './replicaset/controller.js';
import { statefulSetControllerFactory } from './statefulset/controller.js';
import { localPathProvisionerFactory } from './volume/controller.js';
import { horizontalPodAutoscalerControllerFactory } from './horizontalpodautoscaler/controller.js';

/** Every controller of kube-controller-manager that Skiff has (`skiff server` runs them with the scheduler). */
export const allControllers: ControllerFactory[] = [
  replicaSetControllerFactory,
  replicationControllerFactory,
  deploymentControllerFactory,
  statefulSetControllerFactory,
  daemonSetControllerFactory,
  localPathProvisionerFactory,
  jobControllerFactory,
  ttlAfterFinishedControllerFactory,
  cronJobControllerFactory,
  endpointsControllerFactory,
  endpointSliceControllerFactory,
  serviceLBControllerFactory,
  garbageCollectorFactory,
  namespaceControllerFactory,
  serviceAccountControllerFactory,
  nodeIpamControllerFactory,
  nodeLifecycleControllerFactory,
  clusterRoleAggregationControllerFactory,
  disruptionControllerFactory,
  resourceQuotaControllerFactory,
  horizontalPodAutoscalerControllerFactory,
];
