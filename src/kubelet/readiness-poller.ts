/**
 * Waits for the container runtime to turn ready, quickly: polls every 200 ms, backing off to
 * once a second, until the check first passes, then reports it at once. A node's first start
 * becomes Ready as soon as containerd's CRI and CNI network are (the network turns ready when
 * the conflist is written, which {@link ReadinessPoller.wake} answers without waiting), instead
 * of at the next 10 s runtime status check, which stays as the fallback.
 */
import type { Clock } from '../apimachinery/clock.js';

/** Options of {@link ReadinessPoller}. */
export interface ReadinessPollerOptions {
  /** Asks the runtime; true when it is ready (RuntimeReady and NetworkReady). Errors count as not ready. */
  check: () => Promise<boolean>;
  /** Called once, right after the first check that passed. */
  onReady: () => void;
  clock: Clock;
  /** The first interval. Default 200 ms. */
  initialIntervalMs?: number;
  /** The longest interval. Default 1000 ms. */
  maxIntervalMs?: number;
  /** Each interval is the previous one times this. Default 1.5. */
  backoffFactor?: number;
  /** Check errors. Default: ignored (the next poll tries again). */
  onError?: (err: unknown) => void;
}

/** Polls until the runtime is first ready. */
export class ReadinessPoller {
  private intervalMs: number;
  private napping: AbortController | undefined;
  private done = false;

  constructor(private readonly options: ReadinessPollerOptions) {
    this.intervalMs = options.initialIntervalMs ?? 200;
  }

  /** Something that may make the runtime ready happened (e.g. the CNI config was written): check now and poll fast again. */
  wake(): void {
    this.intervalMs = this.options.initialIntervalMs ?? 200;
    this.napping?.abort();
  }

  /** Polls until ready (then calls onReady) or until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock } = this.options;
    while (!signal.aborted && !this.done) {
      let ready = false;
      try {
        ready = await this.options.check();
      } catch (err) {
        this.options.onError?.(err);
      }
      if (ready) {
        this.done = true;
        this.options.onReady();
        return;
      }
      const nap = new AbortController();
      this.napping = nap;
      const stop = () => nap.abort();
      signal.addEventListener('abort', stop, { once: true });
      const interval = this.intervalMs;
      this.intervalMs = Math.min(interval * (this.options.backoffFactor ?? 1.5), this.options.maxIntervalMs ?? 1000);
      await clock.sleep(interval, nap.signal);
      signal.removeEventListener('abort', stop);
      this.napping = undefined;
    }
  }
}
