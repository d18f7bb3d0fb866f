import { deepEqual, tooLong } from '../../validation/field.js';
import { matchesFormat } from './formats.js';
import type { FieldCause, JSONSchemaProps } from './types.js';
import { additionalSchema, isObject, itemsSchema } from './types.js';

/** The JSON type of a value as kube-openapi names it in messages. */
function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  return 'object';
}

/** A Go `%v` of a number as kube-openapi prints limits (1, 1.5, 1e+06). */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = String(n);
  return s.replace(/e\+?(-?)(\d)$/, (_m, sign: string, d: string) => `e${sign || '+'}0${d}`);
}

interface Walk {
  /** Where causes go. */
  errs: FieldCause[];
  /** Prefix of every cause's field (the `path` argument). */
  base: string;
}

/** The cause's field: the base joined with the kube-openapi name. */
function fieldOf(w: Walk, name: string): string {
  if (!name) return w.base;
  return w.base ? `${w.base}.${name}` : name;
}

function typeInvalid(w: Walk, name: string, value: unknown, typeName: string, data: unknown): void {
  const msg = typeof data === 'string'
    ? `${name} in body must be of type ${typeName}: ${JSON.stringify(data)}`
    : `${name} in body must be of type ${typeName}`;
  w.errs.push({ type: 'FieldValueTypeInvalid', field: fieldOf(w, name), value, detail: msg });
}

function invalid(w: Walk, name: string, value: unknown, detail: string): void {
  w.errs.push({ type: 'FieldValueInvalid', field: fieldOf(w, name), value: value ?? '', detail });
}

function typeMatches(s: JSONSchemaProps, v: unknown): boolean {
  if (s['x-kubernetes-int-or-string']) return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  switch (s.type) {
    case undefined:
    case '':
      return true;
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

/** Validates one value against one schema node; `name` is kube-openapi's path of the value. */
function validateValue(w: Walk, s: JSONSchemaProps, v: unknown, name: string): void {
  if (v === null) {
    if (s.nullable || (!s.type && !s['x-kubernetes-int-or-string'])) return;
    const t = s['x-kubernetes-int-or-string'] ? 'integer,string' : s.type ?? '';
    typeInvalid(w, name, 'null', t, 'null');
    return;
  }
  if (!typeMatches(s, v)) {
    const t = s['x-kubernetes-int-or-string'] ? 'integer,string' : s.type ?? '';
    typeInvalid(w, name, jsonType(v), t, jsonType(v));
    return;
  }
  if (typeof v === 'string' && s.format && !matchesFormat(s.format, v)) {
    typeInvalid(w, name, v, s.format, v);
  }
  if (s.enum && !s.enum.some((e) => deepEqual(e, v))) {
    w.errs.push({
      type: 'FieldValueNotSupported',
      field: fieldOf(w, name),
      value: v,
      supported: s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))),
    });
  }
  if (typeof v === 'string') validateString(w, s, v, name);
  if (typeof v === 'number') validateNumber(w, s, v, name);
  if (Array.isArray(v)) validateArray(w, s, v, name);
  if (isObject(v)) validateObject(w, s, v, name);
  validateJunctors(w, s, v, name);
}

function validateString(w: Walk, s: JSONSchemaProps, v: string, name: string): void {
  const length = [...v].length;
  if (s.maxLength !== undefined && length > s.maxLength) {
    w.errs.push(tooLong(fieldOf(w, name), s.maxLength));
  }
  if (s.minLength !== undefined && length < s.minLength) {
    invalid(w, name, v, `${name} in body should be at least ${s.minLength} chars long`);
  }
  if (s.pattern) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(s.pattern, 'u');
    } catch {
      re = undefined; // an invalid pattern is refused when the CRD is written
    }
    if (re && !re.test(v)) invalid(w, name, v, `${name} in body should match '${s.pattern}'`);
  }
}

function validateNumber(w: Walk, s: JSONSchemaProps, v: number, name: string): void {
  if (s.multipleOf !== undefined && s.multipleOf > 0) {
    const q = v / s.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) invalid(w, name, v, `${name} in body should be a multiple of ${goNumber(s.multipleOf)}`);
  }
  if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
    const words = s.exclusiveMaximum ? 'should be less than' : 'should be less than or equal to';
    invalid(w, name, v, `${name} in body ${words} ${goNumber(s.maximum)}`);
  }
  if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
    const words = s.exclusiveMinimum ? 'should be greater than' : 'should be greater than or equal to';
    invalid(w, name, v, `${name} in body ${words} ${goNumber(s.minimum)}`);
  }
}

function validateArray(w: Walk, s: JSONSchemaProps, v: unknown[], name: string): void {
  const items = itemsSchema(s);
  if (items) v.forEach((item, i) => validateValue(w, items, item, `${name}[${i}]`));
  if (s.minItems !== undefined && v.length < s.minItems) {
    invalid(w, name, v.length, `${name} in body should have at least ${s.minItems} items`);
  }
  if (s.maxItems !== undefined && v.length > s.maxItems) {
    w.errs.push({ type: 'FieldValueTooMany', field: fieldOf(w, name), value: v.length, detail: `must have at most ${s.maxItems} items` });
  }
  if (s.uniqueItems && v.some((a, i) => v.slice(0, i).some((b) => deepEqual(a, b)))) {
    invalid(w, name, '', `${name} in body shouldn't contain duplicates`);
  }
  validateListType(w, s, v, name);
}

/** Upstream's list-type validation: no duplicate items in a set, no duplicate keys in a map. */
function validateListType(w: Walk, s: JSONSchemaProps, v: unknown[], name: string): void {
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    v.forEach((item, i) => {
      if (v.slice(0, i).some((prev) => deepEqual(prev, item))) {
        w.errs.push({ type: 'FieldValueDuplicate', field: fieldOf(w, `${name}[${i}]`), value: item });
      }
    });
  } else if (listType === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const itemSchema = itemsSchema(s);
    const seen: Record<string, unknown>[] = [];
    v.forEach((item, i) => {
      if (!isObject(item)) return;
      const k: Record<string, unknown> = {};
      for (const key of keys) {
        const value = item[key] ?? itemSchema?.properties?.[key]?.default;
        if (value !== undefined) k[key] = value;
      }
      if (seen.some((prev) => deepEqual(prev, k))) {
        w.errs.push({ type: 'FieldValueDuplicate', field: fieldOf(w, `${name}[${i}]`), value: k });
      } else seen.push(k);
    });
  }
}

function validateObject(w: Walk, s: JSONSchemaProps, v: Record<string, unknown>, name: string): void {
  const child = (k: string): string => (name ? `${name}.${k}` : k);
  for (const r of s.required ?? []) {
    if (!(r in v)) w.errs.push({ type: 'FieldValueRequired', field: fieldOf(w, child(r)) });
  }
  const count = Object.keys(v).length;
  if (s.minProperties !== undefined && count < s.minProperties) {
    invalid(w, name, count, `${name} in body should have at least ${s.minProperties} properties`);
  }
  if (s.maxProperties !== undefined && count > s.maxProperties) {
    w.errs.push({ type: 'FieldValueTooMany', field: fieldOf(w, name), value: count, detail: `must have at most ${s.maxProperties} items` });
  }
  const add = additionalSchema(s);
  for (const [k, value] of Object.entries(v)) {
    const ps = s.properties?.[k];
    if (ps) validateValue(w, ps, value, child(k));
    else if (add) validateValue(w, add, value, child(k));
  }
  if (s['x-kubernetes-embedded-resource']) validateEmbedded(w, v, name);
}

/** An embedded resource must say what it is: apiVersion and kind, and metadata must be an object. */
function validateEmbedded(w: Walk, v: Record<string, unknown>, name: string): void {
  const child = (k: string): string => (name ? `${name}.${k}` : k);
  if (typeof v.apiVersion !== 'string' || !v.apiVersion) {
    w.errs.push({ type: 'FieldValueRequired', field: fieldOf(w, child('apiVersion')), detail: 'must not be empty' });
  }
  if (typeof v.kind !== 'string' || !v.kind) {
    w.errs.push({ type: 'FieldValueRequired', field: fieldOf(w, child('kind')), detail: 'must not be empty' });
  }
  if (v.metadata !== undefined && v.metadata !== null && !isObject(v.metadata)) {
    invalid(w, child('metadata'), v.metadata, 'must be an object');
  }
}

/** allOf, anyOf, oneOf and not, with kube-openapi's words. */
function validateJunctors(w: Walk, s: JSONSchemaProps, v: unknown, name: string): void {
  for (const sub of s.allOf ?? []) validateValue(w, sub, v, name);
  const tryOne = (sub: JSONSchemaProps): FieldCause[] => {
    const inner: Walk = { errs: [], base: w.base };
    validateValue(inner, sub, v, name);
    return inner.errs;
  };
  if (s.anyOf?.length && !(s['x-kubernetes-int-or-string'] && isIntOrStringPattern(s.anyOf))) {
    const results = s.anyOf.map(tryOne);
    if (!results.some((r) => r.length === 0)) {
      invalid(w, name, '', `"${name}" must validate at least one schema (anyOf)`);
      w.errs.push(...results[0]);
    }
  }
  if (s.oneOf?.length) {
    const results = s.oneOf.map(tryOne);
    const passing = results.filter((r) => r.length === 0).length;
    if (passing !== 1) {
      invalid(w, name, '', `"${name}" must validate one and only one schema (oneOf)`);
      if (passing === 0) w.errs.push(...results[0]);
    }
  }
  if (s.not && tryOne(s.not).length === 0) {
    invalid(w, name, '', `"${name}" must not validate the schema (not)`);
  }
}

function isIntOrStringPattern(anyOf: JSONSchemaProps[]): boolean {
  return anyOf.length === 2 && anyOf[0].type === 'integer' && anyOf[1].type === 'string';
}

/**
 * Validates a custom object (or any value) against a structural schema as upstream's
 * apiextensions validation does: types, formats, enums, bounds, lengths, patterns, item and
 * property counts, required fields, nullable, int-or-string, embedded resources, and list types
 * (duplicates in sets and maps). One cause per problem, worded as upstream (kube-openapi's
 * `spec.replicas in body must be of type integer: "string"`, `Unsupported value`, `Required
 * value`, `Duplicate value`...). `path` prefixes every cause's field ('' for an object at the
 * root of a request). CEL rules are evaluated by {@link CelRules}, not here.
 */
export function validateCustomObject(schema: JSONSchemaProps, obj: unknown, path = ''): FieldCause[] {
  const w: Walk = { errs: [], base: path };
  validateValue(w, schema, obj, '');
  return w.errs;
}
