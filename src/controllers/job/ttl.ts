/**
 * The TTL-after-finished controller, after upstream's pkg/controller/ttlafterfinished: a
 * finished Job with spec.ttlSecondsAfterFinished is deleted (foreground, so its pods go
 * first) that many seconds after it finished.
 */
import { StatusError } from '../../apimachinery/errors.js';
import { resources } from '../../client/client.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';
import { finishedCondition, type JobObject } from '../common/job.js';

/** The component name. */
export const ttlAfterFinishedControllerName = 'ttl-after-finished-controller';

/** Options of {@link TTLAfterFinishedController}. */
export interface TTLAfterFinishedControllerOptions {
  /** Concurrent syncs. Default 5 (upstream's --concurrent-ttl-after-finished-syncs). */
  workers?: number;
}

/** When the Job finished: completionTime, else the finish condition's transition time. */
function finishTime(job: JobObject): number | undefined {
  const condition = finishedCondition(job);
  if (!condition) return undefined;
  const time = (condition.type === 'Complete' ? job.status?.completionTime : undefined) ?? condition.lastTransitionTime;
  return time ? Date.parse(time) : undefined;
}

/** Deletes finished Jobs once their ttlSecondsAfterFinished has passed. */
export class TTLAfterFinishedController implements Controller {
  readonly name = ttlAfterFinishedControllerName;
  readonly queueName = 'ttl_jobs_to_delete';
  private readonly jobs: Informer<JobObject>;
  readonly workers: number;

  constructor(
    private readonly ctx: ControllerContext,
    options: TTLAfterFinishedControllerOptions = {},
  ) {
    this.workers = options.workers ?? 5;
    this.jobs = ctx.informers.informerFor<JobObject>(resources.jobs);
  }

  /** The Job cache. */
  get caches(): SyncedCache[] {
    return [this.jobs];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    const enqueue = (job: JobObject): void => {
      if (job.spec?.ttlSecondsAfterFinished !== undefined && finishedCondition(job) && !job.metadata?.deletionTimestamp) {
        queue.add(objectKey(job));
      }
    };
    this.jobs.addEventHandler({ onAdd: enqueue, onUpdate: (_old, job) => enqueue(job) });
  }

  /** Deletes the Job if its TTL expired, else asks to come back when it will. */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.jobs.get(namespace, name);
    const remaining = cached ? this.remainingMs(cached) : undefined;
    if (remaining === undefined) return {};
    if (remaining > 0) return { requeueAfter: remaining };
    // The cache may be stale (TTL changed, Job recreated): decide again on a fresh read.
    let fresh: JobObject;
    try {
      fresh = await this.ctx.client.get<JobObject>(resources.jobs, namespace, name);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return {};
      throw err;
    }
    const freshRemaining = this.remainingMs(fresh);
    if (freshRemaining === undefined) return {};
    if (freshRemaining > 0) return { requeueAfter: freshRemaining };
    try {
      await this.ctx.client.delete(resources.jobs, namespace, name, {
        propagationPolicy: 'Foreground',
        preconditions: { resourceVersion: fresh.metadata?.resourceVersion },
      });
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
    return {};
  }

  /** Milliseconds until the Job expires (<= 0: now), or undefined when it never does. */
  private remainingMs(job: JobObject): number | undefined {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined || job.metadata?.deletionTimestamp) return undefined;
    const finished = finishTime(job);
    if (finished === undefined) return undefined;
    return finished + ttl * 1000 - this.ctx.clock.now().getTime();
  }
}

/** Builds the TTL-after-finished controller with default options. */
export const ttlAfterFinishedControllerFactory: ControllerFactory = (ctx) => new TTLAfterFinishedController(ctx);
