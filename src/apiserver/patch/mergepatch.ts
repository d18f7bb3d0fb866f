import { StatusError } from '../../apimachinery/errors.js';
import { cloneJSON, isJSONObject, type JSONObject, type JSONValue } from '../../apimachinery/json.js';

/** Thrown when a merge patch is not a JSON object (upstream's jsonpatch.ErrBadJSONPatch, answered 400). */
export class MergePatchError extends Error {
  override readonly name = 'MergePatchError';
  readonly code = 'InvalidPatch';
  constructor(message = 'Invalid JSON Patch') {
    super(message);
  }

  /** The 400 BadRequest upstream answers with. */
  toStatusError(): StatusError {
    return new StatusError(400, 'BadRequest', this.message);
  }
}

function mergeValue(target: JSONValue | undefined, patch: JSONValue): JSONValue {
  if (!isJSONObject(patch)) return cloneJSON(patch);
  const result: JSONObject = isJSONObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = mergeValue(result[key], value);
    }
  }
  return result;
}

/**
 * Applies an RFC 7386 JSON merge patch and returns the patched copy (the input is not modified):
 * objects merge recursively, `null` deletes a key, anything else (arrays included) replaces.
 * As upstream's API server, the patch of an object must itself be an object.
 */
export function applyMergePatch(document: JSONValue | object, patch: unknown): JSONValue {
  if (!isJSONObject(patch)) throw new MergePatchError();
  return mergeValue(cloneJSON(document as JSONValue), patch);
}
