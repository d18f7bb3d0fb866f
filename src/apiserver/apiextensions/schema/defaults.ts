import type { JSONSchemaProps } from './types.js';
import { additionalSchema, isObject, itemsSchema } from './types.js';

function clone<T>(v: T): T {
  return structuredClone(v);
}

function defaultValue(v: unknown, s: JSONSchemaProps): void {
  if (Array.isArray(v)) {
    const items = itemsSchema(s);
    if (!items) return;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === null && !items.nullable && items.default !== undefined) v[i] = clone(items.default);
      defaultValue(v[i], items);
    }
    return;
  }
  if (!isObject(v)) return;
  for (const [k, ps] of Object.entries(s.properties ?? {})) {
    const present = k in v;
    if ((!present || (v[k] === null && !ps.nullable)) && ps.default !== undefined) v[k] = clone(ps.default);
    if (k in v) defaultValue(v[k], ps);
  }
  const add = additionalSchema(s);
  if (add) {
    for (const k of Object.keys(v)) {
      if (s.properties?.[k]) continue;
      if (v[k] === null && !add.nullable && add.default !== undefined) v[k] = clone(add.default);
      defaultValue(v[k], add);
    }
  }
}

/**
 * Applies the schema's defaults to `obj` in place, as upstream's structural defaulting: a missing
 * property (or a null one that is not nullable) gets its default, deeply, into the defaults
 * themselves and into list items and map values; fields the schema does not specify (under
 * `x-kubernetes-preserve-unknown-fields`) are never defaulted. Upstream applies this when an
 * object is decoded from a request and when it is read from storage.
 */
export function applySchemaDefaults(schema: JSONSchemaProps, obj: unknown): void {
  defaultValue(obj, schema);
}
