/** Defaults of the policy types: LimitRange items (SetDefaults_LimitRangeItem) and PriorityClass. */
import { asObject, child, objectsIn, setDefault, type JsonObject } from './util.js';

/**
 * SetDefaults_LimitRangeItem for every Container item: a missing default limit is the max, a
 * missing default request is the default limit, else the min.
 */
export function defaultLimitRange(range: JsonObject): void {
  for (const item of objectsIn(asObject(range.spec)?.limits)) {
    if (item.type !== 'Container') continue;
    const defaults = child(item, 'default');
    const defaultRequest = child(item, 'defaultRequest');
    for (const [name, value] of Object.entries(asObject(item.max) ?? {})) setDefault(defaults, name, value);
    for (const [name, value] of Object.entries(defaults)) setDefault(defaultRequest, name, value);
    for (const [name, value] of Object.entries(asObject(item.min) ?? {})) setDefault(defaultRequest, name, value);
  }
}

/** SetDefaults_PriorityClass: preemptionPolicy PreemptLowerPriority. */
export function defaultPriorityClass(pc: JsonObject): void {
  setDefault(pc, 'preemptionPolicy', 'PreemptLowerPriority');
}
