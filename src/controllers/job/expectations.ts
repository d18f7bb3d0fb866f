/**
 * Upstream's ControllerExpectations (pod creations and deletions a Job controller is waiting
 * to see in its cache) and the Job controller's finalizer-removal expectations, so a sync does
 * not act twice on a cache that lags its own writes.
 */

interface Counts {
  adds: number;
  dels: number;
  setAt: number;
}

/** Options of {@link JobExpectations}. */
export interface JobExpectationsOptions {
  /** Expectations older than this count as satisfied (upstream's ExpectationsTimeout). Default 300000 (5 min). */
  timeoutMs?: number;
}

/** Pending creations/deletions per job key and pod UIDs whose tracking finalizer removal is in flight. */
export class JobExpectations {
  private readonly counts = new Map<string, Counts>();
  private readonly finalizerRemovals = new Map<string, Set<string>>();
  private readonly timeoutMs: number;

  constructor(options: JobExpectationsOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 300_000;
  }

  /** Sets how many creations and deletions `key` waits for (replacing what it waited for). */
  expect(key: string, adds: number, dels: number, nowMs: number): void {
    this.counts.set(key, { adds, dels, setAt: nowMs });
  }

  /** A pod of `key` appeared in the cache. */
  creationObserved(key: string): void {
    const counts = this.counts.get(key);
    if (counts) counts.adds--;
  }

  /** A pod of `key` started or finished deleting. */
  deletionObserved(key: string): void {
    const counts = this.counts.get(key);
    if (counts) counts.dels--;
  }

  /** A creation that failed will never be observed. */
  lowerCreations(key: string, by: number): void {
    const counts = this.counts.get(key);
    if (counts) counts.adds -= by;
  }

  /** A deletion that failed will never be observed. */
  lowerDeletions(key: string, by: number): void {
    const counts = this.counts.get(key);
    if (counts) counts.dels -= by;
  }

  /** Whether the cache has caught up with `key`'s creations and deletions (or they expired). */
  satisfied(key: string, nowMs: number): boolean {
    const counts = this.counts.get(key);
    if (!counts) return true;
    return (counts.adds <= 0 && counts.dels <= 0) || nowMs - counts.setAt > this.timeoutMs;
  }

  /** Records that the finalizer of these pods is being removed. */
  expectFinalizersRemoved(key: string, uids: string[]): void {
    let set = this.finalizerRemovals.get(key);
    if (!set) {
      set = new Set();
      this.finalizerRemovals.set(key, set);
    }
    for (const uid of uids) set.add(uid);
  }

  /** The cache shows the pod without the finalizer (or gone), or its removal failed. */
  finalizerRemovalObserved(key: string, uid: string): void {
    const set = this.finalizerRemovals.get(key);
    set?.delete(uid);
    if (set?.size === 0) this.finalizerRemovals.delete(key);
  }

  /** Pod UIDs of `key` whose finalizer removal the cache has not shown yet. */
  pendingFinalizerRemovals(key: string): ReadonlySet<string> {
    return this.finalizerRemovals.get(key) ?? new Set();
  }

  /** Forgets `key` (the Job is gone). */
  delete(key: string): void {
    this.counts.delete(key);
    this.finalizerRemovals.delete(key);
  }
}
