import type { Clock } from '../../apimachinery/clock.js';

/** Upstream's ExpectationsTimeout: expectations older than this are treated as satisfied. */
export const defaultExpectationsTimeoutMs = 5 * 60 * 1000;

interface ExpectationRecord {
  /** Creations still to be seen by the informer. */
  adds: number;
  /** Keys (`namespace/name`) of pods whose deletion is still to be seen. */
  deletions: Set<string>;
  /** When the record was set, for the timeout. */
  setAtMs: number;
}

/**
 * Upstream's UIDTrackingControllerExpectations: per controller key, how many creations and which
 * deletions the controller issued that its informer has not yet reported. While some are
 * outstanding the controller must not act on its (stale) cache, or it would create or delete
 * twice. Deletions are tracked by pod key so seeing one twice (graceful deletion, then removal)
 * counts once. Records expire after a timeout so a lost event cannot wedge a controller.
 */
export class ControllerExpectations {
  private readonly records = new Map<string, ExpectationRecord>();

  /** @param timeoutMs how long a record is trusted (default {@link defaultExpectationsTimeoutMs}). */
  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly timeoutMs: number = defaultExpectationsTimeoutMs,
  ) {}

  /** Whether the controller may act for `key`: no record, everything observed, or the record expired. */
  satisfied(key: string): boolean {
    const record = this.records.get(key);
    if (!record) return true;
    if (record.adds <= 0 && record.deletions.size === 0) return true;
    return this.clock.now().getTime() - record.setAtMs > this.timeoutMs;
  }

  /** Replaces the record of `key`: `count` creations expected. */
  expectCreations(key: string, count: number): void {
    this.records.set(key, { adds: count, deletions: new Set(), setAtMs: this.clock.now().getTime() });
  }

  /** Replaces the record of `key`: the deletion of these pod keys expected. */
  expectDeletions(key: string, podKeys: readonly string[]): void {
    this.records.set(key, { adds: 0, deletions: new Set(podKeys), setAtMs: this.clock.now().getTime() });
  }

  /** One expected creation was seen (or will never happen). */
  creationObserved(key: string): void {
    const record = this.records.get(key);
    if (record) record.adds -= 1;
  }

  /** The deletion of `podKey` was seen (or will never happen); a pod not expected is ignored. */
  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.deletions.delete(podKey);
  }

  /** Forgets `key` (its owner is gone). */
  delete(key: string): void {
    this.records.delete(key);
  }

  /** Outstanding creations and deletions of `key`, for tests and diagnostics. */
  pending(key: string): { adds: number; deletions: number } | undefined {
    const record = this.records.get(key);
    return record ? { adds: record.adds, deletions: record.deletions.size } : undefined;
  }
}
