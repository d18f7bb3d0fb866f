import { isJSONObject, jsonEqual, type JSONObject, type JSONValue } from '../../apimachinery/json.js';
import { definitionSchema, fieldSchema, patchStrategies, resolveSchema, type Definitions, type JSONSchema } from './schema.js';

/**
 * One step of a field path in upstream's fieldsV1 spelling: `f:<field>`, `k:<json of key fields>`
 * (list item by its keys), `v:<json value>` (set item), `i:<index>`.
 */
export type PathElement = string;

/** A field path: the steps from the object's root. */
export type FieldPath = readonly PathElement[];

/** A set of field paths (upstream's fieldpath.Set). Paths are members; their prefixes need not be. */
export class FieldSet {
  private readonly members = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.insert(p);
  }

  /** Adds a path. */
  insert(path: FieldPath): void {
    this.members.set(JSON.stringify(path), path);
  }

  /** Removes a path. */
  delete(path: FieldPath): void {
    this.members.delete(JSON.stringify(path));
  }

  /** Whether the path is a member. */
  has(path: FieldPath): boolean {
    return this.members.has(JSON.stringify(path));
  }

  get size(): number {
    return this.members.size;
  }

  /** The member paths. */
  paths(): FieldPath[] {
    return [...this.members.values()];
  }

  union(other: FieldSet): FieldSet {
    return new FieldSet([...this.paths(), ...other.paths()]);
  }

  difference(other: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => !other.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet(this.paths().filter((p) => other.has(p)));
  }

  /** Whether some member extends `path` (so `path` is not a leaf of this set). */
  hasDescendant(path: FieldPath): boolean {
    return this.paths().some((p) => p.length > path.length && path.every((e, i) => p[i] === e));
  }

  /** Upstream's FieldsV1 JSON: nested objects keyed by path element, `.` marking a member with children. */
  toFieldsV1(): JSONObject {
    const root: JSONObject = {};
    for (const path of this.paths()) {
      let node = root;
      for (const element of path) {
        const next = node[element];
        node = isJSONObject(next) ? next : (node[element] = {});
      }
    }
    const members = this;
    function finish(node: JSONObject, prefix: FieldPath): JSONObject {
      const keys = Object.keys(node).sort(compareElements);
      const out: JSONObject = {};
      if (keys.length > 0 && prefix.length > 0 && members.has(prefix)) out['.'] = {};
      for (const k of keys) out[k] = finish(node[k] as JSONObject, [...prefix, k]);
      return out;
    }
    return finish(root, []);
  }

  /** Reads upstream's FieldsV1 JSON. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    function walk(node: unknown, prefix: PathElement[]): void {
      if (!isJSONObject(node)) return;
      const keys = Object.keys(node);
      if (keys.length === 0 && prefix.length > 0) set.insert(prefix);
      for (const k of keys) {
        if (k === '.') set.insert(prefix);
        else walk(node[k], [...prefix, k]);
      }
    }
    walk(fields, []);
    return set;
  }
}

const elementOrder: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareElements(a: string, b: string): number {
  const byKind = (elementOrder[a[0]] ?? 9) - (elementOrder[b[0]] ?? 9);
  if (byKind !== 0) return byKind;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Upstream's printed form of a path: `.spec.containers[name="nginx"].image`, `[=value]`, `[0]`. */
export function formatFieldPath(path: FieldPath): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      switch (element[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const keys = JSON.parse(body) as JSONObject;
          return `[${Object.keys(keys)
            .sort()
            .map((k) => `${k}=${JSON.stringify(keys[k])}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}

/** Builds the `k:` element of a list item from its key fields (sorted, as upstream serialises them). */
export function keyElement(fields: Record<string, JSONValue>): PathElement {
  const sorted: JSONObject = {};
  for (const k of Object.keys(fields).sort()) sorted[k] = fields[k];
  return `k:${JSON.stringify(sorted)}`;
}

/** How a list is treated by field management (upstream's list-type, derived as schemaconv does). */
export type ListKind = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[] };

/** The schema context of a value during a walk. */
export interface TypedNode {
  /** Declared schema (carries the list/patch extensions), undefined when unknown. */
  declared: JSONSchema | undefined;
  /** Structural schema, undefined when unknown. */
  resolved: JSONSchema | undefined;
}

/** Schema lookups shared by the field-set walk and the apply merge. */
export class TypedSchema {
  constructor(readonly definitions: Definitions) {}

  root(name: string): TypedNode {
    const resolved = definitionSchema(this.definitions, name);
    return { declared: resolved, resolved };
  }

  field(node: TypedNode, key: string): TypedNode {
    const declared = fieldSchema(node.resolved, key);
    return { declared, resolved: resolveSchema(this.definitions, declared) };
  }

  /** Whether `key` is a declared struct field rather than an entry of a free-form or unknown map. */
  isDeclaredField(node: TypedNode, key: string): boolean {
    return !!node.resolved?.properties && Object.hasOwn(node.resolved.properties, key);
  }

  items(node: TypedNode): TypedNode {
    const declared = node.resolved?.items ?? node.declared?.items;
    return { declared, resolved: resolveSchema(this.definitions, declared) };
  }

  isAtomicMap(node: TypedNode): boolean {
    return (node.declared?.['x-kubernetes-map-type'] ?? node.resolved?.['x-kubernetes-map-type']) === 'atomic';
  }

  listKind(node: TypedNode): ListKind {
    const listType = node.declared?.['x-kubernetes-list-type'] ?? node.resolved?.['x-kubernetes-list-type'];
    const mergeKey = node.declared?.['x-kubernetes-patch-merge-key'] ?? node.resolved?.['x-kubernetes-patch-merge-key'];
    const mapKeys = node.declared?.['x-kubernetes-list-map-keys'] ?? node.resolved?.['x-kubernetes-list-map-keys'];
    if (listType === 'atomic') return { type: 'atomic' };
    if (listType === 'set') return { type: 'set' };
    if (listType === 'map') return { type: 'map', keys: mapKeys ?? (mergeKey ? [mergeKey] : []) };
    if ([...patchStrategies(node.declared), ...patchStrategies(node.resolved)].includes('merge')) {
      return mergeKey ? { type: 'map', keys: [mergeKey] } : { type: 'set' };
    }
    return { type: 'atomic' };
  }

  /** The `k:` element of a list-map item: its key fields, or their schema defaults when absent. */
  itemKey(item: JSONObject, keys: string[], itemNode: TypedNode): PathElement {
    const fields: Record<string, JSONValue> = {};
    for (const k of keys) {
      if (Object.hasOwn(item, k)) fields[k] = item[k];
      else {
        const fallback = itemNode.resolved?.properties?.[k]?.default;
        if (fallback !== undefined) fields[k] = fallback as JSONValue;
      }
    }
    return keyElement(fields);
  }

  /** The path element of a list item, or undefined for atomic lists. */
  itemElement(list: ListKind, item: JSONValue, itemNode: TypedNode, index: number): PathElement {
    if (list.type === 'set') return `v:${JSON.stringify(item)}`;
    if (list.type === 'map' && isJSONObject(item) && list.keys.length > 0) return this.itemKey(item, list.keys, itemNode);
    return `i:${index}`;
  }
}

/** Field paths excluded from field management, as upstream's stripped set. */
export interface IgnoredFields {
  /** Exact paths never recorded (nor walked into). */
  paths: FieldSet;
}

/** The paths upstream never records: apiVersion, kind and system metadata; optionally status. */
export function ignoredFields(ignoreStatus: boolean): IgnoredFields {
  const paths = new FieldSet([
    ['f:apiVersion'],
    ['f:kind'],
    ['f:metadata'],
    ...[
      'name',
      'namespace',
      'creationTimestamp',
      'selfLink',
      'uid',
      'clusterName',
      'generation',
      'managedFields',
      'resourceVersion',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
    ].map((f) => ['f:metadata', `f:${f}`]),
  ]);
  if (ignoreStatus) paths.insert(['f:status']);
  return { paths };
}

/**
 * The set of fields an object sets, as upstream's ToFieldSet: scalars and atomic maps/lists are
 * leaves; list items are members (by key, by value, or by index); entries of free-form maps are
 * members too. With `emptyAsLeaf` (as upstream's Compare, used for writes) empty maps and lists are
 * leaves as well; an apply configuration's own set leaves them out.
 */
export function toFieldSet(
  value: JSONValue,
  typed: TypedSchema,
  root: TypedNode,
  ignored: IgnoredFields,
  emptyAsLeaf = true,
): FieldSet {
  const set = new FieldSet();
  function walk(v: JSONValue, node: TypedNode, path: PathElement[]): void {
    if (path.length > 0 && ignored.paths.has(path) && !(path.length === 1 && path[0] === 'f:metadata')) return;
    const record = () => {
      if (path.length > 0 && !ignored.paths.has(path)) set.insert(path);
    };
    if (isJSONObject(v)) {
      const keys = Object.keys(v);
      if (typed.isAtomicMap(node)) return record();
      if (keys.length === 0) return emptyAsLeaf ? record() : undefined;
      for (const k of keys) {
        const childPath = [...path, `f:${k}`];
        walk(v[k], typed.field(node, k), childPath);
        if (!typed.isDeclaredField(node, k) && !ignored.paths.has(childPath)) set.insert(childPath);
      }
      return;
    }
    if (Array.isArray(v)) {
      const list = typed.listKind(node);
      if (list.type === 'atomic') return record();
      if (v.length === 0) return emptyAsLeaf ? record() : undefined;
      const itemNode = typed.items(node);
      v.forEach((item, index) => {
        const itemPath = [...path, typed.itemElement(list, item, itemNode, index)];
        set.insert(itemPath);
        if (list.type !== 'set') walk(item, itemNode, itemPath);
      });
      return;
    }
    record();
  }
  walk(value, root, []);
  return set;
}

/** Finds the list index of the item a `k:`/`v:`/`i:` element names. */
export function findItem(
  list: JSONValue[],
  element: PathElement,
  typed: TypedSchema,
  listNode: TypedNode,
): number {
  const kind = typed.listKind(listNode);
  const itemNode = typed.items(listNode);
  return list.findIndex((item, index) => typed.itemElement(kind, item, itemNode, index) === element);
}

/** The value at a field path, or undefined when absent. */
export function valueAt(value: JSONValue, path: FieldPath, typed: TypedSchema, root: TypedNode): JSONValue | undefined {
  let current: JSONValue | undefined = value;
  let node = root;
  for (const element of path) {
    if (element.startsWith('f:')) {
      const name = element.slice(2);
      if (!isJSONObject(current) || !Object.hasOwn(current, name)) return undefined;
      current = current[name];
      node = typed.field(node, name);
    } else {
      if (!Array.isArray(current)) return undefined;
      const index = findItem(current, element, typed, node);
      if (index < 0) return undefined;
      current = current[index];
      node = typed.items(node);
    }
  }
  return current;
}

/** Removes the value at a field path in place; absent paths are ignored. */
export function removeAt(value: JSONValue, path: FieldPath, typed: TypedSchema, root: TypedNode): void {
  let current: JSONValue | undefined = value;
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const element = path[i];
    const last = i === path.length - 1;
    if (element.startsWith('f:')) {
      const name = element.slice(2);
      if (!isJSONObject(current) || !Object.hasOwn(current, name)) return;
      if (last) {
        delete current[name];
        return;
      }
      current = current[name];
      node = typed.field(node, name);
    } else {
      if (!Array.isArray(current)) return;
      const index = findItem(current, element, typed, node);
      if (index < 0) return;
      if (last) {
        current.splice(index, 1);
        return;
      }
      current = current[index];
      node = typed.items(node);
    }
  }
}

/**
 * The fields a write added or changed, as upstream's Compare (Added ∪ Modified): paths new in
 * `after`, or leaves whose value differs.
 */
export function changedFields(
  before: JSONValue,
  beforeSet: FieldSet,
  after: JSONValue,
  afterSet: FieldSet,
  typed: TypedSchema,
  root: TypedNode,
): FieldSet {
  const changed = new FieldSet();
  const parents = new Set<string>();
  for (const p of afterSet.paths()) {
    for (let i = 1; i < p.length; i++) parents.add(JSON.stringify(p.slice(0, i)));
  }
  for (const p of afterSet.paths()) {
    if (!beforeSet.has(p)) changed.insert(p);
    else if (!parents.has(JSON.stringify(p)) && !jsonEqual(valueAt(before, p, typed, root), valueAt(after, p, typed, root))) {
      changed.insert(p);
    }
  }
  return changed;
}
