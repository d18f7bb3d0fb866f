import type { FieldError } from '../../apimachinery/errors.js';

/** A child path: `child('spec', 'replicas')` is `spec.replicas`; an empty parent gives the name alone. */
export function child(path: string, ...names: string[]): string {
  return names.reduce((p, name) => (p ? `${p}.${name}` : name), path);
}

/** An index or key path: `at('spec.containers', 0)` is `spec.containers[0]`. */
export function at(path: string, index: number | string): string {
  return `${path}[${index}]`;
}

/** Upstream's field.Required. */
export function required(field: string, detail = ''): FieldError {
  return detail ? { type: 'FieldValueRequired', field, detail } : { type: 'FieldValueRequired', field };
}

/** Upstream's field.Invalid. */
export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value: value ?? null, detail };
}

/** Upstream's field.NotSupported. */
export function notSupported(field: string, value: unknown, supported: string[]): FieldError {
  return { type: 'FieldValueNotSupported', field, value: value ?? '', supported };
}

/** Upstream's field.Forbidden. */
export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}

/** Upstream's field.Duplicate. */
export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, value };
}

/** Upstream's field.NotFound. */
export function notFound(field: string, value: unknown): FieldError {
  return { type: 'FieldValueNotFound', field, value };
}

/** Upstream's field.TooLong (`must have at most N bytes`). */
export function tooLong(field: string, max: number, unit = 'bytes'): FieldError {
  return { type: 'FieldValueTooLong', field, detail: `must have at most ${max} ${unit}` };
}

/** Upstream's field.TooMany. */
export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field, value: actual, detail: `must have at most ${max} items` };
}

/** Upstream's ValidateNonnegativeField (absent values pass). */
export function nonNegative(value: unknown, field: string): FieldError[] {
  if (typeof value === 'number' && value < 0) return [invalid(field, value, 'must be greater than or equal to 0')];
  return [];
}

/** Upstream's ValidateImmutableField, comparing JSON values deeply. */
export function immutable(value: unknown, old: unknown, field: string): FieldError[] {
  return deepEqual(value, old) ? [] : [invalid(field, value, 'field is immutable')];
}

/** Deep equality of JSON values; absent (undefined) and null are equal, as Go's zero pointers. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const key of keys) if (!deepEqual(ao[key], bo[key])) return false;
  return true;
}

/** The value as a string, or '' when it is not one (Go's zero string). */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A string map's entries (non-objects give none). */
export function entriesOf(value: unknown): [string, unknown][] {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : [];
}
