import type { Store } from './store.js';

/** Options of {@link startAutoCompaction}. */
export interface AutoCompactionOptions {
  /** Time between compactions, in ms. Default 300000 (5 minutes). */
  interval?: number;
  /** Revisions of history kept behind the current revision. Default 1000. */
  keep?: number;
  /** Called with a compaction's error (it does not stop the timer). Default: ignored. */
  onError?: (error: unknown) => void;
}

/**
 * Compacts `store` every `interval` ms down to `current - keep` until `signal`
 * aborts. The timer does not keep the process alive.
 */
export function startAutoCompaction(store: Store, signal: AbortSignal, options: AutoCompactionOptions = {}): void {
  const interval = options.interval ?? 300_000;
  const keep = options.keep ?? 1000;
  if (signal.aborted) return;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    compactOnce(store, keep)
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        running = false;
      });
  }, interval);
  timer.unref();
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}

/** Compacts `store` to `current - keep` if that is above what is already compacted. */
export async function compactOnce(store: Store, keep: number): Promise<void> {
  const target = (await store.currentRevision()) - keep;
  if (target > (await store.compactedRevision())) await store.compact(target);
}
