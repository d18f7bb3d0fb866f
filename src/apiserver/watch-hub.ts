import { AsyncQueue } from '../storage/async-queue.js';
import type { WatchEvent } from '../storage/store.js';
import type { KubeObject } from '../apimachinery/object.js';

/** A change seen by a watch, decoded once and shared by every watcher that receives it. */
export interface ObjectEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  /** Whether the change has an object before it (MODIFIED and DELETED). */
  hasPrevious: boolean;
  /** The object before the change, decoded when first asked for (only filtered watches need it). */
  previous(): KubeObject | undefined;
  revision: number;
  /** The namespace the object lives in ('' for cluster-scoped). */
  namespace: string;
  /** Encoded forms of this event by watch type and rendering, so N watchers encode it once. */
  encoded: Map<string, Buffer>;
  /** Bytes of the stored forms behind the event (what memory budgets count). */
  bytes: number;
}

/** Options of {@link WatchHub}. */
export interface WatchHubOptions {
  /** Starts the one underlying watch on the type's whole key range after a revision. */
  watchStore: (afterRevision: number, signal: AbortSignal) => AsyncIterable<WatchEvent>;
  /** Decodes a stored event. */
  decode: (e: WatchEvent) => ObjectEvent;
  /** The store's current revision (where a new underlying watch starts). */
  currentRevision: () => Promise<number>;
  /** The store's oldest readable revision (its compacted revision); default: 0. */
  compactedRevision?: () => Promise<number>;
  /**
   * When the underlying watch starts, it reads back this many store revisions (default:
   * `historySize`, never past the store's compacted revision), so a client that listed just
   * before the hub started can still watch from its list's revision.
   */
  backfillRevisions?: number;
  /** Recent events kept for watchers that start a little in the past (default 5,000). */
  historySize?: number;
  /** The history also keeps at most about this many stored bytes (default 32 MiB). */
  historyBytes?: number;
  /**
   * A watcher that falls this many bytes of events behind (default 16 MiB), or more than twice
   * the history's count, is closed as upstream's cacher closes an unresponsive watcher: its
   * client watches again from the last revision it saw.
   */
  subscriberBytes?: number;
  /** Told when a lagging watcher is closed. */
  onLaggingWatcher?: () => void;
  /**
   * The newest this many events of the history keep their decoded form (default 256); older
   * ones keep only the stored change and are decoded again for a watcher that replays them.
   */
  decodedHistory?: number;
}

/** A change of the history: the stored form, and the decoded event while it is recent. */
interface HistoryEntry {
  raw: WatchEvent;
  revision: number;
  namespace: string;
  bytes: number;
  decoded?: ObjectEvent;
}

/**
 * How the hub ended a watcher: `stopped` when its signal aborted or the hub stopped (what it
 * was given may still be sent), `lagging` when it fell too far behind (what it was given and
 * did not send is dropped: its client watches again from the last revision it saw), `failed`
 * when the store's watch failed (the error comes after what it was given).
 */
export type WatchEnd = { reason: 'stopped' } | { reason: 'lagging' } | { reason: 'failed'; error: unknown };

/** Receives one watcher's events from the hub, synchronously as each change is published. */
export interface WatchSink {
  /** One event of the watcher's namespace after its revision: the replayed history first, then changes. */
  push(e: ObjectEvent): void;
  /** Stored bytes ({@link ObjectEvent.bytes}) of the events pushed and not yet sent on. */
  backlogBytes(): number;
  /** Events pushed and not yet sent on. */
  backlogEvents(): number;
  /** Called once, when the hub is done with the watcher. */
  end(how: WatchEnd): void;
}

interface Subscriber {
  namespace: string;
  /** The revision the watcher starts after: older events (of the backfill) are not its own. */
  after: number;
  sink: WatchSink;
  /** Forgets the watcher's signal (once the hub let go of it). */
  detach: () => void;
}

/**
 * Fans one store watch of a resource type out to every API watch of that type, in the way
 * upstream's watch cache does: each stored change is decoded once, kept in a short history
 * for watchers starting from a recent revision, and handed to each watcher's sink as it comes.
 * A watcher from a revision older than the history gets undefined: as upstream's watch cache,
 * the API answers it 410 Expired and the client lists again (events that old are not replayed
 * even when the store still has them).
 */
export class WatchHub {
  private readonly subscribers = new Set<Subscriber>();
  private history: HistoryEntry[] = [];
  private historyBytes = 0;
  /** The newest history entry of each key in the history. */
  private newestOfKey = new Map<string, HistoryEntry>();
  /** Every change after this revision is in `history` (or was, before any subscriber needed it). */
  private floor = 0;
  private last = 0;
  private running?: AbortController;
  private starting?: Promise<void>;
  private readonly historySize: number;
  private readonly historyByteLimit: number;
  private readonly subscriberByteLimit: number;
  private readonly backfill: number;
  private readonly decodedHistory: number;

  constructor(private readonly options: WatchHubOptions) {
    this.historySize = options.historySize ?? 5000;
    this.historyByteLimit = options.historyBytes ?? 32 * 1024 * 1024;
    this.subscriberByteLimit = options.subscriberBytes ?? 16 * 1024 * 1024;
    this.backfill = options.backfillRevisions ?? this.historySize;
    this.decodedHistory = options.decodedHistory ?? 256;
  }

  /**
   * Pushes the events in `namespace` ('' for all) after `afterRevision` into `sink` as they are
   * published, until `signal` aborts, the watcher falls behind or the hub stops (each ends the
   * sink once); false when that revision is older than what the hub can replay. The events of
   * the history are pushed before this resolves.
   */
  async attach(namespace: string, afterRevision: number, sink: WatchSink, signal: AbortSignal): Promise<boolean> {
    await this.ensureRunning();
    if (afterRevision < this.floor) return false;
    // The replay may exceed a live watcher's budget: it is no more than the history holds anyway.
    for (const e of this.history) {
      if (e.revision > afterRevision && (!namespace || e.namespace === namespace)) sink.push(e.decoded ?? this.options.decode(e.raw));
    }
    if (signal.aborted) {
      sink.end({ reason: 'stopped' });
      return true;
    }
    const stop = () => {
      if (this.subscribers.delete(sub)) sink.end({ reason: 'stopped' });
    };
    const sub: Subscriber = { namespace, after: afterRevision, sink, detach: () => signal.removeEventListener('abort', stop) };
    this.subscribers.add(sub);
    signal.addEventListener('abort', stop, { once: true });
    return true;
  }

  /**
   * Events in `namespace` ('' for all) after `afterRevision`, until `signal` aborts; undefined
   * when that revision is older than what the hub can replay.
   */
  async subscribe(namespace: string, afterRevision: number, signal: AbortSignal): Promise<AsyncIterable<ObjectEvent> | undefined> {
    const queue = new AsyncQueue<ObjectEvent>();
    /** Bytes of the events queued and not yet consumed. */
    let bytes = 0;
    const sink: WatchSink = {
      push: (e) => {
        queue.push(e);
        bytes += e.bytes;
      },
      backlogBytes: () => bytes,
      backlogEvents: () => queue.size,
      end: (how) => {
        if (how.reason === 'lagging') {
          queue.close();
          bytes = 0;
        } else if (how.reason === 'failed') queue.fail(how.error);
        else queue.end();
      },
    };
    // The iterator's return() lets go of the watch without aborting the caller's signal.
    const own = new AbortController();
    const forward = () => own.abort();
    if (signal.aborted) own.abort();
    else signal.addEventListener('abort', forward, { once: true });
    if (!(await this.attach(namespace, afterRevision, sink, own.signal))) {
      signal.removeEventListener('abort', forward);
      return undefined;
    }
    return {
      [Symbol.asyncIterator]: () => {
        const it = queue.drain();
        return {
          next: async () => {
            const r = await it.next();
            if (!r.done) bytes -= r.value.bytes;
            return r;
          },
          return: async () => {
            signal.removeEventListener('abort', forward);
            own.abort();
            return it.return(undefined);
          },
        };
      },
    };
  }

  /** Stops the underlying watch and ends every subscriber. */
  stop(): void {
    this.running?.abort();
  }

  private ensureRunning(): Promise<void> {
    if (this.running && !this.running.signal.aborted) return Promise.resolve();
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async start(): Promise<void> {
    const current = await this.options.currentRevision();
    const compacted = (await this.options.compactedRevision?.()) ?? 0;
    const from = Math.max(compacted, current - this.backfill, 0);
    const controller = new AbortController();
    this.running = controller;
    this.history = [];
    this.newestOfKey = new Map();
    this.historyBytes = 0;
    this.floor = from;
    this.last = from;
    const events = this.options.watchStore(from, controller.signal);
    void (async () => {
      try {
        for await (const raw of events) this.publish(raw, this.options.decode(raw));
        if (!controller.signal.aborted) throw new Error('the store ended its watch');
      } catch (err) {
        // Watchers end and their clients watch again, from their last revision.
        this.endAll({ reason: 'failed', error: err });
      } finally {
        controller.abort();
        this.endAll({ reason: 'stopped' });
      }
    })();
  }

  private endAll(how: WatchEnd): void {
    const ending = [...this.subscribers];
    this.subscribers.clear();
    for (const s of ending) {
      s.detach();
      s.sink.end(how);
    }
  }

  private publish(raw: WatchEvent, e: ObjectEvent): void {
    this.last = e.revision;
    // The value before this change is, most often, the value of the key's last change in the
    // history (same key, same revision: same value): that string is held once.
    const before = this.newestOfKey.get(raw.kv.key);
    if (raw.prevKv && before && before.raw.kv.modRevision === raw.prevKv.modRevision) {
      raw = { ...raw, prevKv: { ...raw.prevKv, value: before.raw.kv.value } };
    }
    const entry: HistoryEntry = { raw, revision: e.revision, namespace: e.namespace, bytes: e.bytes, decoded: e };
    this.history.push(entry);
    this.newestOfKey.set(raw.kv.key, entry);
    this.historyBytes += e.bytes;
    // Decoded objects take several times their stored bytes: only recent events keep them (the
    // ones watchers resuming from their last revision replay), so the history costs about its budget.
    const cooling = this.history[this.history.length - 1 - this.decodedHistory];
    if (cooling) cooling.decoded = undefined;
    // Trimmed by count in batches (as before), and by bytes so large objects leave sooner; the
    // newest event always stays.
    const excess = this.history.length > this.historySize * 2 ? this.history.length - this.historySize : 0;
    let dropped = 0;
    while (dropped < this.history.length - 1 && (dropped < excess || this.historyBytes > this.historyByteLimit)) {
      this.historyBytes -= this.history[dropped++]!.bytes;
    }
    if (dropped > 0) {
      for (let i = 0; i < dropped; i++) {
        const old = this.history[i]!;
        if (this.newestOfKey.get(old.raw.kv.key) === old) this.newestOfKey.delete(old.raw.kv.key);
      }
      this.floor = this.history[dropped - 1]!.revision;
      this.history = this.history.slice(dropped);
    }
    const eventLimit = this.historySize * 2;
    for (const s of this.subscribers) {
      if ((s.namespace && s.namespace !== e.namespace) || e.revision <= s.after) continue;
      const { sink } = s;
      if (sink.backlogBytes() + e.bytes > this.subscriberByteLimit || sink.backlogEvents() >= eventLimit) {
        // Too far behind: closed (what it holds dropped); the client watches again from its last revision.
        this.subscribers.delete(s);
        s.detach();
        sink.end({ reason: 'lagging' });
        this.options.onLaggingWatcher?.();
        continue;
      }
      sink.push(e);
    }
  }

  /** The oldest revision a watcher may start after (every later change is in the history). */
  get oldestRevision(): number {
    return this.floor;
  }

  /** The revision of the last change seen. */
  get lastRevision(): number {
    return this.last;
  }
}
