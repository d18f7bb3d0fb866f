/**
 * HorizontalPodAutoscaler validation, as upstream's autoscaling validation: replica bounds,
 * the scale target reference, each metric's source and target, behavior rules. A v1 object
 * is validated in its v2 form, as upstream validates the internal type.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import type { HorizontalPodAutoscaler, MetricSpec, MetricTarget, HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';
import { parseQuantity } from '../../apimachinery/quantity.js';
import { hpaV1ToV2 } from '../autoscaling/hpa-conversion.js';
import type { KubeObject } from '../../apimachinery/object.js';
import type { JsonObject } from '../defaults/util.js';
import { forbidden, invalid, notSupported, required } from './field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from '../../apimachinery/names.js';

const metricSourceTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const sourceFields: Record<string, keyof MetricSpec> = {
  ContainerResource: 'containerResource',
  External: 'external',
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
};
const maxPeriodSeconds = 1800;
const maxStabilizationWindowSeconds = 3600;

function positive(value: unknown): boolean {
  const q = parseQuantity(value);
  return q !== undefined && q.sign() === 1;
}

function validateTarget(t: MetricTarget | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!t?.type) errs.push(required(`${path}.type`, 'must specify a metric target type'));
  if (t?.type !== 'Utilization' && t?.type !== 'Value' && t?.type !== 'AverageValue') {
    errs.push(invalid(`${path}.type`, t?.type ?? '', 'must be either Utilization, Value, or AverageValue'));
  }
  if (t?.value !== undefined && !positive(t.value)) errs.push(invalid(`${path}.value`, t.value, 'must be positive'));
  if (t?.averageValue !== undefined && !positive(t.averageValue)) errs.push(invalid(`${path}.averageValue`, t.averageValue, 'must be positive'));
  if (t?.averageUtilization !== undefined && t.averageUtilization < 1) errs.push(invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return errs;
}

function validateResourceTarget(name: string | undefined, t: MetricTarget | undefined, path: string, container?: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!name) errs.push(required(`${path}.name`, 'must specify a resource name'));
  if (container !== undefined && !container) errs.push(required(`${path}.container`, 'must specify a container'));
  errs.push(...validateTarget(t, `${path}.target`));
  if (t?.averageUtilization === undefined && t?.averageValue === undefined) {
    errs.push(required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
  }
  if (t?.averageUtilization !== undefined && t.averageValue !== undefined) {
    errs.push(forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
  }
  return errs;
}

function validateMetric(m: MetricSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!m.type) errs.push(required(`${path}.type`, 'must specify a metric source type'));
  else if (!metricSourceTypes.includes(m.type)) errs.push(notSupported(`${path}.type`, m.type, metricSourceTypes));
  const populated = Object.values(sourceFields).filter((f) => m[f] !== undefined && m[f] !== null);
  const expected = sourceFields[m.type];
  if (expected && !populated.includes(expected)) errs.push(required(`${path}.${expected}`, 'must populate information for the given metric source'));
  if (populated.length > 1 || (expected && populated.length === 1 && populated[0] !== expected)) {
    errs.push(forbidden(path, 'must populate the given metric source only'));
  }
  if (m.type === 'Resource' && m.resource) errs.push(...validateResourceTarget(m.resource.name, m.resource.target, `${path}.resource`));
  if (m.type === 'ContainerResource' && m.containerResource) {
    errs.push(...validateResourceTarget(m.containerResource.name, m.containerResource.target, `${path}.containerResource`, m.containerResource.container ?? ''));
  }
  if (m.type === 'Pods' && m.pods) {
    if (!m.pods.metric?.name) errs.push(required(`${path}.pods.metric.name`, 'must specify a metric name'));
    errs.push(...validateTarget(m.pods.target, `${path}.pods.target`));
  }
  if (m.type === 'Object' && m.object) {
    if (!m.object.metric?.name) errs.push(required(`${path}.object.metric.name`, 'must specify a metric name'));
    errs.push(...validateTarget(m.object.target, `${path}.object.target`));
  }
  if (m.type === 'External' && m.external) {
    if (!m.external.metric?.name) errs.push(required(`${path}.external.metric.name`, 'must specify a metric name'));
    errs.push(...validateTarget(m.external.target, `${path}.external.target`));
  }
  return errs;
}

function validateRules(rules: HPAScalingRules | undefined, path: string): FieldError[] {
  if (!rules) return [];
  const errs: FieldError[] = [];
  const window = rules.stabilizationWindowSeconds;
  if (window !== undefined && (window < 0 || window > maxStabilizationWindowSeconds)) {
    errs.push(invalid(`${path}.stabilizationWindowSeconds`, window, window < 0 ? 'must be greater than or equal to zero' : `must be less than or equal to ${maxStabilizationWindowSeconds}`));
  }
  if (rules.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(rules.selectPolicy)) {
    errs.push(notSupported(`${path}.selectPolicy`, rules.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  if (rules.policies !== undefined && rules.policies.length === 0 && rules.selectPolicy !== 'Disabled') {
    errs.push(required(`${path}.policies`, 'must specify at least one Policy'));
  }
  (rules.policies ?? []).forEach((p, i) => {
    const at = `${path}.policies[${i}]`;
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.push(notSupported(`${at}.type`, p.type, ['Percent', 'Pods']));
    if (!(p.value > 0)) errs.push(invalid(`${at}.value`, p.value, 'must be greater than zero'));
    if (!(p.periodSeconds > 0)) errs.push(invalid(`${at}.periodSeconds`, p.periodSeconds, 'must be greater than zero'));
    else if (p.periodSeconds > maxPeriodSeconds) errs.push(invalid(`${at}.periodSeconds`, p.periodSeconds, `must be less than or equal to ${maxPeriodSeconds}`));
  });
  return errs;
}

/** The spec errors of an HPA in v2 form. */
function validateSpec(hpa: HorizontalPodAutoscaler): FieldError[] {
  const errs: FieldError[] = [];
  const spec = hpa.spec;
  const min = spec?.minReplicas;
  if (min !== undefined && min !== null && min < 1) errs.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = spec?.maxReplicas ?? 0;
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && min !== null && max < min) errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  const ref = spec?.scaleTargetRef;
  if (!ref?.kind) errs.push(required('spec.scaleTargetRef.kind'));
  else if (ref.kind.includes('/') || ref.kind.includes('%')) errs.push(invalid('spec.scaleTargetRef.kind', ref.kind, `may not contain '${ref.kind.includes('/') ? '/' : '%'}'`));
  if (!ref?.name) errs.push(required('spec.scaleTargetRef.name'));
  else if (ref.name.includes('/') || ref.name.includes('%')) errs.push(invalid('spec.scaleTargetRef.name', ref.name, `may not contain '${ref.name.includes('/') ? '/' : '%'}'`));
  (spec?.metrics ?? []).forEach((m, i) => errs.push(...validateMetric(m, `spec.metrics[${i}]`)));
  errs.push(...validateRules(spec?.behavior?.scaleUp, 'spec.behavior.scaleUp'), ...validateRules(spec?.behavior?.scaleDown, 'spec.behavior.scaleDown'));
  return errs;
}

function v2Form(version: string, obj: JsonObject): HorizontalPodAutoscaler {
  return (version === 'v1' ? hpaV1ToV2(obj as KubeObject) : obj) as HorizontalPodAutoscaler;
}

/** Validates a created HPA of `version` (v1 or v2). */
export function validateHPA(version: string, obj: JsonObject): FieldError[] {
  return [...validateObjectMeta(obj.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateSpec(v2Form(version, obj))];
}

/** Validates an HPA update: metadata rules and the new spec. */
export function validateHPAUpdate(version: string, obj: JsonObject, old: JsonObject): FieldError[] {
  return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSpec(v2Form(version, obj))];
}
