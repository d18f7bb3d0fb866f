import { randomUUID } from 'node:crypto';
import type { DeleteOptions } from 'kubernetes-types/meta/v1.js';
import { alreadyExists, badRequest, conflict, gone, notFound, staleObjectMessage, type ErrorTarget } from '../apimachinery/errors.js';
import { cloneJSON, formatTime, isObject, jsonEqual, type KubeObject } from '../apimachinery/object.js';
import { findResource, groupVersion, type ResourceType } from '../apiserver/registry.js';
import { applyJSONPatch, JSONPatchError } from '../apiserver/patch/jsonpatch.js';
import { applyMergePatch, MergePatchError } from '../apiserver/patch/mergepatch.js';
import { checkFieldSelector, fieldSetFor, matchesFields, parseFieldSelector, type FieldSelectorExpr } from '../apimachinery/selectors/fields.js';
import { matchesLabels, parseLabelSelector, type LabelSelectorExpr } from '../apimachinery/selectors/labels.js';
import type {
  Client,
  ListOptions,
  ObjectList,
  PatchOptions,
  PatchType,
  ResourceRef,
  WatchEventOf,
  WatchOptions,
  WriteOptions,
} from '../client/client.js';
import { systemClock, type Clock } from '../apimachinery/clock.js';

/** The verbs recorded in {@link MemoryClient.actions} and accepted by {@link MemoryClient.failNext}. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** One call made to a {@link MemoryClient}. */
export interface Action {
  verb: Verb;
  ref: ResourceRef;
  namespace: string;
  /** '' for list and watch. */
  name: string;
  subresource?: string;
  /** The patch type, for patch. */
  patchType?: PatchType;
}

/** Options of {@link MemoryClient}. */
export interface MemoryClientOptions {
  /** Source of creationTimestamp and deletionTimestamp. Default: the system clock. */
  clock?: Pick<Clock, 'now'>;
  /** Watch events kept for watches that resume from a resourceVersion. Default 1000. */
  historyLimit?: number;
}

interface HistoryEntry {
  revision: number;
  refKey: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  /** The object before the change (MODIFIED), to tell selector transitions apart. */
  previous?: KubeObject;
}

interface Watcher {
  refKey: string;
  namespace: string;
  matches: (obj: KubeObject) => boolean;
  push: (event: WatchEventOf) => void;
  end: () => void;
}

interface Selection {
  label: LabelSelectorExpr;
  field: FieldSelectorExpr;
}

interface InjectedFailure {
  verb: Verb;
  error: Error;
  resource?: string;
}

const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

function refKeyOf(ref: ResourceRef): string {
  return `${ref.group}/${ref.resource}`;
}

function objectStoreKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function metaOf(obj: KubeObject): NonNullable<KubeObject['metadata']> {
  obj.metadata ??= {};
  return obj.metadata;
}

/**
 * An in-memory {@link Client} for unit tests of controllers. It keeps objects per resource,
 * stamps uid, creationTimestamp, generation and a global revision as resourceVersion, answers
 * 404/409/410 as `StatusError` like the API server, filters by label and field selectors, and
 * serves watches from a bounded history.
 *
 * Simplifications: namespaces need not exist; no defaulting, validation or admission; `strategic`
 * patches are applied as JSON merge patches (lists replace instead of merging by key), `apply`
 * patches too (creating the object when absent; no field ownership); the only subresources are
 * `status` (update, patch) and pods' `binding` (create); pods and other types are deleted at once
 * (no graceful deletion) unless they carry finalizers; `limit`/`continue` page over the current
 * state rather than a snapshot; watch `timeoutSeconds` is ignored.
 */
export class MemoryClient implements Client {
  /** Every call made, in order (failed ones included). */
  readonly actions: Action[] = [];

  private readonly clock: Pick<Clock, 'now'>;
  private readonly historyLimit: number;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: HistoryEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly failures: InjectedFailure[] = [];
  private revision = 1;
  /** Watches must start at or after this revision; older ones are 410 Gone. */
  private compactedRevision = 1;
  private nameCounter = 0;

  constructor(options: MemoryClientOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.historyLimit = options.historyLimit ?? 1000;
  }

  /** The latest revision (the resourceVersion a list would return). */
  get currentRevision(): string {
    return String(this.revision);
  }

  /** Open watches. */
  get watchCount(): number {
    return this.watchers.size;
  }

  /**
   * Makes the next call of `verb` (optionally only for resource plural `resource`) throw `error`
   * instead of running. Several calls queue several failures.
   */
  failNext(verb: Verb, error: Error, resource?: string): void {
    this.failures.push({ verb, error, resource });
  }

  /** Drops the whole watch history: any watch from a revision before now gets 410 Gone. */
  compactHistory(): void {
    this.history.length = 0;
    this.compactedRevision = this.revision;
  }

  /** Ends every open watch as a server closing the connection would (the iterators finish). */
  endWatches(): void {
    for (const w of [...this.watchers]) w.end();
  }

  /**
   * Sends a BOOKMARK carrying the current revision to every open watch of `ref` (all types when
   * omitted) that asked for bookmarks.
   */
  bookmark(ref?: ResourceRef): void {
    for (const w of this.watchers) {
      if (ref && w.refKey !== refKeyOf(ref)) continue;
      w.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.revision) } } });
    }
  }

  async get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, name: string): Promise<T> {
    this.begin({ verb: 'get', ref, namespace, name });
    const obj = this.bucket(ref).get(this.storeKey(ref, namespace, name));
    if (!obj) throw notFound(this.target(ref, name));
    return cloneJSON(obj) as T;
  }

  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, options: ListOptions = {}): Promise<ObjectList<T>> {
    this.begin({ verb: 'list', ref, namespace, name: '' });
    namespace = this.namespaced(ref, namespace) ? namespace : '';
    const selection = this.selection(ref, options);
    const keys = [...this.bucket(ref).keys()].sort();
    const items: T[] = [];
    let next: string | undefined;
    for (const key of keys) {
      if (options.continue && key <= options.continue) continue;
      const obj = this.bucket(ref).get(key);
      if (!obj || (namespace && obj.metadata?.namespace !== namespace)) continue;
      if (!this.selects(ref, selection, obj)) continue;
      if (options.limit && items.length >= options.limit) {
        const last = items[items.length - 1]?.metadata;
        next = objectStoreKey(last?.namespace ?? '', last?.name ?? '');
        break;
      }
      items.push(cloneJSON(obj) as T);
    }
    return { items, resourceVersion: String(this.revision), ...(next ? { continue: next } : {}) };
  }

  watch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    namespace: string,
    options: WatchOptions,
    signal: AbortSignal,
  ): AsyncIterable<WatchEventOf<T>> {
    return this.watchEvents<T>(ref, namespace, options, signal);
  }

  private async *watchEvents<T extends KubeObject>(
    ref: ResourceRef,
    namespace: string,
    options: WatchOptions,
    signal: AbortSignal,
  ): AsyncGenerator<WatchEventOf<T>> {
    this.begin({ verb: 'watch', ref, namespace, name: '' });
    namespace = this.namespaced(ref, namespace) ? namespace : '';
    const selection = this.selection(ref, options);
    const refKey = refKeyOf(ref);
    const inScope = (obj: KubeObject): boolean =>
      (!namespace || obj.metadata?.namespace === namespace) && this.selects(ref, selection, obj);

    const pending: WatchEventOf[] = [];
    const rv = options.resourceVersion ?? '';
    if (rv === '' || rv === '0') {
      // Upstream starts such a watch with the current state as ADDED events.
      for (const key of [...this.bucket(ref).keys()].sort()) {
        const obj = this.bucket(ref).get(key);
        if (obj && inScope(obj)) pending.push({ type: 'ADDED', object: cloneJSON(obj) });
      }
    } else {
      const from = Number(rv);
      if (!Number.isInteger(from) || from < 0) throw badRequest(`invalid resource version: ${rv}`);
      if (from < this.compactedRevision) {
        throw gone(`too old resource version: ${from} (${this.compactedRevision})`);
      }
      for (const entry of this.history) {
        if (entry.revision <= from || entry.refKey !== refKey) continue;
        const event = eventFor(entry, inScope);
        if (event) pending.push(event);
      }
    }

    let wake: (() => void) | undefined;
    let ended = false;
    const watcher: Watcher = {
      refKey,
      namespace,
      matches: inScope,
      push: (event) => {
        if (event.type === 'BOOKMARK' && !options.allowWatchBookmarks) return;
        pending.push(event);
        wake?.();
      },
      end: () => {
        ended = true;
        wake?.();
      },
    };
    const onAbort = (): void => watcher.end();
    this.watchers.add(watcher);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const event = pending.shift();
        if (event) {
          yield event as WatchEventOf<T>;
          continue;
        }
        if (ended || signal.aborted) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.watchers.delete(watcher);
    }
  }

  async create<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, options: WriteOptions = {}): Promise<T> {
    const meta = obj.metadata ?? {};
    this.begin({ verb: 'create', ref, namespace, name: meta.name ?? meta.generateName ?? '', subresource: options.subresource });
    if (options.subresource === 'binding' && ref.group === '' && ref.resource === 'pods') return this.bind(namespace, obj, options);
    if (options.subresource) throw badRequest(`subresource ${options.subresource} is not supported by MemoryClient`);
    const created = cloneJSON(obj) as KubeObject;
    const m = metaOf(created);
    if (!m.name) {
      if (!m.generateName) throw badRequest('name or generateName is required');
      m.name = this.generateName(ref, namespace, m.generateName);
    }
    if (this.namespaced(ref, namespace)) {
      if (!namespace) throw badRequest(`${ref.resource} is namespaced: a namespace is required`);
      if (m.namespace && m.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      m.namespace = namespace;
    } else {
      delete m.namespace;
    }
    const key = this.storeKey(ref, namespace, m.name);
    if (this.bucket(ref).has(key)) throw alreadyExists(this.target(ref, m.name));
    this.fillTypeMeta(ref, created);
    m.uid = randomUUID();
    m.creationTimestamp = formatTime(this.clock.now());
    m.generation = 1;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    if (options.dryRun) return created as T;
    this.commit(ref, key, 'ADDED', created);
    return cloneJSON(created) as T;
  }

  async update<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, options: WriteOptions = {}): Promise<T> {
    const name = obj.metadata?.name ?? '';
    this.begin({ verb: 'update', ref, namespace, name, subresource: options.subresource });
    return this.replace(ref, namespace, name, cloneJSON(obj) as KubeObject, options) as Promise<T>;
  }

  async patch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    namespace: string,
    name: string,
    type: PatchType,
    patch: unknown,
    options: PatchOptions = {},
  ): Promise<T> {
    this.begin({ verb: 'patch', ref, namespace, name, subresource: options.subresource, patchType: type });
    const existing = this.bucket(ref).get(this.storeKey(ref, namespace, name));
    if (!existing) {
      if (type === 'apply' && !options.subresource && isObject(patch)) {
        const obj = cloneJSON(patch) as KubeObject;
        metaOf(obj).name = name;
        return this.create(ref, namespace, obj as T, options);
      }
      throw notFound(this.target(ref, name));
    }
    let patched: unknown;
    try {
      patched = type === 'json' ? applyJSONPatch(existing, patch) : applyMergePatch(existing, patch);
    } catch (err) {
      if (err instanceof JSONPatchError || err instanceof MergePatchError) throw err.toStatusError();
      throw err;
    }
    if (!isObject(patched)) throw badRequest('patch did not produce an object');
    const result = patched as KubeObject;
    // A patch only carries a resourceVersion precondition when it sets one itself.
    const patchSetsVersion = type === 'json' ? false : isObject(patch) && isObject(patch.metadata) && 'resourceVersion' in patch.metadata;
    if (!patchSetsVersion) metaOf(result).resourceVersion = existing.metadata?.resourceVersion;
    metaOf(result).name = name;
    return this.replace(ref, namespace, name, result, options) as Promise<T>;
  }

  async delete(ref: ResourceRef, namespace: string, name: string, options: DeleteOptions & { dryRun?: boolean } = {}): Promise<KubeObject> {
    this.begin({ verb: 'delete', ref, namespace, name });
    const key = this.storeKey(ref, namespace, name);
    const existing = this.bucket(ref).get(key);
    if (!existing) throw notFound(this.target(ref, name));
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== existing.metadata?.uid) {
      throw conflict(
        this.target(ref, name),
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata?.uid ?? ''}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== existing.metadata?.resourceVersion) {
      throw conflict(
        this.target(ref, name),
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.metadata?.resourceVersion ?? ''}`,
      );
    }
    const next = cloneJSON(existing);
    if ((existing.metadata?.finalizers ?? []).length > 0) {
      if (existing.metadata?.deletionTimestamp) return next;
      const m = metaOf(next);
      m.deletionTimestamp = formatTime(this.clock.now());
      m.deletionGracePeriodSeconds = 0;
      if (options.dryRun) return next;
      this.commit(ref, key, 'MODIFIED', next, existing);
      return cloneJSON(next);
    }
    if (options.dryRun) return next;
    this.commit(ref, key, 'DELETED', next, existing);
    return cloneJSON(next);
  }

  /** pods/binding: sets spec.nodeName of an unassigned pod, as the scheduler's Binding does. */
  private bind<T extends KubeObject>(namespace: string, binding: T, options: WriteOptions): T {
    const ref = { group: '', version: 'v1', resource: 'pods' };
    const name = binding.metadata?.name ?? '';
    const key = this.storeKey(ref, namespace, name);
    const existing = this.bucket(ref).get(key);
    if (!existing) throw notFound(this.target(ref, name));
    const target = isObject(binding.target) ? binding.target : {};
    const node = typeof target.name === 'string' ? target.name : '';
    if (!node) throw badRequest('a binding needs target.name');
    const spec = isObject(existing.spec) ? existing.spec : {};
    if (typeof spec.nodeName === 'string' && spec.nodeName) {
      throw conflict(this.target(ref, name), `pod ${name} is already assigned to node ${JSON.stringify(spec.nodeName)}`);
    }
    if (options.dryRun) return binding;
    const next = cloneJSON(existing);
    next.spec = { ...spec, nodeName: node };
    this.commit(ref, key, 'MODIFIED', next, existing);
    return cloneJSON(binding);
  }

  /** The shared path of update and patch: preconditions, subresource rules, finalizer completion. */
  private async replace(ref: ResourceRef, namespace: string, name: string, obj: KubeObject, options: WriteOptions): Promise<KubeObject> {
    const key = this.storeKey(ref, namespace, name);
    const existing = this.bucket(ref).get(key);
    if (!existing) throw notFound(this.target(ref, name));
    const sentVersion = obj.metadata?.resourceVersion;
    if (sentVersion && sentVersion !== existing.metadata?.resourceVersion) {
      throw conflict(this.target(ref, name), staleObjectMessage);
    }
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = cloneJSON(existing);
      if (obj.status === undefined) delete next.status;
      else next.status = cloneJSON(obj.status);
    } else if (options.subresource) {
      throw badRequest(`subresource ${options.subresource} is not supported by MemoryClient`);
    } else {
      next = obj;
      if (this.hasStatusSubresource(ref)) {
        if (existing.status === undefined) delete next.status;
        else next.status = cloneJSON(existing.status);
      }
      const m = metaOf(next);
      const old = existing.metadata ?? {};
      // System fields are the server's to set.
      m.name = name;
      if (this.namespaced(ref, namespace)) m.namespace = namespace;
      else delete m.namespace;
      m.uid = old.uid;
      m.creationTimestamp = old.creationTimestamp;
      m.generation = old.generation;
      if (old.deletionTimestamp) m.deletionTimestamp = old.deletionTimestamp;
      else delete m.deletionTimestamp;
      if (old.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
      else delete m.deletionGracePeriodSeconds;
      this.fillTypeMeta(ref, next);
      if (!jsonEqual(withoutMetaAndStatus(next), withoutMetaAndStatus(existing))) m.generation = (old.generation ?? 0) + 1;
    }
    metaOf(next).resourceVersion = existing.metadata?.resourceVersion;
    if (jsonEqual(next, existing)) return cloneJSON(existing);
    if (options.dryRun) return next;
    if (next.metadata?.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.commit(ref, key, 'DELETED', next, existing);
    } else {
      this.commit(ref, key, 'MODIFIED', next, existing);
    }
    return cloneJSON(next);
  }

  /** Stores a change under a new revision, records it in the history and tells the watches. */
  private commit(ref: ResourceRef, key: string, type: HistoryEntry['type'], obj: KubeObject, previous?: KubeObject): void {
    this.revision++;
    metaOf(obj).resourceVersion = String(this.revision);
    const stored = cloneJSON(obj);
    if (type === 'DELETED') this.bucket(ref).delete(key);
    else this.bucket(ref).set(key, stored);
    const entry: HistoryEntry = { revision: this.revision, refKey: refKeyOf(ref), type, object: stored, previous };
    this.history.push(entry);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.compactedRevision = dropped.revision;
    }
    for (const w of this.watchers) {
      if (w.refKey !== entry.refKey) continue;
      const event = eventFor(entry, w.matches);
      if (event) w.push(event);
    }
  }

  private begin(action: Action): void {
    this.actions.push(action);
    const i = this.failures.findIndex((f) => f.verb === action.verb && (!f.resource || f.resource === action.ref.resource));
    if (i >= 0) {
      const [failure] = this.failures.splice(i, 1);
      if (failure) throw failure.error;
    }
  }

  private bucket(ref: ResourceRef): Map<string, KubeObject> {
    const key = refKeyOf(ref);
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(key, bucket);
    }
    return bucket;
  }

  /** Cluster-scoped objects are stored without a namespace whatever the caller passed. */
  private storeKey(ref: ResourceRef, namespace: string, name: string): string {
    return objectStoreKey(this.namespaced(ref, namespace) ? namespace : '', name);
  }

  private resourceType(ref: ResourceRef): ResourceType | undefined {
    return findResource(ref.group, ref.version, ref.resource);
  }

  private namespaced(ref: ResourceRef, namespace: string): boolean {
    return this.resourceType(ref)?.namespaced ?? namespace !== '';
  }

  private hasStatusSubresource(ref: ResourceRef): boolean {
    return this.resourceType(ref)?.subresources.some((s) => s.name === 'status') ?? false;
  }

  private fillTypeMeta(ref: ResourceRef, obj: KubeObject): void {
    obj.apiVersion ??= groupVersion(ref.group, ref.version);
    const kind = this.resourceType(ref)?.kind;
    if (kind) obj.kind ??= kind;
  }

  private target(ref: ResourceRef, name: string): ErrorTarget {
    return { resource: ref.resource, group: ref.group, name };
  }

  private selection(ref: ResourceRef, options: ListOptions): Selection {
    const label = parseLabelSelector(options.labelSelector ?? '');
    let field = parseFieldSelector(options.fieldSelector ?? '');
    const type = this.resourceType(ref);
    if (type) field = checkFieldSelector(type, field);
    return { label, field };
  }

  private selects(ref: ResourceRef, selection: Selection, obj: KubeObject): boolean {
    if (!matchesLabels(selection.label, obj.metadata?.labels)) return false;
    if (selection.field.requirements.length === 0) return true;
    const type = this.resourceType(ref);
    const fields = type
      ? fieldSetFor(type, obj)
      : { 'metadata.name': obj.metadata?.name ?? '', 'metadata.namespace': obj.metadata?.namespace ?? '' };
    return matchesFields(selection.field, fields);
  }

  /** generateName plus five characters from upstream's alphabet; deterministic so tests can predict it. */
  private generateName(ref: ResourceRef, namespace: string, prefix: string): string {
    for (;;) {
      let n = this.nameCounter++;
      let suffix = '';
      for (let i = 0; i < 5; i++) {
        suffix += nameAlphabet[n % nameAlphabet.length];
        n = Math.floor(n / nameAlphabet.length);
      }
      const name = prefix + suffix;
      if (!this.bucket(ref).has(this.storeKey(ref, namespace, name))) return name;
    }
  }
}

function withoutMetaAndStatus(obj: KubeObject): KubeObject {
  const { metadata: _metadata, status: _status, ...rest } = obj;
  return rest;
}

/** The event a watcher with selector `inScope` sees for a change, upstream style: moving in is ADDED, out is DELETED. */
function eventFor(entry: HistoryEntry, inScope: (obj: KubeObject) => boolean): WatchEventOf | undefined {
  const now = inScope(entry.object);
  if (entry.type !== 'MODIFIED' || !entry.previous) {
    return now ? { type: entry.type, object: cloneJSON(entry.object) } : undefined;
  }
  const before = inScope(entry.previous);
  if (now && before) return { type: 'MODIFIED', object: cloneJSON(entry.object) };
  if (now) return { type: 'ADDED', object: cloneJSON(entry.object) };
  if (before) return { type: 'DELETED', object: cloneJSON(entry.object) };
  return undefined;
}
