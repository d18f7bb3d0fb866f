import type { FieldError } from '../../apimachinery/errors.js';
import { asObject, type JsonObject } from '../defaults/util.js';
import { at, child, duplicate, forbidden, immutable, invalid, nonNegative, notSupported, required, str, tooMany } from './field.js';
import {
  labelSelectorMatches,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.js';
import { nameIsDNSSubdomain } from '../../apimachinery/names.js';
import { validatePodTemplateSpec } from './pod.js';
import { cronScheduleError, isTimeZone } from './cron.js';

const controllerUidLabel = 'batch.kubernetes.io/controller-uid';

const podFailurePolicyActions = ['FailJob', 'FailIndex', 'Ignore', 'Count'];

/** Upstream's validatePodFailurePolicy: restartPolicy Never, at most 20 rules, each with one kind of requirement. */
function validatePodFailurePolicy(spec: JsonObject, field: string): FieldError[] {
  const policy = asObject(spec.podFailurePolicy);
  if (!policy) return [];
  const errs: FieldError[] = [];
  const podSpec = asObject(asObject(spec.template)?.spec) ?? {};
  const restartPolicy = str(podSpec.restartPolicy);
  if (restartPolicy !== 'Never') {
    errs.push(invalid(child(field, 'template', 'spec', 'restartPolicy'), restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  const containerNames = new Set(
    [...(Array.isArray(podSpec.containers) ? podSpec.containers : []), ...(Array.isArray(podSpec.initContainers) ? podSpec.initContainers : [])].map((c) => str(asObject(c)?.name)),
  );
  const rulesField = child(field, 'podFailurePolicy', 'rules');
  const rules = Array.isArray(policy.rules) ? policy.rules : [];
  if (rules.length > 20) errs.push(tooMany(rulesField, rules.length, 20));
  rules.forEach((ruleValue, i) => {
    const rule = asObject(ruleValue) ?? {};
    const ruleField = at(rulesField, i);
    const action = str(rule.action);
    if (!action) errs.push(required(child(ruleField, 'action')));
    else if (!podFailurePolicyActions.includes(action)) errs.push(notSupported(child(ruleField, 'action'), action, podFailurePolicyActions));
    else if (action === 'FailIndex' && (spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null)) {
      errs.push(invalid(child(ruleField, 'action'), action, 'requires the backoffLimitPerIndex to be set'));
    }
    const exitCodes = asObject(rule.onExitCodes);
    const conditions = Array.isArray(rule.onPodConditions) ? rule.onPodConditions : undefined;
    if (exitCodes && conditions && conditions.length > 0) {
      errs.push(invalid(ruleField, 'specifying both OnExitCodes and OnPodConditions is not supported', 'specifying both OnExitCodes and OnPodConditions is not supported'));
    } else if (!exitCodes && !(conditions && conditions.length > 0)) {
      errs.push(invalid(ruleField, 'specifying one of OnExitCodes and OnPodConditions is required', 'specifying one of OnExitCodes and OnPodConditions is required'));
    }
    if (exitCodes) {
      const exitField = child(ruleField, 'onExitCodes');
      const name = exitCodes.containerName;
      if (name !== undefined && name !== null && !containerNames.has(str(name))) {
        errs.push(invalid(child(exitField, 'containerName'), name, 'must be one of the container or initContainer names in the pod template'));
      }
      const operator = str(exitCodes.operator);
      if (!operator) errs.push(required(child(exitField, 'operator')));
      else if (operator !== 'In' && operator !== 'NotIn') errs.push(notSupported(child(exitField, 'operator'), operator, ['In', 'NotIn']));
      const values = Array.isArray(exitCodes.values) ? exitCodes.values : [];
      const valuesField = child(exitField, 'values');
      if (values.length === 0) errs.push(invalid(valuesField, values, 'at least one value is required'));
      if (values.length > 255) errs.push(tooMany(valuesField, values.length, 255));
      const seen = new Set<unknown>();
      values.forEach((v, j) => {
        if (seen.has(v)) errs.push(duplicate(at(valuesField, j), v));
        seen.add(v);
        if (operator === 'In' && v === 0) errs.push(invalid(at(valuesField, j), v, 'must not be 0 for the In operator'));
        if (j > 0 && typeof v === 'number' && typeof values[j - 1] === 'number' && v < (values[j - 1] as number)) {
          errs.push(invalid(at(valuesField, j), v, 'must be ordered'));
        }
      });
    }
    (conditions ?? []).forEach((c, j) => {
      const cond = asObject(c) ?? {};
      const condField = at(child(ruleField, 'onPodConditions'), j);
      if (!str(cond.type)) errs.push(required(child(condField, 'type')));
      const status = str(cond.status);
      if (!status) errs.push(required(child(condField, 'status')));
      else if (!['True', 'False', 'Unknown'].includes(status)) errs.push(notSupported(child(condField, 'status'), status, ['True', 'False', 'Unknown']));
    });
  });
  return errs;
}

/** Upstream's validateJobSpec, shared by Jobs and CronJob job templates. */
function validateJobSpecCommon(specValue: unknown, field: string): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const errs: FieldError[] = [];
  for (const key of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    errs.push(...nonNegative(spec[key], child(field, key)));
  }
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(child(field, 'completionMode'), mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (spec.completions === undefined || spec.completions === null) {
        errs.push(required(child(field, 'completions'), 'when completion mode is Indexed'));
      }
      if (typeof spec.parallelism === 'number' && spec.parallelism > 100000) {
        errs.push(invalid(child(field, 'parallelism'), spec.parallelism, 'must be less than or equal to 100000 when completion mode is Indexed'));
      }
    }
  }
  if (spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null) {
    errs.push(...nonNegative(spec.backoffLimitPerIndex, child(field, 'backoffLimitPerIndex')));
    if (mode !== 'Indexed') errs.push(invalid(child(field, 'backoffLimitPerIndex'), spec.backoffLimitPerIndex, 'requires indexed completion mode'));
  }
  const replacement = spec.podReplacementPolicy;
  if (replacement !== undefined && replacement !== null && replacement !== 'TerminatingOrFailed' && replacement !== 'Failed') {
    errs.push(notSupported(child(field, 'podReplacementPolicy'), replacement, ['TerminatingOrFailed', 'Failed']));
  }
  errs.push(...validatePodTemplateSpec(spec.template, child(field, 'template')));
  errs.push(...validatePodFailurePolicy(spec, field));
  const restartPolicy = str(asObject(asObject(spec.template)?.spec)?.restartPolicy);
  if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') {
    errs.push(notSupported(child(field, 'template', 'spec', 'restartPolicy'), restartPolicy, ['OnFailure', 'Never']));
  }
  return errs;
}

/** Upstream's ValidateJob: the spec, a selector matching the template, and a generated selector unless manual. */
function validateJob(job: JsonObject): FieldError[] {
  const errs = validateObjectMeta(job.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const spec = asObject(job.spec) ?? {};
  errs.push(...validateJobSpecCommon(spec, 'spec'));
  const labels = asObject(asObject(asObject(spec.template)?.metadata)?.labels);
  if (spec.selector === undefined || spec.selector === null) {
    errs.push(required('spec.selector'));
    return errs;
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const uid = str(asObject(job.metadata)?.uid);
  if (spec.manualSelector !== true && uid) {
    if (str(labels?.[controllerUidLabel]) !== uid) {
      errs.push(invalid('spec.template.metadata.labels', labels ?? null, '`selector` not auto-generated'));
    }
    if (str(asObject(asObject(spec.selector)?.matchLabels)?.[controllerUidLabel]) !== uid) {
      errs.push(invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
    }
  }
  if (!labelSelectorMatches(spec.selector, labels)) {
    errs.push(invalid('spec.template.metadata.labels', labels ?? null, '`selector` does not match template `labels`'));
  }
  return errs;
}

function validateJobUpdate(job: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(job.metadata, old.metadata);
  const spec = asObject(job.spec) ?? {};
  const oldSpec = asObject(old.spec) ?? {};
  errs.push(...validateJob(job).filter((e) => !e.field.startsWith('metadata')));
  // Elastic indexed Jobs may scale completions together with parallelism.
  const elastic =
    spec.completionMode === 'Indexed' && spec.completions === spec.parallelism && oldSpec.completions === oldSpec.parallelism;
  if (!elastic) errs.push(...immutable(spec.completions, oldSpec.completions, 'spec.completions'));
  errs.push(...immutable(spec.selector, oldSpec.selector, 'spec.selector'));
  const template = asObject(spec.template) ?? {};
  let oldTemplate = asObject(oldSpec.template) ?? {};
  // A suspended Job that never started may change its scheduling directives.
  if (spec.suspend === true && !asObject(old.status)?.startTime) {
    const oldPodSpec = asObject(oldTemplate.spec) ?? {};
    const podSpec = asObject(template.spec) ?? {};
    oldTemplate = {
      ...oldTemplate,
      metadata: { ...(asObject(oldTemplate.metadata) ?? {}), labels: asObject(template.metadata)?.labels, annotations: asObject(template.metadata)?.annotations },
      spec: { ...oldPodSpec, nodeSelector: podSpec.nodeSelector, tolerations: podSpec.tolerations, affinity: podSpec.affinity, schedulingGates: podSpec.schedulingGates },
    };
  }
  errs.push(...immutable(template, oldTemplate, 'spec.template'));
  for (const key of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex']) {
    errs.push(...immutable(spec[key], oldSpec[key], `spec.${key}`));
  }
  return errs;
}

function validateSchedule(schedule: string, allowTZ: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const parseError = cronScheduleError(schedule);
  if (parseError) errs.push(invalid(field, schedule, parseError));
  if (!allowTZ && schedule.includes('TZ')) {
    errs.push(invalid(field, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

function validateTimeZone(timeZone: unknown, field: string): FieldError[] {
  if (timeZone === undefined || timeZone === null) return [];
  const zone = str(timeZone);
  if (!zone) return [invalid(field, timeZone, 'timeZone must be nil or non-empty string')];
  for (const part of zone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z._+\-0-9]+$/.test(part)) {
      return [invalid(field, zone, `unknown time zone ${zone}`)];
    }
  }
  if (zone.toLowerCase() === 'local') {
    return [invalid(field, zone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  }
  return isTimeZone(zone) ? [] : [invalid(field, zone, `unknown time zone ${zone}`)];
}

function validateCronJobSpec(specValue: unknown, oldSpecValue: unknown): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const oldSpec = asObject(oldSpecValue);
  const errs: FieldError[] = [];
  const schedule = str(spec.schedule);
  if (!schedule) errs.push(required('spec.schedule'));
  else errs.push(...validateSchedule(schedule, str(oldSpec?.schedule).includes('TZ'), 'spec.schedule'));
  errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!oldSpec || oldSpec.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  const policy = str(spec.concurrencyPolicy);
  if (!policy) errs.push(required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(policy)) {
    errs.push(notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
  }
  const jobSpec = asObject(asObject(spec.jobTemplate)?.spec) ?? {};
  errs.push(...validateJobSpecCommon(jobSpec, 'spec.jobTemplate.spec'));
  if (jobSpec.selector !== undefined && jobSpec.selector !== null) {
    errs.push(invalid('spec.jobTemplate.spec.selector', jobSpec.selector, '`selector` will be auto-generated'));
  }
  if (jobSpec.manualSelector === true) errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

function validateCronJob(cronJob: JsonObject): FieldError[] {
  const errs = validateObjectMeta(cronJob.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  errs.push(...validateCronJobSpec(cronJob.spec, undefined));
  const name = str(asObject(cronJob.metadata)?.name);
  // The controller appends an 11-character suffix to Job names, which are limited to 63.
  if (name.length > 52) errs.push(invalid('metadata.name', name, 'must be no more than 52 characters'));
  return errs;
}

/** Validates a new batch/v1 object of `kind`. */
export function validateBatchCreate(kind: string, obj: JsonObject): FieldError[] {
  if (kind === 'Job') return validateJob(obj);
  if (kind === 'CronJob') return validateCronJob(obj);
  return [];
}

/** Validates an update of a batch/v1 object of `kind`. */
export function validateBatchUpdate(kind: string, obj: JsonObject, old: JsonObject): FieldError[] {
  if (kind === 'Job') return validateJobUpdate(obj, old);
  if (kind === 'CronJob') {
    return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateCronJobSpec(obj.spec, old.spec)];
  }
  return [];
}

/** Validates a Job's status update (lighter): counters ≥ 0, and a finished Job stays finished. */
export function validateJobStatusUpdate(obj: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const status = asObject(obj.status) ?? {};
  for (const key of ['active', 'succeeded', 'failed', 'ready', 'terminating']) errs.push(...nonNegative(status[key], `status.${key}`));
  const oldStatus = asObject(old.status) ?? {};
  if (oldStatus.completionTime && !status.completionTime) {
    errs.push(forbidden('status.completionTime', 'field is immutable once the job has finished'));
  }
  return errs;
}
