import type { FieldError } from '../errors.js';
import { asObject, type JsonObject } from '../defaults/util.js';
import { child, forbidden, immutable, invalid, nonNegative, notSupported, required, str } from './field.js';
import {
  labelSelectorMatches,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.js';
import { nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './pod.js';
import { cronScheduleError, isTimeZone } from './cron.js';

const controllerUidLabel = 'batch.kubernetes.io/controller-uid';

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
