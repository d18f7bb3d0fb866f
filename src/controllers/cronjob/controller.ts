/**
 * The CronJob controller, after upstream's cronjob_controllerv2: each sync prunes finished Jobs
 * beyond the history limits, reconciles status.active with the Jobs it owns, and, when a
 * scheduled time has come, starts a Job named `<cronjob>-<minutes since epoch>` according to
 * concurrencyPolicy; it then asks to be woken for the next scheduled time.
 *
 * One addition to upstream: a start skipped because it is older than
 * startingDeadlineSeconds is reported with upstream's MissSchedule Warning (upstream narrows
 * its search window first, so in practice it skips such starts silently). Each missed time is
 * reported once per controller run.
 */
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { errorMessage, StatusError } from '../../apimachinery/errors.js';
import { cloneJSON, formatTime, jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';
import { finishedCondition, isJobFinished, isJobSucceeded, type JobObject } from '../common/job.js';
import { controllerOf, newControllerRef } from '../../apimachinery/owner.js';
import {
  cronJobScheduledTimestampAnnotation,
  isValidTimeZone,
  jobNameFor,
  mostRecentScheduleTime,
  nextScheduleTimeDuration,
  parseSchedule,
  ScheduleParseError,
  scheduleZone,
  type Schedule,
} from '../../apimachinery/cron-schedule.js';

/** A CronJob as the client hands it out. */
type CronJobObject = CronJob & KubeObject;

/** The component name of events and the controller. */
export const cronJobControllerName = 'cronjob-controller';

/** Options of {@link CronJobController}. */
export interface CronJobControllerOptions {
  /** Concurrent syncs. Default 5 (upstream's --concurrent-cron-job-syncs). */
  workers?: number;
}

const ownerIndex = 'cronjob-controller/owner';

/** Go's time.RFC3339 in a zone: `2024-01-01T09:00:00-05:00`, `Z` for a zero offset. */
export function formatRFC3339InZone(time: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(time);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const offset = part('timeZoneName').replace(/^GMT/, '');
  const zone = offset === '' || offset === '+00:00' || offset === '-00:00' ? 'Z' : offset;
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}${zone}`;
}

/** Go's time.RFC1123Z in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`. */
function formatRFC1123Z(time: Date): string {
  return time.toUTCString().replace('GMT', '+0000');
}

/** Oldest first by status.startTime (Jobs without one last), then by name (upstream's byJobStartTime). */
function byStartTime(a: JobObject, b: JobObject): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa || !sb) {
    if (sa) return -1;
    if (sb) return 1;
    return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
  }
  const diff = Date.parse(sa) - Date.parse(sb);
  return diff !== 0 ? diff : (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

function isNotFound(err: unknown): boolean {
  return err instanceof StatusError && err.code === 404;
}

function jobRef(job: JobObject): ObjectReference {
  return {
    kind: 'Job',
    namespace: job.metadata?.namespace,
    name: job.metadata?.name,
    uid: job.metadata?.uid,
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata?.resourceVersion,
  };
}

/**
 * Starts Jobs on a cron schedule (component `cronjob-controller`). Events as upstream:
 * SuccessfulCreate `Created job <name>`, SawCompletedJob, SuccessfulDelete, UnexpectedJob,
 * MissingJob, JobAlreadyActive, MissSchedule, TooManyMissedTimes, UnknownTimeZone,
 * UnparseableSchedule, InvalidSchedule, FailedCreate, FailedDelete.
 */
export class CronJobController implements Controller {
  readonly name = cronJobControllerName;
  readonly queueName = 'cronjob';
  private readonly cronJobs: Informer<CronJobObject>;
  private readonly jobs: Informer<JobObject>;
  private readonly recorder: EventRecorder;
  readonly workers: number;
  /** Per CronJob key, the last missed time reported, so a miss is reported once. */
  private readonly reportedMisses = new Map<string, number>();

  constructor(
    private readonly ctx: ControllerContext,
    options: CronJobControllerOptions = {},
  ) {
    this.workers = options.workers ?? 5;
    this.recorder = ctx.recorder(cronJobControllerName);
    this.cronJobs = ctx.informers.informerFor<CronJobObject>(resources.cronjobs);
    this.jobs = ctx.informers.informerFor<JobObject>(resources.jobs, {
      indexers: {
        [ownerIndex]: (job) => {
          const ref = controllerOf(job);
          return ref?.kind === 'CronJob' && ref.name ? [`${job.metadata?.namespace ?? ''}/${ref.name}`] : [];
        },
      },
    });
  }

  /** The CronJob and Job caches. */
  get caches(): SyncedCache[] {
    return [this.cronJobs, this.jobs];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.cronJobs.addEventHandler({
      onAdd: (cj) => queue.add(objectKey(cj)),
      onUpdate: (old, cj) => this.cronJobUpdated(queue, old, cj),
      onDelete: (cj) => queue.add(objectKey(cj)),
    });
    const enqueueOwner = (job: JobObject): void => {
      const owner = this.ownerOf(job);
      if (owner) queue.add(objectKey(owner));
    };
    this.jobs.addEventHandler({
      onAdd: enqueueOwner,
      onUpdate: (old, job) => {
        if (old.metadata?.resourceVersion === job.metadata?.resourceVersion) return;
        enqueueOwner(job);
        const oldOwner = this.ownerOf(old);
        if (oldOwner && oldOwner.metadata?.uid !== this.ownerOf(job)?.metadata?.uid) queue.add(objectKey(oldOwner));
      },
      onDelete: enqueueOwner,
    });
  }

  private ownerOf(job: JobObject): CronJobObject | undefined {
    const ref = controllerOf(job);
    if (ref?.kind !== 'CronJob' || !ref.name) return undefined;
    const cronJob = this.cronJobs.get(job.metadata?.namespace ?? '', ref.name);
    return cronJob?.metadata?.uid === ref.uid ? cronJob : undefined;
  }

  /** A new schedule or zone moves the wake-up time; other changes are looked at now. */
  private cronJobUpdated(queue: KeyQueue, old: CronJobObject, cronJob: CronJobObject): void {
    const key = objectKey(cronJob);
    if (old.spec?.schedule === cronJob.spec?.schedule && old.spec?.timeZone === cronJob.spec?.timeZone) {
      queue.add(key);
      return;
    }
    const schedule = this.parse(cronJob);
    if (!schedule) {
      this.recorder.event(cronJob, 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${cronJob.spec?.schedule ?? ''}`);
      return;
    }
    const delay = nextScheduleTimeDuration(this.timing(cronJob), this.ctx.clock.now(), schedule, this.zone(cronJob, schedule));
    if (delay !== undefined) queue.addAfter(key, delay);
  }

  private parse(cronJob: CronJobObject): Schedule | undefined {
    try {
      return parseSchedule(cronJob.spec?.schedule ?? '');
    } catch (err) {
      if (err instanceof ScheduleParseError) return undefined;
      throw err;
    }
  }

  /** spec.timeZone unless the schedule carries its own TZ= prefix (which then wins, as upstream's formatSchedule). */
  private zone(cronJob: CronJobObject, schedule: Schedule): string | undefined {
    return scheduleZone(schedule, cronJob.spec?.timeZone);
  }

  private timing(cronJob: CronJobObject): { creationTimestamp: string; lastScheduleTime?: string; startingDeadlineSeconds?: number } {
    return {
      creationTimestamp: cronJob.metadata?.creationTimestamp ?? formatTime(this.ctx.clock.now()),
      lastScheduleTime: cronJob.status?.lastScheduleTime,
      startingDeadlineSeconds: cronJob.spec?.startingDeadlineSeconds,
    };
  }

  /** Converges one CronJob (key `namespace/name`). */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.cronJobs.get(namespace, name);
    if (!cached) {
      this.reportedMisses.delete(key);
      return {};
    }
    const jobs = this.jobs.byIndex(ownerIndex, key);
    const cronJob = cloneJSON(cached);
    cronJob.status ??= {};
    const cleaned = await this.cleanupFinishedJobs(cronJob, jobs);
    let result: { requeueAfter?: number; updateStatus: boolean };
    let syncError: unknown;
    try {
      result = await this.syncCronJob(key, cronJob, jobs);
    } catch (err) {
      syncError = err;
      result = { updateStatus: true };
    }
    if ((cleaned || result.updateStatus) && !jsonEqual(cronJob.status, cached.status ?? {})) {
      await this.ctx.client.update<CronJobObject>(resources.cronjobs, namespace, cronJob, { subresource: 'status' });
    }
    if (syncError !== undefined) throw syncError;
    return result.requeueAfter !== undefined ? { requeueAfter: result.requeueAfter } : {};
  }

  private async syncCronJob(key: string, cronJob: CronJobObject, jobs: JobObject[]): Promise<{ requeueAfter?: number; updateStatus: boolean }> {
    const now = this.ctx.clock.now();
    const status = (cronJob.status ??= {}) as CronJobStatus;
    let updateStatus = false;
    const children = new Set<string>();
    const activeUids = (): Set<string> => new Set((status.active ?? []).map((r) => r.uid ?? ''));

    for (const job of jobs) {
      const uid = job.metadata?.uid ?? '';
      children.add(uid);
      const found = activeUids().has(uid);
      if (!found && !isJobFinished(job)) {
        // Our status may be stale: ask the API before complaining.
        const fresh = await this.ctx.client.get<CronJobObject>(resources.cronjobs, cronJob.metadata?.namespace ?? '', cronJob.metadata?.name ?? '');
        if ((fresh.status?.active ?? []).some((r) => r.uid === uid)) {
          cronJob.metadata = fresh.metadata;
          status.active = fresh.status?.active;
          continue;
        }
        this.recorder.event(cronJob, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata?.name ?? ''}`);
      } else if (isJobFinished(job)) {
        if (found) {
          status.active = (status.active ?? []).filter((r) => r.uid !== uid);
          this.recorder.event(cronJob, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name ?? ''}, condition: ${finishedCondition(job)?.type ?? ''}`);
          updateStatus = true;
        }
        const completion = job.status?.completionTime;
        if (isJobSucceeded(job) && completion) {
          if (!status.lastSuccessfulTime || Date.parse(completion) > Date.parse(status.lastSuccessfulTime)) {
            status.lastSuccessfulTime = completion;
            updateStatus = true;
          }
        }
      }
    }

    for (const ref of [...(status.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      try {
        await this.ctx.client.get(resources.jobs, ref.namespace ?? cronJob.metadata?.namespace ?? '', ref.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.recorder.event(cronJob, 'Normal', 'MissingJob', `Active job went missing: ${ref.name ?? ''}`);
        status.active = (status.active ?? []).filter((r) => r.uid !== ref.uid);
        updateStatus = true;
      }
    }

    if (cronJob.metadata?.deletionTimestamp) return { updateStatus };

    const tz = cronJob.spec?.timeZone;
    if (tz !== undefined && tz !== null && !isValidTimeZone(tz)) {
      this.recorder.event(cronJob, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}`);
      return { updateStatus };
    }
    if (cronJob.spec?.suspend === true) return { updateStatus };

    const scheduleText = cronJob.spec?.schedule ?? '';
    let schedule: Schedule;
    try {
      schedule = parseSchedule(scheduleText);
    } catch (err) {
      this.recorder.event(cronJob, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(scheduleText)} : ${errorMessage(err)}`);
      return { updateStatus };
    }
    if (scheduleText.includes('TZ')) {
      this.recorder.event(
        cronJob,
        'Warning',
        'UnsupportedSchedule',
        `CRON_TZ or TZ used in schedule ${JSON.stringify(scheduleText)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      );
    }
    const zone = this.zone(cronJob, schedule);
    const nextWake = (): number | undefined => nextScheduleTimeDuration(this.timing(cronJob), now, schedule, zone);

    const recent = mostRecentScheduleTime(this.timing(cronJob), now, schedule, zone);
    if (recent.error !== undefined) {
      this.recorder.event(cronJob, 'Warning', 'InvalidSchedule', `invalid schedule: ${scheduleText} : ${recent.error}`);
      return { updateStatus };
    }
    if (recent.mostRecent && recent.missed === 'many') {
      this.recorder.event(
        cronJob,
        'Warning',
        'TooManyMissedTimes',
        'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      );
    }
    const scheduledTime = recent.mostRecent;
    if (!scheduledTime) {
      this.reportMissedStart(key, cronJob, now, schedule, zone);
      return { requeueAfter: nextWake(), updateStatus };
    }
    const deadline = cronJob.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && scheduledTime.getTime() + deadline * 1000 < now.getTime()) {
      this.recorder.event(cronJob, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatRFC1123Z(scheduledTime)}`);
      return { requeueAfter: nextWake(), updateStatus };
    }
    const jobName = jobNameFor(cronJob.metadata?.name ?? '', scheduledTime);
    const lastSchedule = status.lastScheduleTime ? Date.parse(status.lastScheduleTime) : undefined;
    if ((status.active ?? []).some((r) => r.name === jobName) || lastSchedule === Math.floor(scheduledTime.getTime() / 1000) * 1000) {
      return { requeueAfter: nextWake(), updateStatus };
    }
    if (cronJob.spec?.concurrencyPolicy === 'Forbid' && (status.active ?? []).length > 0) {
      this.recorder.event(cronJob, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return { requeueAfter: nextWake(), updateStatus };
    }
    if (cronJob.spec?.concurrencyPolicy === 'Replace') {
      for (const ref of [...(status.active ?? [])]) {
        let job: JobObject;
        try {
          job = await this.ctx.client.get<JobObject>(resources.jobs, ref.namespace ?? cronJob.metadata?.namespace ?? '', ref.name ?? '');
        } catch (err) {
          this.recorder.event(cronJob, 'Warning', 'FailedGet', `Get job: ${errorMessage(err)}`);
          throw err;
        }
        if (!(await this.deleteJob(cronJob, job))) {
          throw new Error(`could not replace job ${job.metadata?.namespace ?? ''}/${job.metadata?.name ?? ''}`);
        }
        updateStatus = true;
      }
    }

    const request = this.jobFromTemplate(cronJob, scheduledTime);
    let created: JobObject;
    try {
      created = await this.ctx.client.create<JobObject>(resources.jobs, cronJob.metadata?.namespace ?? '', request);
      this.recorder.event(cronJob, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name ?? ''}`);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409 && err.reason === 'AlreadyExists')) {
        this.recorder.event(cronJob, 'Warning', 'FailedCreate', `Error creating job: ${errorMessage(err)}`);
        throw err;
      }
      // Created by an earlier sync whose status write was lost: record it, if it is ours.
      created = await this.ctx.client.get<JobObject>(resources.jobs, cronJob.metadata?.namespace ?? '', jobName);
      const ref = controllerOf(created);
      if (ref?.uid !== cronJob.metadata?.uid) return { updateStatus };
      if (activeUids().has(created.metadata?.uid ?? '')) return { updateStatus };
    }
    status.active = [...(status.active ?? []), jobRef(created)];
    status.lastScheduleTime = formatTime(scheduledTime);
    return { requeueAfter: nextWake(), updateStatus: true };
  }

  /** Reports, once, a start that was not made because it is older than startingDeadlineSeconds. */
  private reportMissedStart(key: string, cronJob: CronJobObject, now: Date, schedule: Schedule, zone: string | undefined): void {
    if (cronJob.spec?.startingDeadlineSeconds === undefined || cronJob.spec.startingDeadlineSeconds === null) return;
    const unbounded = mostRecentScheduleTime(this.timing(cronJob), now, schedule, zone, { includeStartingDeadlineSeconds: false });
    const missed = unbounded.mostRecent;
    if (!missed || this.reportedMisses.get(key) === missed.getTime()) return;
    this.reportedMisses.set(key, missed.getTime());
    this.recorder.event(cronJob, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatRFC1123Z(missed)}`);
  }

  /** Upstream's getJobFromTemplate2. */
  private jobFromTemplate(cronJob: CronJobObject, scheduledTime: Date): JobObject {
    const template = cronJob.spec?.jobTemplate;
    const annotations = { ...(template?.metadata?.annotations ?? {}) };
    annotations[cronJobScheduledTimestampAnnotation] = formatRFC3339InZone(scheduledTime, cronJob.spec?.timeZone ?? 'UTC');
    const job: Job & KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: jobNameFor(cronJob.metadata?.name ?? '', scheduledTime),
        namespace: cronJob.metadata?.namespace,
        labels: { ...(template?.metadata?.labels ?? {}) },
        annotations,
        ownerReferences: [newControllerRef(cronJob, { group: 'batch', version: 'v1', kind: 'CronJob' })],
      },
      spec: cloneJSON(template?.spec ?? { template: {} }),
    };
    return job;
  }

  /** Deletes a Job (background propagation) and drops it from status.active. */
  private async deleteJob(cronJob: CronJobObject, job: JobObject): Promise<boolean> {
    const status = (cronJob.status ??= {});
    try {
      await this.ctx.client.delete(resources.jobs, job.metadata?.namespace ?? '', job.metadata?.name ?? '', { propagationPolicy: 'Background' });
    } catch (err) {
      this.recorder.event(cronJob, 'Warning', 'FailedDelete', `Deleted job: ${errorMessage(err)}`);
      return false;
    }
    status.active = (status.active ?? []).filter((r) => r.uid !== job.metadata?.uid);
    this.recorder.event(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name ?? ''}`);
    return true;
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
  private async cleanupFinishedJobs(cronJob: CronJobObject, jobs: JobObject[]): Promise<boolean> {
    const successfulLimit = cronJob.spec?.successfulJobsHistoryLimit;
    const failedLimit = cronJob.spec?.failedJobsHistoryLimit;
    if ((successfulLimit === undefined || successfulLimit === null) && (failedLimit === undefined || failedLimit === null)) return false;
    const successful = jobs.filter((j) => finishedCondition(j)?.type === 'Complete');
    const failed = jobs.filter((j) => finishedCondition(j)?.type === 'Failed');
    let updated = false;
    for (const [list, limit] of [
      [successful, successfulLimit],
      [failed, failedLimit],
    ] as const) {
      if (limit === undefined || limit === null) continue;
      const excess = list.length - limit;
      if (excess <= 0) continue;
      const oldest = [...list].sort(byStartTime).slice(0, excess);
      for (const job of oldest) if (await this.deleteJob(cronJob, job)) updated = true;
    }
    return updated;
  }
}

/** Builds the CronJob controller with default options. */
export const cronJobControllerFactory: ControllerFactory = (ctx) => new CronJobController(ctx);
