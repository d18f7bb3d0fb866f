import { isJSONObject, jsonEqual, type JSONObject, type JSONValue } from '../../apimachinery/json.js';
import { definitionSchema, fieldSchema, patchStrategies, resolveSchema, type Definitions, type JSONSchema } from './schema.js';

/**
 * One step of a field path in upstream's fieldsV1 spelling: `f:<field>`, `k:<json of key fields>`
 * (list item by its keys), `v:<json value>` (set item), `i:<index>`.
 */
export type PathElement = string;

/** A field path: the steps from the object's root. */
export type FieldPath = readonly PathElement[];

/** A node of a {@link FieldSet}'s tree: whether the path to it is a member, and its children. */
export interface FieldTrie {
  member: boolean;
  readonly children: Map<PathElement, FieldTrie>;
}

function newTrie(): FieldTrie {
  return { member: false, children: new Map() };
}

/** Whether a subtree holds no member (such nodes are never kept in a set's tree). */
function isEmpty(node: FieldTrie): boolean {
  return !node.member && node.children.size === 0;
}

function cloneTrie(node: FieldTrie): FieldTrie {
  const copy: FieldTrie = { member: node.member, children: new Map() };
  for (const [k, child] of node.children) copy.children.set(k, cloneTrie(child));
  return copy;
}

function countMembers(node: FieldTrie): number {
  let n = node.member ? 1 : 0;
  for (const child of node.children.values()) n += countMembers(child);
  return n;
}

/** `a` with `b`'s members added, in place. */
function mergeInto(a: FieldTrie, b: FieldTrie): void {
  a.member ||= b.member;
  for (const [k, child] of b.children) {
    const mine = a.children.get(k);
    if (mine) mergeInto(mine, child);
    else a.children.set(k, cloneTrie(child));
  }
}

/** The members of `a` not in `b` (keep: true) or also in `b` (keep: false); undefined when none. */
function filterTrie(a: FieldTrie, b: FieldTrie | undefined, keepAbsent: boolean): FieldTrie | undefined {
  if (!b) return keepAbsent ? cloneTrie(a) : undefined;
  const out: FieldTrie = { member: a.member && (keepAbsent ? !b.member : b.member), children: new Map() };
  for (const [k, child] of a.children) {
    const kept = filterTrie(child, b.children.get(k), keepAbsent);
    if (kept) out.children.set(k, kept);
  }
  return isEmpty(out) ? undefined : out;
}

/**
 * A set of field paths (upstream's fieldpath.Set), kept as a tree of path elements as upstream
 * does, so that every operation is linear in the size of the sets whatever their depth. Paths are
 * members; their prefixes need not be.
 */
export class FieldSet {
  private root: FieldTrie = newTrie();
  private count = 0;

  constructor(paths: Iterable<FieldPath> = []) {
    for (const p of paths) this.insert(p);
  }

  private static of(root: FieldTrie | undefined): FieldSet {
    const set = new FieldSet();
    if (root) {
      set.root = root;
      set.count = countMembers(root);
    }
    return set;
  }

  /** The tree, read only: for walks that follow a set beside a value. */
  get trie(): FieldTrie {
    return this.root;
  }

  /** Adds a path. */
  insert(path: FieldPath): void {
    let node = this.root;
    for (const element of path) {
      let child = node.children.get(element);
      if (!child) node.children.set(element, (child = newTrie()));
      node = child;
    }
    if (!node.member) this.count++;
    node.member = true;
  }

  /** Adds the child `element` of `parent` (a node of this set's tree) as a member; returns it. */
  insertChild(parent: FieldTrie, element: PathElement): FieldTrie {
    let child = parent.children.get(element);
    if (!child) parent.children.set(element, (child = newTrie()));
    if (!child.member) this.count++;
    child.member = true;
    return child;
  }

  /** Removes a path. */
  delete(path: FieldPath): void {
    const trail: FieldTrie[] = [this.root];
    for (const element of path) {
      const child = trail[trail.length - 1]!.children.get(element);
      if (!child) return;
      trail.push(child);
    }
    const node = trail[trail.length - 1]!;
    if (!node.member) return;
    node.member = false;
    this.count--;
    for (let i = path.length; i > 0 && isEmpty(trail[i]!); i--) trail[i - 1]!.children.delete(path[i - 1]!);
  }

  private find(path: FieldPath): FieldTrie | undefined {
    let node: FieldTrie | undefined = this.root;
    for (const element of path) {
      node = node.children.get(element);
      if (!node) return undefined;
    }
    return node;
  }

  /** Whether the path is a member. */
  has(path: FieldPath): boolean {
    return this.find(path)?.member ?? false;
  }

  get size(): number {
    return this.count;
  }

  /** The member paths, parents before their children. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const prefix: PathElement[] = [];
    const walk = (node: FieldTrie): void => {
      if (node.member && prefix.length > 0) out.push([...prefix]);
      for (const [k, child] of node.children) {
        prefix.push(k);
        walk(child);
        prefix.pop();
      }
    };
    walk(this.root);
    return out;
  }

  union(other: FieldSet): FieldSet {
    const root = cloneTrie(this.root);
    mergeInto(root, other.root);
    return FieldSet.of(root);
  }

  difference(other: FieldSet): FieldSet {
    return FieldSet.of(filterTrie(this.root, other.root, true));
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.of(filterTrie(this.root, other.root, false));
  }

  /** Whether some member extends `path` (so `path` is not a leaf of this set). */
  hasDescendant(path: FieldPath): boolean {
    // Empty subtrees are pruned: any child holds a member.
    return (this.find(path)?.children.size ?? 0) > 0;
  }

  /** Upstream's FieldsV1 JSON: nested objects keyed by path element, `.` marking a member with children. */
  toFieldsV1(): JSONObject {
    const finish = (node: FieldTrie, top: boolean): JSONObject => {
      const keys = [...node.children.keys()].sort(compareElements);
      const out: JSONObject = {};
      if (keys.length > 0 && !top && node.member) out['.'] = {};
      for (const k of keys) out[k] = finish(node.children.get(k)!, false);
      return out;
    };
    return finish(this.root, true);
  }

  /** Reads upstream's FieldsV1 JSON. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (value: unknown, node: FieldTrie, top: boolean): void => {
      if (!isJSONObject(value)) return;
      const keys = Object.keys(value);
      if ((keys.length === 0 || keys.includes('.')) && !top && !node.member) {
        node.member = true;
        set.count++;
      }
      for (const k of keys) {
        if (k === '.') continue;
        let child = node.children.get(k);
        if (!child) node.children.set(k, (child = newTrie()));
        walk(value[k], child, false);
        if (isEmpty(child)) node.children.delete(k);
      }
    };
    walk(fields, set.root, true);
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
  // The walk follows the set's tree and the ignored paths' tree beside the value, so that no
  // step looks at the whole path: linear in the object's size whatever its depth.
  function walk(v: JSONValue, node: TypedNode, parent: FieldTrie, element: PathElement | undefined, skip: FieldTrie | undefined): void {
    const ignoredHere = element !== undefined && (skip?.member ?? false);
    // metadata is ignored as a whole but walked into (labels and annotations are managed).
    if (ignoredHere && !(parent === set.trie && element === 'f:metadata')) return;
    let here: FieldTrie | undefined;
    const record = (): void => {
      if (element !== undefined && !ignoredHere) set.insertChild(parent, element);
    };
    /** This value's node in the set's tree (created without membership when absent). */
    const self = (): FieldTrie => {
      if (element === undefined) return parent;
      if (here) return here;
      let child = parent.children.get(element);
      if (!child) parent.children.set(element, (child = { member: false, children: new Map() }));
      return (here = child);
    };
    const prune = (): void => {
      if (element !== undefined && here && !here.member && here.children.size === 0) parent.children.delete(element);
    };
    if (isJSONObject(v)) {
      const keys = Object.keys(v);
      if (typed.isAtomicMap(node)) return record();
      if (keys.length === 0) return emptyAsLeaf ? record() : undefined;
      const mine = self();
      for (const k of keys) {
        const childElement = `f:${k}`;
        const childSkip = skip?.children.get(childElement);
        walk(v[k], typed.field(node, k), mine, childElement, childSkip);
        if (!typed.isDeclaredField(node, k) && !(childSkip?.member ?? false)) set.insertChild(mine, childElement);
      }
      return prune();
    }
    if (Array.isArray(v)) {
      const list = typed.listKind(node);
      if (list.type === 'atomic') return record();
      if (v.length === 0) return emptyAsLeaf ? record() : undefined;
      const itemNode = typed.items(node);
      const mine = self();
      v.forEach((item, index) => {
        const itemElement = typed.itemElement(list, item, itemNode, index);
        set.insertChild(mine, itemElement);
        if (list.type !== 'set') walk(item, itemNode, mine, itemElement, skip?.children.get(itemElement));
      });
      return prune();
    }
    record();
  }
  walk(value, root, set.trie, undefined, ignored.paths.trie);
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
 * `after`, or leaves whose value differs. Walks `afterSet`'s tree beside both values: linear.
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
  const childValue = (value: JSONValue | undefined, element: PathElement, node: TypedNode, lists: Map<JSONValue[], Map<PathElement, number>>): JSONValue | undefined => {
    if (element.startsWith('f:')) {
      const name = element.slice(2);
      return isJSONObject(value) && Object.hasOwn(value, name) ? value[name] : undefined;
    }
    if (!Array.isArray(value)) return undefined;
    // Items are found through one index per list, not a scan per item.
    let index = lists.get(value);
    if (!index) {
      const kind = typed.listKind(node);
      const itemNode = typed.items(node);
      index = new Map();
      for (let i = value.length - 1; i >= 0; i--) index.set(typed.itemElement(kind, value[i]!, itemNode, i), i);
      lists.set(value, index);
    }
    const at = index.get(element);
    return at === undefined ? undefined : value[at];
  };
  const beforeLists = new Map<JSONValue[], Map<PathElement, number>>();
  const afterLists = new Map<JSONValue[], Map<PathElement, number>>();
  const walk = (afterNode: FieldTrie, beforeNode: FieldTrie | undefined, beforeValue: JSONValue | undefined, afterValue: JSONValue | undefined, node: TypedNode, out: FieldTrie): void => {
    for (const [element, child] of afterNode.children) {
      const beforeChild = beforeNode?.children.get(element);
      const childNode = element.startsWith('f:') ? typed.field(node, element.slice(2)) : typed.items(node);
      const b = childValue(beforeValue, element, node, beforeLists);
      const a = childValue(afterValue, element, node, afterLists);
      if (child.member) {
        const isNew = !(beforeChild?.member ?? false);
        // Only leaves are compared: a parent's change shows in its children.
        if (isNew || (child.children.size === 0 && !jsonEqual(b, a))) changed.insertChild(out, element);
      }
      if (child.children.size > 0) {
        const next = out.children.get(element) ?? { member: false, children: new Map() };
        walk(child, beforeChild, b, a, childNode, next);
        if (next.member || next.children.size > 0) out.children.set(element, next);
      }
    }
  };
  walk(afterSet.trie, beforeSet.trie, before, after, root, changed.trie);
  return changed;
}
