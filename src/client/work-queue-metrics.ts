import { exponentialBuckets, type CounterChild, type GaugeChild, type HistogramChild, type Registry } from '../apimachinery/metrics.js';

/** What a {@link WorkQueue} reports about its keys (client-go's queueMetrics). */
export interface QueueMetrics {
  /** A key became waiting (it was not already). */
  add(key: unknown): void;
  /** A waiting key was handed to a worker. */
  get(key: unknown): void;
  /** A worker finished with a key. */
  done(key: unknown): void;
  /** A key was re-added rate-limited. */
  retry(): void;
}

/** Upstream's work queue latency buckets: 10 ns to 10 s, by tens. */
const queueLatencyBuckets = exponentialBuckets(10e-9, 10, 10);

/** One queue's series and the times its keys were added and taken. */
class NamedQueueMetrics implements QueueMetrics {
  /** When each waiting key was first added (ms, registry clock). */
  readonly addTimes = new Map<unknown, number>();
  /** When each key being processed was taken (ms, registry clock). */
  readonly processingStarts = new Map<unknown, number>();

  constructor(
    private readonly now: () => number,
    private readonly depth: GaugeChild,
    private readonly adds: CounterChild,
    private readonly retries: CounterChild,
    private readonly queueDuration: HistogramChild,
    private readonly workDuration: HistogramChild,
    readonly unfinishedWork: GaugeChild,
    readonly longestRunning: GaugeChild,
  ) {}

  add(key: unknown): void {
    this.adds.inc();
    this.depth.inc();
    if (!this.addTimes.has(key)) this.addTimes.set(key, this.now());
  }

  get(key: unknown): void {
    this.depth.dec();
    const now = this.now();
    const added = this.addTimes.get(key);
    if (added !== undefined) {
      this.queueDuration.observe((now - added) / 1000);
      this.addTimes.delete(key);
    }
    this.processingStarts.set(key, now);
  }

  done(key: unknown): void {
    const started = this.processingStarts.get(key);
    if (started === undefined) return;
    this.workDuration.observe((this.now() - started) / 1000);
    this.processingStarts.delete(key);
  }

  retry(): void {
    this.retries.inc();
  }

  /** Sets the in-progress gauges from the keys being processed now. */
  updateUnfinishedWork(): void {
    const now = this.now();
    let total = 0;
    let longest = 0;
    for (const started of this.processingStarts.values()) {
      const seconds = (now - started) / 1000;
      total += seconds;
      longest = Math.max(longest, seconds);
    }
    this.unfinishedWork.set(total);
    this.longestRunning.set(longest);
  }
}

/**
 * Upstream's work queue metrics (`workqueue_depth`, `workqueue_adds_total`,
 * `workqueue_retries_total`, `workqueue_queue_duration_seconds`,
 * `workqueue_work_duration_seconds`, `workqueue_unfinished_work_seconds`,
 * `workqueue_longest_running_processor_seconds`), each labelled with the queue's `name`, in the
 * manner of client-go's MetricsProvider. Queues get theirs through {@link forQueue}.
 */
export class WorkQueueMetricsProvider {
  private readonly queues = new Map<string, NamedQueueMetrics>();
  private readonly now: () => number;

  constructor(private readonly registry: Registry) {
    this.now = registry.now;
    registry.onCollect(() => {
      for (const q of this.queues.values()) q.updateUnfinishedWork();
    });
  }

  /**
   * The metrics of the queue called `name` (upstream's names, e.g. `replicaset`). Asking again
   * for a name gives the same series, so a controller rebuilt after a leader election continues
   * them; two live queues should not share a name.
   */
  forQueue(name: string): QueueMetrics {
    const existing = this.queues.get(name);
    if (existing) return existing;
    const r = this.registry;
    const labelNames = ['name'];
    const created = new NamedQueueMetrics(
      this.now,
      r.gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames }).labels(name),
      r.counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames }).labels(name),
      r.counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames }).labels(name),
      r
        .histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested.', labelNames, buckets: queueLatencyBuckets })
        .labels(name),
      r
        .histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes.', labelNames, buckets: queueLatencyBuckets })
        .labels(name),
      r
        .gauge({
          name: 'workqueue_unfinished_work_seconds',
          help: "How many seconds of work has done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
          labelNames,
        })
        .labels(name),
      r.gauge({ name: 'workqueue_longest_running_processor_seconds', help: 'How many seconds has the longest running processor for workqueue been running.', labelNames }).labels(name),
    );
    this.queues.set(name, created);
    return created;
  }
}
