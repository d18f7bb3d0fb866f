/**
 * Validation of the access and identity reviews, as upstream's pkg/apis/authorization/validation:
 * exactly one of resourceAttributes and nonResourceAttributes, a subject on SubjectAccessReview,
 * empty metadata (a LocalSubjectAccessReview keeps its namespace, which its resource attributes
 * must name). Bodies whose fields have the wrong JSON types are refused first, as upstream's
 * decoder refuses them (400).
 */
import { badRequest, type FieldError } from '../../apimachinery/errors.js';
import { isObject, type JSONObject } from '../../apimachinery/object.js';
import { invalid } from '../validation/field.js';

/** The kinds of review Skiff serves. */
export type ReviewKind = 'SubjectAccessReview' | 'SelfSubjectAccessReview' | 'LocalSubjectAccessReview' | 'SelfSubjectRulesReview' | 'SelfSubjectReview';

type FieldType = 'string' | 'boolean' | 'object' | 'string[]' | 'map[string][]string';

/** The typed fields of each review's body: JSON path → Go struct holding it and the field's type. */
const accessReviewFields: Record<string, [string, FieldType, string?]> = {
  spec: ['', 'object', 'SubjectAccessReviewSpec'],
  'spec.resourceAttributes': ['SubjectAccessReviewSpec', 'object', 'ResourceAttributes'],
  'spec.resourceAttributes.namespace': ['ResourceAttributes', 'string'],
  'spec.resourceAttributes.verb': ['ResourceAttributes', 'string'],
  'spec.resourceAttributes.group': ['ResourceAttributes', 'string'],
  'spec.resourceAttributes.version': ['ResourceAttributes', 'string'],
  'spec.resourceAttributes.resource': ['ResourceAttributes', 'string'],
  'spec.resourceAttributes.subresource': ['ResourceAttributes', 'string'],
  'spec.resourceAttributes.name': ['ResourceAttributes', 'string'],
  'spec.nonResourceAttributes': ['SubjectAccessReviewSpec', 'object', 'NonResourceAttributes'],
  'spec.nonResourceAttributes.path': ['NonResourceAttributes', 'string'],
  'spec.nonResourceAttributes.verb': ['NonResourceAttributes', 'string'],
};

const subjectFields: Record<string, [string, FieldType, string?]> = {
  'spec.user': ['SubjectAccessReviewSpec', 'string'],
  'spec.uid': ['SubjectAccessReviewSpec', 'string'],
  'spec.groups': ['SubjectAccessReviewSpec', 'string[]'],
  'spec.extra': ['SubjectAccessReviewSpec', 'map[string][]string'],
};

const fieldsByKind: Record<ReviewKind, Record<string, [string, FieldType, string?]>> = {
  SubjectAccessReview: { ...accessReviewFields, ...subjectFields },
  LocalSubjectAccessReview: { ...accessReviewFields, ...subjectFields },
  SelfSubjectAccessReview: Object.fromEntries(Object.entries(accessReviewFields).map(([path, [owner, type, struct]]) => [path, [owner.replace('SubjectAccessReviewSpec', 'SelfSubjectAccessReviewSpec'), type, path === 'spec' ? 'SelfSubjectAccessReviewSpec' : struct]])),
  SelfSubjectRulesReview: { spec: ['', 'object', 'SelfSubjectRulesReviewSpec'], 'spec.namespace': ['SelfSubjectRulesReviewSpec', 'string'] },
  SelfSubjectReview: {},
};

function jsonTypeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isObject(value);
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'map[string][]string':
      return isObject(value) && Object.values(value).every((v) => v === null || (Array.isArray(v) && v.every((s) => typeof s === 'string')));
  }
}

function valueAt(body: JSONObject, path: string): unknown {
  let value: unknown = body;
  for (const name of path.split('.')) {
    if (!isObject(value)) return undefined;
    value = value[name];
  }
  return value;
}

/**
 * Refuses a body whose fields have JSON types the review's Go types cannot take, with
 * upstream's decoder message (400): `SelfSubjectAccessReview in version "v1" cannot be handled
 * as a SelfSubjectAccessReview: json: cannot unmarshal number into Go struct field ...`.
 * JSON null is accepted anywhere, as Go's decoder accepts it.
 */
export function checkReviewShape(kind: ReviewKind, body: JSONObject): void {
  const fail = (detail: string) => {
    throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${detail}`);
  };
  if (body.metadata !== undefined && body.metadata !== null && !isObject(body.metadata)) {
    fail(`json: cannot unmarshal ${jsonTypeOf(body.metadata)} into Go struct field ${kind}.metadata of type v1.ObjectMeta`);
  }
  for (const [path, [owner, type, struct]] of Object.entries(fieldsByKind[kind])) {
    const value = valueAt(body, path);
    if (value === undefined || value === null || hasType(value, type)) continue;
    const goType = struct ? `v1.${struct}` : type === 'map[string][]string' ? 'v1.ExtraValue' : type === 'string[]' ? 'string' : type;
    fail(`json: cannot unmarshal ${jsonTypeOf(value)} into Go struct field ${owner || kind}.${path} of type ${goType}`);
  }
}

/** Upstream prints a nil pointer as "null". */
const orNull = (value: unknown): unknown => value ?? 'null';

function validateAttributes(spec: JSONObject): FieldError[] {
  const errors: FieldError[] = [];
  const resource = spec.resourceAttributes ?? undefined;
  const nonResource = spec.nonResourceAttributes ?? undefined;
  if (resource !== undefined && nonResource !== undefined) {
    errors.push(invalid('spec.nonResourceAttributes', nonResource, 'cannot be specified in combination with resourceAttributes'));
  }
  if (resource === undefined && nonResource === undefined) {
    errors.push(invalid('spec.resourceAttributes', orNull(nonResource), 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  }
  return errors;
}

function validateSubject(spec: JSONObject): FieldError[] {
  const user = typeof spec.user === 'string' ? spec.user : '';
  const groups = Array.isArray(spec.groups) ? spec.groups : [];
  return user === '' && groups.length === 0 ? [invalid('spec.user', user, 'at least one of user or group must be specified')] : [];
}

/** The metadata a review may carry: none (managedFields aside), or only a namespace for a LocalSubjectAccessReview. */
function validateMetadata(metadata: unknown, allowNamespace: boolean): FieldError[] {
  if (!isObject(metadata)) return [];
  const rest = Object.entries(metadata).filter(([key, value]) => {
    if (key === 'managedFields' || (allowNamespace && key === 'namespace')) return false;
    // Zero values are what upstream's typed ObjectMeta holds when a field is absent.
    return !(value === null || value === '' || value === 0 || (Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0));
  });
  if (rest.length === 0) return [];
  return [invalid('metadata', metadata, allowNamespace ? 'must be empty except for namespace' : 'must be empty')];
}

/**
 * The field errors of a review body (upstream answers them with 422), after
 * {@link checkReviewShape}. A LocalSubjectAccessReview's `metadata.namespace` must already be the
 * request's namespace. SelfSubjectRulesReview and SelfSubjectReview have nothing to validate.
 */
export function validateReview(kind: ReviewKind, body: JSONObject): FieldError[] {
  const spec = isObject(body.spec) ? body.spec : {};
  switch (kind) {
    case 'SelfSubjectAccessReview':
      return [...validateAttributes(spec), ...validateMetadata(body.metadata, false)];
    case 'SubjectAccessReview':
      return [...validateAttributes(spec), ...validateSubject(spec), ...validateMetadata(body.metadata, false)];
    case 'LocalSubjectAccessReview': {
      const errors = [...validateAttributes(spec), ...validateSubject(spec), ...validateMetadata(body.metadata, true)];
      const namespace = isObject(body.metadata) && typeof body.metadata.namespace === 'string' ? body.metadata.namespace : '';
      if (isObject(spec.resourceAttributes)) {
        const asked = typeof spec.resourceAttributes.namespace === 'string' ? spec.resourceAttributes.namespace : '';
        if (asked !== namespace) errors.push(invalid('spec.resourceAttributes.namespace', asked, 'must match metadata.namespace'));
      }
      if (isObject(spec.nonResourceAttributes)) {
        errors.push(invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
      }
      return errors;
    }
    case 'SelfSubjectRulesReview':
    case 'SelfSubjectReview':
      return [];
  }
}
