/** A plain JSON object as decoded from a request body. */
export type JsonObject = Record<string, unknown>;

/** The value as a JSON object, or undefined when it is not one (arrays and null are not). */
export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** The value as an array of JSON objects (non-objects skipped), or [] when it is not an array. */
export function objectsIn(value: unknown): JsonObject[] {
  if (!Array.isArray(value)) return [];
  return value.map(asObject).filter((v): v is JsonObject => v !== undefined);
}

/** Sets `key` to `value` when it is absent (undefined or null), as upstream's pointer defaulting. */
export function setDefault(target: JsonObject, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

/** The object at `key`, created empty when absent. */
export function child(target: JsonObject, key: string): JsonObject {
  const existing = asObject(target[key]);
  if (existing) return existing;
  const created: JsonObject = {};
  target[key] = created;
  return created;
}
