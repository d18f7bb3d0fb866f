import type { FieldError } from '../../apimachinery/errors.js';
import { asObject, type JsonObject } from '../defaults/util.js';
import { child, deepEqual, entriesOf, forbidden, immutable, invalid, nonNegative, notSupported, required, str } from './field.js';
import {
  labelSelectorIsEmpty,
  labelSelectorMatches,
  validateAnnotations,
  validateLabels,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.js';
import { isValidPercent, nameIsDNSLabel, nameIsDNSSubdomain } from '../../apimachinery/names.js';
import { validatePodTemplateSpec } from './pod.js';

const selectorMismatch = '`selector` does not match template `labels`';

/** Upstream's ValidatePositiveIntOrPercent. */
export function validatePositiveIntOrPercent(value: unknown, field: string): FieldError[] {
  if (typeof value === 'string') return isValidPercent(value).map((m) => invalid(field, value, m));
  if (typeof value === 'number') return nonNegative(value, field);
  if (value === undefined || value === null) return [];
  return [invalid(field, value, "must be an integer or percentage (e.g '5%')")];
}

/** The number in an int-or-percent (a percent's number), 0 when it is neither. */
function intOrPercentValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && isValidPercent(value).length === 0) return Number(value.slice(0, -1));
  return 0;
}

function notMoreThan100Percent(value: unknown, field: string): FieldError[] {
  if (typeof value !== 'string' || isValidPercent(value).length > 0) return [];
  return intOrPercentValue(value) > 100 ? [invalid(field, value, 'must not be greater than 100%')] : [];
}

function templateLabels(spec: JsonObject): unknown {
  return asObject(asObject(spec.template)?.metadata)?.labels;
}

/** The selector checks Deployment, ReplicaSet and StatefulSet share: required, valid, not empty. */
function validateRequiredSelector(spec: JsonObject, field: string, kind: string): FieldError[] {
  if (spec.selector === undefined || spec.selector === null) return [required(child(field, 'selector'))];
  const errs = validateLabelSelector(spec.selector, child(field, 'selector'));
  if (labelSelectorIsEmpty(spec.selector)) errs.push(invalid(child(field, 'selector'), spec.selector, `empty selector is invalid for ${kind}`));
  return errs;
}

/** Upstream's ValidatePodTemplateSpecForReplicaSet (also used by Deployments and DaemonSets). */
export function validateReplicatedTemplate(spec: JsonObject, field: string, kind: string): FieldError[] {
  const errs: FieldError[] = [];
  const templatePath = child(field, 'template');
  if (!asObject(spec.template)) return [required(templatePath)];
  if (!labelSelectorIsEmpty(spec.selector) && !labelSelectorMatches(spec.selector, templateLabels(spec))) {
    errs.push(invalid(child(templatePath, 'metadata', 'labels'), templateLabels(spec) ?? null, selectorMismatch));
  }
  errs.push(...validatePodTemplateSpec(spec.template, templatePath));
  const podSpec = asObject(asObject(spec.template)?.spec) ?? {};
  if (str(podSpec.restartPolicy) !== 'Always') {
    errs.push(notSupported(child(templatePath, 'spec', 'restartPolicy'), str(podSpec.restartPolicy), ['Always']));
  }
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(forbidden(child(templatePath, 'spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

function validateDeploymentStrategy(strategy: unknown, field: string): FieldError[] {
  const s = asObject(strategy) ?? {};
  const rollingUpdate = asObject(s.rollingUpdate);
  const path = child(field, 'rollingUpdate');
  switch (s.type) {
    case 'Recreate':
      return rollingUpdate ? [forbidden(path, "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate': {
      if (!rollingUpdate) return [required(path, 'this should be defaulted and never be nil')];
      const errs = [
        ...validatePositiveIntOrPercent(rollingUpdate.maxUnavailable, child(path, 'maxUnavailable')),
        ...validatePositiveIntOrPercent(rollingUpdate.maxSurge, child(path, 'maxSurge')),
      ];
      if (intOrPercentValue(rollingUpdate.maxUnavailable) === 0 && intOrPercentValue(rollingUpdate.maxSurge) === 0) {
        errs.push(invalid(child(path, 'maxUnavailable'), rollingUpdate.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...notMoreThan100Percent(rollingUpdate.maxUnavailable, child(path, 'maxUnavailable')));
      return errs;
    }
    default:
      return [notSupported(field, s, ['Recreate', 'RollingUpdate'])];
  }
}

function validateDeploymentSpec(specValue: unknown): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const errs = nonNegative(spec.replicas, 'spec.replicas');
  errs.push(...validateRequiredSelector(spec, 'spec', 'deployment'));
  errs.push(...validateReplicatedTemplate(spec, 'spec', 'ReplicaSet'));
  errs.push(...validateDeploymentStrategy(spec.strategy, 'spec.strategy'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (typeof spec.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    const minReady = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
    if (spec.progressDeadlineSeconds <= minReady) {
      errs.push(invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

function validateReplicaSetSpec(specValue: unknown): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const errs = [...nonNegative(spec.replicas, 'spec.replicas'), ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds')];
  errs.push(...validateRequiredSelector(spec, 'spec', 'deployment'));
  errs.push(...validateReplicatedTemplate(spec, 'spec', 'ReplicaSet'));
  return errs;
}

function validateStatefulSetSpec(specValue: unknown): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const errs: FieldError[] = [];
  const policy = str(spec.podManagementPolicy);
  if (!policy) errs.push(required('spec.podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') {
    errs.push(invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const strategy = asObject(spec.updateStrategy) ?? {};
  const rollingUpdate = asObject(strategy.rollingUpdate);
  switch (strategy.type ?? '') {
    case '':
      errs.push(required('spec.updateStrategy'));
      break;
    case 'OnDelete':
      if (rollingUpdate) errs.push(invalid('spec.updateStrategy.rollingUpdate', rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate':
      if (rollingUpdate) {
        errs.push(...nonNegative(rollingUpdate.partition, 'spec.updateStrategy.rollingUpdate.partition'));
        if (rollingUpdate.maxUnavailable !== undefined && rollingUpdate.maxUnavailable !== null) {
          const path = 'spec.updateStrategy.rollingUpdate.maxUnavailable';
          errs.push(...validatePositiveIntOrPercent(rollingUpdate.maxUnavailable, path));
          if (intOrPercentValue(rollingUpdate.maxUnavailable) === 0) errs.push(invalid(path, rollingUpdate.maxUnavailable, 'cannot be 0'));
          errs.push(...notMoreThan100Percent(rollingUpdate.maxUnavailable, path));
        }
      }
      break;
    default:
      errs.push(invalid('spec.updateStrategy', strategy, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = asObject(spec.persistentVolumeClaimRetentionPolicy);
  if (retention) {
    for (const key of ['whenDeleted', 'whenScaled']) {
      if (retention[key] !== 'Retain' && retention[key] !== 'Delete') {
        errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, retention[key] ?? '', ['Retain', 'Delete']));
      }
    }
  }
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(asObject(spec.ordinals)?.start, 'spec.ordinals.start'));
  errs.push(...validateRequiredSelector(spec, 'spec', 'statefulset'));
  const template = asObject(spec.template);
  if (!template) {
    errs.push(required('spec.template'));
  } else {
    if (!labelSelectorIsEmpty(spec.selector) && spec.selector && !labelSelectorMatches(spec.selector, templateLabels(spec))) {
      errs.push(invalid('spec.template.metadata.labels', templateLabels(spec) ?? null, selectorMismatch));
    }
    // Upstream checks only the template's labels and annotations here, as mounts may name claim templates.
    const metadata = asObject(template.metadata) ?? {};
    errs.push(...validateLabels(metadata.labels, 'spec.template.labels'));
    errs.push(...validateAnnotations(metadata.annotations, 'spec.template.annotations'));
  }
  const podSpec = asObject(template?.spec) ?? {};
  if (str(podSpec.restartPolicy) !== 'Always') {
    errs.push(notSupported('spec.template.spec.restartPolicy', str(podSpec.restartPolicy), ['Always']));
  }
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

function validateDaemonSetSpec(specValue: unknown): FieldError[] {
  const spec = asObject(specValue) ?? {};
  const errs = validateLabelSelector(spec.selector, 'spec.selector');
  if (spec.selector === undefined || spec.selector === null) errs.push(required('spec.selector'));
  else if (!labelSelectorMatches(spec.selector, templateLabels(spec))) {
    errs.push(invalid('spec.template.metadata.labels', templateLabels(spec) ?? null, selectorMismatch));
  }
  if (asObject(spec.selector) && labelSelectorIsEmpty(spec.selector)) {
    errs.push(invalid('spec.selector', spec.selector, 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  const podSpec = asObject(asObject(spec.template)?.spec) ?? {};
  if (str(podSpec.restartPolicy) !== 'Always') {
    errs.push(notSupported('spec.template.spec.restartPolicy', str(podSpec.restartPolicy), ['Always']));
  }
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const strategy = asObject(spec.updateStrategy) ?? {};
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = asObject(strategy.rollingUpdate);
    const path = 'spec.updateStrategy.rollingUpdate';
    if (!rollingUpdate) {
      errs.push(required(path));
    } else {
      errs.push(...validatePositiveIntOrPercent(rollingUpdate.maxUnavailable, `${path}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(rollingUpdate.maxSurge, `${path}.maxSurge`));
      errs.push(...notMoreThan100Percent(rollingUpdate.maxUnavailable, `${path}.maxUnavailable`));
      errs.push(...notMoreThan100Percent(rollingUpdate.maxSurge, `${path}.maxSurge`));
      const hasUnavailable = intOrPercentValue(rollingUpdate.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(rollingUpdate.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) errs.push(invalid(`${path}.maxSurge`, rollingUpdate.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      if (!hasUnavailable && !hasSurge) errs.push(required(`${path}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
    }
  } else if (strategy.type !== 'OnDelete') {
    errs.push(notSupported('spec.updateStrategy', strategy, ['RollingUpdate', 'OnDelete']));
  }
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

function meta(obj: JsonObject, nameValidator = nameIsDNSSubdomain): FieldError[] {
  return validateObjectMeta(obj.metadata, { namespaced: true, nameValidator });
}

/** Validates a new apps/v1 object of `kind`. */
export function validateAppsCreate(kind: string, obj: JsonObject): FieldError[] {
  switch (kind) {
    case 'Deployment':
      return [...meta(obj), ...validateDeploymentSpec(obj.spec)];
    case 'ReplicaSet':
      return [...meta(obj), ...validateReplicaSetSpec(obj.spec)];
    case 'StatefulSet':
      return [...meta(obj, nameIsDNSLabel), ...validateStatefulSetSpec(obj.spec)];
    case 'DaemonSet':
      return [...meta(obj), ...validateDaemonSetSpec(obj.spec)];
    case 'ControllerRevision': {
      const errs = meta(obj);
      if (obj.data === undefined || obj.data === null) errs.push(required('data', 'data is mandatory'));
      errs.push(...nonNegative(obj.revision, 'revision'));
      return errs;
    }
    default:
      return [];
  }
}

const statefulSetMutable = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy'];

/** Validates an update of an apps/v1 object of `kind` (selectors immutable, StatefulSet spec mostly immutable). */
export function validateAppsUpdate(kind: string, obj: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const spec = asObject(obj.spec) ?? {};
  const oldSpec = asObject(old.spec) ?? {};
  switch (kind) {
    case 'Deployment':
      errs.push(...validateDeploymentSpec(obj.spec), ...immutable(spec.selector, oldSpec.selector, 'spec.selector'));
      break;
    case 'ReplicaSet':
      errs.push(...validateReplicaSetSpec(obj.spec), ...immutable(spec.selector, oldSpec.selector, 'spec.selector'));
      break;
    case 'DaemonSet':
      errs.push(...validateDaemonSetSpec(obj.spec), ...immutable(spec.selector, oldSpec.selector, 'spec.selector'));
      break;
    case 'StatefulSet': {
      errs.push(...validateStatefulSetSpec(obj.spec));
      const rest = (s: JsonObject): JsonObject =>
        Object.fromEntries(entriesOf(s).filter(([k]) => !statefulSetMutable.includes(k)));
      if (!deepEqual(rest(spec), rest(oldSpec))) {
        errs.push(
          forbidden(
            'spec',
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
          ),
        );
      }
      break;
    }
    case 'ControllerRevision':
      errs.push(...validateAppsCreate(kind, obj).filter((e) => !e.field.startsWith('metadata')));
      errs.push(...immutable(obj.data, old.data, 'data'));
      break;
    default:
      break;
  }
  return errs;
}

/** Validates a status update of an apps/v1 object: status counters ≥ 0 and not above status.replicas. */
export function validateAppsStatusUpdate(obj: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const status = asObject(obj.status) ?? {};
  for (const [key, value] of entriesOf(status)) if (typeof value === 'number') errs.push(...nonNegative(value, `status.${key}`));
  const replicas = typeof status.replicas === 'number' ? status.replicas : undefined;
  if (replicas !== undefined) {
    for (const key of ['readyReplicas', 'availableReplicas', 'updatedReplicas', 'currentReplicas', 'fullyLabeledReplicas']) {
      const value = status[key];
      if (typeof value === 'number' && value > replicas) errs.push(invalid(`status.${key}`, value, 'cannot be greater than status.replicas'));
    }
  }
  const collision = status.collisionCount;
  const oldCollision = asObject(old.status)?.collisionCount;
  if (typeof oldCollision === 'number' && (typeof collision !== 'number' || collision < oldCollision)) {
    errs.push(invalid('status.collisionCount', typeof collision === 'number' ? collision : 0, 'cannot be decremented'));
  }
  return errs;
}
