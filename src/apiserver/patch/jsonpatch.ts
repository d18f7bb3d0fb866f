import { StatusError } from '../../apimachinery/errors.js';
import { cloneJSON, isJSONObject, jsonEqual, type JSONObject, type JSONValue } from '../../apimachinery/json.js';

/** One RFC 6902 operation. */
export type JSONPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: JSONValue }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/**
 * Why a JSON patch failed:
 * - `InvalidPatch`: the body is not a list of operation objects (upstream: 400 BadRequest);
 * - `TooManyOperations`: more operations than allowed (413);
 * - `InvalidOperation`: an operation lacks a field or names an unknown op (422);
 * - `MissingPath`: a path or `from` does not exist (422);
 * - `InvalidIndex`: an array index is malformed or out of range (422);
 * - `TestFailed`: a `test` operation did not match (422).
 */
export type JSONPatchErrorCode =
  | 'InvalidPatch'
  | 'TooManyOperations'
  | 'InvalidOperation'
  | 'MissingPath'
  | 'InvalidIndex'
  | 'TestFailed';

/** A JSON patch failure with a stable code; `toStatusError()` gives the answer upstream sends. */
export class JSONPatchError extends Error {
  override readonly name = 'JSONPatchError';
  constructor(
    readonly code: JSONPatchErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The HTTP status upstream answers with: 400 for a malformed body, 413 for too many operations, else 422. */
  get httpStatus(): 400 | 413 | 422 {
    if (this.code === 'InvalidPatch') return 400;
    if (this.code === 'TooManyOperations') return 413;
    return 422;
  }

  /**
   * The Status upstream sends. A patch that does not apply is answered by upstream with a generic 422
   * (`errors.NewGenericServerResponse`), whose message hides the detail kept in this error's message.
   */
  toStatusError(): StatusError {
    if (this.code === 'InvalidPatch') return new StatusError(400, 'BadRequest', this.message);
    if (this.code === 'TooManyOperations') return new StatusError(413, 'RequestEntityTooLarge', this.message);
    return unprocessablePatch(this);
  }
}

/**
 * The generic 422 upstream answers a patch that does not apply with (`errors.NewGenericServerResponse`):
 * its message hides the detail, which is kept as the cause for the log.
 */
export function unprocessablePatch(cause: Error): StatusError {
  return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {}, { cause });
}

/** Options of `applyJSONPatch`. */
export interface JSONPatchOptions {
  /** Most operations accepted in one patch (upstream's maxJSONPatchOperations). Default 10000. */
  maxOperations?: number;
}

/** Decodes the reference tokens of a JSON pointer (RFC 6901): `~1` is `/`, `~0` is `~`. */
export function parseJSONPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new JSONPatchError('MissingPath', `invalid JSON pointer: "${pointer}"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Encodes one reference token for a JSON pointer. */
export function escapeJSONPointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function checkOperations(patch: unknown, maxOperations: number): JSONPatchOperation[] {
  if (!Array.isArray(patch)) {
    const got = isJSONObject(patch) ? 'object' : patch === null ? 'null' : typeof patch;
    throw new JSONPatchError('InvalidPatch', `json: cannot unmarshal ${got} into Go value of type jsonpatch.Patch`);
  }
  if (patch.length > maxOperations) {
    throw new JSONPatchError(
      'TooManyOperations',
      `The allowed maximum operations in a JSON patch is ${maxOperations}, got ${patch.length}`,
    );
  }
  return patch.map((op) => {
    if (!isJSONObject(op)) {
      throw new JSONPatchError('InvalidPatch', 'json: cannot unmarshal array into Go value of type jsonpatch.Operation');
    }
    const kind = op.op;
    if (kind !== 'add' && kind !== 'remove' && kind !== 'replace' && kind !== 'move' && kind !== 'copy' && kind !== 'test') {
      throw new JSONPatchError('InvalidOperation', `Unexpected kind: ${typeof kind === 'string' ? kind : 'unknown'}`);
    }
    if (typeof op.path !== 'string') {
      throw new JSONPatchError('InvalidOperation', `${kind} operation failed to decode path: operation missing path field: missing value`);
    }
    if (kind === 'move' || kind === 'copy') {
      if (typeof op.from !== 'string') {
        throw new JSONPatchError('InvalidOperation', `${kind} operation failed to decode from: operation, missing from field: missing value`);
      }
      return { op: kind, from: op.from, path: op.path };
    }
    if (kind === 'remove') return { op: kind, path: op.path };
    if (!Object.hasOwn(op, 'value')) {
      throw new JSONPatchError('InvalidOperation', `${kind} operation does not apply: missing value field: missing value`);
    }
    return { op: kind, path: op.path, value: op.value };
  });
}

/** The container that holds the last token of a path, or undefined when a parent is missing. */
function findParent(doc: JSONValue, tokens: string[]): JSONValue | undefined {
  let current: JSONValue = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) {
      const index = arrayIndex(token, current.length - 1);
      if (index === undefined) return undefined;
      current = current[index];
    } else if (isJSONObject(current)) {
      if (!Object.hasOwn(current, token)) return undefined;
      current = current[token];
    } else {
      return undefined;
    }
  }
  return current;
}

/** A valid array index not beyond `max`, or undefined. */
function arrayIndex(token: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const index = Number(token);
  return index <= max ? index : undefined;
}

function getValue(doc: JSONValue, pointer: string): JSONValue | undefined {
  const tokens = parseJSONPointer(pointer);
  if (tokens.length === 0) return doc;
  const parent = findParent(doc, tokens);
  const key = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = arrayIndex(key, parent.length - 1);
    return index === undefined ? undefined : parent[index];
  }
  if (isJSONObject(parent) && Object.hasOwn(parent, key)) return parent[key];
  return undefined;
}

/** Adds `value` at `pointer`, returning the new document (the root may be replaced). */
function addValue(doc: JSONValue, pointer: string, value: JSONValue, opName: string): JSONValue {
  const tokens = parseJSONPointer(pointer);
  if (tokens.length === 0) return value;
  const parent = findParent(doc, tokens);
  const key = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    if (key === '-') {
      parent.push(value);
      return doc;
    }
    const index = arrayIndex(key, parent.length);
    if (index === undefined) {
      throw new JSONPatchError(
        'InvalidIndex',
        `error in ${opName} for path: '${pointer}': Unable to access invalid index: ${key}: invalid index referenced`,
      );
    }
    parent.splice(index, 0, value);
    return doc;
  }
  if (isJSONObject(parent)) {
    parent[key] = value;
    return doc;
  }
  throw new JSONPatchError('MissingPath', `${opName} operation does not apply: doc is missing path: "${pointer}": missing value`);
}

/** Removes the value at `pointer`, returning it. */
function removeValue(doc: JSONValue, pointer: string, opName: string): JSONValue {
  const tokens = parseJSONPointer(pointer);
  if (tokens.length === 0) {
    throw new JSONPatchError('MissingPath', `${opName} operation does not apply: doc is missing path: "${pointer}": missing value`);
  }
  const parent = findParent(doc, tokens);
  const key = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    const index = arrayIndex(key, parent.length - 1);
    if (index === undefined) {
      throw new JSONPatchError(
        'InvalidIndex',
        `error in ${opName} for path: '${pointer}': Unable to access invalid index: ${key}: invalid index referenced`,
      );
    }
    return parent.splice(index, 1)[0];
  }
  if (isJSONObject(parent)) {
    if (!Object.hasOwn(parent, key)) {
      throw new JSONPatchError(
        'MissingPath',
        `error in ${opName} for path: '${pointer}': Unable to remove nonexistent key: ${key}: missing value`,
      );
    }
    const removed = parent[key];
    delete parent[key];
    return removed;
  }
  throw new JSONPatchError('MissingPath', `${opName} operation does not apply: doc is missing path: "${pointer}": missing value`);
}

/**
 * Applies an RFC 6902 JSON patch to a document and returns the patched copy (the input is not
 * modified). The patch is checked first: a body that is not a list of operation objects fails
 * with `InvalidPatch`; operations apply in order and the first failure throws a `JSONPatchError`.
 */
export function applyJSONPatch(document: JSONValue | object, patch: unknown, options: JSONPatchOptions = {}): JSONValue {
  const operations = checkOperations(patch, options.maxOperations ?? 10000);
  let doc: JSONValue = cloneJSON(document as JSONValue);
  for (const op of operations) {
    switch (op.op) {
      case 'add':
        doc = addValue(doc, op.path, cloneJSON(op.value), 'add');
        break;
      case 'remove':
        removeValue(doc, op.path, 'remove');
        break;
      case 'replace': {
        if (getValue(doc, op.path) === undefined) {
          throw new JSONPatchError('MissingPath', `replace operation does not apply: doc is missing key: ${op.path}: missing value`);
        }
        const tokens = parseJSONPointer(op.path);
        if (tokens.length === 0) {
          doc = cloneJSON(op.value);
        } else {
          const parent = findParent(doc, tokens) as JSONObject | JSONValue[];
          const key = tokens[tokens.length - 1];
          if (Array.isArray(parent)) parent[Number(key)] = cloneJSON(op.value);
          else parent[key] = cloneJSON(op.value);
        }
        break;
      }
      case 'move': {
        if (op.path === op.from) break;
        if (op.path.startsWith(`${op.from}/`)) {
          throw new JSONPatchError('MissingPath', `move operation does not apply: cannot move ${op.from} into its own child ${op.path}`);
        }
        if (getValue(doc, op.from) === undefined) {
          throw new JSONPatchError('MissingPath', `move operation does not apply: doc is missing from path: ${op.from}: missing value`);
        }
        const value = removeValue(doc, op.from, 'move');
        doc = addValue(doc, op.path, value, 'move');
        break;
      }
      case 'copy': {
        const value = getValue(doc, op.from);
        if (value === undefined) {
          throw new JSONPatchError('MissingPath', `copy operation does not apply: doc is missing from path: ${op.from}: missing value`);
        }
        doc = addValue(doc, op.path, cloneJSON(value), 'copy');
        break;
      }
      case 'test': {
        const value = getValue(doc, op.path);
        if (value === undefined) {
          throw new JSONPatchError('MissingPath', `test operation does not apply: is missing path: ${op.path}: missing value`);
        }
        if (!jsonEqual(value, op.value)) {
          throw new JSONPatchError('TestFailed', `testing value ${op.path} failed: test failed`);
        }
        break;
      }
    }
  }
  return doc;
}
