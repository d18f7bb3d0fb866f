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
  encoded: Map<string, string>;
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
}

interface Subscriber {
  namespace: string;
  /** The revision the watcher starts after: older events (of the backfill) are not its own. */
  after: number;
  queue: AsyncQueue<ObjectEvent>;
  /** Bytes of the events queued and not yet consumed. */
  bytes: number;
}

/**
 * Fans one store watch of a resource type out to every API watch of that type, in the way
 * upstream's watch cache does: each stored change is decoded once, kept in a short history
 * for watchers starting from a recent revision, and pushed to each subscriber's queue.
 * A watcher from a revision older than the history gets undefined: as upstream's watch cache,
 * the API answers it 410 Expired and the client lists again (events that old are not replayed
 * even when the store still has them).
 */
export class WatchHub {
  private readonly subscribers = new Set<Subscriber>();
  private history: ObjectEvent[] = [];
  private historyBytes = 0;
  /** Every change after this revision is in `history` (or was, before any subscriber needed it). */
  private floor = 0;
  private last = 0;
  private running?: AbortController;
  private starting?: Promise<void>;
  private readonly historySize: number;
  private readonly historyByteLimit: number;
  private readonly subscriberByteLimit: number;
  private readonly backfill: number;

  constructor(private readonly options: WatchHubOptions) {
    this.historySize = options.historySize ?? 5000;
    this.historyByteLimit = options.historyBytes ?? 32 * 1024 * 1024;
    this.subscriberByteLimit = options.subscriberBytes ?? 16 * 1024 * 1024;
    this.backfill = options.backfillRevisions ?? this.historySize;
  }

  /**
   * Events in `namespace` ('' for all) after `afterRevision`, until `signal` aborts; undefined
   * when that revision is older than what the hub can replay.
   */
  async subscribe(namespace: string, afterRevision: number, signal: AbortSignal): Promise<AsyncIterable<ObjectEvent> | undefined> {
    await this.ensureRunning();
    if (afterRevision < this.floor) return undefined;
    const sub: Subscriber = { namespace, after: afterRevision, queue: new AsyncQueue<ObjectEvent>(), bytes: 0 };
    // The replay may exceed a live watcher's budget: it is no more than the history holds anyway.
    for (const e of this.history) {
      if (e.revision > afterRevision && (!namespace || e.namespace === namespace)) {
        sub.queue.push(e);
        sub.bytes += e.bytes;
      }
    }
    this.subscribers.add(sub);
    const stop = () => {
      this.subscribers.delete(sub);
      sub.queue.end();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    return {
      [Symbol.asyncIterator]: () => {
        const it = sub.queue.drain();
        return {
          next: async () => {
            const r = await it.next();
            if (!r.done) sub.bytes -= r.value.bytes;
            return r;
          },
          return: async () => {
            signal.removeEventListener('abort', stop);
            stop();
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
    this.historyBytes = 0;
    this.floor = from;
    this.last = from;
    const events = this.options.watchStore(from, controller.signal);
    void (async () => {
      try {
        for await (const raw of events) this.publish(this.options.decode(raw));
        if (!controller.signal.aborted) throw new Error('the store ended its watch');
      } catch (err) {
        // Watchers end and their clients watch again, from their last revision.
        for (const s of this.subscribers) s.queue.fail(err);
      } finally {
        controller.abort();
        for (const s of this.subscribers) s.queue.end();
        this.subscribers.clear();
      }
    })();
  }

  private publish(e: ObjectEvent): void {
    this.last = e.revision;
    this.history.push(e);
    this.historyBytes += e.bytes;
    // Trimmed by count in batches (as before), and by bytes so large objects leave sooner; the
    // newest event always stays.
    const excess = this.history.length > this.historySize * 2 ? this.history.length - this.historySize : 0;
    let dropped = 0;
    while (dropped < this.history.length - 1 && (dropped < excess || this.historyBytes > this.historyByteLimit)) {
      this.historyBytes -= this.history[dropped++]!.bytes;
    }
    if (dropped > 0) {
      this.floor = this.history[dropped - 1]!.revision;
      this.history = this.history.slice(dropped);
    }
    for (const s of this.subscribers) {
      if ((s.namespace && s.namespace !== e.namespace) || e.revision <= s.after) continue;
      if (s.bytes + e.bytes > this.subscriberByteLimit || s.queue.size >= this.historySize * 2) {
        // Too far behind: closed (its queue dropped); the client watches again from its last revision.
        this.subscribers.delete(s);
        s.queue.close();
        s.bytes = 0;
        this.options.onLaggingWatcher?.();
        continue;
      }
      s.queue.push(e);
      s.bytes += e.bytes;
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
