/**
 * Validation of the policy types: PodDisruptionBudget (policy/v1), ResourceQuota and LimitRange
 * (core/v1) and PriorityClass (scheduling.k8s.io/v1), as upstream's ValidatePodDisruptionBudget,
 * ValidateResourceQuota, ValidateLimitRange and ValidatePriorityClass.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { isQualifiedName, isValidPercent, nameIsDNSSubdomain } from '../../apimachinery/names.js';
import { parseQuantity, quantityErrors, type Quantity } from '../../apimachinery/quantity.js';
import { asObject, objectsIn, type JsonObject } from '../defaults/util.js';
import { validatePositiveIntOrPercent } from './apps.js';
import { at, child, deepEqual, entriesOf, forbidden, immutable, invalid, notSupported, required, str } from './field.js';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';

/** Upstream's HighestUserDefinablePriority. */
export const highestUserDefinablePriority = 1_000_000_000;

/** The classes every cluster has, with their values (upstream's SystemPriorityClasses). */
export const systemPriorityClasses: readonly { name: string; value: number; description: string }[] = [
  { name: 'system-node-critical', value: 2_000_001_000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2_000_000_000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

const unhealthyPodEvictionPolicies = ['AlwaysAllow', 'IfHealthyBudget'];
const preemptionPolicies = ['Never', 'PreemptLowerPriority'];
const limitTypes = ['Container', 'PersistentVolumeClaim', 'Pod'];
const quotaScopes = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'];

function namespacedMeta(obj: JsonObject): FieldError[] {
  return validateObjectMeta(obj.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
}

function notMoreThan100Percent(value: unknown, field: string): FieldError[] {
  if (typeof value !== 'string' || isValidPercent(value).length > 0) return [];
  return Number(value.slice(0, -1)) > 100 ? [invalid(field, value, 'must not be greater than 100%')] : [];
}

/** ValidatePodDisruptionBudgetSpec: minAvailable xor maxUnavailable, each an int or a percent up to 100%. */
function validatePDBSpec(spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const has = (v: unknown): boolean => v !== undefined && v !== null;
  if (has(spec.minAvailable) && has(spec.maxUnavailable)) {
    errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const name of ['minAvailable', 'maxUnavailable']) {
    if (!has(spec[name])) continue;
    errs.push(...validatePositiveIntOrPercent(spec[name], child('spec', name)), ...notMoreThan100Percent(spec[name], child('spec', name)));
  }
  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== null && !unhealthyPodEvictionPolicies.includes(str(policy))) {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, unhealthyPodEvictionPolicies));
  }
  return errs;
}

function validateQuantityValue(value: unknown, field: string): { errors: FieldError[]; quantity?: Quantity } {
  const quantity = parseQuantity(value);
  if (!quantity) return { errors: [invalid(field, value, quantityErrors.formatWrong)] };
  if (quantity.sign() < 0) return { errors: [invalid(field, quantity.toString(), 'must be greater than or equal to 0')], quantity };
  return { errors: [], quantity };
}

/** Resources a quota counts in whole objects (upstream's IsIntegerResourceName). */
function isIntegerResource(name: string): boolean {
  return (
    name.startsWith('count/') ||
    ['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers'].includes(name)
  );
}

function validateResourceList(list: unknown, field: string, integerCheck: boolean): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, value] of entriesOf(list)) {
    const path = at(field, name);
    errs.push(...isQualifiedName(name).map((m) => invalid(path, name, m)));
    const { errors, quantity } = validateQuantityValue(value, path);
    errs.push(...errors);
    if (integerCheck && quantity && errors.length === 0 && isIntegerResource(name) && quantity.milliValue() % 1000 !== 0) {
      errs.push(invalid(path, quantity.toString(), 'must be an integer'));
    }
  }
  return errs;
}

/** ValidateResourceQuota: names, non-negative (integer for object counts) quantities, known scopes. */
function validateResourceQuota(quota: JsonObject): FieldError[] {
  const spec = asObject(quota.spec) ?? {};
  const errs = [...namespacedMeta(quota), ...validateResourceList(spec.hard, 'spec.hard', true)];
  (Array.isArray(spec.scopes) ? spec.scopes : []).forEach((scope, i) => {
    if (!quotaScopes.includes(str(scope))) errs.push(notSupported(at('spec.scopes', i), scope, quotaScopes));
  });
  const status = asObject(quota.status) ?? {};
  errs.push(...validateResourceList(status.hard, 'status.hard', true), ...validateResourceList(status.used, 'status.used', true));
  return errs;
}

/** ValidateLimitRange: a type for each item, and min ≤ defaultRequest ≤ default ≤ max, ratios ≥ 1. */
function validateLimitRange(range: JsonObject): FieldError[] {
  const errs = namespacedMeta(range);
  const seen = new Set<string>();
  objectsIn(asObject(range.spec)?.limits).forEach((item, i) => {
    const path = at('spec.limits', i);
    const type = str(item.type);
    if (!type) errs.push(required(child(path, 'type')));
    else if (!limitTypes.includes(type)) errs.push(notSupported(child(path, 'type'), type, limitTypes));
    else if (seen.has(type)) errs.push(invalid(child(path, 'type'), type, `only one limit of type ${type} is allowed`));
    seen.add(type);
    const lists: Record<string, Map<string, Quantity>> = {};
    for (const part of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
      lists[part] = new Map();
      for (const [name, value] of entriesOf(item[part])) {
        const field = at(child(path, part), name);
        errs.push(...isQualifiedName(name).map((m) => invalid(field, name, m)));
        const { errors, quantity } = validateQuantityValue(value, field);
        errs.push(...errors);
        if (quantity) lists[part].set(name, quantity);
      }
    }
    if (type === 'Pod') {
      if (lists.default.size > 0) errs.push(forbidden(child(path, 'default'), "may not be specified when `type` is 'Pod'"));
      if (lists.defaultRequest.size > 0) errs.push(forbidden(child(path, 'defaultRequest'), "may not be specified when `type` is 'Pod'"));
    }
    const names = new Set([...lists.max.keys(), ...lists.min.keys(), ...lists.default.keys(), ...lists.defaultRequest.keys()]);
    for (const name of names) {
      const max = lists.max.get(name);
      const min = lists.min.get(name);
      const def = lists.default.get(name);
      const defReq = lists.defaultRequest.get(name);
      if (min && max && min.cmp(max) > 0) errs.push(invalid(at(child(path, 'min'), name), min.toString(), `min value ${min} is greater than max value ${max}`));
      if (defReq && max && defReq.cmp(max) > 0) {
        errs.push(invalid(at(child(path, 'defaultRequest'), name), defReq.toString(), `default request value ${defReq} is greater than max value ${max}`));
      }
      if (defReq && min && min.cmp(defReq) > 0) {
        errs.push(invalid(at(child(path, 'defaultRequest'), name), defReq.toString(), `min value ${min} is greater than default request value ${defReq}`));
      }
      if (def && max && def.cmp(max) > 0) errs.push(invalid(at(child(path, 'default'), name), def.toString(), `default value ${def} is greater than max value ${max}`));
      if (def && min && min.cmp(def) > 0) errs.push(invalid(at(child(path, 'default'), name), def.toString(), `min value ${min} is greater than default value ${def}`));
      if (defReq && def && defReq.cmp(def) > 0) {
        errs.push(invalid(at(child(path, 'defaultRequest'), name), defReq.toString(), `default request value ${defReq} is greater than default limit value ${def}`));
      }
    }
    for (const [name, ratio] of lists.maxLimitRequestRatio) {
      const field = at(child(path, 'maxLimitRequestRatio'), name);
      if (ratio.cmp(parseQuantity('1')!) < 0) errs.push(invalid(field, ratio.toString(), `ratio ${ratio} is less than 1`));
      const max = lists.max.get(name);
      const min = lists.min.get(name);
      if (max && min && min.sign() > 0) {
        const maxRatio = max.milliValue() / min.milliValue();
        if (ratio.milliValue() / 1000 > maxRatio) {
          errs.push(invalid(field, ratio.toString(), `ratio ${ratio} is greater than max/min = ${maxRatio.toFixed(6)}`));
        }
      }
    }
  });
  return errs;
}

/** ValidatePriorityClass: reserved `system-` names, the highest user value, known preemption policies. */
function validatePriorityClass(pc: JsonObject): FieldError[] {
  const errs = validateObjectMeta(pc.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain });
  const name = str(asObject(pc.metadata)?.name);
  const system = systemPriorityClasses.find((c) => c.name === name);
  if (system) {
    if (pc.value !== system.value) errs.push(forbidden('metadata.name', `${name} is a system priority class, its value must be ${system.value}`));
  } else if (name.startsWith('system-')) {
    errs.push(forbidden('metadata.name', "priority class names with 'system-' prefix are reserved"));
  } else if (typeof pc.value === 'number' && pc.value > highestUserDefinablePriority) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`));
  }
  if (typeof pc.value !== 'number' || !Number.isInteger(pc.value)) errs.push(required('value'));
  if (pc.preemptionPolicy !== undefined && !preemptionPolicies.includes(str(pc.preemptionPolicy))) {
    errs.push(notSupported('preemptionPolicy', pc.preemptionPolicy, preemptionPolicies));
  }
  return errs;
}

/** Validates a new object of a kind handled here; undefined for other kinds. */
export function validatePolicyCreate(group: string, kind: string, obj: JsonObject): FieldError[] | undefined {
  switch (`${group}/${kind}`) {
    case 'policy/PodDisruptionBudget':
      return [...namespacedMeta(obj), ...validatePDBSpec(asObject(obj.spec) ?? {})];
    case '/ResourceQuota':
      return validateResourceQuota(obj);
    case '/LimitRange':
      return validateLimitRange(obj);
    case 'scheduling.k8s.io/PriorityClass':
      return validatePriorityClass(obj);
    default:
      return undefined;
  }
}

/** Validates an update of a kind handled here (PriorityClass value and preemptionPolicy are immutable); undefined for other kinds. */
export function validatePolicyUpdate(group: string, kind: string, obj: JsonObject, old: JsonObject): FieldError[] | undefined {
  const created = validatePolicyCreate(group, kind, obj);
  if (created === undefined) return undefined;
  const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...created.filter((e) => !e.field.startsWith('metadata'))];
  if (kind === 'PriorityClass') {
    if (!deepEqual(obj.value, old.value)) errs.push(forbidden('value', 'may not be changed in an update.'));
    errs.push(...immutable(obj.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'));
  }
  return errs;
}
