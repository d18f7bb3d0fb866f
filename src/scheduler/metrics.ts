import { exponentialBuckets, type Counter, type Histogram, type Registry } from '../apimachinery/metrics.js';

/** How a scheduling attempt ended, as upstream's result label. */
export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

/**
 * The scheduler's metrics with upstream's names: `scheduler_schedule_attempts_total` and
 * `scheduler_scheduling_attempt_duration_seconds` (algorithm plus binding), by result and profile.
 */
export class SchedulerMetrics {
  private readonly attempts: Counter;
  private readonly duration: Histogram;
  private readonly clock: () => number;

  constructor(
    registry: Registry,
    private readonly profile: string,
  ) {
    this.clock = registry.now;
    this.attempts = registry.counter({
      name: 'scheduler_schedule_attempts_total',
      help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
      labelNames: ['result', 'profile'],
    });
    this.duration = registry.histogram({
      name: 'scheduler_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
      labelNames: ['result', 'profile'],
      buckets: exponentialBuckets(0.001, 2, 15),
    });
  }

  /** The start of an attempt, to hand to {@link attempt}. */
  now(): number {
    return this.clock();
  }

  /** Records an attempt that began at `started` (from {@link now}) and ended with `result`. */
  attempt(result: AttemptResult, started: number): void {
    this.attempts.labels(result, this.profile).inc();
    this.duration.labels(result, this.profile).observe((this.clock() - started) / 1000);
  }
}
