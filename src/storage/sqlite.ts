import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AsyncQueue } from './async-queue.js';
import { prefixEnd } from './key-range.js';
import {
  checkValueSize,
  StorageError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type WatchEvent,
} from './store.js';

/** Options of {@link SqliteStore.open}. */
export interface SqliteStoreOptions {
  /**
   * Writes committed together at most: the writes that arrive during one turn of the event loop
   * share one transaction (group commit), each acknowledged once that transaction committed.
   * Default 1000; 1 commits every write alone.
   */
  maxWritesPerCommit?: number;
  /**
   * While writes keep arriving (some came during the last turn of the event loop), the commit
   * waits for the next turn so that they share it, until the oldest queued write has waited this
   * long (ms). A write arriving alone waits one turn. Default 2; 0 commits at the first turn.
   */
  maxCommitDelayMs?: number;
  /** Rows a watch replays from the log per query while catching up. Default 1000. */
  replayPageSize?: number;
  /** Log rows examined per step of a compaction (the event loop runs between steps). Default 10000. */
  compactBatchSize?: number;
}

/** One row of the log table. */
interface LogRow {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}

/** A log row with the value of the row it replaced (for prevKv of updates). */
interface ReplayRow extends LogRow {
  prev_value: string | null;
}

/** A write waiting for the next group commit: it runs inside the transaction at the revision given. */
interface QueuedWrite {
  run: (revision: number) => WatchEvent;
  resolve: (event: WatchEvent) => void;
  reject: (error: unknown) => void;
}

/** Parameters of the list query. */
interface RangeParameters {
  low: string;
  high: string | Buffer;
  revision: number;
  /** -1: no limit. */
  limit: number;
}

/** A key's newest row, as the write path reads it. */
type LatestRow = Pick<LogRow, 'id' | 'deleted' | 'create_revision' | 'value'>;

/** A live watch registered for in-process fan-out. */
interface Subscriber {
  prefix: string;
  /** Only events with a greater revision are delivered. */
  afterRevision: number;
  queue: AsyncQueue<WatchEvent>;
}

/** Any BLOB sorts after every TEXT in SQLite, so an empty blob is an upper bound above all keys. */
const ABOVE_ALL_KEYS = Buffer.alloc(0);

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

/** Newest row id per key in [low, high) at or below a revision. */
const LATEST_IDS = `SELECT MAX(id) AS id FROM log WHERE name >= ? AND name < ? AND id <= ? GROUP BY name`;

/**
 * A {@link Store} in one SQLite file, in the manner of kine: every write appends
 * a row to a log table whose autoincrement id is the revision. The newest row of
 * a key is its state; a row with `deleted = 1` is a tombstone. One process owns
 * the file: writes are serialised by the synchronous driver, and watches are fed
 * from the write path in process. The writes that arrive during one turn of the
 * event loop are committed in one transaction (group commit: one WAL append for
 * all of them); each is acknowledged, and published to watches, only after that
 * commit. WAL with synchronous=NORMAL keeps every acknowledged write across a
 * process crash.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly replayPageSize: number;
  private readonly compactBatchSize: number;
  private readonly maxWritesPerCommit: number;
  private readonly maxCommitDelayMs: number;
  private queuedWrites: QueuedWrite[] = [];
  private commitScheduled = false;
  /** Writes queued since the scheduled commit last looked. */
  private arrivedSinceCheck = 0;
  /** When the oldest queued write was queued (performance.now()). */
  private oldestQueuedAt = 0;
  private readonly subscribers = new Set<Subscriber>();
  private revision: number;
  private compacted: number;
  private closed = false;

  private readonly selectLatest: Database.Statement<[string], LatestRow>;
  private readonly insertRow: Database.Statement<[number, string, number, number, number, number, string]>;
  private readonly selectRange: Database.Statement<[RangeParameters], LogRow>;
  private readonly countRange: Database.Statement<[string, string | Buffer, number], number>;
  private readonly selectReplay: Database.Statement<[number, number, string, string | Buffer, number], ReplayRow>;
  private readonly deleteSuperseded: Database.Statement<[number, number, number]>;
  private readonly upsertMeta: Database.Statement<[string, number]>;
  /** Runs queued writes in one transaction; returns each one's event or StorageError, in order. */
  private readonly commitTxn: (writes: QueuedWrite[], revision: number) => (WatchEvent | StorageError)[];

  private constructor(db: Database.Database, options: SqliteStoreOptions) {
    this.db = db;
    this.replayPageSize = options.replayPageSize ?? 1000;
    this.compactBatchSize = options.compactBatchSize ?? 10000;
    this.maxWritesPerCommit = Math.max(1, options.maxWritesPerCommit ?? 1000);
    this.maxCommitDelayMs = Math.max(0, options.maxCommitDelayMs ?? 2);

    db.exec(SCHEMA);
    const sequence = db
      .prepare<[], number>(`SELECT seq FROM sqlite_sequence WHERE name = 'log'`)
      .pluck()
      .get();
    this.revision = sequence ?? 0;
    const compacted = db
      .prepare<[], number>(`SELECT value FROM meta WHERE key = 'compacted_revision'`)
      .pluck()
      .get();
    this.compacted = compacted ?? 0;

    this.selectLatest = db.prepare(
      `SELECT id, deleted, create_revision, value FROM log WHERE name = ? ORDER BY id DESC LIMIT 1`,
    );
    this.insertRow = db.prepare(
      `INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    // Walks the (name, id) index in key order, so a LIMIT stops the scan early.
    this.selectRange = db.prepare(
      `SELECT l.* FROM log l WHERE l.name >= @low AND l.name < @high AND l.id <= @revision AND l.deleted = 0
       AND NOT EXISTS (SELECT 1 FROM log n WHERE n.name = l.name AND n.id > l.id AND n.id <= @revision)
       ORDER BY l.name LIMIT @limit`,
    );
    this.countRange = db
      .prepare<[string, string | Buffer, number], number>(
        `SELECT COUNT(*) FROM log l JOIN (${LATEST_IDS}) latest ON l.id = latest.id WHERE l.deleted = 0`,
      )
      .pluck();
    this.selectReplay = db.prepare(
      `SELECT l.*, p.value AS prev_value FROM log l LEFT JOIN log p ON p.id = l.prev_revision AND l.created = 0 AND l.deleted = 0
       WHERE l.id > ? AND l.id <= ? AND l.name >= ? AND l.name < ? ORDER BY l.id LIMIT ?`,
    );
    // A row at or below the compact revision is history unless it is the key's newest
    // row at that revision and not a tombstone: that row is the key's state there.
    this.deleteSuperseded = db.prepare(
      `DELETE FROM log WHERE id > ? AND id <= ? AND (deleted = 1 OR id < (
         SELECT MAX(m.id) FROM log m WHERE m.name = log.name AND m.id <= ?))`,
    );
    this.upsertMeta = db.prepare(
      `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );

    this.commitTxn = db.transaction((writes: QueuedWrite[], revision: number): (WatchEvent | StorageError)[] => {
      const outcomes: (WatchEvent | StorageError)[] = [];
      for (const write of writes) {
        try {
          const event = write.run(revision + 1);
          revision = event.revision;
          outcomes.push(event);
        } catch (error) {
          // A refused write (its key exists, a stale revision) wrote nothing: the others go on.
          // Any other error rolls the whole transaction back.
          if (!(error instanceof StorageError)) throw error;
          outcomes.push(error);
        }
      }
      return outcomes;
    });
  }

  /** The create of `key` at `revision`, inside a commit. */
  private runCreate(key: string, value: string, revision: number): WatchEvent {
    const latest = this.selectLatest.get(key);
    if (latest && latest.deleted === 0) {
      throw new StorageError('KeyExists', `key ${key} already exists`);
    }
    this.insertRow.run(revision, key, 1, 0, revision, latest?.id ?? 0, value);
    return { type: 'create', revision, kv: { key, value, createRevision: revision, modRevision: revision } };
  }

  /** The update of `key` at `revision`, inside a commit. */
  private runUpdate(key: string, value: string, expectedRevision: number, revision: number): WatchEvent {
    const latest = this.liveRow(key);
    if (latest.id !== expectedRevision) {
      throw new StorageError('RevisionMismatch', `key ${key} has revision ${latest.id}, not ${expectedRevision}`, toKeyValue(key, latest));
    }
    this.insertRow.run(revision, key, 0, 0, latest.create_revision, latest.id, value);
    return {
      type: 'update',
      revision,
      kv: { key, value, createRevision: latest.create_revision, modRevision: revision },
      prevKv: toKeyValue(key, latest),
    };
  }

  /** The delete of `key` at `revision`, inside a commit. */
  private runDelete(key: string, expectedRevision: number | undefined, revision: number): WatchEvent {
    const latest = this.liveRow(key);
    if (expectedRevision !== undefined && latest.id !== expectedRevision) {
      throw new StorageError('RevisionMismatch', `key ${key} has revision ${latest.id}, not ${expectedRevision}`, toKeyValue(key, latest));
    }
    // The tombstone carries the deleted value so the delete event can be replayed alone.
    this.insertRow.run(revision, key, 0, 1, latest.create_revision, latest.id, latest.value);
    return {
      type: 'delete',
      revision,
      kv: { key, value: latest.value, createRevision: latest.create_revision, modRevision: revision },
      prevKv: toKeyValue(key, latest),
    };
  }

  /** Queues a write for the next group commit; resolves with its event once committed. */
  private write(run: (revision: number) => WatchEvent): Promise<WatchEvent> {
    return new Promise((resolve, reject) => {
      if (!this.queuedWrites.length) this.oldestQueuedAt = performance.now();
      this.queuedWrites.push({ run, resolve, reject });
      this.arrivedSinceCheck++;
      if (this.queuedWrites.length >= this.maxWritesPerCommit) this.commitQueued();
      else if (!this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(this.commitWhenQuiet);
      }
    });
  }

  /**
   * The scheduled commit: waits one more turn while writes keep arriving (see
   * {@link SqliteStoreOptions.maxCommitDelayMs}): one commit per write costs several times what
   * a write costs in a commit shared with others.
   */
  private readonly commitWhenQuiet = (): void => {
    const arriving = this.arrivedSinceCheck > 0;
    this.arrivedSinceCheck = 0;
    if (arriving && !this.closed && this.queuedWrites.length && performance.now() - this.oldestQueuedAt < this.maxCommitDelayMs) {
      setImmediate(this.commitWhenQuiet);
      return;
    }
    this.commitScheduled = false;
    this.commitQueued();
  };

  /** Commits the queued writes in one transaction, then acknowledges and publishes each. */
  private readonly commitQueued = (): void => {
    // A commit forced by a full batch leaves the scheduled one pending: it takes what comes next.
    this.arrivedSinceCheck = 0;
    const writes = this.queuedWrites;
    if (!writes.length) return;
    this.queuedWrites = [];
    if (this.closed) {
      for (const w of writes) w.reject(new StorageError('Unavailable', 'the store is closed'));
      return;
    }
    let outcomes: (WatchEvent | StorageError)[];
    try {
      outcomes = this.commitTxn(writes, this.revision);
    } catch (error) {
      // Rolled back: none of them happened.
      for (const w of writes) w.reject(error);
      return;
    }
    for (let i = 0; i < writes.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome instanceof StorageError) {
        writes[i]!.reject(outcome);
        continue;
      }
      this.revision = outcome.revision;
      this.publish(outcome);
      writes[i]!.resolve(outcome);
    }
  };

  /**
   * Opens (creating it and its directory if needed) the database file at `path`;
   * `:memory:` gives a throwaway in-memory store.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // SQLite gives its -wal and -shm files the database file's mode: create it owner-only.
      closeSync(openSync(path, 'a', 0o600));
    }
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      return new SqliteStore(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const latest = this.selectLatest.get(key);
    if (!latest || latest.deleted !== 0) return undefined;
    return toKeyValue(key, latest);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const revision = this.readRevision(options.revision);
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    let low = prefix;
    if (options.startAfter !== undefined && options.startAfter >= prefix) {
      // The smallest string greater than startAfter.
      low = `${options.startAfter}\0`;
    }
    const rows = this.selectRange.all({ low, high: upperBound(prefix), revision, limit: limit > 0 ? limit + 1 : -1 });
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    return { items: rows.map((row) => toKeyValue(row.name, row)), revision, more };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    return this.countRange.get(prefix, upperBound(prefix), this.revision) ?? 0;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.assertOpen();
    checkValueSize(value);
    return (await this.write((revision) => this.runCreate(key, value, revision))).kv;
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    this.assertOpen();
    checkValueSize(value);
    return (await this.write((revision) => this.runUpdate(key, value, expectedRevision, revision))).kv;
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    this.assertOpen();
    return (await this.write((revision) => this.runDelete(key, expectedRevision, revision))).kv;
  }

  watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<WatchEvent> {
    return this.watchEvents(prefix, afterRevision, signal);
  }

  /**
   * Drops history at and below `revision` (clamped to the current revision).
   * The compacted revision is recorded first, so readers refuse the old
   * revisions before their rows go; rows are then removed in batches with the
   * event loop running between them.
   */
  async compact(revision: number): Promise<void> {
    this.assertOpen();
    const target = Math.min(revision, this.revision);
    if (target <= this.compacted) return;
    this.upsertMeta.run('compacted_revision', target);
    this.compacted = target;
    for (let low = 0; low < target; low += this.compactBatchSize) {
      if (this.closed) return;
      const high = Math.min(low + this.compactBatchSize, target);
      this.deleteSuperseded.run(low, high, target);
      if (high < target) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Writes already queued are committed (and acknowledged) before the file closes.
    this.commitQueued();
    this.closed = true;
    for (const subscriber of this.subscribers) subscriber.queue.end();
    this.subscribers.clear();
    this.db.close();
  }

  private async *watchEvents(
    prefix: string,
    afterRevision: number,
    signal: AbortSignal,
  ): AsyncGenerator<WatchEvent, void, undefined> {
    this.assertOpen();
    if (signal.aborted) return;
    if (afterRevision < this.compacted) {
      throw compactedError(afterRevision, this.compacted);
    }
    // Registering and reading the replay bound happen in one synchronous step, so every
    // write after `replayUntil` reaches the queue and every write up to it is in the log.
    const replayUntil = this.revision;
    const subscriber: Subscriber = {
      prefix,
      afterRevision: Math.max(afterRevision, replayUntil),
      queue: new AsyncQueue<WatchEvent>(),
    };
    this.subscribers.add(subscriber);
    const onAbort = (): void => {
      subscriber.queue.close();
      this.subscribers.delete(subscriber);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const high = upperBound(prefix);
      let cursor = afterRevision;
      while (cursor < replayUntil) {
        if (signal.aborted || this.closed) return;
        // A compaction that started while we were yielding may have removed rows we still need.
        if (cursor < this.compacted) throw compactedError(cursor, this.compacted);
        const rows = this.selectReplay.all(cursor, replayUntil, prefix, high, this.replayPageSize);
        for (const row of rows) {
          if (signal.aborted) return;
          yield toWatchEvent(row);
        }
        if (rows.length < this.replayPageSize) break;
        cursor = (rows[rows.length - 1] as ReplayRow).id;
      }
      if (signal.aborted) return;
      yield* subscriber.queue.drain();
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.subscribers.delete(subscriber);
    }
  }

  /** Hands a committed write to every watch whose prefix covers it. */
  private publish(event: WatchEvent): void {
    for (const subscriber of this.subscribers) {
      if (event.revision > subscriber.afterRevision && event.kv.key.startsWith(subscriber.prefix)) {
        subscriber.queue.push(event);
      }
    }
  }

  /** The key's newest row; `NotFound` when it is absent or deleted. */
  private liveRow(key: string): LatestRow {
    const latest = this.selectLatest.get(key);
    if (!latest || latest.deleted !== 0) {
      throw new StorageError('NotFound', `key ${key} not found`);
    }
    return latest;
  }

  /** The revision a read is served at: the latest, or a checked older one. */
  private readRevision(requested: number | undefined): number {
    if (!requested || requested <= 0) return this.revision;
    if (requested > this.revision) {
      throw new StorageError('FutureRevision', `revision ${requested} is newer than the current revision ${this.revision}`);
    }
    if (requested < this.compacted) throw compactedError(requested, this.compacted);
    return requested;
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('Unavailable', 'the store is closed');
  }
}

function upperBound(prefix: string): string | Buffer {
  return prefixEnd(prefix) ?? ABOVE_ALL_KEYS;
}

function compactedError(revision: number, compacted: number): StorageError {
  return new StorageError('Compacted', `revision ${revision} has been compacted (compacted revision ${compacted})`);
}

function toKeyValue(key: string, row: Pick<LogRow, 'id' | 'create_revision' | 'value'>): KeyValue {
  return { key, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

function toWatchEvent(row: ReplayRow): WatchEvent {
  const kv: KeyValue = { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
  if (row.created !== 0) return { type: 'create', revision: row.id, kv };
  if (row.deleted !== 0) {
    return {
      type: 'delete',
      revision: row.id,
      kv,
      prevKv: { ...kv, modRevision: row.prev_revision },
    };
  }
  const event: WatchEvent = { type: 'update', revision: row.id, kv };
  if (row.prev_value !== null) {
    event.prevKv = { key: row.name, value: row.prev_value, createRevision: row.create_revision, modRevision: row.prev_revision };
  }
  return event;
}
