/**
 * Informers as client-go's tools/cache: a reflector lists then watches a resource type, keeps a
 * local indexed cache, and tells event handlers about changes. Controllers read from the cache
 * and have their handlers enqueue keys into a work queue.
 */
import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { Client, ObjectList, ResourceRef } from './client.js';
import { systemClock, type Clock } from '../apimachinery/clock.js';

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects (client-go's MetaNamespaceKeyFunc). */
export function objectKey(obj: KubeObject): string {
  const namespace = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a key made by {@link objectKey}. @throws Error for a key with more than one `/`. */
export function splitKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { namespace: '', name: key };
  if (parts.length === 2) return { namespace: parts[0] ?? '', name: parts[1] ?? '' };
  throw new Error(`unexpected key format: ${JSON.stringify(key)}`);
}

/** Maps an object to the index values it is filed under. */
export type IndexFunc<T> = (obj: T) => string[];

/** The index every cache has: objects by namespace ('' for cluster-scoped). */
export const namespaceIndex = 'namespace';

/**
 * A thread-unsafe (single event loop) indexed object cache, as client-go's cache.Indexer. Objects
 * handed out are the cached ones: do not modify them, copy first.
 */
export class Indexer<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndexers({ [namespaceIndex]: (obj: T) => [obj.metadata?.namespace ?? ''], ...indexers });
  }

  /** Adds indexers (rebuilding their indices from the cached objects). @throws Error if a name is taken. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer conflict: ${name}`);
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) fileUnder(index, fn(obj), key);
    }
  }

  /** Whether an indexer of this name exists. */
  hasIndex(name: string): boolean {
    return this.indexers.has(name);
  }

  /** The object with this key. */
  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  /** The object with this namespace ('' for cluster-scoped) and name. */
  get(namespace: string, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Every cached object, or those of one namespace. */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.items.values()];
    return this.byIndex(namespaceIndex, namespace);
  }

  /** Every key. */
  keys(): string[] {
    return [...this.items.keys()];
  }

  /** Number of cached objects. */
  get size(): number {
    return this.items.size;
  }

  /** The objects filed under `value` by indexer `indexName`. @throws Error for an unknown index. */
  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index ${JSON.stringify(indexName)} does not exist`);
    const out: T[] = [];
    for (const key of index.get(value) ?? []) {
      const obj = this.items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Stores `obj` under `key` and returns what was there. */
  set(key: string, obj: T): T | undefined {
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name);
      if (index) fileUnder(index, fn(obj), key);
    }
    return old;
  }

  /** Removes `key` and returns what was there. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name);
      if (!index) continue;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}

function fileUnder(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const value of values) {
    let keys = index.get(value);
    if (!keys) {
      keys = new Set();
      index.set(value, keys);
    }
    keys.add(key);
  }
}

/** Callbacks for cache changes. They run inline with the informer: keep them quick (enqueue a key). */
export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  /** Also called with the same object twice on resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** Gets the object as last seen (the final state from the watch, or the cached one after a relist). */
  onDelete?(obj: T): void;
}

/** Options of {@link Informer}. */
export interface InformerOptions<T> {
  /** Namespace to watch; '' (default) for all. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Every this many ms, onUpdate(obj, obj) for every cached object. 0 (default) never. */
  resyncPeriodMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** Indexers besides the built-in {@link namespaceIndex}. */
  indexers?: Record<string, IndexFunc<T>>;
  /** Page size of the initial and recovery lists (0 = unpaged). Default 500, as client-go's pager. */
  pageSize?: number;
  /** First retry delay after a failed list or watch, doubling up to `maxBackoffMs`. Default 800 (client-go). */
  initialBackoffMs?: number;
  /** Default 30000 (client-go). */
  maxBackoffMs?: number;
  /** Told about failed lists and watches and throwing handlers. Default: console.error. */
  onError?: (error: unknown) => void;
  /**
   * Applied to every listed and watched object before it is cached or handed to handlers
   * (client-go's TransformFunc), e.g. trim-managed-fields.ts's withoutManagedFields. Must not modify its
   * argument. Default: objects are kept as received.
   */
  transform?: (obj: T) => T;
}

function isExpired(err: unknown): boolean {
  return err instanceof StatusError && err.code === 410;
}

/**
 * A list-watch cache of one resource type (optionally one namespace and selection), as
 * client-go's SharedIndexInformer. `start` lists, then watches from the list's resourceVersion;
 * when a watch ends it watches again from the last resourceVersion seen (BOOKMARKs advance it);
 * when that is too old (410) it relists and reconciles the cache, emitting add, update and delete
 * for the differences. Failures are retried with exponential backoff on the clock.
 */
export class Informer<T extends KubeObject = KubeObject> {
  /** The local cache. */
  readonly store: Indexer<T>;

  private readonly namespace: string;
  private readonly clock: Clock;
  private readonly handlers: EventHandlers<T>[] = [];
  private readonly syncWaiters = new Set<() => void>();
  private readonly reportError: (error: unknown) => void;
  private lastResourceVersion = '';
  private synced = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    readonly ref: ResourceRef,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.namespace = options.namespace ?? '';
    this.clock = options.clock ?? systemClock;
    this.store = new Indexer<T>(options.indexers);
    this.reportError =
      options.onError ??
      ((error) => console.error(`informer ${ref.group || 'core'}/${ref.version}/${ref.resource}:`, error));
  }

  /** The cached object with this namespace ('' for cluster-scoped) and name. */
  get(namespace: string, name: string): T | undefined {
    return this.store.get(namespace, name);
  }

  /** Cached objects, all or of one namespace. */
  list(namespace?: string): T[] {
    return this.store.list(namespace);
  }

  /** Cached objects filed under `value` by indexer `indexName`. */
  byIndex(indexName: string, value: string): T[] {
    return this.store.byIndex(indexName, value);
  }

  /** Adds indexers, also after start. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.store.addIndexers(indexers);
  }

  /** Whether the first list has been stored. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Whether `start` was called. */
  get started(): boolean {
    return this.running !== undefined;
  }

  /** The resourceVersion the next watch starts from. */
  lastSyncResourceVersion(): string {
    return this.lastResourceVersion;
  }

  /** Resolves true once synced, or false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onSynced = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      };
      const onAbort = (): void => {
        this.syncWaiters.delete(onSynced);
        resolve(false);
      };
      this.syncWaiters.add(onSynced);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Registers handlers. Registered after objects are cached, `onAdd` is called at once for each
   * of them, as client-go does for a late handler.
   */
  addEventHandler(handlers: EventHandlers<T>): void {
    this.handlers.push(handlers);
    if (handlers.onAdd) for (const obj of this.store.list()) this.call(() => handlers.onAdd?.(obj));
  }

  /** Shorthand for `addEventHandler({ onAdd })`. */
  onAdd(fn: (obj: T) => void): void {
    this.addEventHandler({ onAdd: fn });
  }

  /** Shorthand for `addEventHandler({ onUpdate })`. */
  onUpdate(fn: (oldObj: T, newObj: T) => void): void {
    this.addEventHandler({ onUpdate: fn });
  }

  /** Shorthand for `addEventHandler({ onDelete })`. */
  onDelete(fn: (obj: T) => void): void {
    this.addEventHandler({ onDelete: fn });
  }

  /**
   * Starts listing and watching until `signal` aborts. Returns a promise that settles (never
   * rejects) once stopped; calling it again returns the same promise.
   */
  start(signal: AbortSignal): Promise<void> {
    this.running ??= Promise.all([this.reflect(signal), this.resync(signal)]).then(() => undefined);
    return this.running;
  }

  private async reflect(signal: AbortSignal): Promise<void> {
    const initialBackoff = this.options.initialBackoffMs ?? 800;
    const maxBackoff = this.options.maxBackoffMs ?? 30_000;
    let backoff = initialBackoff;
    let needList = true;
    let emptyWatches = 0;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.listAndReplace(signal);
          needList = false;
          backoff = initialBackoff;
        }
        if (await this.watchOnce(signal)) {
          backoff = initialBackoff;
          emptyWatches = 0;
        } else if (++emptyWatches > 1 && !signal.aborted) {
          // A server ending watches at once, again and again: do not spin.
          await this.clock.sleep(backoff, signal);
          backoff = Math.min(backoff * 2, maxBackoff);
        }
      } catch (err) {
        if (signal.aborted) break;
        if (isExpired(err)) {
          needList = true;
          continue;
        }
        this.reportError(err);
        await this.clock.sleep(backoff, signal);
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
  }

  private async listPaged(signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }> {
    const pageSize = this.options.pageSize ?? 500;
    const base = { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector };
    const items: T[] = [];
    let page: ObjectList<T> | undefined;
    let token: string | undefined;
    do {
      try {
        page = await this.client.list<T>(this.ref, this.namespace, {
          ...base,
          ...(pageSize > 0 ? { limit: pageSize } : {}),
          ...(token ? { continue: token } : {}),
        });
      } catch (err) {
        // An expired continue token: fall back to one full list, as client-go's pager does.
        if (!token || !isExpired(err)) throw err;
        const full = await this.client.list<T>(this.ref, this.namespace, base);
        const transform = this.options.transform;
        return { items: transform ? full.items.map(transform) : full.items, resourceVersion: full.resourceVersion };
      }
      if (signal.aborted) break;
      const transform = this.options.transform;
      items.push(...(transform ? page.items.map(transform) : page.items));
      token = page.continue;
    } while (token);
    return { items, resourceVersion: page?.resourceVersion ?? '' };
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    const { items, resourceVersion } = await this.listPaged(signal);
    if (signal.aborted) return;
    this.replace(items, resourceVersion);
  }

  /** Makes the cache equal to a fresh list, telling handlers about each difference. */
  private replace(items: T[], resourceVersion: string): void {
    const listed = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      listed.add(key);
      const old = this.store.set(key, obj);
      if (!old) this.notifyAdd(obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.notifyUpdate(old, obj);
    }
    for (const key of this.store.keys()) {
      if (listed.has(key)) continue;
      const old = this.store.delete(key);
      if (old) this.notifyDelete(old);
    }
    this.lastResourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const wake of [...this.syncWaiters]) wake();
      this.syncWaiters.clear();
    }
  }

  /** One watch until it ends; true if it delivered any event. Throws what the watch throws. */
  private async watchOnce(signal: AbortSignal): Promise<boolean> {
    let delivered = false;
    const events = this.client.watch<T>(
      this.ref,
      this.namespace,
      {
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        resourceVersion: this.lastResourceVersion,
        allowWatchBookmarks: true,
        // client-go spreads watch timeouts over 5-10 minutes so clients do not reconnect together.
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      },
      signal,
    );
    for await (const event of events) {
      if (signal.aborted) break;
      delivered = true;
      const obj = this.options.transform && event.type !== 'BOOKMARK' ? this.options.transform(event.object) : event.object;
      const rv = obj.metadata?.resourceVersion;
      switch (event.type) {
        case 'ADDED':
        case 'MODIFIED': {
          const old = this.store.set(objectKey(obj), obj);
          if (old) this.notifyUpdate(old, obj);
          else this.notifyAdd(obj);
          break;
        }
        case 'DELETED':
          this.store.delete(objectKey(obj));
          this.notifyDelete(obj);
          break;
        case 'BOOKMARK':
          break;
      }
      if (rv) this.lastResourceVersion = rv;
    }
    return delivered;
  }

  private async resync(signal: AbortSignal): Promise<void> {
    const period = this.options.resyncPeriodMs ?? 0;
    if (period <= 0) return;
    while (!signal.aborted) {
      await this.clock.sleep(period, signal);
      if (signal.aborted || !this.synced) continue;
      for (const obj of this.store.list()) this.notifyUpdate(obj, obj);
    }
  }

  private notifyAdd(obj: T): void {
    for (const h of this.handlers) if (h.onAdd) this.call(() => h.onAdd?.(obj));
  }

  private notifyUpdate(oldObj: T, newObj: T): void {
    for (const h of this.handlers) if (h.onUpdate) this.call(() => h.onUpdate?.(oldObj, newObj));
  }

  private notifyDelete(obj: T): void {
    for (const h of this.handlers) if (h.onDelete) this.call(() => h.onDelete?.(obj));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.reportError(err);
    }
  }
}

/** Options of {@link InformerFactory}. */
export interface InformerFactoryOptions {
  /** Default 0 (no resync). */
  resyncPeriodMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: console.error. */
  onError?: (error: unknown) => void;
  /** Given to every informer as {@link InformerOptions.transform}. Default: none. */
  transform?: <T extends KubeObject>(obj: T) => T;
}

/** Which informer {@link InformerFactory.informerFor} shares. */
export interface InformerSelection<T> {
  /** Default '' (all namespaces). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Added to the shared informer if not there yet. */
  indexers?: Record<string, IndexFunc<T>>;
}

/**
 * Shared informers, as client-go's SharedInformerFactory: one informer per resource type,
 * namespace and selectors, however many controllers ask for it.
 */
export class InformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly started = new Set<string>();
  private signal?: AbortSignal;

  constructor(
    private readonly client: Client,
    private readonly options: InformerFactoryOptions = {},
  ) {}

  /** The shared informer for `ref` and `selection`, created on first use. */
  informerFor<T extends KubeObject = KubeObject>(ref: ResourceRef, selection: InformerSelection<T> = {}): Informer<T> {
    const key = [ref.group, ref.version, ref.resource, selection.namespace ?? '', selection.labelSelector ?? '', selection.fieldSelector ?? ''].join('|');
    let informer = this.informers.get(key) as Informer<T> | undefined;
    if (!informer) {
      informer = new Informer<T>(this.client, ref, {
        namespace: selection.namespace,
        labelSelector: selection.labelSelector,
        fieldSelector: selection.fieldSelector,
        resyncPeriodMs: this.options.resyncPeriodMs,
        clock: this.options.clock,
        onError: this.options.onError,
        transform: this.options.transform,
      });
      this.informers.set(key, informer as unknown as Informer<KubeObject>);
    }
    if (selection.indexers) {
      const store = informer.store;
      const missing = Object.entries(selection.indexers).filter(([name]) => !store.hasIndex(name));
      if (missing.length) informer.addIndexers(Object.fromEntries(missing));
    }
    return informer;
  }

  /** Starts the informers created since {@link start}, with its signal (nothing before start). */
  startPending(): void {
    if (this.signal) this.start(this.signal);
  }

  /** Starts every informer created so far that is not running yet. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const [key, informer] of this.informers) {
      if (this.started.has(key)) continue;
      this.started.add(key);
      void informer.start(signal);
    }
  }

  /** Resolves true when every informer created so far has synced, false if `signal` aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }
}
