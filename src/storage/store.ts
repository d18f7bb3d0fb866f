/**
 * The storage contract every backend implements: a flat, ordered key space of
 * string values with one global, monotonically increasing revision, in the
 * manner of etcd and kine. The API server stores each object as JSON under a
 * key such as `/registry/pods/default/web-0`; the object's resourceVersion is
 * the revision of its last write.
 */

/** One key with its value and the revisions that made it. */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created this key (its current incarnation). */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
}

/** One change seen by a watch. */
export interface WatchEvent {
  type: 'create' | 'update' | 'delete';
  /** Revision of the change. */
  revision: number;
  /** The key after the change; for a delete, the value it had just before. */
  kv: KeyValue;
  /** The key before the change (update and delete only). */
  prevKv?: KeyValue;
}

/** Options of {@link Store.list}. */
export interface ListOptions {
  /** Read as of this revision (0 or absent: the latest). Older than the compacted revision: `Compacted`. */
  revision?: number;
  /** At most this many items (0 or absent: no limit). */
  limit?: number;
  /** Only keys strictly greater than this one (for paging). */
  startAfter?: string;
}

/** The answer of {@link Store.list}. */
export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when `limit` cut the list short. */
  more: boolean;
}

/** Stable codes of {@link StorageError}. */
export type StorageErrorCode =
  | 'NotFound' // the key does not exist
  | 'KeyExists' // create of a key that exists
  | 'RevisionMismatch' // compare-and-swap failed: the key's modRevision differs
  | 'Compacted' // the revision asked for has been compacted away
  | 'FutureRevision' // the revision asked for is newer than the store's
  | 'Unavailable' // the backend cannot be reached
  | 'TooLarge'; // the value is larger than the store accepts

/** An error a backend raises, with a stable code the API server maps to a Status. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    /** For RevisionMismatch: the key as it is now, if it exists. */
    readonly current?: KeyValue,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** etcd's default limit on one request (`--max-request-bytes`), which both backends apply to a value. */
export const maxValueBytes = 1.5 * 1024 * 1024;

/** etcd's message for a request past its limit, which the API server passes on (413). */
export const tooLargeMessage = 'etcdserver: request is too large';

/** Throws `TooLarge` when a value is larger than `limit` bytes (UTF-8), as etcd refuses it. */
export function checkValueSize(value: string, limit = maxValueBytes): void {
  // Cheap first: a string of n UTF-16 units has at most 3n UTF-8 bytes and at least n.
  if (value.length * 3 <= limit) return;
  if (value.length > limit || Buffer.byteLength(value, 'utf8') > limit) throw new StorageError('TooLarge', tooLargeMessage);
}

/** A key space with revisions: the one interface both backends implement. */
export interface Store {
  /** The store's current revision (the revision of its last write). */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable (everything at or below it was compacted, except the live values). */
  compactedRevision(): Promise<number>;
  /** The key's latest value, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys starting with `prefix`, in key order, as of a revision. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Number of live keys under a prefix. */
  count(prefix: string): Promise<number>;
  /** Creates a key that must not exist; `KeyExists` otherwise; `TooLarge` past {@link maxValueBytes}. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replaces a key's value if its modRevision equals `expectedRevision`:
   * `NotFound` if absent, `RevisionMismatch` (carrying the current value) if it differs,
   * `TooLarge` past {@link maxValueBytes}.
   */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /**
   * Deletes a key, if given only when its modRevision equals `expectedRevision`.
   * Returns the deleted value with `modRevision` set to the revision of the delete.
   */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  /**
   * Every change to keys under `prefix` with a revision greater than `afterRevision`, in revision
   * order, until `signal` aborts (the iterator then ends). Throws `Compacted` (from the first
   * `next()`) when `afterRevision` is older than the compacted revision.
   */
  watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<WatchEvent>;
  /** Drops history at and below `revision`; live values stay. */
  compact(revision: number): Promise<void>;
  /** Releases the backend. */
  close(): Promise<void>;
}
