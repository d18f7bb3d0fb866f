import type { FieldError } from '../../apimachinery/errors.js';
import type { ResourceType } from '../registry.js';
import type { JsonObject } from '../defaults/util.js';
import { validateAppsCreate, validateAppsStatusUpdate, validateAppsUpdate } from './apps.js';
import { validateBatchCreate, validateBatchUpdate, validateJobStatusUpdate } from './batch.js';
import { validateCoreCreate, validateCoreUpdate, validateNamespaceStatusUpdate } from './core.js';
import { validateObjectMetaUpdate } from './meta.js';
import { validateHPA, validateHPAUpdate } from './autoscaling.js';
import { validateAdmissionRegistrationCreate, validateAdmissionRegistrationUpdate } from './admissionregistration.js';
import { validateIngress, validateIngressClass, validateIngressClassUpdate, validateIngressUpdate } from './networking.js';
import { validateNetworkPolicy, validateNetworkPolicyUpdate } from './network-policy.js';
import { validatePod, validatePodStatusUpdate, validatePodUpdate } from './pod.js';
import { validateRbacCreate, validateRbacUpdate } from './rbac.js';
import { validatePolicyCreate, validatePolicyUpdate } from './policy.js';
import { validatePodTemplate, validateReplicationController } from './replication-controller.js';
import {
  validateEndpoints,
  validateEndpointSlice,
  validateEndpointSliceUpdate,
  validateLoadBalancerStatus,
  validateService,
  validateServiceUpdate,
} from './service.js';

export { validateObjectMeta, validateObjectMetaUpdate, validateLabels, validateAnnotations, validateLabelSelector, labelSelectorMatches } from './meta.js';
export { parseQuantity } from '../../apimachinery/quantity.js';
export { cronScheduleError } from './cron.js';

/**
 * Validates an object about to be created, as upstream's registry strategies' Validate
 * (after defaulting). Returns upstream's field errors; [] when valid. Types without
 * validation rules (e.g. Binding) give [].
 */
export function validateCreate(type: ResourceType, obj: Record<string, unknown>): FieldError[] {
  const o = obj as JsonObject;
  const policy = validatePolicyCreate(type.group, type.kind, o);
  if (policy) return policy;
  switch (type.group) {
    case 'autoscaling':
      return validateHPA(type.version, o);
    case 'apps':
      return validateAppsCreate(type.kind, o);
    case 'batch':
      return validateBatchCreate(type.kind, o);
    case 'networking.k8s.io':
      if (type.kind === 'NetworkPolicy') return validateNetworkPolicy(o);
      return type.kind === 'Ingress' ? validateIngress(o) : type.kind === 'IngressClass' ? validateIngressClass(o) : [];
    case 'discovery.k8s.io':
      return type.kind === 'EndpointSlice' ? validateEndpointSlice(o) : [];
    case 'admissionregistration.k8s.io':
      return validateAdmissionRegistrationCreate(type.kind, o);
    case 'rbac.authorization.k8s.io':
      return validateRbacCreate(type.kind, o);
    case '':
      if (type.kind === 'Pod') return validatePod(o);
      if (type.kind === 'Service') return validateService(o);
      if (type.kind === 'Endpoints') return validateEndpoints(o);
      if (type.kind === 'ReplicationController') return validateReplicationController(o);
      if (type.kind === 'PodTemplate') return validatePodTemplate(o);
      return validateCoreCreate(type.group, type.kind, o);
    default:
      return validateCoreCreate(type.group, type.kind, o);
  }
}

/**
 * Validates an update (`obj` replacing `old`), as upstream's ValidateUpdate: metadata
 * identity immutable, the new object valid, and each type's immutable fields unchanged.
 */
export function validateUpdate(type: ResourceType, obj: Record<string, unknown>, old: Record<string, unknown>): FieldError[] {
  const o = obj as JsonObject;
  const p = old as JsonObject;
  const policy = validatePolicyUpdate(type.group, type.kind, o, p);
  if (policy) return policy;
  switch (type.group) {
    case 'autoscaling':
      return validateHPAUpdate(type.version, o, p);
    case 'apps':
      return validateAppsUpdate(type.kind, o, p);
    case 'batch':
      return validateBatchUpdate(type.kind, o, p);
    case 'networking.k8s.io':
      if (type.kind === 'Ingress') return validateIngressUpdate(o, p);
      if (type.kind === 'IngressClass') return validateIngressClassUpdate(o, p);
      if (type.kind === 'NetworkPolicy') return validateNetworkPolicyUpdate(o, p);
      return validateObjectMetaUpdate(o.metadata, p.metadata);
    case 'discovery.k8s.io':
      return validateEndpointSliceUpdate(o, p);
    case 'admissionregistration.k8s.io':
      return validateAdmissionRegistrationUpdate(type.kind, o, p);
    case 'rbac.authorization.k8s.io':
      return validateRbacUpdate(type.kind, o, p);
    case '':
      if (type.kind === 'Pod') return validatePodUpdate(o, p);
      if (type.kind === 'Service') return validateServiceUpdate(o, p);
      if (type.kind === 'ReplicationController') return validateReplicationController(o, p);
      if (type.kind === 'PodTemplate') return validatePodTemplate(o, p);
      if (type.kind === 'Endpoints') {
        return [...validateObjectMetaUpdate(o.metadata, p.metadata), ...validateEndpoints(o).filter((e) => !e.field.startsWith('metadata'))];
      }
      break;
    default:
      break;
  }
  return validateCoreUpdate(type.group, type.kind, o, p) ?? validateObjectMetaUpdate(o.metadata, p.metadata);
}

/**
 * Validates a write to the status subresource: metadata rules plus light status checks
 * (upstream's ValidateXStatusUpdate). The server is expected to have kept the old spec.
 */
export function validateStatusUpdate(type: ResourceType, obj: Record<string, unknown>, old: Record<string, unknown>): FieldError[] {
  const o = obj as JsonObject;
  const p = old as JsonObject;
  switch (`${type.group}/${type.kind}`) {
    case '/Pod':
      return validatePodStatusUpdate(o, p);
    case '/Namespace':
      return validateNamespaceStatusUpdate(o, p);
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet':
    case '/ReplicationController':
      return validateAppsStatusUpdate(o, p);
    case 'batch/Job':
      return validateJobStatusUpdate(o, p);
    case '/Service':
      return [...validateObjectMetaUpdate(o.metadata, p.metadata), ...validateLoadBalancerStatus(o)];
    default:
      return validateObjectMetaUpdate(o.metadata, p.metadata);
  }
}
