/** Options of {@link NamespaceReadCache}. */
export interface NamespaceReadCacheOptions {
  /** Reads kept at most; past it the cache starts afresh (default 10,000). */
  maxEntries?: number;
}

interface Entry {
  /** The namespace's write mark when the read started. */
  mark: number;
  value: unknown;
}

/**
 * Reads that every write of other types repeats (a create reads its Namespace; admission lists
 * the namespace's ResourceQuotas, LimitRanges, PriorityClasses), answered from memory while no
 * write of the same namespace has started or ended since the read began. The store that owns
 * the objects calls {@link touch} before each of its writes and again after it, so an answer
 * from memory never misses a write that was acknowledged before the request came (a read that
 * overlaps a write is used by nobody after that write ends). Values are frozen: callers share them.
 */
export class NamespaceReadCache {
  private readonly marks = new Map<string, number>();
  private readonly entries = new Map<string, Entry>();
  private clock = 0;
  private readonly maxEntries: number;

  constructor(options: NamespaceReadCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** A write of `namespace` ('' for cluster-scoped objects) starts or ends. */
  touch(namespace: string): void {
    this.marks.set(namespace, ++this.clock);
  }

  /**
   * The value of `read` for `key` (a read of `namespace`), from memory when no write of that
   * namespace started or ended since it was read; errors are not kept.
   */
  async get<T>(namespace: string, key: string, read: () => Promise<T>): Promise<T> {
    const mark = this.marks.get(namespace) ?? 0;
    const kept = this.entries.get(key);
    if (kept && kept.mark === mark) return kept.value as T;
    const value = deepFreeze(await read());
    if ((this.marks.get(namespace) ?? 0) === mark) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, { mark, value });
    }
    return value;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
