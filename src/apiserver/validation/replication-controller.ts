import type { FieldError } from '../../apimachinery/errors.js';
import { nameIsDNSSubdomain } from '../../apimachinery/names.js';
import { asObject, type JsonObject } from '../defaults/util.js';
import { validateReplicatedTemplate } from './apps.js';
import { entriesOf, nonNegative, required } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { validatePodTemplateSpec } from './pod.js';

/**
 * Upstream's ValidateReplicationControllerSpec: a non-empty selector (a plain label map, unlike
 * a ReplicaSet's), replicas and minReadySeconds not negative, and a template its selector
 * matches, with restartPolicy Always and no activeDeadlineSeconds (the rules ReplicaSets share).
 */
function validateReplicationControllerSpec(specValue: unknown): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const selector = asObject(spec.selector) ?? {};
  const errs = [...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds')];
  if (entriesOf(selector).length === 0) errs.push(required('spec.selector'));
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  // The ReplicaSet rules, with the map selector read as matchLabels.
  errs.push(...validateReplicatedTemplate({ ...spec, selector: { matchLabels: selector } }, 'spec', 'ReplicationController'));
  return errs;
}

/** Validates a ReplicationController (create, or the new object of an update when `old` is given). */
export function validateReplicationController(rc: JsonObject, old?: JsonObject): FieldError[] {
  const meta = old ? validateObjectMetaUpdate(rc.metadata, old.metadata) : validateObjectMeta(rc.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  return [...meta, ...validateReplicationControllerSpec(rc.spec)];
}

/** Validates a PodTemplate (upstream's ValidatePodTemplate; on update, ValidatePodTemplateUpdate). */
export function validatePodTemplate(podTemplate: JsonObject, old?: JsonObject): FieldError[] {
  const meta = old
    ? validateObjectMetaUpdate(podTemplate.metadata, old.metadata)
    : validateObjectMeta(podTemplate.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  return [...meta, ...validatePodTemplateSpec(podTemplate.template, 'template')];
}
