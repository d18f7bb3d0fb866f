import { ClientClosedError, Etcd3, isRecoverableError, type IKeyValue, type IRangeRequest, type IWatchResponse } from 'etcd3';
import { rootCertificates } from 'node:tls';
import { AsyncQueue } from './async-queue.js';
import { prefixEndBytes } from './key-range.js';
import {
  checkValueSize,
  StorageError,
  tooLargeMessage,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type WatchEvent,
} from './store.js';

/** Options of {@link EtcdStore.connect}. */
export interface EtcdStoreOptions {
  /** Client URLs of the etcd members, e.g. `http://127.0.0.1:2379`. */
  endpoints: string[];
  /** Prepended to every key, so several clusters can share one etcd. Default `/skiff`. */
  prefix?: string;
  /** How long to wait for a connection, in ms. Default 5000. */
  dialTimeout?: number;
  /**
   * TLS for `https://` endpoints: the CA to trust (PEM; default the system's roots) and a client
   * certificate and key (PEM) when etcd asks for one. Default: `https://` endpoints use the
   * system's roots and no client certificate.
   */
  tls?: EtcdTLS;
}

/** PEM material for etcd over TLS (see {@link EtcdStoreOptions.tls}). */
export interface EtcdTLS {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * Where the compacted revision is recorded. etcd compaction is cluster-wide, so
 * the key is global (outside any prefix); the name and decimal value match the
 * key kube-apiserver keeps for the same purpose.
 */
const COMPACT_REVISION_KEY = Buffer.from('compact_rev_key');

/**
 * A {@link Store} on etcd v3: keys live under a prefix and the store's revisions
 * are etcd's own. Compare-and-swap writes are single etcd transactions; watches
 * are etcd watches with previous values.
 */
export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly prefixBytes: Buffer;
  /** Stops each running watch: ends its queue and cancels its etcd watcher. */
  private readonly activeWatches = new Set<() => Promise<void>>();
  private closed = false;

  private constructor(client: Etcd3, prefix: string) {
    this.client = client;
    this.prefix = prefix;
    this.prefixBytes = Buffer.from(prefix);
  }

  /** Connects to etcd and checks that it answers (`Unavailable` otherwise). */
  static async connect(options: EtcdStoreOptions): Promise<EtcdStore> {
    const tls = options.tls;
    if (tls && (tls.cert === undefined) !== (tls.key === undefined)) throw new Error('etcd TLS: a client certificate needs its key and a key its certificate');
    const credentials =
      tls && (tls.ca || tls.cert)
        ? { rootCertificate: tls.ca ?? Buffer.from(rootCertificates.join('\n')), ...(tls.key ? { privateKey: tls.key } : {}), ...(tls.cert ? { certChain: tls.cert } : {}) }
        : undefined;
    const client = new Etcd3({ hosts: options.endpoints, dialTimeout: options.dialTimeout ?? 5000, ...(credentials ? { credentials } : {}) });
    const store = new EtcdStore(client, options.prefix ?? '/skiff');
    try {
      await store.currentRevision();
    } catch (error) {
      client.close();
      throw error;
    }
    return store;
  }

  async currentRevision(): Promise<number> {
    const response = await this.call(() =>
      this.client.kv.range({ key: this.prefixBytes, count_only: true, limit: 1 }),
    );
    return Number(response.header.revision);
  }

  async compactedRevision(): Promise<number> {
    const response = await this.call(() => this.client.kv.range({ key: COMPACT_REVISION_KEY }));
    const kv = response.kvs[0];
    return kv ? Number(kv.value.toString()) : 0;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const response = await this.call(() => this.client.kv.range({ key: this.fullKey(key) }));
    const kv = response.kvs[0];
    return kv ? this.toKeyValue(kv) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const [start, end] = this.keyRange(prefix);
    let low = start;
    if (options.startAfter !== undefined && options.startAfter >= prefix) {
      // The smallest key greater than startAfter.
      low = Buffer.concat([this.fullKey(options.startAfter), Buffer.from([0])]);
    }
    const request: IRangeRequest = { key: low, range_end: end };
    if (options.revision && options.revision > 0) request.revision = options.revision;
    if (options.limit && options.limit > 0) request.limit = options.limit;
    const response = await this.call(() => this.client.kv.range(request));
    return {
      items: response.kvs.map((kv) => this.toKeyValue(kv)),
      revision: request.revision !== undefined ? Number(request.revision) : Number(response.header.revision),
      more: response.more,
    };
  }

  async count(prefix: string): Promise<number> {
    const [start, end] = this.keyRange(prefix);
    const response = await this.call(() => this.client.kv.range({ key: start, range_end: end, count_only: true }));
    return Number(response.count);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    checkValueSize(value);
    const fullKey = this.fullKey(key);
    const response = await this.call(() =>
      this.client.kv.txn({
        compare: [{ key: fullKey, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: fullKey, value: Buffer.from(value) } }],
      }),
    );
    if (!response.succeeded) throw new StorageError('KeyExists', `key ${key} already exists`);
    const revision = Number(response.header.revision);
    return { key, value, createRevision: revision, modRevision: revision };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    checkValueSize(value);
    const fullKey = this.fullKey(key);
    const response = await this.call(() =>
      this.client.kv.txn({
        compare: [
          // A missing key has mod revision 0: the version check keeps update from creating it.
          { key: fullKey, target: 'Version', result: 'Greater', version: 0 },
          { key: fullKey, target: 'Mod', result: 'Equal', mod_revision: expectedRevision },
        ],
        success: [{ request_put: { key: fullKey, value: Buffer.from(value), prev_kv: true } }],
        failure: [{ request_range: { key: fullKey } }],
      }),
    );
    if (!response.succeeded) throw this.casFailure(key, expectedRevision, response.responses[0]?.response_range.kvs[0]);
    const previous = response.responses[0]?.response_put.prev_kv;
    const revision = Number(response.header.revision);
    // Without a previous value the key was recreated between compare and put, which a txn rules out.
    const createRevision = previous ? Number(previous.create_revision) : revision;
    return { key, value, createRevision, modRevision: revision };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const fullKey = this.fullKey(key);
    const compare =
      expectedRevision === undefined
        ? [{ key: fullKey, target: 'Version' as const, result: 'Greater' as const, version: 0 }]
        : [
            { key: fullKey, target: 'Version' as const, result: 'Greater' as const, version: 0 },
            { key: fullKey, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expectedRevision },
          ];
    const response = await this.call(() =>
      this.client.kv.txn({
        compare,
        success: [{ request_delete_range: { key: fullKey, prev_kv: true } }],
        failure: [{ request_range: { key: fullKey } }],
      }),
    );
    if (!response.succeeded) {
      throw this.casFailure(key, expectedRevision ?? 0, response.responses[0]?.response_range.kvs[0]);
    }
    const previous = response.responses[0]?.response_delete_range.prev_kvs[0];
    if (!previous) throw new StorageError('NotFound', `key ${key} not found`);
    return { ...this.toKeyValue(previous), modRevision: Number(response.header.revision) };
  }

  watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<WatchEvent> {
    return this.watchEvents(prefix, afterRevision, signal);
  }

  /** Compacts etcd (cluster-wide) at `revision` and records it; a revision already compacted is a no-op. */
  async compact(revision: number): Promise<void> {
    try {
      await this.call(() => this.client.kv.compact({ revision, physical: true }));
    } catch (error) {
      if (error instanceof StorageError && error.code === 'Compacted') return;
      throw error;
    }
    const recorded = await this.compactedRevision();
    if (recorded < revision) {
      await this.call(() => this.client.kv.put({ key: COMPACT_REVISION_KEY, value: Buffer.from(String(revision)) }));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // A watcher left attached would make the client resubscribe forever.
    await Promise.all([...this.activeWatches].map((stop) => stop()));
    this.activeWatches.clear();
    this.closed = true;
    this.client.close();
  }

  private async *watchEvents(
    prefix: string,
    afterRevision: number,
    signal: AbortSignal,
  ): AsyncGenerator<WatchEvent, void, undefined> {
    if (signal.aborted) return;
    const [start, end] = this.keyRange(prefix);
    if (afterRevision > 0) {
      // etcd accepts a watch from one below its compacted revision; the contract does not,
      // and a read at afterRevision fails exactly when afterRevision is compacted.
      try {
        await this.call(() => this.client.kv.range({ key: start, range_end: end, revision: afterRevision, count_only: true }));
      } catch (error) {
        if (!(error instanceof StorageError && error.code === 'FutureRevision')) throw error;
      }
    }
    const queue = new AsyncQueue<WatchEvent>();
    let watcherDone = false;
    const watcher = this.client
      .watch()
      .inRange({ start, end })
      .withPreviousKV()
      .startRevision(String(afterRevision + 1))
      .watcher();
    // Ends the watch once, whether by abort, by the consumer leaving, or by close().
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      // Whatever the consumer has not taken yet is dropped (an error already queued stays).
      if (!queue.isFinished) queue.close();
      stopping ??= (async () => {
        signal.removeEventListener('abort', onAbort);
        this.activeWatches.delete(stop);
        if (watcherDone) return;
        watcherDone = true;
        // Bounded: a cancel sent on a dying stream may never be answered.
        // The watch is over either way; a failed cancel only means the stream is gone already.
        await Promise.race([watcher.cancel(), delay(2000)]).catch(() => undefined);
      })();
      return stopping;
    };
    const onAbort = (): void => void stop();
    this.activeWatches.add(stop);
    signal.addEventListener('abort', onAbort, { once: true });
    watcher.on('data', (response: IWatchResponse) => {
      for (const event of response.events) queue.push(this.toWatchEvent(event.type, event.kv, event.prev_kv));
    });
    watcher.on('error', (error: Error) => {
      // etcd has dropped the watcher already: there is nothing to cancel.
      watcherDone = true;
      queue.fail(watchFailure(error));
    });
    watcher.on('disconnected', (error: Error) => {
      // The client would resubscribe from the revision it saw last, which can skip events
      // still being replayed; ending the watch lets the caller resume from what it received.
      queue.fail(new StorageError('Unavailable', `etcd watch disconnected: ${error.message}`, undefined, { cause: error }));
      void stop();
    });
    try {
      yield* queue.drain();
    } finally {
      await stop();
    }
  }

  /** The error of a failed compare-and-swap, given the key as it is now. */
  private casFailure(key: string, expectedRevision: number, current: IKeyValue | undefined): StorageError {
    if (!current) return new StorageError('NotFound', `key ${key} not found`);
    const kv = this.toKeyValue(current);
    return new StorageError(
      'RevisionMismatch',
      `key ${key} has revision ${kv.modRevision}, not ${expectedRevision}`,
      kv,
    );
  }

  private toWatchEvent(type: 'Put' | 'Delete', kv: IKeyValue, prevKv: IKeyValue | undefined): WatchEvent {
    const revision = Number(kv.mod_revision);
    const previous = prevKv && prevKv.key.length > 0 ? this.toKeyValue(prevKv) : undefined;
    if (type === 'Delete') {
      const key = this.userKey(kv.key);
      // etcd's delete event has only the key: the value and create revision come from prevKv.
      const deleted: KeyValue = previous
        ? { ...previous, modRevision: revision }
        : { key, value: '', createRevision: 0, modRevision: revision };
      return previous ? { type: 'delete', revision, kv: deleted, prevKv: previous } : { type: 'delete', revision, kv: deleted };
    }
    const current = this.toKeyValue(kv);
    if (kv.version === '1' || current.createRevision === revision) return { type: 'create', revision, kv: current };
    return previous ? { type: 'update', revision, kv: current, prevKv: previous } : { type: 'update', revision, kv: current };
  }

  private toKeyValue(kv: IKeyValue): KeyValue {
    return {
      key: this.userKey(kv.key),
      value: kv.value.toString(),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }

  private fullKey(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  private userKey(fullKey: Buffer): string {
    return fullKey.subarray(this.prefixBytes.length).toString();
  }

  /** The etcd range [start, end) of the keys under a prefix. */
  private keyRange(prefix: string): [Buffer, Buffer] {
    const start = this.fullKey(prefix);
    // An empty key cannot start a range; "\0" is the lowest key.
    return [start.length > 0 ? start : Buffer.from([0]), prefixEndBytes(start)];
  }

  /** Runs an etcd call, mapping its failures to {@link StorageError}. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StorageError('Unavailable', 'the store is closed');
    try {
      return await operation();
    } catch (error) {
      throw toStorageError(error);
    }
  }
}

/** Maps an etcd client error to a {@link StorageError} where one applies. */
function toStorageError(error: unknown): unknown {
  if (error instanceof StorageError || !(error instanceof Error)) return error;
  // A server run with a smaller --max-request-bytes than ours.
  if (error.message.includes('request is too large')) return new StorageError('TooLarge', tooLargeMessage, undefined, { cause: error });
  if (error.message.includes('required revision has been compacted')) {
    return new StorageError('Compacted', 'the requested revision has been compacted', undefined, { cause: error });
  }
  if (error.message.includes('required revision is a future revision')) {
    return new StorageError('FutureRevision', 'the requested revision is newer than the store', undefined, { cause: error });
  }
  if (error instanceof ClientClosedError || isRecoverableError(error)) {
    return new StorageError('Unavailable', `etcd is unavailable: ${error.message}`, undefined, { cause: error });
  }
  return error;
}

/**
 * The error that ends a watch etcd cancelled. etcd cancels a watch without a
 * reason when its start revision has been compacted.
 */
function watchFailure(error: Error): StorageError {
  if (/canceled:\s*$/.test(error.message) || error.message.includes('compacted')) {
    return new StorageError('Compacted', 'the watch revision has been compacted', undefined, { cause: error });
  }
  return new StorageError('Unavailable', `etcd watch failed: ${error.message}`, undefined, { cause: error });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
