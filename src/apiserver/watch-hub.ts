import { AsyncQueue } from '../storage/async-queue.js';
import type { WatchEvent } from '../storage/store.js';
import type { KubeObject } from '../apimachinery/object.js';

/** A change seen by a watch, decoded once and shared by every watcher that receives it. */
export interface ObjectEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  /** The object before the change, for MODIFIED and DELETED. */
  previous?: KubeObject;
  revision: number;
  /** The namespace the object lives in ('' for cluster-scoped). */
  namespace: string;
  /** Encoded forms of this event by watch type and rendering, so N watchers encode it once. */
  encoded: Map<string, string>;
}

/** Options of {@link WatchHub}. */
export interface WatchHubOptions {
  /** Starts the one underlying watch on the type's whole key range after a revision. */
  watchStore: (afterRevision: number, signal: AbortSignal) => AsyncIterable<WatchEvent>;
  /** Decodes a stored event. */
  decode: (e: WatchEvent) => ObjectEvent;
  /** The store's current revision (where a new underlying watch starts). */
  currentRevision: () => Promise<number>;
  /** Recent events kept for watchers that start a little in the past (default 5,000). */
  historySize?: number;
}

interface Subscriber {
  namespace: string;
  queue: AsyncQueue<ObjectEvent>;
}

/**
 * Fans one store watch of a resource type out to every API watch of that type, in the way
 * upstream's watch cache does: each stored change is decoded once, kept in a short history
 * for watchers starting from a recent revision, and pushed to each subscriber's queue.
 * A watcher from a revision older than the history gets undefined and watches the store itself.
 */
export class WatchHub {
  private readonly subscribers = new Set<Subscriber>();
  private history: ObjectEvent[] = [];
  /** Every change after this revision is in `history` (or was, before any subscriber needed it). */
  private floor = 0;
  private last = 0;
  private running?: AbortController;
  private starting?: Promise<void>;
  private readonly historySize: number;

  constructor(private readonly options: WatchHubOptions) {
    this.historySize = options.historySize ?? 5000;
  }

  /**
   * Events in `namespace` ('' for all) after `afterRevision`, until `signal` aborts; undefined
   * when that revision is older than what the hub can replay.
   */
  async subscribe(namespace: string, afterRevision: number, signal: AbortSignal): Promise<AsyncIterable<ObjectEvent> | undefined> {
    await this.ensureRunning();
    if (afterRevision < this.floor) return undefined;
    const sub: Subscriber = { namespace, queue: new AsyncQueue<ObjectEvent>() };
    for (const e of this.history) {
      if (e.revision > afterRevision && (!namespace || e.namespace === namespace)) sub.queue.push(e);
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
          next: () => it.next(),
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
    const from = await this.options.currentRevision();
    const controller = new AbortController();
    this.running = controller;
    this.history = [];
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
    if (this.history.length > this.historySize * 2) {
      const dropped = this.history.length - this.historySize;
      this.floor = this.history[dropped - 1].revision;
      this.history = this.history.slice(dropped);
    }
    for (const s of this.subscribers) {
      if (!s.namespace || s.namespace === e.namespace) s.queue.push(e);
    }
  }

  /** The revision of the last change seen. */
  get lastRevision(): number {
    return this.last;
  }
}
