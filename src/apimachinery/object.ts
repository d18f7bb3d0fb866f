import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { copyJSON, isJSONObject, jsonEqual } from './json.js';

/** A type with its readonly markers removed (the server sets the system fields). */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Object metadata as the server writes it. */
export type Meta = Mutable<ObjectMeta>;

/** Any API object as it travels through the server: typed metadata, the rest open. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Meta;
  [field: string]: unknown;
}

/** A plain JSON object. */
export type JSONObject = Record<string, unknown>;

/** True for a non-null, non-array object. */
export function isObject(v: unknown): v is JSONObject {
  return isJSONObject(v);
}

export { jsonEqual };

/** A deep copy of a JSON value. */
export function cloneJSON<T>(v: T): T {
  return copyJSON(v);
}

/** A timestamp as upstream serialises metav1.Time: RFC 3339 in UTC with second precision. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
