import { systemClock, type Clock, type TimerHandle } from '../apimachinery/clock.js';

/** Options of {@link BoundedFrequencyRunner}. */
export interface BoundedFrequencyRunnerOptions {
  /** The work; a failure is reported and retried after `minIntervalMs`. */
  fn: () => Promise<void>;
  /** Least time between the starts of two runs. Default 1000 (kube-proxy's minSyncPeriod). */
  minIntervalMs?: number;
  /** Most time between two runs: a periodic run happens at least this often. Default 30000 (kube-proxy's syncPeriod). */
  maxIntervalMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** Told about failed runs. Default: console.error. */
  onError?: (error: unknown) => void;
}

/**
 * kube-proxy's BoundedFrequencyRunner: {@link request} asks for a run soon; requests within
 * `minIntervalMs` of the last run's start are coalesced into one run when the interval is up;
 * a run never overlaps another; without requests it still runs every `maxIntervalMs`.
 */
export class BoundedFrequencyRunner {
  private readonly fn: () => Promise<void>;
  private readonly minIntervalMs: number;
  private readonly maxIntervalMs: number;
  private readonly clock: Clock;
  private readonly onError: (error: unknown) => void;
  private timer: { handle: TimerHandle; at: number } | undefined;
  private lastStart = -Infinity;
  private running = false;
  private requestedWhileRunning = false;
  private stopped = true;
  private idle: (() => void) | undefined;

  constructor(options: BoundedFrequencyRunnerOptions) {
    this.fn = options.fn;
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.maxIntervalMs = options.maxIntervalMs ?? 30_000;
    this.clock = options.clock ?? systemClock;
    this.onError = options.onError ?? ((error) => console.error('bounded-frequency runner:', error));
  }

  /** Runs at once, then on requests and periodically, until `signal` aborts; resolves when stopped and idle. */
  loop(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    this.stopped = false;
    this.schedule(this.clock.now().getTime());
    return new Promise<void>((resolve) => {
      signal.addEventListener(
        'abort',
        () => {
          this.stopped = true;
          this.timer?.handle.cancel();
          this.timer = undefined;
          if (!this.running) resolve();
          else this.idle = resolve;
        },
        { once: true },
      );
    });
  }

  /** Asks for a run as soon as the minimum interval allows. */
  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.requestedWhileRunning = true;
      return;
    }
    this.schedule(Math.max(this.clock.now().getTime(), this.lastStart + this.minIntervalMs));
  }

  /** Arms the timer for `at` unless it is already armed for that time or sooner. */
  private schedule(at: number): void {
    if (this.stopped || (this.timer && this.timer.at <= at)) return;
    this.timer?.handle.cancel();
    const handle = this.clock.setTimer(at - this.clock.now().getTime(), () => void this.fire());
    this.timer = { handle, at };
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    this.running = true;
    this.requestedWhileRunning = false;
    this.lastStart = this.clock.now().getTime();
    let failed = false;
    try {
      await this.fn();
    } catch (error) {
      failed = true;
      this.onError(error);
    }
    this.running = false;
    if (this.stopped) {
      this.idle?.();
      return;
    }
    this.schedule(this.lastStart + this.maxIntervalMs);
    if (failed || this.requestedWhileRunning) this.request();
  }
}
