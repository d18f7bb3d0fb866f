import { StatusError, badRequest, internalError } from '../../apimachinery/errors.js';
import { cloneJSON, goFormat, isJSONObject, type JSONObject, type JSONValue } from '../../apimachinery/json.js';
import { unprocessablePatch } from './jsonpatch.js';
import {
  definitionSchema,
  fieldSchema,
  patchStrategies,
  resolveSchema,
  type Definitions,
  type JSONSchema,
} from './schema.js';

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';
const setElementOrderPrefix = '$setElementOrder';

/**
 * How upstream's API server answers a strategic merge patch error (interpretStrategicMergePatchError):
 * `BadRequest` → 400, `Unprocessable` → generic 422, `Internal` → 500.
 */
export type StrategicMergePatchErrorCode = 'BadRequest' | 'Unprocessable' | 'Internal';

/** A strategic merge patch that cannot be applied; the message is upstream's. */
export class StrategicMergePatchError extends Error {
  override readonly name = 'StrategicMergePatchError';
  constructor(
    readonly code: StrategicMergePatchErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The Status upstream answers with. */
  toStatusError(): StatusError {
    if (this.code === 'BadRequest') return badRequest(this.message, { cause: this });
    if (this.code === 'Unprocessable') return unprocessablePatch(this);
    return internalError(this.message, this);
  }
}

const errNoListOfLists = () => new StrategicMergePatchError('Unprocessable', 'lists of lists are not supported');
const errBadPrimitiveList = () => new StrategicMergePatchError('BadRequest', 'invalid patch format of primitive list');
const errBadRetainKeys = () => new StrategicMergePatchError('BadRequest', 'invalid patch format of retainKeys');
const errRetainKeysMismatch = () =>
  new StrategicMergePatchError('Unprocessable', "patch content doesn't match retainKeys list");
const errBadSetElementOrder = () =>
  new StrategicMergePatchError('BadRequest', 'invalid patch format of setElementOrder list');
const errNoMergeKey = (m: JSONObject, key: string) =>
  new StrategicMergePatchError('Internal', `map: ${goFormat(m)} does not contain declared merge key: ${key}`);
const errBadPatchType = (t: JSONValue, m: JSONObject) =>
  new StrategicMergePatchError('Internal', `unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);

/** What the schema says about one field: its declared schema (with extensions) and resolved shape. */
interface FieldMeta {
  /** The declared schema of the field, carrying the patch extensions. */
  declared: JSONSchema | undefined;
  /** The field's structural schema (after `$ref`), undefined when unknown. */
  resolved: JSONSchema | undefined;
}

/** Walks the schema alongside the patch; an unknown schema means JSON merge patch semantics. */
class Merger {
  constructor(private readonly definitions: Definitions) {}

  field(parent: JSONSchema | undefined, key: string): FieldMeta {
    const declared = fieldSchema(parent, key);
    return { declared, resolved: resolveSchema(this.definitions, declared) };
  }

  /** The schema of the items of a list field. */
  itemSchema(meta: FieldMeta): JSONSchema | undefined {
    return resolveSchema(this.definitions, meta.resolved?.items ?? meta.declared?.items);
  }

  strategyOf(meta: FieldMeta): { merge: boolean; replace: boolean; mergeKey: string } {
    const strategies = [...patchStrategies(meta.declared), ...patchStrategies(meta.resolved)];
    return {
      merge: strategies.includes('merge'),
      replace: strategies.includes('replace'),
      mergeKey: meta.declared?.['x-kubernetes-patch-merge-key'] ?? meta.resolved?.['x-kubernetes-patch-merge-key'] ?? '',
    };
  }

  /** A patch value for a field absent from the original: directives processed, nulls dropped. */
  materialize(value: JSONValue, meta: FieldMeta): JSONValue {
    if (isJSONObject(value)) return this.mergeMap({}, value, meta.resolved);
    if (Array.isArray(value) && this.strategyOf(meta).merge) return this.mergeList([], value, meta, false);
    return cloneJSON(value);
  }

  mergeMap(original: JSONObject, patchIn: JSONObject, schema: JSONSchema | undefined): JSONObject {
    const patch: JSONObject = { ...patchIn };
    if (Object.hasOwn(patch, directiveMarker)) {
      const directive = patch[directiveMarker];
      delete patch[directiveMarker];
      if (directive === 'replace') return this.mergeMap({}, patch, schema);
      if (directive === 'delete') return {};
      if (directive !== 'merge') throw errBadPatchType(directive, patchIn);
    }

    this.applyRetainKeys(original, patch);
    this.applySetElementOrder(original, patch, schema);

    for (const [patchKey, patchValue] of Object.entries(patch)) {
      let key = patchKey;
      let isDeleteList = false;
      if (patchKey.startsWith(`${deleteFromPrimitiveListPrefix}/`)) {
        key = patchKey.slice(deleteFromPrimitiveListPrefix.length + 1);
        isDeleteList = true;
        if (!Array.isArray(patchValue)) throw errBadPrimitiveList();
      } else if (patchKey.startsWith('$')) {
        if (patchKey.startsWith(deleteFromPrimitiveListPrefix)) throw errBadPrimitiveList();
        if (patchKey.startsWith(setElementOrderPrefix)) throw errBadSetElementOrder();
      }

      if (patchValue === null) {
        delete original[key];
        continue;
      }
      const meta = this.field(schema, key);
      if (!Object.hasOwn(original, key)) {
        if (!isDeleteList) original[key] = this.materialize(patchValue, meta);
        continue;
      }
      const originalValue = original[key];
      if (isJSONObject(originalValue) && isJSONObject(patchValue)) {
        original[key] = this.strategyOf(meta).replace
          ? this.mergeMap({}, patchValue, meta.resolved)
          : this.mergeMap(originalValue, patchValue, meta.resolved);
      } else if (Array.isArray(originalValue) && Array.isArray(patchValue)) {
        original[key] = this.mergeList(originalValue, patchValue, meta, isDeleteList);
      } else if (!isDeleteList) {
        original[key] = this.materialize(patchValue, meta);
      }
    }
    return original;
  }

  applyRetainKeys(original: JSONObject, patch: JSONObject): void {
    if (!Object.hasOwn(patch, retainKeysDirective)) return;
    const retainKeys = patch[retainKeysDirective];
    delete patch[retainKeysDirective];
    if (!Array.isArray(retainKeys)) throw errBadRetainKeys();
    const retained = new Set(retainKeys);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || key.startsWith(deleteFromPrimitiveListPrefix) || key.startsWith(setElementOrderPrefix)) continue;
      if (!retained.has(key)) throw errRetainKeysMismatch();
    }
    for (const key of Object.keys(original)) {
      if (!retained.has(key)) delete original[key];
    }
  }

  applySetElementOrder(original: JSONObject, patch: JSONObject, schema: JSONSchema | undefined): void {
    for (const [patchKey, orderValue] of Object.entries(patch)) {
      if (!patchKey.startsWith(setElementOrderPrefix)) continue;
      delete patch[patchKey];
      if (!patchKey.startsWith(`${setElementOrderPrefix}/`)) throw errBadSetElementOrder();
      if (!Array.isArray(orderValue)) throw errBadSetElementOrder();
      const key = patchKey.slice(setElementOrderPrefix.length + 1);
      const meta = this.field(schema, key);
      const { mergeKey } = this.strategyOf(meta);
      const originalList = original[key];
      const patchList = patch[key];
      if (originalList !== undefined && !Array.isArray(originalList)) throw errBadSetElementOrder();
      if (patchList !== undefined && patchList !== null && !Array.isArray(patchList)) throw errBadSetElementOrder();
      if (Array.isArray(patchList)) validateOrder(patchList, orderValue, mergeKey);

      let merged: JSONValue[];
      if (Array.isArray(originalList) && Array.isArray(patchList)) {
        merged = this.mergeList(originalList, patchList, meta, false);
      } else if (Array.isArray(patchList)) {
        merged = this.mergeList([], patchList, meta, false);
      } else if (Array.isArray(originalList)) {
        merged = originalList;
      } else {
        continue;
      }
      const [patchItems, serverOnly] = partition(merged, orderValue, mergeKey);
      original[key] = normalizeElementOrder(patchItems, serverOnly, orderValue, originalList ?? [], mergeKey);
      delete patch[key];
    }
  }

  mergeList(original: JSONValue[], patchIn: JSONValue[], meta: FieldMeta, isDeleteList: boolean): JSONValue[] {
    const { merge, mergeKey } = this.strategyOf(meta);
    if (!merge && !isDeleteList) return cloneJSON(patchIn);
    if (original.length === 0 && patchIn.length === 0) return original;
    const kind = elementKind(original, patchIn);

    if (kind !== 'map') {
      if (isDeleteList) {
        const toDelete = new Set(patchIn);
        return original.filter((v) => !toDelete.has(v));
      }
      const merged = dedupe([...original, ...patchIn]);
      const [patchItems, serverOnly] = partition(merged, patchIn, '');
      return normalizeElementOrder(patchItems, serverOnly, patchIn, original, '');
    }
    if (!merge) return cloneJSON(patchIn);
    if (!mergeKey) {
      throw new StrategicMergePatchError('Internal', `cannot merge lists without merge key for ${meta.declared?.items?.$ref?.replace('#/definitions/', '') ?? 'list'}`);
    }

    const elementSchema = this.itemSchema(meta);
    let serverList = [...original];
    let patch: JSONObject[] = [];
    let replace = false;
    for (const item of patchIn as JSONObject[]) {
      if (!Object.hasOwn(item, directiveMarker)) {
        patch.push(item);
        continue;
      }
      const directive = item[directiveMarker];
      if (directive === 'delete') {
        if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
        serverList = serverList.filter((v) => !(isJSONObject(v) && v[mergeKey] === item[mergeKey]));
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        throw new StrategicMergePatchError('Internal', 'merging lists cannot yet be specified in the patch');
      } else {
        throw errBadPatchType(directive, item);
      }
    }
    if (replace) {
      serverList = patch.map((item) => this.mergeMap({}, item, elementSchema));
      patch = [];
    }

    const merged = [...serverList];
    for (const item of patch) {
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
      const index = merged.findIndex((v) => isJSONObject(v) && v[mergeKey] === item[mergeKey]);
      if (index >= 0) {
        merged[index] = this.mergeMap({ ...(merged[index] as JSONObject) }, item, elementSchema);
      } else {
        merged.push(this.mergeMap({}, item, elementSchema));
      }
    }
    const [patchItems, serverOnly] = partition(merged, patch, mergeKey);
    return normalizeElementOrder(patchItems, serverOnly, patch, serverList, mergeKey);
  }
}

function elementKind(original: JSONValue[], patch: JSONValue[]): 'map' | 'scalar' {
  let kind: 'map' | 'scalar' | undefined;
  for (const item of [...original, ...patch]) {
    if (Array.isArray(item)) throw errNoListOfLists();
    const itemKind = isJSONObject(item) ? 'map' : 'scalar';
    if (kind && kind !== itemKind) {
      throw new StrategicMergePatchError('Internal', 'list element types are not identical');
    }
    kind = itemKind;
  }
  return kind ?? 'scalar';
}

function dedupe(items: JSONValue[]): JSONValue[] {
  const seen = new Set<JSONValue>();
  return items.filter((item) => {
    if (seen.has(item)) return false;
    seen.add(item);
    return true;
  });
}

/** Index of `item` in `list`, by merge key value for maps, by value for scalars; -1 if absent. */
function indexIn(list: readonly JSONValue[], item: JSONValue, mergeKey: string): number {
  if (!mergeKey) return list.indexOf(item);
  if (!isJSONObject(item)) return -1;
  return list.findIndex((v) => isJSONObject(v) && Object.hasOwn(v, mergeKey) && v[mergeKey] === item[mergeKey]);
}

/** Splits `items` into those present in `by` and the server-only rest. */
function partition(items: JSONValue[], by: readonly JSONValue[], mergeKey: string): [JSONValue[], JSONValue[]] {
  const present: JSONValue[] = [];
  const serverOnly: JSONValue[] = [];
  for (const item of items) {
    if (mergeKey && isJSONObject(item) && !Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    (indexIn(by, item, mergeKey) >= 0 ? present : serverOnly).push(item);
  }
  return [present, serverOnly];
}

function sortByOrder(items: JSONValue[], order: readonly JSONValue[], mergeKey: string): JSONValue[] {
  return items
    .map((item, position) => ({ item, position, index: indexIn(order, item, mergeKey) }))
    .sort((a, b) => a.index - b.index || a.position - b.position)
    .map((entry) => entry.item);
}

/**
 * Orders a merged list as upstream does: patch items in the patch's (or `$setElementOrder`'s) order,
 * with server-only items slotted in by their position in the live list.
 */
function normalizeElementOrder(
  patchItems: JSONValue[],
  serverOnly: JSONValue[],
  patchOrder: readonly JSONValue[],
  serverOrder: readonly JSONValue[],
  mergeKey: string,
): JSONValue[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const out: JSONValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) {
      out.push(right[j++]);
    } else if (j >= right.length) {
      out.push(left[i++]);
    } else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** Checks the patch list's items appear in the same relative order as in `$setElementOrder`. */
function validateOrder(patchList: JSONValue[], order: JSONValue[], mergeKey: string): void {
  const items = patchList.filter((item) => !(isJSONObject(item) && Object.hasOwn(item, directiveMarker)));
  let orderIndex = 0;
  for (const item of items) {
    while (orderIndex < order.length && indexIn([order[orderIndex]], item, mergeKey) !== 0) orderIndex++;
    if (orderIndex >= order.length) {
      throw new StrategicMergePatchError(
        'Internal',
        `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goFormat(order)}\n`,
      );
    }
    orderIndex++;
  }
}

/**
 * Applies a Kubernetes strategic merge patch to `original` (not modified) and returns the result.
 * The schema is an OpenAPI v2 definitions map and `rootDefinition` names the object's definition
 * (e.g. `io.k8s.api.core.v1.Pod`). Maps merge recursively and `null` deletes; lists whose field has
 * patch strategy `merge` merge by `x-kubernetes-patch-merge-key` (primitive lists: union), other lists
 * replace; the directives `$patch` (replace, delete, merge), `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` are honoured. Where the schema
 * is unknown the subtree follows JSON merge patch semantics. Throws `StrategicMergePatchError`.
 */
export function strategicMergePatch(
  original: object,
  patch: object,
  schema: Definitions,
  rootDefinition: string,
): object {
  if (!isJSONObject(patch)) throw new StrategicMergePatchError('BadRequest', 'invalid JSON document');
  const merger = new Merger(schema);
  const start = isJSONObject(original) ? cloneJSON(original) : {};
  return merger.mergeMap(start, patch, definitionSchema(schema, rootDefinition));
}
