/**
 * The one condition wait of the tests: poll a probe until it answers, with a real-time deadline.
 * Unit tests on a fake clock move it forward between rounds (so timers and back-off retries
 * fire); tests against real processes poll at an interval and may retry a probe that throws.
 */
import { settle, type FakeClock } from '../apimachinery/clock.js';

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Real time to wait before failing. Default 10 000 ms. */
  timeoutMs?: number;
  /** A fake clock to move forward each round so timers and back-off retries fire. Default: none. */
  clock?: FakeClock;
  /** How far to move `clock` each round. Default 10 ms. */
  stepMs?: number;
  /** Real time to sleep between rounds (for probes of real processes). Default 0: only pending promises and timers run. */
  intervalMs?: number;
  /** Whether a probe that throws counts as "not yet" (the last error is named on timeout). Default false: the error fails the wait. */
  retryOnError?: boolean;
  /** Errors to list in the timeout message (e.g. a test context's errors). Default: none. */
  errors?: readonly unknown[];
}

/**
 * Polls `probe` until it returns a truthy value, which is returned. Between rounds lets pending
 * promises run, sleeps `intervalMs` and moves the fake clock if one is given. Fails with
 * `timed out waiting for <what>` once `timeoutMs` of real time passed.
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<Exclude<T, false>>> {
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<Exclude<T, false>>;
    } catch (err) {
      if (!options.retryOnError) throw err;
      lastError = err;
    }
    if (performance.now() > deadline) {
      const last = lastError !== undefined ? `: ${String(lastError)}` : '';
      const errors = options.errors?.length ? `; errors: ${options.errors.map(String).join('; ')}` : '';
      throw new Error(`timed out waiting for ${what}${last}${errors}`);
    }
    if (options.intervalMs) await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    else await settle();
    if (options.clock) await options.clock.advanceAsync(options.stepMs ?? 10);
  }
}
