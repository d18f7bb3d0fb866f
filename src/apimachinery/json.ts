/** A JSON value as decoded by JSON.parse. */
export type JSONValue = null | boolean | number | string | JSONValue[] | JSONObject;

/** A JSON object. */
export interface JSONObject {
  [key: string]: JSONValue;
}

/** Whether a value is a plain JSON object (not null, not an array). */
export function isJSONObject(value: unknown): value is JSONObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of a JSON value. */
export function cloneJSON<T extends JSONValue>(value: T): T {
  return copyJSONShaped(value);
}

/**
 * A deep copy of a value made of plain objects, arrays and primitives (what JSON.parse gives),
 * as structuredClone makes it but several times faster: plain objects and arrays are copied
 * by a walk; anything else inside (a Date, a Map, a function) goes to structuredClone, so the
 * result, and what throws, are the same. Values with cycles are not supported.
 */
export function copyJSONShaped<T>(value: T): T {
  return copyValue(value) as T;
}

function copyValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return typeof value === 'function' || typeof value === 'symbol' ? structuredClone(value) : value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyValue(value[i]);
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyValue((value as Record<string, unknown>)[key]);
    // JSON.parse makes "__proto__" an own key; plain assignment would set the prototype instead.
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
  }
  return out;
}

/**
 * Structural equality of two JSON values (object key order is ignored, array order is not).
 * A key holding `undefined` counts as absent, as it does once serialised.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJSONObject(a)) {
    if (!isJSONObject(b)) return false;
    const aKeys = Object.keys(a).filter((k) => a[k] !== undefined);
    const bKeys = Object.keys(b).filter((k) => b[k] !== undefined);
    if (aKeys.length !== bKeys.length) return false;
    return aKeys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Go's `%v` rendering of a decoded JSON value, as upstream error messages print maps. */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (isJSONObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(value[k])}`).join(' ')}]`;
  }
  return String(value);
}
