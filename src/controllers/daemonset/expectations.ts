import type { Clock } from '../../apimachinery/clock.js';

/** How long expectations hold before a sync proceeds anyway (upstream's ExpectationsTimeout, 5 minutes). */
export const expectationsTimeoutMs = 5 * 60 * 1000;

interface Expectation {
  adds: number;
  deletes: Set<string>;
  setAt: number;
}

/**
 * Upstream's ControllerExpectations (with UIDTrackingControllerExpectations' deletion keys): the
 * creations and deletions a controller made and has not yet seen in its cache. While some are
 * outstanding (and not expired) the controller must not act on the cache, or it would create
 * or delete twice.
 */
export class PodExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly timeoutMs = expectationsTimeoutMs,
  ) {}

  /** Records `adds` creations and the deletion of `deleteKeys` (pod `namespace/name`s) for `key`. */
  expect(key: string, adds: number, deleteKeys: readonly string[]): void {
    this.byKey.set(key, { adds, deletes: new Set(deleteKeys), setAt: this.clock.now().getTime() });
  }

  /** A pod created for `key` appeared (or its creation failed). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  /** The pod `podKey` deleted for `key` is gone or terminating (or its deletion failed). */
  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deletes.delete(podKey);
  }

  /** True when nothing is outstanding for `key`, or the expectations expired. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return this.clock.now().getTime() - e.setAt > this.timeoutMs;
  }

  /** Forgets `key` (its owner was deleted). */
  delete(key: string): void {
    this.byKey.delete(key);
  }
}
