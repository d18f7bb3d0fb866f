import { StorageError, type KeyValue, type ListOptions, type ListResult, type Store, type WatchEvent } from '../../storage/store.js';
import type { EncryptionConfiguration } from './config.js';
import { prefixTransformer, type ValueTransformer } from './transformer.js';

/** What {@link EncryptingStore.rewriteStale} did. */
export interface RewriteResult {
  /** Values of encrypted resources read. */
  checked: number;
  /** Values rewritten under the writing key. */
  rewritten: number;
}

/** Options of {@link EncryptingStore}. */
export interface EncryptingStoreOptions {
  /** Keys are `/registry/<group or core>/<resource>/...`; others pass through. Default `/registry/`. */
  keyRoot?: string;
  /** Values per page when {@link EncryptingStore.rewriteStale} walks the store. Default 500. */
  pageSize?: number;
}

/**
 * A {@link Store} that keeps the values of configured resources encrypted in the store under it,
 * as kube-apiserver's `--encryption-provider-config` does: writes are sealed by the first provider
 * of the resource's entry, reads opened by whichever provider's prefix the value carries (identity
 * for plaintext). Resources name a group and resource (`secrets`, `deployments.apps`) or a
 * wildcard (`*.apps`, `*.` for the core group, `*.*`); the exact name wins, then the group's
 * wildcard, then `*.*`, and the first entry naming a resource is the one used.
 */
export class EncryptingStore implements Store {
  private readonly exact = new Map<string, ValueTransformer>();
  private readonly byGroup = new Map<string, ValueTransformer>();
  private everything: ValueTransformer | undefined;
  private readonly keyRoot: string;
  private readonly pageSize: number;
  private readonly resolved = new Map<string, ValueTransformer | undefined>();

  constructor(
    private readonly inner: Store,
    config: EncryptionConfiguration,
    options: EncryptingStoreOptions = {},
  ) {
    this.keyRoot = options.keyRoot ?? '/registry/';
    this.pageSize = options.pageSize ?? 500;
    for (const entry of config.resources) {
      const transformer = prefixTransformer(entry.providers);
      for (const name of entry.resources) {
        const dot = name.indexOf('.');
        const resource = dot < 0 ? name : name.slice(0, dot);
        const group = dot < 0 ? '' : name.slice(dot + 1);
        if (resource === '*' && group === '*') this.everything ??= transformer;
        else if (resource === '*') {
          if (!this.byGroup.has(group)) this.byGroup.set(group, transformer);
        } else if (!this.exact.has(`${group}/${resource}`)) this.exact.set(`${group}/${resource}`, transformer);
      }
    }
  }

  /** The transformer of a storage key, or undefined when its resource is stored as it is. */
  transformerFor(key: string): ValueTransformer | undefined {
    if (!key.startsWith(this.keyRoot)) return undefined;
    const parts = key.slice(this.keyRoot.length).split('/', 2);
    if (parts.length < 2) return undefined;
    const resourceKey = `${parts[0]}/${parts[1]}`;
    if (this.resolved.has(resourceKey)) return this.resolved.get(resourceKey);
    const group = parts[0] === 'core' ? '' : parts[0]!;
    const found = this.exact.get(`${group}/${parts[1]}`) ?? this.byGroup.get(group) ?? this.everything;
    this.resolved.set(resourceKey, found);
    return found;
  }

  private open(kv: KeyValue): KeyValue;
  private open(kv: KeyValue | undefined): KeyValue | undefined;
  private open(kv: KeyValue | undefined): KeyValue | undefined {
    const transformer = kv && this.transformerFor(kv.key);
    if (!kv || !transformer) return kv;
    return { ...kv, value: transformer.fromStorage(kv.value, kv.key).value };
  }

  private seal(key: string, value: string): string {
    return this.transformerFor(key)?.toStorage(value, key) ?? value;
  }

  /** Passes a storage error on with its current value opened. */
  private rethrow(error: unknown): never {
    if (error instanceof StorageError && error.current) throw new StorageError(error.code, error.message, this.open(error.current), { cause: error.cause });
    throw error;
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return this.open(await this.inner.get(key));
  }

  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    const result = await this.inner.list(prefix, options);
    return { ...result, items: result.items.map((kv) => this.open(kv)) };
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const written = await this.inner.create(key, this.seal(key, value)).catch((error: unknown) => this.rethrow(error));
    return { ...written, value };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const written = await this.inner.update(key, this.seal(key, value), expectedRevision).catch((error: unknown) => this.rethrow(error));
    return { ...written, value };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.open(await this.inner.delete(key, expectedRevision).catch((error: unknown) => this.rethrow(error)));
  }

  async *watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<WatchEvent> {
    for await (const event of this.inner.watch(prefix, afterRevision, signal)) {
      yield { ...event, kv: this.open(event.kv), ...(event.prevKv ? { prevKv: this.open(event.prevKv) } : {}) };
    }
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Rewrites every value of an encrypted resource not sealed by its writing key (plaintext, an
   * older key, another provider), each by compare-and-swap so a concurrent write wins. What
   * `kubectl get secrets -A -o json | kubectl replace -f -` does upstream after a key rotation.
   */
  async rewriteStale(): Promise<RewriteResult> {
    const result: RewriteResult = { checked: 0, rewritten: 0 };
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.inner.list(this.keyRoot, { limit: this.pageSize, ...(startAfter !== undefined ? { startAfter } : {}) });
      for (const kv of page.items) {
        const transformer = this.transformerFor(kv.key);
        if (!transformer) continue;
        result.checked++;
        if (await this.rewriteIfStale(kv, transformer)) result.rewritten++;
      }
      if (!page.more || page.items.length === 0) return result;
      startAfter = page.items[page.items.length - 1]!.key;
    }
  }

  private async rewriteIfStale(first: KeyValue, transformer: ValueTransformer): Promise<boolean> {
    let kv: KeyValue | undefined = first;
    while (kv) {
      const read = transformer.fromStorage(kv.value, kv.key);
      if (!read.stale) return false;
      try {
        await this.inner.update(kv.key, transformer.toStorage(read.value, kv.key), kv.modRevision);
        return true;
      } catch (error) {
        if (!(error instanceof StorageError)) throw error;
        if (error.code === 'NotFound') return false;
        if (error.code !== 'RevisionMismatch') throw error;
        kv = error.current ?? (await this.inner.get(kv.key));
      }
    }
    return false;
  }
}
