import type { FieldError } from '../../apimachinery/errors.js';
import { asObject, objectsIn, type JsonObject } from '../defaults/util.js';
import { at, child, entriesOf, forbidden, immutable, invalid, nonNegative, required, str, tooLong } from './field.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, type NameValidator } from '../../apimachinery/names.js';

/** Upstream's TotalAnnotationSizeLimitB (256 KiB). */
export const totalAnnotationSizeLimit = 256 * 1024;

/** Upstream's ValidateLabelName: a qualified name. */
export function validateLabelName(name: string, field: string): FieldError[] {
  return isQualifiedName(name).map((msg) => invalid(field, name, msg));
}

/** Upstream's ValidateLabels: qualified-name keys and label values (both reported at `field`). */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, value] of entriesOf(labels)) {
    errs.push(...validateLabelName(key, field));
    errs.push(...isValidLabelValue(str(value)).map((msg) => invalid(field, str(value), msg)));
  }
  return errs;
}

/** Upstream's ValidateAnnotations: case-insensitive qualified-name keys, total size ≤ 256 KiB. */
export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [key, value] of entriesOf(annotations)) {
    errs.push(...isQualifiedName(key.toLowerCase()).map((msg) => invalid(field, key, msg)));
    size += Buffer.byteLength(key) + Buffer.byteLength(str(value));
  }
  if (size > totalAnnotationSizeLimit) errs.push(tooLong(field, totalAnnotationSizeLimit));
  return errs;
}

/** Upstream's ValidateLabelSelector (label values in expressions must be valid). */
export function validateLabelSelector(selector: unknown, field: string): FieldError[] {
  const ps = asObject(selector);
  if (!ps) return [];
  const errs = validateLabels(ps.matchLabels, child(field, 'matchLabels'));
  objectsIn(ps.matchExpressions).forEach((expr, i) => {
    const path = at(child(field, 'matchExpressions'), i);
    const values = Array.isArray(expr.values) ? expr.values : [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(child(path, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(forbidden(child(path, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        }
        break;
      default:
        errs.push(invalid(child(path, 'operator'), expr.operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(str(expr.key), child(path, 'key')));
    values.forEach((value, j) => {
      errs.push(...isValidLabelValue(str(value)).map((msg) => invalid(at(child(path, 'values'), j), value, msg)));
    });
  });
  return errs;
}

/** Whether a LabelSelector is empty (matches everything, as upstream's selector.Empty()). */
export function labelSelectorIsEmpty(selector: unknown): boolean {
  const ps = asObject(selector);
  return !ps || (entriesOf(ps.matchLabels).length === 0 && objectsIn(ps.matchExpressions).length === 0);
}

/** Whether a LabelSelector (matchLabels and matchExpressions) matches a label set. */
export function labelSelectorMatches(selector: unknown, labels: unknown): boolean {
  const ps = asObject(selector);
  if (!ps) return false;
  const set = new Map(entriesOf(labels).map(([k, v]) => [k, str(v)]));
  for (const [key, value] of entriesOf(ps.matchLabels)) if (set.get(key) !== str(value)) return false;
  for (const expr of objectsIn(ps.matchExpressions)) {
    const key = str(expr.key);
    const values = (Array.isArray(expr.values) ? expr.values : []).map(str);
    const has = set.has(key);
    const value = set.get(key) ?? '';
    switch (expr.operator) {
      case 'In':
        if (!has || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function validateOwnerReferences(refs: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of objectsIn(refs)) {
    const apiVersion = str(ref.apiVersion);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (!version) errs.push(invalid(child(field, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (!str(ref.kind)) errs.push(invalid(child(field, 'kind'), str(ref.kind), 'kind must not be empty'));
    if (!str(ref.name)) errs.push(invalid(child(field, 'name'), str(ref.name), 'name must not be empty'));
    if (!str(ref.uid)) errs.push(invalid(child(field, 'uid'), str(ref.uid), 'uid must not be empty'));
    if (ref.controller === true) {
      const current = `${str(ref.kind)}/${str(ref.name)}`;
      if (firstController) {
        errs.push(
          invalid(
            field,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

function validateFinalizers(finalizers: unknown, field: string): FieldError[] {
  const list = (Array.isArray(finalizers) ? finalizers : []).map(str);
  const errs = list.flatMap((f) => isQualifiedName(f).map((msg) => invalid(field, f, msg)));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalid(field, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/** Options of validateObjectMeta. */
export interface ObjectMetaOptions {
  /** Whether the type is namespaced (namespace required) or cluster-scoped (namespace forbidden). */
  namespaced: boolean;
  /** Validates the name (and generateName as a prefix). */
  nameValidator: NameValidator;
  /** Path of the metadata. Default: `metadata`. */
  field?: string;
}

/** Upstream's ValidateObjectMeta: name/generateName, namespace, generation, labels, annotations, owners, finalizers. */
export function validateObjectMeta(metadata: unknown, options: ObjectMetaOptions): FieldError[] {
  const meta: JsonObject = asObject(metadata) ?? {};
  const field = options.field ?? 'metadata';
  const errs: FieldError[] = [];
  const generateName = str(meta.generateName);
  if (generateName) {
    errs.push(...options.nameValidator(generateName, true).map((m) => invalid(child(field, 'generateName'), generateName, m)));
  }
  const name = str(meta.name);
  if (!name) errs.push(required(child(field, 'name'), 'name or generateName is required'));
  else errs.push(...options.nameValidator(name, false).map((m) => invalid(child(field, 'name'), name, m)));
  const namespace = str(meta.namespace);
  if (options.namespaced) {
    if (!namespace) errs.push(required(child(field, 'namespace')));
    else errs.push(...isDNS1123Label(namespace).map((m) => invalid(child(field, 'namespace'), namespace, m)));
  } else if (namespace) {
    errs.push(forbidden(child(field, 'namespace'), 'not allowed on this type'));
  }
  errs.push(...nonNegative(meta.generation, child(field, 'generation')));
  errs.push(...validateLabels(meta.labels, child(field, 'labels')));
  errs.push(...validateAnnotations(meta.annotations, child(field, 'annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, child(field, 'ownerReferences')));
  errs.push(...validateFinalizers(meta.finalizers, child(field, 'finalizers')));
  return errs;
}

/** Upstream's ValidateObjectMetaUpdate: identity fields are immutable; labels etc. revalidated. */
export function validateObjectMetaUpdate(metadata: unknown, oldMetadata: unknown, field = 'metadata'): FieldError[] {
  const meta: JsonObject = asObject(metadata) ?? {};
  const old: JsonObject = asObject(oldMetadata) ?? {};
  const errs: FieldError[] = [];
  if (old.deletionTimestamp) {
    const before = new Set((Array.isArray(old.finalizers) ? old.finalizers : []).map(str));
    const added = (Array.isArray(meta.finalizers) ? meta.finalizers : []).map(str).filter((f) => !before.has(f));
    if (added.length > 0) {
      errs.push(forbidden(child(field, 'finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`));
    }
  }
  const generation = typeof meta.generation === 'number' ? meta.generation : 0;
  if (typeof old.generation === 'number' && generation < old.generation) {
    errs.push(invalid(child(field, 'generation'), generation, 'must not be decremented'));
  }
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    errs.push(...immutable(meta[key], old[key], child(field, key)));
  }
  errs.push(...validateLabels(meta.labels, child(field, 'labels')));
  errs.push(...validateAnnotations(meta.annotations, child(field, 'annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, child(field, 'ownerReferences')));
  return errs;
}
