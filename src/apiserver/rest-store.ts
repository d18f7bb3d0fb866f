import { randomUUID } from 'node:crypto';
import type { DeleteOptions } from 'kubernetes-types/meta/v1.js';
import { StringInterner } from '../apimachinery/string-interner.js';
import { checkValueSize, StorageError, tooLargeMessage, type KeyValue, type Store, type WatchEvent } from '../storage/store.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  gone,
  invalid,
  notFound,
  staleObjectMessage,
  StatusError,
  type ErrorTarget,
  type FieldError,
} from '../apimachinery/errors.js';
import { cloneJSON, formatTime, jsonEqual, type KubeObject } from '../apimachinery/object.js';
import { measureJSON } from '../apimachinery/json-shape.js';
import { isJSONExact } from '../apimachinery/json.js';
import { checkNesting } from './body.js';
import type { NowClock as Clock } from '../apimachinery/clock.js';
import { groupVersion, type ResourceType } from './registry.js';
import { allocationStatus } from './allocator.js';
import { AllocationFieldErrors, type TypeStrategy } from './strategy.js';
import { WatchHub, type ObjectEvent, type WatchSink } from './watch-hub.js';
import type { AdmissionChain } from './admission/admission.js';
import { NamespaceReadCache } from './namespace-read-cache.js';

export type { ObjectEvent, WatchEnd, WatchSink } from './watch-hub.js';

/** A predicate over stored objects (from label and field selectors). */
export type ObjectFilter = (obj: KubeObject) => boolean;

/** Options of {@link RestStore.list}. */
export interface RestListOptions {
  filter?: ObjectFilter;
  limit?: number;
  continueToken?: string;
  /** '' or undefined: latest; a number: read at that revision (Exact) or newer. */
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

/** A list result: items plus list metadata. */
export interface RestList {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** Options of writes. */
export interface WriteOptions {
  dryRun?: boolean;
  /** Called with the object as it will be written, after defaults and before validation. */
  mutate?: (obj: KubeObject, old: KubeObject | undefined) => void;
}

/**
 * How a type's objects are kept when they share another type's storage (events.k8s.io/v1
 * Events live as core/v1 Events).
 */
export interface StorageCodec {
  /** The group whose keys hold the objects ('core' for the core group). */
  storageGroup: string;
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

/** The result of a delete: the object, and whether it is gone or only marked for deletion. */
export interface DeleteResult {
  object: KubeObject;
  deleted: boolean;
}

const nameChars = 'bcdfghjklmnpqrstvwxz2456789';

/** Upstream's generateName suffix: five characters from an alphabet without vowels. */
export function randomNameSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += nameChars[Math.floor(Math.random() * nameChars.length)];
  return s;
}

interface ContinueToken {
  rv: number;
  start: string;
}

/** What some types' stores have besides a strategy. */
export interface RestStoreExtras {
  /** How the objects are kept when they share another type's storage. Default: their own keys. */
  codec?: StorageCodec;
  /** Admission: mutating on create and update (after defaults, before validation), validating after validation and on delete. Default: none. */
  admission?: AdmissionChain;
  /** Events of this type kept for watches from a recent revision (older ones are 410). Default 5000. */
  watchHistorySize?: number;
}

/**
 * The generic storage of one resource type on top of a {@link Store}, in the manner of
 * upstream's generic registry: keys, resourceVersions, create/update/delete semantics,
 * graceful deletion and finalizers, lists with paging and watches. Type-specific behaviour
 * comes from its {@link TypeStrategy}.
 */
export class RestStore {
  private readonly codec?: StorageCodec;
  readonly apiVersion: string;
  private readonly hub: WatchHub;
  /** Reads that other types' writes repeat (see {@link listShared}, {@link getShared}). */
  private readonly sharedReads = new NamespaceReadCache();
  /** Decoded objects share their repeated strings (caches hold many objects of this type). */
  private readonly strings = new StringInterner();

  constructor(
    readonly type: ResourceType,
    private readonly store: Store,
    readonly strategy: TypeStrategy,
    private readonly clock: Clock,
    private readonly extras: RestStoreExtras = {},
  ) {
    this.codec = extras.codec;
    this.apiVersion = groupVersion(type.group, type.version);
    this.hub = new WatchHub({
      watchStore: (after, signal) => this.store.watch(this.prefix(''), after, signal),
      decode: (e) => this.decodeEvent(e),
      currentRevision: () => this.store.currentRevision(),
      compactedRevision: () => this.store.compactedRevision(),
      historySize: extras.watchHistorySize,
    });
  }

  /** The key prefix of all objects of this type, or of one namespace's. */
  prefix(namespace: string): string {
    const base = `/registry/${this.codec?.storageGroup ?? (this.type.group || 'core')}/${this.type.plural}/`;
    return this.type.namespaced && namespace ? `${base}${namespace}/` : base;
  }

  /** The key of one object. */
  key(namespace: string, name: string): string {
    return this.type.namespaced ? `${this.prefix(namespace)}${name}` : `${this.prefix('')}${name}`;
  }

  private target(name: string): ErrorTarget {
    return { resource: this.type.plural, group: this.type.group, kind: this.type.kind, name };
  }

  /** Decodes a stored value into an object whose resourceVersion is its modRevision. */
  decode(kv: KeyValue): KubeObject {
    const stored = this.strings.internAll(JSON.parse(kv.value) as KubeObject);
    const obj = this.codec ? this.codec.fromStorage(stored) : stored;
    obj.metadata = { ...obj.metadata, resourceVersion: String(kv.modRevision) };
    return obj;
  }

  /** The stored form; 413 with etcd's message past its request limit, on every backend. */
  private encode(obj: KubeObject): string {
    return this.encodeTyped(obj).text;
  }

  /**
   * The stored form of {@link encode}, with the object it stands for when it needs no codec: what
   * {@link decode} of the written value gives, once its resourceVersion is set (see {@link written}).
   */
  private encodeTyped(obj: KubeObject): { text: string; typed: KubeObject } {
    const { resourceVersion: _rv, ...meta } = obj.metadata ?? {};
    const typed: KubeObject = { ...obj, apiVersion: this.apiVersion, kind: this.type.kind, metadata: meta };
    const text = JSON.stringify(this.codec ? this.codec.toStorage(typed) : typed);
    try {
      checkValueSize(text);
    } catch (err) {
      throw new StatusError(413, 'RequestEntityTooLarge', tooLargeMessage, undefined, { cause: err });
    }
    return { text, typed };
  }

  /**
   * The object a write stored, as {@link decode} of `kv` answers it: without a codec, the object
   * that was encoded (the caller's to keep: nothing else holds it) with its new resourceVersion, so
   * the value just written is not parsed again; with one (or when JSON would change the object),
   * decoded from the stored value.
   */
  private written(kv: KeyValue, typed: KubeObject): KubeObject {
    if (this.codec || !isJSONExact(typed)) return this.decode(kv);
    typed.metadata = { ...typed.metadata, resourceVersion: String(kv.modRevision) };
    return typed;
  }

  /** Reads one object; 404 if absent. */
  async get(namespace: string, name: string): Promise<KubeObject> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw notFound(this.target(name));
    return this.decode(kv);
  }

  /**
   * Every object of a namespace ('' for all), frozen and shared with other callers: answered
   * from memory while no write of that namespace through this store started or ended since it
   * was read, so it never misses an acknowledged write. For reads that other writes repeat
   * (admission's quotas and limit ranges).
   */
  listShared(namespace: string): Promise<readonly KubeObject[]> {
    // A list of all namespaces depends on writes in any of them: kept under a mark of its own.
    const mark = !this.type.namespaced ? '' : namespace || '*';
    return this.sharedReads.get(mark, `list ${namespace}`, async () => (await this.list(namespace)).items);
  }

  /** One object as {@link get}, frozen and shared as {@link listShared} (404 is not kept). */
  getShared(namespace: string, name: string): Promise<KubeObject> {
    return this.sharedReads.get(this.type.namespaced ? namespace : '', `get ${namespace}/${name}`, () => this.get(namespace, name));
  }

  /** Runs a write of `key`, marked for the shared reads of its namespace before and after. */
  private async writing<T>(key: string, write: () => Promise<T>): Promise<T> {
    const namespace = this.namespaceOfKey(key);
    this.sharedReads.touch(namespace);
    if (this.type.namespaced) this.sharedReads.touch('*');
    try {
      return await write();
    } finally {
      this.sharedReads.touch(namespace);
      if (this.type.namespaced) this.sharedReads.touch('*');
    }
  }

  private namespaceOfKey(key: string): string {
    if (!this.type.namespaced) return '';
    const base = this.prefix('');
    return key.slice(base.length, key.indexOf('/', base.length));
  }

  /** Lists objects, filtered and paged; reads every page at the first page's revision. */
  async list(namespace: string, opts: RestListOptions = {}): Promise<RestList> {
    let revision = 0;
    let start: string | undefined;
    if (opts.continueToken) {
      const token = decodeContinue(opts.continueToken);
      revision = token.rv;
      start = token.start;
    } else if (opts.resourceVersion && opts.resourceVersion !== '0' && opts.resourceVersionMatch === 'Exact') {
      revision = parseRevision(opts.resourceVersion);
    }
    const prefix = this.prefix(namespace);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    let readRevision = revision;
    try {
      for (;;) {
        const page = await this.store.list(prefix, {
          revision: readRevision || undefined,
          limit: limit ? Math.max(limit - items.length, 50) + 1 : 0,
          startAfter: start,
        });
        readRevision = page.revision;
        let i = 0;
        for (; i < page.items.length; i++) {
          const kv = page.items[i];
          if (limit && items.length === limit) break;
          start = kv.key;
          const obj = this.decode(kv);
          if (!opts.filter || opts.filter(obj)) {
            items.push(obj);
            lastKey = kv.key;
          }
        }
        if (limit && items.length === limit) {
          more = i < page.items.length || page.more;
          break;
        }
        if (!page.more) break;
      }
    } catch (err) {
      if (err instanceof StorageError && err.code === 'Compacted') {
        if (opts.continueToken) {
          throw gone(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          );
        }
        throw gone(`The resourceVersion for the provided list is too old.`);
      }
      throw err;
    }
    const result: RestList = { items, resourceVersion: String(readRevision) };
    if (more && lastKey) result.continueToken = encodeContinue({ rv: readRevision, start: lastKey });
    return result;
  }

  /** Creates an object in a namespace; 409 if the name is taken, 422 if invalid. */
  async create(namespace: string, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const obj = cloneJSON(input);
    this.checkTypeMeta(obj);
    const meta = (obj.metadata ??= {});
    if (this.type.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace || meta.namespace;
    } else {
      delete meta.namespace;
    }
    const generated = !meta.name && !!meta.generateName;
    for (let attempt = 0; ; attempt++) {
      if (generated) meta.name = `${meta.generateName}${randomNameSuffix()}`;
      try {
        return await this.createOnce(obj, opts);
      } catch (err) {
        // A generated name that collides is generated again, as upstream retries.
        if (generated && attempt < 8 && err instanceof StatusError && err.reason === 'AlreadyExists') continue;
        throw err;
      }
    }
  }

  private async createOnce(input: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const obj = cloneJSON(input);
    const meta = obj.metadata!;
    const name = meta.name ?? '';
    meta.uid = randomUUID();
    meta.creationTimestamp = formatTime(this.clock.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.generation;
    delete meta.selfLink;
    this.strategy.prepareForCreate(obj);
    await this.extras.admission?.admit({ operation: 'CREATE', type: this.type, namespace: meta.namespace ?? '', object: obj, subresource: '' });
    opts.mutate?.(obj, undefined);
    const errors: FieldError[] = [];
    if (!name) {
      errors.push({ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' });
    } else {
      errors.push(...this.strategy.validateCreate(obj));
    }
    if (errors.length) throw invalid(this.target(name), errors);
    await this.extras.admission?.validate({ operation: 'CREATE', type: this.type, namespace: meta.namespace ?? '', object: obj, subresource: '', dryRun: opts.dryRun });
    const key = this.key(meta.namespace ?? '', name);
    // A taken name must answer AlreadyExists, not an allocation error for its values.
    if (this.strategy.allocates && (await this.store.get(key))) throw alreadyExists(this.target(name));
    const undo = await this.allocate(obj, undefined, !!opts.dryRun, name);
    if (opts.dryRun) {
      obj.apiVersion = this.apiVersion;
      obj.kind = this.type.kind;
      return obj;
    }
    try {
      const { text, typed } = this.encodeTyped(obj);
      const kv = await this.writing(key, () => this.store.create(key, text));
      return this.written(kv, typed);
    } catch (err) {
      await undo();
      if (err instanceof StorageError && err.code === 'KeyExists') throw alreadyExists(this.target(name));
      throw err;
    }
  }

  private async allocate(obj: KubeObject, old: KubeObject | undefined, dryRun: boolean, name: string) {
    try {
      return await this.strategy.allocate(obj, old, dryRun);
    } catch (err) {
      if (err instanceof AllocationFieldErrors) throw invalid(this.target(name), err.errors);
      throw allocationStatus(err) ?? err;
    }
  }

  private checkTypeMeta(obj: KubeObject): void {
    if (obj.apiVersion && obj.apiVersion !== this.apiVersion) {
      throw badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${this.apiVersion})`,
      );
    }
    if (obj.kind && obj.kind !== this.type.kind) {
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${this.type.kind})`);
    }
  }

  /**
   * Replaces an object (PUT). With a resourceVersion in the body, the write succeeds only
   * if it is current (409 otherwise); without one it overwrites whatever is there.
   */
  async update(
    namespace: string,
    name: string,
    input: KubeObject,
    subresource = '',
    opts: WriteOptions = {},
  ): Promise<KubeObject> {
    this.checkTypeMeta(input);
    const bodyName = input.metadata?.name;
    if (bodyName !== undefined && bodyName !== name) {
      throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    }
    if (this.type.namespaced && input.metadata?.namespace && input.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const wantedRV = input.metadata?.resourceVersion;
    return this.guaranteedUpdate(
      namespace,
      name,
      (current) => {
        if (wantedRV && wantedRV !== current.metadata?.resourceVersion) {
          throw conflict(this.target(name), staleObjectMessage);
        }
        const next = cloneJSON(input);
        next.metadata = { ...next.metadata, name, resourceVersion: current.metadata?.resourceVersion };
        if (this.type.namespaced) next.metadata.namespace = namespace;
        return next;
      },
      subresource,
      opts,
    );
  }

  /**
   * Reads the current object, lets `transform` build the new one, and writes it with a
   * compare-and-swap, trying again when another writer got there first (the transform decides
   * whether a stale read is an error). Used by update, patch, scale and binding.
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    transform: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    subresource = '',
    opts: WriteOptions = {},
  ): Promise<KubeObject> {
    const key = this.key(namespace, name);
    for (;;) {
      const kv = await this.store.get(key);
      if (!kv) throw notFound(this.target(name));
      const current = this.decode(kv);
      const next = await transform(cloneJSON(current));
      // A patch can make an object deeper than any request body may be (JSON patch paths).
      checkNesting(measureJSON(next));
      this.restoreSystemMeta(next, current);
      this.strategy.prepareForUpdate(next, current, subresource);
      await this.extras.admission?.admit({
        operation: 'UPDATE',
        type: this.type,
        namespace: current.metadata?.namespace ?? '',
        object: next,
        oldObject: current,
        subresource,
      });
      opts.mutate?.(next, current);
      const errors = this.strategy.validateUpdate(next, current, subresource);
      if (errors.length) throw invalid(this.target(name), errors);
      await this.extras.admission?.validate({ operation: 'UPDATE', type: this.type, namespace: current.metadata?.namespace ?? '', object: next, oldObject: current, subresource, dryRun: opts.dryRun });
      // An update that drops the last finalizer of an object being deleted completes the delete.
      if (current.metadata?.deletionTimestamp && !(next.metadata?.finalizers ?? []).length && !this.strategy.holdsDeletion(next)) {
        if (opts.dryRun) return next;
        try {
          const deleted = await this.writing(key, () => this.store.delete(key, kv.modRevision));
          await this.strategy.release(current);
          return this.decode({ ...deleted, value: this.encode(next) });
        } catch (err) {
          if (err instanceof StorageError && err.code === 'RevisionMismatch') continue;
          throw err;
        }
      }
      if (jsonEqual(stripRV(next), stripRV(current))) return current;
      const undo = await this.allocate(next, current, !!opts.dryRun, name);
      if (opts.dryRun) return { ...next, apiVersion: this.apiVersion, kind: this.type.kind };
      try {
        const value = this.encode(next);
        const written = await this.writing(key, () => this.store.update(key, value, kv.modRevision));
        await this.strategy.release(current, next);
        return this.decode(written);
      } catch (err) {
        await undo();
        if (err instanceof StorageError && (err.code === 'RevisionMismatch' || err.code === 'NotFound')) {
          if (err.code === 'NotFound') throw notFound(this.target(name));
          continue;
        }
        throw err;
      }
    }
  }

  /** Fields of metadata that only the server sets survive any client write. */
  private restoreSystemMeta(next: KubeObject, current: KubeObject): void {
    const meta = (next.metadata ??= {});
    const cur = current.metadata ?? {};
    meta.name = cur.name;
    if (this.type.namespaced) meta.namespace = cur.namespace;
    meta.uid = cur.uid;
    meta.creationTimestamp = cur.creationTimestamp;
    if (cur.deletionTimestamp) meta.deletionTimestamp = cur.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (cur.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = cur.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    if (cur.generation !== undefined) meta.generation = cur.generation;
    else delete meta.generation;
    if (meta.managedFields === undefined && cur.managedFields !== undefined) meta.managedFields = cur.managedFields;
    delete meta.selfLink;
    next.apiVersion = this.apiVersion;
    next.kind = this.type.kind;
  }

  /**
   * Deletes an object as upstream does: preconditions, propagation finalizers, graceful
   * deletion of pods on nodes, and finalizers that hold the object until they are removed.
   */
  async delete(namespace: string, name: string, options: DeleteOptions = {}, dryRun = false): Promise<DeleteResult> {
    const key = this.key(namespace, name);
    for (;;) {
      const kv = await this.store.get(key);
      if (!kv) throw notFound(this.target(name));
      const current = this.decode(kv);
      const meta = current.metadata ?? {};
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw conflict(
          this.target(name),
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw conflict(
          this.target(name),
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`,
        );
      }
      await this.extras.admission?.validate({ operation: 'DELETE', type: this.type, namespace: meta.namespace ?? '', oldObject: current, subresource: '' });
      const next = cloneJSON(current);
      const nmeta = next.metadata!;
      const finalizers = new Set(nmeta.finalizers ?? []);
      const policy =
        options.propagationPolicy ??
        (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
      if (policy === 'Foreground') {
        finalizers.delete('orphan');
        finalizers.add('foregroundDeletion');
      } else if (policy === 'Orphan') {
        finalizers.delete('foregroundDeletion');
        finalizers.add('orphan');
      } else if (policy === 'Background') {
        finalizers.delete('foregroundDeletion');
        finalizers.delete('orphan');
      }
      if (finalizers.size) nmeta.finalizers = [...finalizers];
      else delete nmeta.finalizers;
      const now = this.clock.now();
      let grace = 0;
      if (this.type.kind === 'Pod' && this.type.group === '') {
        const spec = current.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
        grace = options.gracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? 30;
        // A pod no kubelet runs, or one that has ended, goes at once.
        const phase = (current.status as { phase?: string } | undefined)?.phase;
        if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
        if (grace < 0) grace = 0;
      }
      if (this.type.kind === 'Namespace' && this.type.group === '') {
        // A namespace is emptied first; its spec.finalizers keep it until then.
        const specFinalizers = (current.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
        if (specFinalizers.length) {
          next.status = { ...(next.status as object), phase: 'Terminating' };
          if (!nmeta.deletionTimestamp) {
            nmeta.deletionTimestamp = formatTime(now);
            nmeta.deletionGracePeriodSeconds = 0;
          }
          return this.writeDeleting(key, kv, next, dryRun);
        }
      }
      const pendingGrace = grace > 0;
      if (meta.deletionTimestamp) {
        // Already being deleted: a shorter grace period may replace the old one.
        const prevGrace = meta.deletionGracePeriodSeconds ?? 0;
        if (this.type.kind === 'Pod' && options.gracePeriodSeconds !== undefined && grace < prevGrace) {
          nmeta.deletionGracePeriodSeconds = grace;
          nmeta.deletionTimestamp = deletionDeadline(now, grace);
          if (grace > 0 || finalizers.size) return this.writeDeleting(key, kv, next, dryRun);
        } else if (prevGrace > 0 || finalizers.size || (meta.finalizers ?? []).length) {
          if (!jsonEqual(next, current)) return this.writeDeleting(key, kv, next, dryRun);
          return { object: current, deleted: false };
        }
      } else if (finalizers.size || pendingGrace) {
        nmeta.deletionTimestamp = deletionDeadline(now, grace);
        nmeta.deletionGracePeriodSeconds = grace;
        return this.writeDeleting(key, kv, next, dryRun);
      }
      if (dryRun) return { object: current, deleted: true };
      try {
        await this.writing(key, () => this.store.delete(key, kv.modRevision));
      } catch (err) {
        if (err instanceof StorageError && err.code === 'RevisionMismatch') continue;
        if (err instanceof StorageError && err.code === 'NotFound') throw notFound(this.target(name));
        throw err;
      }
      await this.strategy.release(current);
      return { object: current, deleted: true };
    }
  }

  private async writeDeleting(key: string, kv: KeyValue, next: KubeObject, dryRun: boolean): Promise<DeleteResult> {
    if (dryRun) return { object: next, deleted: false };
    try {
      const value = this.encode(next);
      const written = await this.writing(key, () => this.store.update(key, value, kv.modRevision));
      return { object: this.decode(written), deleted: false };
    } catch (err) {
      if (err instanceof StorageError && err.code === 'RevisionMismatch') {
        // Someone wrote in between: start over from the fresh object.
        const name = next.metadata?.name ?? '';
        const ns = next.metadata?.namespace ?? '';
        return this.delete(ns, name, {}, dryRun);
      }
      throw err;
    }
  }

  /**
   * Watches this type (one namespace or all) for changes after `afterRevision`, from the shared
   * hub. As upstream's watch cache, a revision older than the hub's history answers 410
   * Expired ("too old resource version: X (Y)"), whether or not the store still holds it.
   */
  async *watch(namespace: string, afterRevision: number, signal: AbortSignal): AsyncGenerator<ObjectEvent> {
    try {
      const shared = await this.hub.subscribe(namespace, afterRevision, signal);
      if (!shared) throw gone(`too old resource version: ${afterRevision} (${this.hub.oldestRevision})`);
      yield* shared;
    } catch (err) {
      if (err instanceof StorageError && err.code === 'Compacted') {
        throw gone(`too old resource version: ${afterRevision} (${await this.store.compactedRevision()})`);
      }
      throw err;
    }
  }

  /**
   * Pushes this type's changes (one namespace or all) after `afterRevision` into `sink` as the
   * shared hub publishes them, until `signal` aborts (see {@link WatchHub.attach}). Throws 410
   * Expired as {@link watch} does; a store watch that fails because its revision was compacted
   * ends the sink with the same 410.
   */
  async attachWatch(namespace: string, afterRevision: number, sink: WatchSink, signal: AbortSignal): Promise<void> {
    const compactedAware: WatchSink = {
      push: (e) => sink.push(e),
      backlogBytes: () => sink.backlogBytes(),
      backlogEvents: () => sink.backlogEvents(),
      end: (how) => {
        if (how.reason !== 'failed' || !(how.error instanceof StorageError) || how.error.code !== 'Compacted') return sink.end(how);
        void this.store.compactedRevision().then(
          (compacted) => sink.end({ reason: 'failed', error: gone(`too old resource version: ${afterRevision} (${compacted})`) }),
          (error: unknown) => sink.end({ reason: 'failed', error }),
        );
      },
    };
    let attached: boolean;
    try {
      attached = await this.hub.attach(namespace, afterRevision, compactedAware, signal);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'Compacted') {
        throw gone(`too old resource version: ${afterRevision} (${await this.store.compactedRevision()})`);
      }
      throw err;
    }
    if (!attached) throw gone(`too old resource version: ${afterRevision} (${this.hub.oldestRevision})`);
  }

  private decodeEvent(e: WatchEvent): ObjectEvent {
    const encoded = new Map<string, Buffer>();
    const bytes = e.kv.value.length + (e.prevKv?.value.length ?? 0);
    if (e.type === 'delete') {
      const prev = e.prevKv ?? e.kv;
      const obj = this.decode({ ...prev, modRevision: e.revision });
      return { type: 'DELETED', object: obj, hasPrevious: true, previous: () => obj, revision: e.revision, namespace: obj.metadata?.namespace ?? '', encoded, bytes };
    }
    const object = this.decode(e.kv);
    const prevKv = e.prevKv;
    let previous: KubeObject | undefined;
    return {
      type: e.type === 'create' ? 'ADDED' : 'MODIFIED',
      object,
      hasPrevious: prevKv !== undefined,
      // Decoded once, when a filtered watch first needs it: unfiltered watches never do.
      previous: () => (prevKv ? (previous ??= this.decode(prevKv)) : undefined),
      revision: e.revision,
      namespace: object.metadata?.namespace ?? '',
      encoded,
      bytes,
    };
  }

  /** Stops the shared watch (at server shutdown). */
  stopWatching(): void {
    this.hub.stop();
  }

  /** The store's current revision. */
  currentRevision(): Promise<number> {
    return this.store.currentRevision();
  }
}

function stripRV(obj: KubeObject): KubeObject {
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = obj.metadata ?? {};
  return { ...obj, metadata: meta };
}

/** Parses a resourceVersion; 400 when it is not a number. */
export function parseRevision(rv: string): number {
  const n = Number(rv);
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(n)) {
    throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  }
  return n;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof t.rv === 'number' && typeof t.start === 'string') return { rv: t.rv, start: t.start };
  } catch (err) {
    throw badRequest('continue key is not valid: ' + String(err), { cause: err });
  }
  throw badRequest('continue key is not valid');
}

/** The last instant RFC 3339 (and so every client) can write: 9999-12-31T23:59:59Z. */
const lastWritableTime = Date.UTC(9999, 11, 31, 23, 59, 59);

/** When a graceful deletion ends: `grace` seconds from now, however large (int64) the grace period. */
function deletionDeadline(now: Date, grace: number): string {
  return formatTime(new Date(Math.min(now.getTime() + grace * 1000, lastWritableTime)));
}
