import type { Store } from '../storage/store.js';

/** Options of {@link measureRawCreates}. */
export interface RawCreateOptions {
  /** Concurrent writers. */
  writers: number;
  /** Creates in all, shared among the writers. */
  total: number;
  /** Size of each value, in bytes. */
  valueBytes: number;
  /** Keys are `<prefix><n>`; the prefix should be unused. */
  prefix: string;
}

/**
 * Measures how many creates per second a store sustains when `writers`
 * concurrent async loops create `total` distinct keys between them.
 */
export async function measureRawCreates(store: Store, opts: RawCreateOptions): Promise<{ perSecond: number }> {
  const value = JSON.stringify({ data: 'x'.repeat(Math.max(0, opts.valueBytes - 11)) });
  let next = 0;
  const writer = async (): Promise<void> => {
    for (;;) {
      const n = next++;
      if (n >= opts.total) return;
      await store.create(`${opts.prefix}${n}`, value);
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.max(1, opts.writers) }, writer));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: opts.total / seconds };
}
