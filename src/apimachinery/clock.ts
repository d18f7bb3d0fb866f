/**
 * Time for the client machinery (informers, work queues, leader election): every wait goes
 * through a {@link Clock} so tests drive time with {@link FakeClock} instead of sleeping.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';

/** A scheduled callback; `cancel()` stops it if it has not fired yet (cancelling twice is harmless). */
export interface TimerHandle {
  cancel(): void;
}

/** A source of the current time alone: what code that only stamps times needs. */
export interface NowClock {
  now(): Date;
}

/** A source of time and timers; a {@link NowClock} too, so one instance serves both. */
export interface Clock extends NowClock {
  now(): Date;
  /**
   * Waits `ms` milliseconds (negative counts as 0). When `signal` aborts, the promise
   * RESOLVES at once (it never rejects): loops check `signal.aborted` after waking.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` once after `ms` milliseconds (negative counts as 0). */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** Longest delay Node's setTimeout accepts; longer ones are chained. */
const maxTimeoutMs = 2 ** 31 - 1;

function realTimer(ms: number, fn: () => void): TimerHandle {
  let handle: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (remaining: number): void => {
    const step = Math.min(Math.max(0, remaining), maxTimeoutMs);
    handle = setTimeout(() => {
      if (cancelled) return;
      if (remaining > step) arm(remaining - step);
      else fn();
    }, step);
  };
  arm(ms);
  return {
    cancel(): void {
      cancelled = true;
      if (handle !== undefined) clearTimeout(handle);
    },
  };
}

function sleepWith(setTimer: (ms: number, fn: () => void) => TimerHandle, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const onAbort = (): void => {
      timer.cancel();
      resolve();
    };
    const timer = setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The wall clock and Node's timers. */
export const systemClock: Clock = Object.freeze({
  now: (): Date => new Date(),
  sleep: (ms: number, signal?: AbortSignal): Promise<void> => sleepWith(realTimer, ms, signal),
  setTimer: realTimer,
});

interface FakeTimer {
  due: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock for tests: time stands still until `advance` or `advanceAsync` moves it, firing the
 * timers that fall due in order of due time (then of creation).
 */
export class FakeClock implements Clock {
  private current: number;
  private timers: FakeTimer[] = [];
  private seq = 0;

  /** @param start the time the clock shows first (default 2026-01-01T00:00:00Z). */
  constructor(start: Date = new Date('2026-01-01T00:00:00Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith((d, fn) => this.setTimer(d, fn), ms, signal);
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: FakeTimer = { due: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return {
      cancel: (): void => {
        const i = this.timers.indexOf(timer);
        if (i >= 0) this.timers.splice(i, 1);
      },
    };
  }

  /** Timers (sleeps included) not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Milliseconds until the next timer falls due, or undefined when none is pending. */
  nextTimerDelay(): number | undefined {
    const next = this.nextTimer(Infinity);
    return next ? next.due - this.current : undefined;
  }

  /**
   * Moves time forward by `ms`, synchronously firing every timer that falls due (timers set by a
   * firing callback fire too if due in the window). Code awaiting a resolved sleep runs only after
   * the caller yields; use {@link advanceAsync} to let it run between timers.
   */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (let timer = this.nextTimer(target); timer; timer = this.nextTimer(target)) {
      this.fire(timer);
    }
    this.current = target;
  }

  /**
   * Moves time forward by `ms` like {@link advance}, but lets pending promise continuations run
   * (waiting one macrotask) before and after each timer, so code that sleeps in a loop keeps
   * scheduling its next timer inside the window.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + Math.max(0, ms);
    await settle();
    for (let timer = this.nextTimer(target); timer; timer = this.nextTimer(target)) {
      this.fire(timer);
      await settle();
    }
    this.current = target;
    await settle();
  }

  private nextTimer(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.due > limit) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }

  private fire(timer: FakeTimer): void {
    this.timers.splice(this.timers.indexOf(timer), 1);
    this.current = Math.max(this.current, timer.due);
    timer.fn();
  }
}

/**
 * Lets every pending promise continuation run: waits for the next macrotask (the microtask queue
 * is drained before it). For tests; it does not wait on real time.
 */
export async function settle(rounds = 1): Promise<void> {
  for (let i = 0; i < rounds; i++) await nextMacrotask();
}
