/**
 * The kubelet's crash-loop back-off: per container, a delay that doubles after each restart up to
 * a cap, and starts over once a container ran long enough. Mirrors client-go's
 * util/flowcontrol Backoff as the kubelet uses it (pkg/kubelet/kuberuntime doBackOff).
 */
import type { Clock } from '../../apimachinery/clock.js';

/** Options of {@link CrashLoopBackOff}. */
export interface CrashLoopBackOffOptions {
  clock: Clock;
  /** First delay, ms (default 10 000: the kubelet's backOffPeriod). */
  initialMs?: number;
  /** Largest delay, ms (default 300 000: MaxContainerBackOff). */
  maxMs?: number;
  /**
   * When a container finished this long (ms) after the last back-off step, it counts as having
   * run stably and the back-off starts over (default 600 000 = 2 x maxMs, as upstream).
   */
  resetAfterMs?: number;
}

/** Whether a container is still waiting out its back-off, and for how long. */
export interface BackOffState {
  waiting: boolean;
  /** Time left to wait, ms (0 when not waiting). */
  remainingMs: number;
  /** The current back-off delay of the key, ms (0 when none). */
  delayMs: number;
}

interface BackOffEntry {
  delayMs: number;
  lastUpdate: number;
}

/**
 * Restart back-off per key (see {@link crashLoopBackOffKey}). The pod worker uses it like the
 * kubelet: when a container has exited and should restart, it asks
 * `inBackOff(key, finishedAt)`; if waiting, it reports CrashLoopBackOff with
 * {@link formatBackOffMessage} and retries later; otherwise it calls `next(key, finishedAt)`
 * and starts the container.
 */
export class CrashLoopBackOff {
  private readonly clock: Clock;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly resetAfterMs: number;
  private readonly entries = new Map<string, BackOffEntry>();

  constructor(options: CrashLoopBackOffOptions) {
    this.clock = options.clock;
    this.initialMs = options.initialMs ?? 10_000;
    this.maxMs = options.maxMs ?? 300_000;
    this.resetAfterMs = options.resetAfterMs ?? 2 * this.maxMs;
  }

  /**
   * Moves the key's back-off one step after a restart of a container that finished at
   * `finishedAt`: the first step (or the first after a stable run) is `initialMs`, each next one
   * doubles, capped at `maxMs`. Returns the new delay in ms.
   */
  next(key: string, finishedAt: Date): number {
    const entry = this.entries.get(key);
    const now = this.clock.now().getTime();
    if (!entry || this.hasExpired(finishedAt, entry)) {
      this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
      return this.initialMs;
    }
    entry.delayMs = Math.min(entry.delayMs * 2, this.maxMs);
    entry.lastUpdate = now;
    return entry.delayMs;
  }

  /**
   * Whether a container of `key` that finished at `finishedAt` must still wait before its next
   * start (upstream's IsInBackOffSince): true while less than the current delay has passed since
   * `finishedAt`, unless the container ran stably (see `resetAfterMs`).
   */
  inBackOff(key: string, finishedAt: Date): BackOffState {
    const entry = this.entries.get(key);
    if (!entry) return { waiting: false, remainingMs: 0, delayMs: 0 };
    if (this.hasExpired(finishedAt, entry)) return { waiting: false, remainingMs: 0, delayMs: entry.delayMs };
    const elapsed = this.clock.now().getTime() - finishedAt.getTime();
    const remainingMs = entry.delayMs - elapsed;
    return remainingMs > 0 ? { waiting: true, remainingMs, delayMs: entry.delayMs } : { waiting: false, remainingMs: 0, delayMs: entry.delayMs };
  }

  /** The key's current delay in ms (0 when it has none), as in the CrashLoopBackOff message. */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Forgets the key's back-off. */
  reset(key: string): void {
    this.entries.delete(key);
  }

  /**
   * Drops entries whose key is not in `keepKeys` (when given) and entries not updated for
   * `resetAfterMs` (they would start over anyway). Call it periodically (pod housekeeping).
   */
  gc(keepKeys?: Iterable<string>): void {
    const keep = keepKeys === undefined ? undefined : new Set(keepKeys);
    const now = this.clock.now().getTime();
    for (const [key, entry] of this.entries) {
      if ((keep && !keep.has(key)) || now - entry.lastUpdate > this.resetAfterMs) this.entries.delete(key);
    }
  }

  /** Number of keys tracked (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private hasExpired(finishedAt: Date, entry: BackOffEntry): boolean {
    return finishedAt.getTime() - entry.lastUpdate > this.resetAfterMs;
  }
}

/** The back-off key of a container: pod UID and container name. */
export function crashLoopBackOffKey(podUID: string, containerName: string): string {
  return `${podUID}/${containerName}`;
}

/** The pod a back-off message names. */
export interface BackOffPodRef {
  name: string;
  namespace: string;
  uid: string;
}

/** `name_namespace(uid)`: how the kubelet names a pod in messages (format.Pod). */
export function formatPodForMessage(pod: BackOffPodRef): string {
  return `${pod.name}_${pod.namespace}(${pod.uid})`;
}

/**
 * The CrashLoopBackOff waiting message kubectl shows:
 * `back-off 20s restarting failed container=app pod=web_default(1234-...)`.
 */
export function formatBackOffMessage(delayMs: number, containerName: string, pod: BackOffPodRef): string {
  return `back-off ${formatGoDuration(delayMs)} restarting failed container=${containerName} pod=${formatPodForMessage(pod)}`;
}

/** The BackOff event message: `Back-off restarting failed container app in pod web_default(uid)`. */
export function formatBackOffEventMessage(containerName: string, pod: BackOffPodRef): string {
  return `Back-off restarting failed container ${containerName} in pod ${formatPodForMessage(pod)}`;
}

/** A duration in ms written like Go's time.Duration.String(): `10s`, `1m20s`, `5m0s`, `1h0m0s`, `500ms`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${trimFraction(abs)}ms`;
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const seconds = trimFraction((abs % 60_000) / 1000);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function trimFraction(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(9)));
}
