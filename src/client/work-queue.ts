/**
 * A controller work queue with client-go's semantics (util/workqueue): keys are deduplicated
 * while waiting, a key is never handed to two workers at once, and failed keys come back after a
 * rate-limited delay.
 */
import { systemClock, type Clock, type TimerHandle } from '../apimachinery/clock.js';
import type { QueueMetrics } from './work-queue-metrics.js';

/** Decides how long to wait before a key is retried. */
export interface RateLimiter<K> {
  /** The delay (ms) before `key` may be retried; counts one more failure. */
  when(key: K): number;
  /** Forgets the failures of `key` (it succeeded). */
  forget(key: K): void;
  /** The failures counted for `key`. */
  numRequeues(key: K): number;
}

/** Per-key exponential backoff: `baseMs * 2^failures`, capped at `maxMs` (client-go's ItemExponentialFailureRateLimiter). */
export class ExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  /**
   * @param baseMs delay of the first retry (client-go default 5 ms)
   * @param maxMs longest delay (client-go default 1000 s)
   */
  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {}

  when(key: K): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const delay = this.baseMs * 2 ** failures;
    return Number.isFinite(delay) ? Math.min(delay, this.maxMs) : this.maxMs;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }
}

/** An overall token bucket: `qps` tokens a second, at most `burst` saved (client-go's BucketRateLimiter). */
export class TokenBucketRateLimiter<K> implements RateLimiter<K> {
  private tokens: number;
  private last: number;

  /**
   * @param qps refill rate (client-go default 10)
   * @param burst bucket size (client-go default 100)
   * @param clock time source (default the system clock)
   */
  constructor(
    private readonly qps = 10,
    private readonly burst = 100,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {
    this.tokens = burst;
    this.last = clock.now().getTime();
  }

  when(_key: K): number {
    const now = this.clock.now().getTime();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    // Reserve a token even if it is not there yet, as rate.Limiter.Reserve does.
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  forget(_key: K): void {}

  numRequeues(_key: K): number {
    return 0;
  }
}

/** The longest delay of several limiters (client-go's MaxOfRateLimiter). */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(key: K): number {
    return Math.max(0, ...this.limiters.map((l) => l.when(key)));
  }

  forget(key: K): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: K): number {
    return Math.max(0, ...this.limiters.map((l) => l.numRequeues(key)));
  }
}

/** client-go's DefaultControllerRateLimiter: 5 ms doubling to 1000 s per key, and 10 qps (burst 100) overall. */
export function defaultControllerRateLimiter<K>(clock: Pick<Clock, 'now'> = systemClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ExponentialFailureRateLimiter<K>(5, 1_000_000), new TokenBucketRateLimiter<K>(10, 100, clock));
}

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions<K> {
  /** The queue's name (its controller's), for labelling metrics and logs. Default: none. */
  name?: string;
  /** Clock of `addAfter` and the default rate limiter. Default: the system clock. */
  clock?: Clock;
  /** Delays of `addRateLimited`. Default: {@link defaultControllerRateLimiter}. */
  rateLimiter?: RateLimiter<K>;
  /** Where the queue reports adds, waits, work and retries ({@link WorkQueueMetricsProvider.forQueue}). Default: none. */
  metrics?: QueueMetrics;
  /**
   * Orders waiting keys: a key with a higher value is handed out first, keys of equal value in
   * the order they were added (the scheduler's activeQ orders pods by priority). Read when a
   * key is queued. Default: none, first in first out.
   */
  priorityOf?: (key: K) => number;
}

interface Waiter<K> {
  resolve: (key: K | undefined) => void;
}

/**
 * client-go's rate-limited delaying work queue. `add` deduplicates keys waiting to be processed;
 * a key added while a worker processes it is marked dirty and queued again when the worker calls
 * `done`, so one key is never processed by two workers at once. After `shutDown`, adds are ignored
 * and `get` drains what is queued, then answers undefined.
 */
export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly waiters: Waiter<K>[] = [];
  private readonly delayed = new Map<K, { due: number; timer: TimerHandle }>();
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter<K>;
  private readonly metrics?: QueueMetrics;
  private readonly priorityOf?: (key: K) => number;
  /** The priority each waiting key was queued with (only with `priorityOf`). */
  private readonly priorities = new Map<K, number>();
  private stopping = false;
  /** The name given in the options ('' when none). */
  readonly name: string;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.name = options.name ?? '';
    this.clock = options.clock ?? systemClock;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
    this.metrics = options.metrics;
    this.priorityOf = options.priorityOf;
  }

  /** Queues a key for processing: at the end, or with `priorityOf` after every key of equal or higher priority. */
  private enqueue(key: K): void {
    if (!this.priorityOf) {
      this.queue.push(key);
      return;
    }
    const priority = this.priorityOf(key);
    this.priorities.set(key, priority);
    let i = this.queue.length;
    while (i > 0 && (this.priorities.get(this.queue[i - 1] as K) ?? 0) < priority) i--;
    this.queue.splice(i, 0, key);
  }

  /** Queues `key` unless it is already waiting; a key being processed is queued again on `done`. */
  add(key: K): void {
    if (this.stopping || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.metrics?.add(key);
    if (this.processing.has(key)) return;
    this.enqueue(key);
    this.handOut();
  }

  /** Keys waiting to be processed (not those being processed or delayed). */
  len(): number {
    return this.queue.length;
  }

  /**
   * The next key to process, waiting for one if needed; undefined once the queue is shut down and
   * drained, or when `signal` aborts. Call `done(key)` when finished with it.
   */
  get(signal?: AbortSignal): Promise<K | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.stopping || signal?.aborted) return Promise.resolve(undefined);
    return new Promise<K | undefined>((resolve) => {
      const waiter: Waiter<K> = {
        resolve: (k) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(k);
        },
      };
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Marks `key` processed; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    this.metrics?.done(key);
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.enqueue(key);
      this.handOut();
    }
  }

  /** Adds `key` after `ms` (at once when `ms <= 0`); a key already waiting keeps the earlier time. */
  addAfter(key: K, ms: number): void {
    if (this.stopping) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const due = this.clock.now().getTime() + ms;
    const existing = this.delayed.get(key);
    if (existing) {
      if (existing.due <= due) return;
      existing.timer.cancel();
    }
    const timer = this.clock.setTimer(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { due, timer });
  }

  /** Adds `key` after the rate limiter's delay (per-key backoff and overall rate). */
  addRateLimited(key: K): void {
    this.metrics?.retry();
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Clears the failure count of `key` (call after it was processed successfully). */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  /** How many times `key` was rate-limited since it was last forgotten. */
  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** Stops accepting keys, cancels delayed adds and wakes idle `get` callers (they get undefined). */
  shutDown(): void {
    this.stopping = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w.resolve(undefined);
  }

  /** Whether `shutDown` was called. */
  shuttingDown(): boolean {
    return this.stopping;
  }

  private take(): K | undefined {
    if (this.queue.length === 0) return undefined;
    const key = this.queue.shift() as K;
    this.priorities.delete(key);
    this.processing.add(key);
    this.dirty.delete(key);
    this.metrics?.get(key);
    return key;
  }

  private handOut(): void {
    while (this.waiters.length > 0 && this.queue.length > 0) {
      const waiter = this.waiters.shift() as Waiter<K>;
      waiter.resolve(this.take());
    }
  }
}

/** What a sync function may ask for, as controller-runtime's reconcile.Result. */
export interface SyncResult {
  /** Process the key again after this many ms (the key's failure count is reset). */
  requeueAfter?: number;
}

/**
 * Runs `workers` loops taking keys from `queue` and calling `sync` for each until `signal` aborts
 * (which shuts the queue down) or the queue is shut down. On success the key's failures are
 * forgotten and, with `requeueAfter`, the key comes back after that delay; on a thrown error the
 * key is re-added rate-limited and the error reported to `onError`. `done` is always called.
 * Resolves when every worker has stopped.
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>,
  workers: number,
  sync: (key: K) => Promise<SyncResult | void>,
  signal: AbortSignal,
  onError: (error: unknown, key: K) => void,
): Promise<void> {
  const stop = (): void => queue.shutDown();
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      if (signal.aborted) {
        // Stopping: leave what is still queued unprocessed.
        queue.done(key);
        return;
      }
      try {
        const result = await sync(key);
        queue.forget(key);
        if (result && result.requeueAfter !== undefined && result.requeueAfter > 0) queue.addAfter(key, result.requeueAfter);
      } catch (err) {
        queue.addRateLimited(key);
        onError(err, key);
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
