import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { StatusError, badRequest } from '../../apimachinery/errors.js';
import { cloneJSON, isJSONObject, type JSONObject, type JSONValue } from '../../apimachinery/json.js';
import {
  changedFields,
  FieldSet,
  formatFieldPath,
  ignoredFields,
  removeAt,
  toFieldSet,
  TypedSchema,
  type FieldPath,
  type IgnoredFields,
  type TypedNode,
} from './fieldset.js';
import type { Definitions } from './schema.js';

/** One field another manager owns that an apply would change. */
export interface ApplyConflict {
  /** The owning manager's name. */
  manager: string;
  /** The owner's operation. */
  operation: 'Apply' | 'Update';
  /** The owner's API version. */
  apiVersion: string;
  /** The owner's subresource, '' for the main resource. */
  subresource: string;
  /** The field, printed as upstream: `.spec.template.spec.containers[name="nginx"].image`. */
  field: string;
}

/** Upstream's printManager: `"name"`, plus ` with subresource "s"`, plus ` using v1` for Update owners. */
function describeManager(c: Pick<ApplyConflict, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === 'Update') s += ` using ${c.apiVersion}`;
  return s;
}

/** Upstream's apply conflict message (k8s.io/apiserver fieldmanager getConflictMessage). */
function conflictMessage(conflicts: ApplyConflict[]): string {
  if (conflicts.length === 1) {
    return `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0])}: ${conflicts[0].field}`;
  }
  const byManager = new Map<string, ApplyConflict[]>();
  for (const c of conflicts) {
    const key = describeManager(c);
    byManager.set(key, [...(byManager.get(key) ?? []), c]);
  }
  const lines: string[] = [];
  for (const key of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${key}:`);
    for (const c of byManager.get(key) ?? []) lines.push(`- ${c.field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** Server-side apply would change fields owned by other managers (answered 409 Conflict). */
export class ApplyConflictError extends Error {
  override readonly name = 'ApplyConflictError';
  constructor(readonly conflicts: ApplyConflict[]) {
    super(conflictMessage(conflicts));
  }

  /** Upstream's 409: reason Conflict, one FieldManagerConflict cause per field. */
  toStatusError(): StatusError {
    return new StatusError(409, 'Conflict', this.message, {
      causes: this.conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with ${describeManager(c)}`,
        field: c.field,
      })),
    });
  }
}

/** Options of `applyPatch`. */
export interface ApplyOptions {
  /** The field manager applying. */
  manager: string;
  /** Take ownership of conflicting fields instead of failing. */
  force: boolean;
  schema: Definitions;
  /** The object's definition name, e.g. `io.k8s.api.apps.v1.Deployment`. */
  rootDefinition: string;
  /** The API version of the request, recorded in managedFields. */
  apiVersion: string;
  /** RFC 3339 time recorded in managedFields. */
  now: string;
  /** Leave `status` out of field management and ignore it in the configuration (main resource of a type with a status subresource). Default false. */
  ignoreStatus?: boolean;
  /** The subresource written, if any. */
  subresource?: string;
}

/** Options of `recordUpdate`. */
export interface UpdateOptions {
  manager: string;
  apiVersion: string;
  now: string;
  schema: Definitions;
  rootDefinition: string;
  subresource?: string;
  /** As in `ApplyOptions`. Default false. */
  ignoreStatus?: boolean;
}

/** A managedFields entry with its field set decoded. */
interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  time?: string;
  fields: FieldSet;
}

/** The manager upstream assigns an existing object's fields to on its first apply. */
const beforeFirstApplyManager = 'before-first-apply';

function readEntries(obj: JSONValue | undefined): ManagerEntry[] {
  const metadata = isJSONObject(obj) ? obj.metadata : undefined;
  const raw = isJSONObject(metadata) ? metadata.managedFields : undefined;
  if (!Array.isArray(raw)) return [];
  const entries: ManagerEntry[] = [];
  for (const e of raw) {
    if (!isJSONObject(e) || typeof e.manager !== 'string') continue;
    entries.push({
      manager: e.manager,
      operation: e.operation === 'Apply' ? 'Apply' : 'Update',
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      subresource: typeof e.subresource === 'string' ? e.subresource : '',
      time: typeof e.time === 'string' ? e.time : undefined,
      fields: FieldSet.fromFieldsV1(e.fieldsV1),
    });
  }
  return entries;
}

/** Upstream's order: Apply before Update, then by time, manager, apiVersion, subresource. */
function compareEntries(a: ManagedFieldsEntry, b: ManagedFieldsEntry): number {
  const keys: [string, string][] = [
    [a.operation ?? '', b.operation ?? ''],
    [a.time ?? '', b.time ?? ''],
    [a.manager ?? '', b.manager ?? ''],
    [a.apiVersion ?? '', b.apiVersion ?? ''],
    [a.subresource ?? '', b.subresource ?? ''],
  ];
  for (const [x, y] of keys) if (x !== y) return x < y ? -1 : 1;
  return 0;
}

/** Writes the entries (those owning something) into the object's metadata.managedFields. */
function writeEntries(obj: JSONObject, entries: ManagerEntry[]): void {
  const encoded: ManagedFieldsEntry[] = entries
    .filter((e) => e.fields.size > 0)
    .map((e) => {
      const out: ManagedFieldsEntry = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
      if (e.time) out.time = e.time;
      out.fieldsType = 'FieldsV1';
      out.fieldsV1 = e.fields.toFieldsV1();
      if (e.subresource) out.subresource = e.subresource;
      return out;
    })
    .sort(compareEntries);
  const metadata = isJSONObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
  if (encoded.length > 0) metadata.managedFields = encoded as unknown as JSONValue;
  else delete metadata.managedFields;
}

function sameEntry(e: ManagerEntry, manager: string, operation: 'Apply' | 'Update', subresource: string): boolean {
  return e.manager === manager && e.operation === operation && e.subresource === subresource;
}

/** The schema context shared by one apply or update. */
interface Context {
  typed: TypedSchema;
  root: TypedNode;
  ignored: IgnoredFields;
}

function contextOf(schema: Definitions, rootDefinition: string, ignoreStatus: boolean): Context {
  const typed = new TypedSchema(schema);
  return { typed, root: typed.root(rootDefinition), ignored: ignoredFields(ignoreStatus) };
}

function fieldsOf(obj: JSONValue, ctx: Context, emptyAsLeaf = true): FieldSet {
  return toFieldSet(obj, ctx.typed, ctx.root, ctx.ignored, emptyAsLeaf);
}

/** Orders merged list items as upstream's structured merge: `rhs` order, `lhs`-only items kept in place. */
function mergeOrder(lhs: string[], rhs: string[]): string[] {
  const inRhs = new Set(rhs);
  const inLhs = new Set(lhs);
  const shared = rhs.filter((k) => inLhs.has(k));
  const out: string[] = [];
  let l = 0;
  let r = 0;
  let s = 0;
  while (l < lhs.length || r < rhs.length) {
    if (l < lhs.length && r < rhs.length && lhs[l] === rhs[r]) {
      out.push(rhs[r]);
      l++;
      r++;
      s++;
      continue;
    }
    if (l < lhs.length && inRhs.has(lhs[l]) && s < shared.length && shared[s] !== lhs[l]) {
      l++;
      continue;
    }
    if (l < lhs.length && !inRhs.has(lhs[l])) {
      out.push(lhs[l++]);
      continue;
    }
    if (r < rhs.length) {
      if (s < shared.length && shared[s] === rhs[r]) s++;
      out.push(rhs[r++]);
      continue;
    }
    l++;
  }
  return [...new Set(out)];
}

/** Merges an applied configuration into the live value as upstream's structured merge does. */
function mergeApplied(live: JSONValue | undefined, config: JSONValue, node: TypedNode, ctx: Context): JSONValue {
  const { typed } = ctx;
  if (isJSONObject(config)) {
    if (!isJSONObject(live) || typed.isAtomicMap(node)) return cloneJSON(config);
    const out: JSONObject = { ...live };
    for (const [k, v] of Object.entries(config)) {
      if (v === null) delete out[k];
      else out[k] = mergeApplied(live[k], v, typed.field(node, k), ctx);
    }
    return out;
  }
  if (Array.isArray(config)) {
    const list = typed.listKind(node);
    if (list.type === 'atomic' || !Array.isArray(live)) return cloneJSON(config);
    const itemNode = typed.items(node);
    const liveByKey = new Map<string, JSONValue>();
    live.forEach((item, i) => liveByKey.set(typed.itemElement(list, item, itemNode, i), item));
    const configByKey = new Map<string, JSONValue>();
    config.forEach((item, i) => configByKey.set(typed.itemElement(list, item, itemNode, i), item));
    return mergeOrder([...liveByKey.keys()], [...configByKey.keys()]).map((key) => {
      const fromConfig = configByKey.get(key);
      const fromLive = liveByKey.get(key);
      if (fromConfig === undefined) return fromLive as JSONValue;
      if (list.type === 'set') return cloneJSON(fromConfig);
      return mergeApplied(fromLive, fromConfig, itemNode, ctx);
    });
  }
  return config;
}

/** Entries of an existing object that has none: upstream assigns its fields to `before-first-apply`. */
function initialEntries(live: JSONObject | undefined, ctx: Context, apiVersion: string): ManagerEntry[] {
  const entries = readEntries(live);
  if (!live || entries.length > 0) return entries;
  const fields = fieldsOf(live, ctx);
  if (fields.size === 0) return [];
  return [{ manager: beforeFirstApplyManager, operation: 'Update', apiVersion, subresource: '', fields }];
}

/**
 * Server-side apply of `applied` (an apply configuration) to `live` (undefined to create). The
 * applied fields are merged in (maps recursively, keyed lists by key, atomic lists replaced);
 * fields this manager applied before but no longer applies are removed unless another manager
 * owns them; this manager's Apply entry becomes exactly the applied fields. A field owned by
 * another manager that the apply changes is a conflict: without `force` an `ApplyConflictError`
 * is thrown, with `force` ownership moves to this manager.
 */
export function applyPatch(live: object | undefined, applied: object, opts: ApplyOptions): { object: object } {
  const subresource = opts.subresource ?? '';
  const ctx = contextOf(opts.schema, opts.rootDefinition, opts.ignoreStatus ?? false);
  const config = cloneJSON(applied as JSONObject);
  if (isJSONObject(config.metadata) && Object.hasOwn(config.metadata, 'managedFields')) {
    if (Array.isArray(config.metadata.managedFields) && config.metadata.managedFields.length > 0) {
      throw badRequest('metadata.managedFields must be nil');
    }
    delete config.metadata.managedFields;
  }
  if (opts.ignoreStatus) delete config.status;

  const liveObj = live === undefined ? undefined : cloneJSON(live as JSONObject);
  const entries = initialEntries(liveObj, ctx, opts.apiVersion);
  const base: JSONObject = liveObj ?? {};
  if (isJSONObject(base.metadata)) delete base.metadata.managedFields;

  const merged = mergeApplied(base, config, ctx.root, ctx) as JSONObject;
  const liveSet = fieldsOf(base, ctx);
  const mergedSet = fieldsOf(merged, ctx);
  const changed = changedFields(base, liveSet, merged, mergedSet, ctx.typed, ctx.root);
  const removed = liveSet.difference(mergedSet);

  const own = entries.find((e) => sameEntry(e, opts.manager, 'Apply', subresource));
  const others = entries.filter((e) => e !== own);
  const conflicts: ApplyConflict[] = [];
  for (const e of others) {
    for (const path of e.fields.intersection(changed).paths()) {
      conflicts.push({ manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, subresource: e.subresource, field: formatFieldPath(path) });
    }
  }
  if (conflicts.length > 0 && !opts.force) throw new ApplyConflictError(conflicts);
  for (const e of others) e.fields = e.fields.difference(changed).difference(removed);

  const appliedSet = fieldsOf(config, ctx, false);
  const othersOwn = others.reduce((acc, e) => acc.union(e.fields), new FieldSet());
  const previous = own?.fields ?? new FieldSet();
  const dropped = previous.difference(appliedSet).difference(othersOwn);
  const toRemove: FieldPath[] = dropped.paths().filter((p) => !othersOwn.hasDescendant(p));
  // Parents first: a removed list item can no longer be found by key once its key field is gone.
  toRemove.sort((a, b) => a.length - b.length);
  for (const path of toRemove) removeAt(merged, path, ctx.typed, ctx.root);

  const ownEntry: ManagerEntry = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    subresource,
    time: opts.now,
    fields: appliedSet,
  };
  writeEntries(merged, [...others, ownEntry]);
  return { object: merged };
}

/**
 * Records a non-apply write (create, update, patch) in managedFields: the fields it added or changed
 * go to this manager's Update entry and leave other managers' sets, fields it removed leave every
 * set. On create every field set is assigned to the manager (managedFields sent with a create
 * are dropped). Returns the updated object with managedFields rewritten (`updated` is not
 * modified; on create the result shares its values other than metadata). A write that sets
 * managedFields to something other than the old value is taken as the new ownership (`[{}]`
 * clears it).
 */
export function recordUpdate(old: object | undefined, updated: object, opts: UpdateOptions): object {
  const subresource = opts.subresource ?? '';
  const ctx = contextOf(opts.schema, opts.rootDefinition, opts.ignoreStatus ?? false);
  if (old === undefined) {
    // Every field of a new object is new: the writer's own, with nothing to compare.
    const created: JSONObject = { ...(updated as JSONObject) };
    if (isJSONObject(created.metadata)) {
      const { managedFields: _dropped, ...metadata } = created.metadata;
      created.metadata = metadata;
    }
    const fields = fieldsOf(created, ctx);
    writeEntries(created, fields.size > 0 ? [{ manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, subresource, time: opts.now, fields }] : []);
    return created;
  }
  const result = cloneJSON(updated as JSONObject);
  const before: JSONObject = old === undefined ? {} : cloneJSON(old as JSONObject);
  const oldManaged = isJSONObject(before.metadata) ? before.metadata.managedFields : undefined;
  const newManaged = isJSONObject(result.metadata) ? result.metadata.managedFields : undefined;

  let entries: ManagerEntry[];
  if (newManaged !== undefined && old !== undefined && JSON.stringify(newManaged) !== JSON.stringify(oldManaged)) {
    entries = readEntries(result);
  } else if (old === undefined) {
    entries = [];
  } else {
    entries = readEntries(before);
  }
  if (isJSONObject(before.metadata)) delete before.metadata.managedFields;
  if (isJSONObject(result.metadata)) delete result.metadata.managedFields;

  const beforeSet = fieldsOf(before, ctx);
  const afterSet = fieldsOf(result, ctx);
  const changed = changedFields(before, beforeSet, result, afterSet, ctx.typed, ctx.root);
  const removed = beforeSet.difference(afterSet);

  let own = entries.find((e) => sameEntry(e, opts.manager, 'Update', subresource));
  for (const e of entries) {
    if (e !== own) e.fields = e.fields.difference(changed).difference(removed);
  }
  if (!own && changed.size > 0) {
    own = { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, subresource, fields: new FieldSet() };
    entries.push(own);
  }
  if (own) {
    const fields = own.fields.difference(removed).union(changed);
    if (changed.size > 0 || removed.intersection(own.fields).size > 0 || own.apiVersion !== opts.apiVersion) {
      own.time = opts.now;
      own.apiVersion = opts.apiVersion;
    }
    own.fields = fields;
  }
  writeEntries(result, entries);
  return result;
}
