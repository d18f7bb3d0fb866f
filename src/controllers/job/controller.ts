/**
 * The Job controller, after upstream's pkg/controller/job (as of Kubernetes 1.32, where the
 * JobPodReplacementPolicy, JobManagedBy and JobSuccessPolicy gates are on): it runs pods from
 * spec.template up to min(parallelism, remaining completions), tracks finished pods with the
 * batch.kubernetes.io/job-tracking finalizer and status.uncountedTerminatedPods (so counts
 * survive pod deletion), backs off exponentially before replacing failed pods, and finishes
 * the Job with the interim SuccessCriteriaMet / FailureTarget conditions first, then Complete
 * or Failed once no pod is terminating.
 *
 * spec.podFailurePolicy: a FailJob rule fails the Job at once (FailureTarget, then Failed,
 * reason PodFailurePolicy), Ignore keeps a failure out of status.failed and backoffLimit, Count
 * and FailIndex count as usual.
 *
 * Not done: FailIndex with backoffLimitPerIndex / maxFailedIndexes, successPolicy,
 * managedBy (Jobs naming another manager are skipped), adoption of orphan pods matching the
 * selector, removal of duplicate-index pods, the 1 s batching of pod events.
 */
import type { JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Container, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { errorMessage, StatusError } from '../../apimachinery/errors.js';
import { cloneJSON, formatTime, jsonEqual } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import { queueObjectKeys, type Controller, type ControllerContext, type ControllerFactory, type KeyQueue, type SyncedCache } from '../../client/controller.js';
import { JobExpectations } from './expectations.js';
import { countedFailures, failJobMessage, matchPodFailurePolicy } from './pod-failure-policy.js';
import { completionIndexAnnotation, completionIndexOf, firstPendingIndexes, formatIndexes, parseIndexes } from './indexes.js';
import {
  hasTrackingFinalizer,
  isPodFailed,
  isPodTerminating,
  jobTrackingFinalizer,
  podFinishedTime,
  type PodObject,
} from './job-util.js';
import { isJobFinished, jobKind, type JobObject } from '../common/job.js';
import { isPodActive, isPodReady } from '../../apimachinery/pod.js';
import { controllerOf, controllerUIDIndex, controllerUIDIndexValues, newControllerRef } from '../../apimachinery/owner.js';
import { specCount } from '../common/count.js';

/** Options of {@link JobController}. */
export interface JobControllerOptions {
  /** Concurrent syncs. Default 5 (kube-controller-manager's --concurrent-job-syncs). */
  workers?: number;
  /** First delay before replacing a failed pod, doubling per consecutive failure. Default 10000 (upstream's DefaultJobPodFailureBackOff). */
  podFailureBackoffMs?: number;
  /** Cap of that delay. Default 360000 (6 min, the documented cap; upstream's code uses 10 min since 1.29). */
  maxPodFailureBackoffMs?: number;
  /** Creation/deletion expectations older than this are ignored. Default 300000. */
  expectationsTimeoutMs?: number;
}

/** The component name of events and the controller. */
export const jobControllerName = 'job-controller';

const orphanPrefix = 'orphan-pod:';
const completionsReachedMessage = 'Reached expected number of succeeded pods';
const backoffLimitMessage = 'Job has reached the specified backoff limit';
const deadlineMessage = 'Job was active longer than specified deadline';
/** Reason of the conditions a FailJob rule adds (batch.JobReasonPodFailurePolicy). */
const podFailurePolicyReason = 'PodFailurePolicy';
/** Upstream's MaxUncountedPods: status.uncountedTerminatedPods stays small. */
const maxUncountedPods = 500;
/** Upstream's MaxPodCreateDeletePerSync. */
const maxPodCreateDeletePerSync = 500;
const maxGenerateNameLength = 58;

interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** What one sync learnt about a Job and its pods. */
interface SyncContext {
  key: string;
  job: JobObject;
  /** The Job as cached, to tell whether status changed. */
  original: JobObject;
  pods: PodObject[];
  activePods: PodObject[];
  active: number;
  ready: number;
  terminating: number;
  succeeded: number;
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  pendingFinalizerRemovals: ReadonlySet<string>;
  succeededIndexes: Set<number>;
  prevSucceededIndexes: Set<number>;
  finished?: JobCondition;
  backoff: BackoffRecord;
  requeueAfterMs?: number;
}

function condition(type: string, reason: string, message: string, now: Date): JobCondition {
  const time = formatTime(now);
  return { type, status: 'True', reason, message, lastProbeTime: time, lastTransitionTime: time };
}

/** Upstream's ensureJobConditionStatus: adds or updates a condition; a new False condition is not added. */
function ensureCondition(status: JobStatus, type: string, value: 'True' | 'False', reason: string, message: string, now: Date): boolean {
  const conditions = (status.conditions ??= []);
  const existing = conditions.find((c) => c.type === type);
  const time = formatTime(now);
  if (existing) {
    if (existing.status === value) return false;
    Object.assign(existing, { status: value, reason, message, lastProbeTime: time, lastTransitionTime: time });
    return true;
  }
  if (value === 'False') return false;
  conditions.push({ type, status: value, reason, message, lastProbeTime: time, lastTransitionTime: time });
  return true;
}

function isSuspended(job: JobObject): boolean {
  return job.spec?.suspend === true;
}

function isIndexed(job: JobObject): boolean {
  return job.spec?.completionMode === 'Indexed';
}

/** Drops zero counters, as Go's omitempty does, so written statuses compare equal to read ones. */
function normaliseStatus(status: JobStatus): void {
  if (!status.active) delete status.active;
  if (!status.succeeded) delete status.succeeded;
  if (!status.failed) delete status.failed;
  if (!status.completedIndexes) delete status.completedIndexes;
  const uncounted = status.uncountedTerminatedPods;
  if (uncounted) {
    if (!uncounted.succeeded?.length) delete uncounted.succeeded;
    if (!uncounted.failed?.length) delete uncounted.failed;
  }
}

/** Pods to delete first: unscheduled, pending, not ready, newest (upstream's controller.ActivePods order). */
function deletionOrder(a: PodObject, b: PodObject): number {
  const scheduled = Number(!!a.spec?.nodeName) - Number(!!b.spec?.nodeName);
  if (scheduled) return scheduled;
  const rank = (p: PodObject): number => (p.status?.phase === 'Pending' ? 0 : p.status?.phase === 'Running' ? 2 : 1);
  const phase = rank(a) - rank(b);
  if (phase) return phase;
  const ready = Number(isPodReady(a)) - Number(isPodReady(b));
  if (ready) return ready;
  return Date.parse(b.metadata?.creationTimestamp ?? '') - Date.parse(a.metadata?.creationTimestamp ?? '');
}

/** Adds JOB_COMPLETION_INDEX from the annotation to every container lacking it (upstream's addCompletionIndexEnvVariables). */
function addCompletionIndexEnv(containers: Container[] | undefined): void {
  for (const container of containers ?? []) {
    const env = (container.env ??= []);
    if (env.some((e) => e.name === 'JOB_COMPLETION_INDEX')) continue;
    env.push({
      name: 'JOB_COMPLETION_INDEX',
      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${completionIndexAnnotation}']` } },
    });
  }
}

/** Upstream's podGenerateNameWithIndex: `<job>-<index>-`, the job name cut to fit. */
function generateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const room = maxGenerateNameLength - suffix.length;
  return `${jobName.length > room ? jobName.slice(0, room) : jobName}${suffix}`;
}

function isNotFound(err: unknown): boolean {
  return err instanceof StatusError && err.code === 404;
}

/**
 * Runs Jobs to completion (component `job-controller`). Events: SuccessfulCreate
 * `Created pod: <name>`, SuccessfulDelete, FailedCreate, Suspended, Resumed, Completed
 * `Job completed`, and a Warning named after the failure reason (BackoffLimitExceeded,
 * DeadlineExceeded, PodFailurePolicy).
 */
export class JobController implements Controller {
  readonly name = jobControllerName;
  readonly queueName = 'job';

  private readonly jobs: Informer<JobObject>;
  private readonly pods: Informer<PodObject>;
  private readonly recorder: EventRecorder;
  private readonly expectations: JobExpectations;
  private readonly backoffRecords = new Map<string, BackoffRecord>();
  readonly workers: number;
  private readonly podFailureBackoffMs: number;
  private readonly maxPodFailureBackoffMs: number;

  constructor(
    private readonly ctx: ControllerContext,
    options: JobControllerOptions = {},
  ) {
    this.workers = options.workers ?? 5;
    this.podFailureBackoffMs = options.podFailureBackoffMs ?? 10_000;
    this.maxPodFailureBackoffMs = options.maxPodFailureBackoffMs ?? 360_000;
    this.expectations = new JobExpectations({ timeoutMs: options.expectationsTimeoutMs });
    this.recorder = ctx.recorder(jobControllerName);
    this.jobs = ctx.informers.informerFor<JobObject>(resources.jobs);
    this.pods = ctx.informers.informerFor<PodObject>(resources.pods, {
      indexers: { [controllerUIDIndex]: controllerUIDIndexValues },
    });
  }

  /** The Job and pod caches. */
  get caches(): SyncedCache[] {
    return [this.jobs, this.pods];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.jobs.addEventHandler(queueObjectKeys(queue));
    this.pods.addEventHandler({
      onAdd: (pod) => this.podAdded(queue, pod),
      onUpdate: (oldPod, pod) => this.podUpdated(queue, oldPod, pod),
      onDelete: (pod) => this.podDeleted(queue, pod),
    });
  }

  /** The cached Job that controls `pod`, if any. */
  private jobOf(pod: PodObject): JobObject | undefined {
    const ref = controllerOf(pod);
    if (ref?.kind !== 'Job' || !ref.name) return undefined;
    const job = this.jobs.get(pod.metadata?.namespace ?? '', ref.name);
    return job?.metadata?.uid === ref.uid ? job : undefined;
  }

  private enqueueOrphan(queue: KeyQueue, pod: PodObject): void {
    if (hasTrackingFinalizer(pod)) queue.add(`${orphanPrefix}${objectKey(pod)}`);
  }

  private podAdded(queue: KeyQueue, pod: PodObject): void {
    if (pod.metadata?.deletionTimestamp) {
      this.podDeleted(queue, pod);
      return;
    }
    const job = this.jobOf(pod);
    if (!job) {
      this.enqueueOrphan(queue, pod);
      return;
    }
    const key = objectKey(job);
    this.expectations.creationObserved(key);
    queue.add(key);
  }

  private podUpdated(queue: KeyQueue, oldPod: PodObject, pod: PodObject): void {
    if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const job = this.jobOf(pod);
    if (!job) {
      this.enqueueOrphan(queue, pod);
    } else {
      const key = objectKey(job);
      if (pod.metadata?.deletionTimestamp && !oldPod.metadata?.deletionTimestamp) this.expectations.deletionObserved(key);
      if (!hasTrackingFinalizer(pod)) this.expectations.finalizerRemovalObserved(key, pod.metadata?.uid ?? '');
      queue.add(key);
    }
    const oldJob = this.jobOf(oldPod);
    if (oldJob && oldJob.metadata?.uid !== job?.metadata?.uid) queue.add(objectKey(oldJob));
  }

  private podDeleted(queue: KeyQueue, pod: PodObject): void {
    const job = this.jobOf(pod);
    if (!job) return;
    const key = objectKey(job);
    // A graceful deletion was already observed when the deletionTimestamp appeared.
    if (!pod.metadata?.deletionTimestamp) this.expectations.deletionObserved(key);
    this.expectations.finalizerRemovalObserved(key, pod.metadata?.uid ?? '');
    queue.add(key);
  }

  /** Converges one Job (key `namespace/name`), or removes the tracking finalizer of an orphan pod. */
  async sync(key: string): Promise<SyncResult> {
    if (key.startsWith(orphanPrefix)) {
      await this.syncOrphanPod(key.slice(orphanPrefix.length));
      return {};
    }
    const { namespace, name } = splitKey(key);
    const cached = this.jobs.get(namespace, name);
    if (!cached) {
      this.expectations.delete(key);
      this.backoffRecords.delete(key);
      return {};
    }
    const managedBy = cached.spec?.managedBy;
    if (managedBy && managedBy !== 'kubernetes.io/job-controller') return {};
    if (isJobFinished(cached)) {
      this.backoffRecords.delete(key);
      return {};
    }
    if (cached.spec?.completionMode && cached.spec.completionMode !== 'NonIndexed' && cached.spec.completionMode !== 'Indexed') {
      this.recorder.event(cached, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return {};
    }
    return this.syncJob(key, cached);
  }

  private async syncOrphanPod(podKey: string): Promise<void> {
    const { namespace, name } = splitKey(podKey);
    const pod = this.pods.get(namespace, name);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const job = this.jobOf(pod);
    // A pod of a live, unfinished Job is counted by that Job's sync.
    if (job && !isJobFinished(job)) return;
    await this.removeTrackingFinalizer(pod);
  }

  private async syncJob(key: string, cached: JobObject): Promise<SyncResult> {
    const now = this.ctx.clock.now();
    const job = cloneJSON(cached);
    const spec = (job.spec ??= { template: {} });
    const status = (job.status ??= {});
    const uncountedStatus = (status.uncountedTerminatedPods ??= {});
    const satisfied = this.expectations.satisfied(key, now.getTime());
    const pods = this.pods.byIndex(controllerUIDIndex, job.metadata?.uid ?? '');
    const activePods = pods.filter(isPodActive);
    const indexed = isIndexed(job);
    const completions = spec.completions ?? undefined;
    const pendingRemovals = this.expectations.pendingFinalizerRemovals(key);
    const uncountedSucceeded = new Set(uncountedStatus.succeeded ?? []);
    const uncountedFailed = new Set(uncountedStatus.failed ?? []);
    const validIndex = (pod: PodObject): boolean => {
      if (!indexed) return true;
      const index = completionIndexOf(pod);
      return index !== undefined && index < (completions ?? 0);
    };
    const countable = (pod: PodObject, uncounted: Set<string>): boolean => {
      const uid = pod.metadata?.uid ?? '';
      return hasTrackingFinalizer(pod) && !uncounted.has(uid) && !pendingRemovals.has(uid) && validIndex(pod);
    };
    const newSucceeded = pods.filter((p) => countable(p, uncountedSucceeded) && p.status?.phase === 'Succeeded');
    const newFailed = pods.filter((p) => countable(p, uncountedFailed) && isPodFailed(p, job));

    const jc: SyncContext = {
      key,
      job,
      original: cached,
      pods,
      activePods,
      active: activePods.length,
      ready: activePods.filter(isPodReady).length,
      terminating: pods.filter(isPodTerminating).length,
      succeeded: (status.succeeded ?? 0) + newSucceeded.length + uncountedSucceeded.size,
      uncountedSucceeded,
      uncountedFailed,
      pendingFinalizerRemovals: pendingRemovals,
      succeededIndexes: new Set(),
      prevSucceededIndexes: new Set(),
      backoff: this.newBackoffRecord(key, newSucceeded, newFailed),
    };
    // Failures matching an Ignore rule of the pod failure policy do not count toward backoffLimit.
    const failed = (status.failed ?? 0) + countedFailures(job, newFailed) + uncountedFailed.size;

    if (!status.startTime && !isSuspended(job)) status.startTime = formatTime(now);

    const successCriteriaMet = status.conditions?.find((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True');
    if (successCriteriaMet) jc.finished = successCriteriaMet;
    if (!jc.finished) {
      const failureTarget = status.conditions?.find((c) => c.type === 'FailureTarget' && c.status === 'True');
      if (failureTarget) jc.finished = condition('Failed', failureTarget.reason ?? '', failureTarget.message ?? '', now);
    }
    if (!jc.finished) {
      const message = failJobMessage(job, pods.filter((p) => isPodFailed(p, job)));
      // The interim FailureTarget keeps the message while the pods' finalizers go.
      if (message !== undefined) jc.finished = condition('FailureTarget', podFailurePolicyReason, message, now);
    }
    if (!jc.finished) {
      if (failed > (spec.backoffLimit ?? 6) || this.pastBackoffLimitOnFailure(job, pods)) {
        jc.finished = condition('FailureTarget', 'BackoffLimitExceeded', backoffLimitMessage, now);
      } else if (this.pastActiveDeadline(job, now)) {
        jc.finished = condition('FailureTarget', 'DeadlineExceeded', deadlineMessage, now);
      } else if (spec.activeDeadlineSeconds !== undefined && !isSuspended(job) && status.startTime) {
        jc.requeueAfterMs = spec.activeDeadlineSeconds * 1000 - (now.getTime() - Date.parse(status.startTime));
      }
    }

    if (indexed) {
      jc.prevSucceededIndexes = parseIndexes(status.completedIndexes, completions ?? 0);
      jc.succeededIndexes = new Set(jc.prevSucceededIndexes);
      for (const pod of pods) {
        const index = completionIndexOf(pod);
        if (pod.status?.phase === 'Succeeded' && hasTrackingFinalizer(pod) && index !== undefined && index < (completions ?? 0)) {
          jc.succeededIndexes.add(index);
        }
      }
      jc.succeeded = jc.succeededIndexes.size;
    }

    let manageError: unknown;
    if (jc.finished) {
      const { deleted, deletedReady, error } = await this.deletePods(job, activePods, false);
      if (deleted !== jc.active || !satisfied) jc.finished = undefined;
      jc.active -= deleted;
      jc.terminating += deleted;
      jc.ready -= deletedReady;
      manageError = error;
    } else {
      let manageCalled = false;
      if (satisfied && !job.metadata?.deletionTimestamp) {
        manageError = await this.manageJob(jc, now);
        manageCalled = true;
      }
      const complete =
        completions === undefined ? jc.succeeded > 0 && jc.active === 0 : jc.succeeded >= completions && jc.active === 0;
      if (complete) {
        jc.finished = condition('SuccessCriteriaMet', 'CompletionsReached', completionsReachedMessage, now);
      } else if (manageCalled) {
        if (isSuspended(job)) {
          if (ensureCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) {
            this.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (ensureCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)) {
          this.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          // The active deadline counts from the resumption.
          status.startTime = formatTime(now);
        }
      }
    }
    status.active = jc.active;
    status.ready = jc.ready;
    status.terminating = jc.terminating;
    await this.trackStatusAndRemoveFinalizers(jc, now);
    if (manageError !== undefined) throw manageError;
    return jc.requeueAfterMs !== undefined && jc.requeueAfterMs > 0 ? { requeueAfter: jc.requeueAfterMs } : {};
  }

  /** Creates or deletes pods so the active count matches what the Job wants; returns an error to surface after status is written. */
  private async manageJob(jc: SyncContext, now: Date): Promise<unknown> {
    const { job, key } = jc;
    const spec = job.spec ?? { template: {} };
    if (isSuspended(job)) {
      const toDelete = [...jc.activePods].sort(deletionOrder);
      this.expectations.expect(key, 0, toDelete.length, now.getTime());
      const { deleted, deletedReady, error } = await this.deletePods(job, toDelete, true);
      jc.active -= deleted;
      jc.terminating += deleted;
      jc.ready -= deletedReady;
      return error;
    }
    const parallelism = specCount(spec.parallelism, 1);
    let wantActive: number;
    if (spec.completions === undefined || spec.completions === null) {
      wantActive = jc.succeeded > 0 ? jc.active : parallelism;
    } else {
      wantActive = Math.max(0, Math.min(specCount(spec.completions, 0) - jc.succeeded, parallelism));
    }
    const excess = jc.active - wantActive;
    if (excess > 0) {
      const toDelete = [...jc.activePods].sort(deletionOrder).slice(0, Math.min(excess, maxPodCreateDeletePerSync));
      this.expectations.expect(key, 0, toDelete.length, now.getTime());
      const { deleted, deletedReady, error } = await this.deletePods(job, toDelete, true);
      jc.active -= deleted;
      jc.terminating += deleted;
      jc.ready -= deletedReady;
      return error;
    }
    const terminatingToWaitFor = spec.podReplacementPolicy === 'Failed' ? jc.terminating : 0;
    let diff = wantActive - terminatingToWaitFor - jc.active;
    if (diff <= 0) return undefined;
    const remaining = this.backoffRemaining(jc.backoff, now.getTime());
    if (remaining > 0) {
      jc.requeueAfterMs = jc.requeueAfterMs === undefined ? remaining : Math.min(jc.requeueAfterMs, remaining);
      return undefined;
    }
    diff = Math.min(diff, maxPodCreateDeletePerSync);
    let indexes: number[] = [];
    if (isIndexed(job)) {
      const activeIndexes = new Set<number>();
      for (const pod of jc.activePods) {
        const index = completionIndexOf(pod);
        if (index !== undefined) activeIndexes.add(index);
      }
      indexes = firstPendingIndexes(jc.succeededIndexes, activeIndexes, diff, spec.completions ?? 0);
      diff = indexes.length;
    }
    if (diff <= 0) return undefined;
    this.expectations.expect(key, diff, 0, now.getTime());
    const template = cloneJSON(spec.template);
    if (isIndexed(job)) {
      addCompletionIndexEnv(template.spec?.containers);
      addCompletionIndexEnv(template.spec?.initContainers);
    }
    // Slow start as upstream: batches of 1, 2, 4... stop at the first batch with a failure.
    let created = 0;
    let firstError: unknown;
    for (let batch = Math.min(diff, 1); created < diff; batch = Math.min(batch * 2, diff - created)) {
      const results = await Promise.all(
        Array.from({ length: batch }, (_, i) => this.createPod(job, template, indexes[created + i])),
      );
      const failures = results.filter((r) => r !== undefined);
      created += batch;
      if (failures.length > 0) {
        firstError ??= failures[0];
        this.expectations.lowerCreations(key, failures.length + (diff - created));
        jc.active += batch - failures.length;
        return firstError;
      }
      jc.active += batch;
    }
    return undefined;
  }

  /** Creates one pod; resolves to the error, if creation failed. */
  private async createPod(job: JobObject, templateIn: PodTemplateSpec, index: number | undefined): Promise<unknown> {
    const jobName = job.metadata?.name ?? '';
    const template = index === undefined ? templateIn : cloneJSON(templateIn);
    const metadata = cloneJSON(template.metadata ?? {});
    const podSpec = cloneJSON(template.spec ?? { containers: [] });
    let generateName = `${jobName}-`;
    if (index !== undefined) {
      metadata.annotations = { ...metadata.annotations, [completionIndexAnnotation]: String(index) };
      metadata.labels = { ...metadata.labels, [completionIndexAnnotation]: String(index) };
      podSpec.hostname = `${jobName}-${index}`;
      generateName = generateNameWithIndex(jobName, index);
    }
    const finalizers = metadata.finalizers ?? [];
    if (!finalizers.includes(jobTrackingFinalizer)) finalizers.push(jobTrackingFinalizer);
    const pod: PodObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...(metadata.labels ? { labels: metadata.labels } : {}),
        ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
        finalizers,
        generateName,
        namespace: job.metadata?.namespace,
        ownerReferences: [newControllerRef(job, jobKind)],
      },
      spec: podSpec,
    };
    try {
      const created = await this.ctx.client.create<PodObject>(resources.pods, job.metadata?.namespace ?? '', pod);
      this.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
      return undefined;
    } catch (err) {
      this.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
      return err;
    }
  }

  /**
   * Deletes pods. Without `expected` (the Job finished) their finalizers stay, so they are
   * counted as failed; with it (scale down, suspension) the finalizer goes first and failed
   * deletions lower the expectations set by the caller.
   */
  private async deletePods(
    job: JobObject,
    pods: PodObject[],
    expected: boolean,
  ): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
    let deleted = 0;
    let deletedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        const name = pod.metadata?.name ?? '';
        try {
          // Pods removed by scaling down or suspension are not counted: drop the finalizer first, as upstream's deleteJobPods.
          if (expected) await this.removeTrackingFinalizer(pod);
          await this.ctx.client.delete(resources.pods, pod.metadata?.namespace ?? '', name);
          this.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
        } catch (err) {
          if (expected) this.expectations.lowerDeletions(objectKey(job), 1);
          if (!isNotFound(err)) {
            this.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
            error ??= err;
            return;
          }
        }
        deleted++;
        if (isPodReady(pod)) deletedReady++;
      }),
    );
    return { deleted, deletedReady, error };
  }

  /**
   * Upstream's trackJobStatusAndRemoveFinalizers: records finished pods in
   * uncountedTerminatedPods, writes status, removes their finalizers, moves them into the
   * counters, and adds the terminal condition once nothing is uncounted or terminating.
   */
  private async trackStatusAndRemoveFinalizers(jc: SyncContext, now: Date): Promise<void> {
    let job = jc.job;
    const indexed = isIndexed(job);
    const completions = job.spec?.completions ?? 0;
    const withFinalizer = new Set<string>();
    for (const pod of jc.pods) {
      const uid = pod.metadata?.uid ?? '';
      if (hasTrackingFinalizer(pod) && !jc.pendingFinalizerRemovals.has(uid)) withFinalizer.add(uid);
    }
    const status = (job.status ??= {});
    this.countRemovedFinalizers(status, withFinalizer);
    const uncounted = (status.uncountedTerminatedPods ??= {});
    const toRemove: PodObject[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMax = false;
    const pods = indexed ? [...jc.pods].sort((a, b) => (completionIndexOf(a) ?? -1) - (completionIndexOf(b) ?? -1)) : jc.pods;
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      if (!hasTrackingFinalizer(pod) || jc.pendingFinalizerRemovals.has(uid)) continue;
      const considerFailed = isPodFailed(pod, job);
      const canRemove = !!job.metadata?.deletionTimestamp || jc.finished !== undefined || pod.status?.phase === 'Succeeded' || considerFailed;
      if (!canRemove) continue;
      toRemove.push(pod);
      if (pod.status?.phase === 'Succeeded' && !jc.uncountedFailed.has(uid)) {
        if (indexed) {
          const index = completionIndexOf(pod);
          if (index !== undefined && index < completions && !jc.prevSucceededIndexes.has(index)) newSucceededIndexes.push(index);
        } else if (!jc.uncountedSucceeded.has(uid)) {
          (uncounted.succeeded ??= []).push(uid);
        }
      } else if (considerFailed || (jc.finished !== undefined && jc.finished.type !== 'SuccessCriteriaMet')) {
        const index = completionIndexOf(pod);
        const counts = matchPodFailurePolicy(job.spec?.podFailurePolicy, pod).countFailed;
        if (!jc.uncountedFailed.has(uid) && (!indexed || (index !== undefined && index < completions)) && counts) {
          (uncounted.failed ??= []).push(uid);
        }
      }
      if (newSucceededIndexes.length + (uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0) >= maxUncountedPods) {
        reachedMax = true;
        break;
      }
    }
    if (indexed) {
      const succeededIndexes = new Set([...jc.prevSucceededIndexes, ...newSucceededIndexes]);
      status.completedIndexes = formatIndexes(succeededIndexes);
      status.succeeded = succeededIndexes.size;
    }
    if (jc.finished?.type === 'FailureTarget') {
      (status.conditions ??= []).push(jc.finished);
      jc.finished = condition('Failed', jc.finished.reason ?? '', jc.finished.message ?? '', now);
    }
    if (jc.finished?.type === 'SuccessCriteriaMet') {
      if (!status.conditions?.some((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True')) (status.conditions ??= []).push(jc.finished);
      jc.finished = condition('Complete', jc.finished.reason ?? '', jc.finished.message ?? '', now);
    }

    // First flush: the uncounted UIDs and interim conditions are stored before any finalizer goes.
    job = await this.writeStatus(jc, job);
    this.backoffRecords.set(jc.key, jc.backoff);

    if (toRemove.length > 0) {
      const removed = await this.removeTrackingFinalizers(jc.key, toRemove);
      for (const uid of removed.uids) withFinalizer.delete(uid);
      const finalStatus = (job.status ??= {});
      this.countRemovedFinalizers(finalStatus, withFinalizer);
      if (removed.error !== undefined) {
        await this.writeStatus(jc, job);
        throw removed.error;
      }
    } else {
      this.countRemovedFinalizers(job.status ??= {}, withFinalizer);
    }
    const finishedNow = !reachedMax && this.enactFinished(jc, job, now);
    job = await this.writeStatus(jc, job);
    if (finishedNow && jc.finished) {
      if (jc.finished.type === 'Complete') {
        const completionsWanted = job.spec?.completions;
        if (completionsWanted !== undefined && completionsWanted !== null && (job.status?.succeeded ?? 0) > completionsWanted) {
          this.recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
        }
        this.recorder.event(job, 'Normal', 'Completed', 'Job completed');
      } else {
        this.recorder.event(job, 'Warning', jc.finished.reason ?? '', jc.finished.message ?? '');
      }
      this.backoffRecords.delete(jc.key);
    }
  }

  /** Moves uncounted UIDs whose pods no longer carry the finalizer into the counters. */
  private countRemovedFinalizers(status: JobStatus, withFinalizer: Set<string>): void {
    const uncounted = (status.uncountedTerminatedPods ??= {});
    const keepSucceeded = (uncounted.succeeded ?? []).filter((uid) => withFinalizer.has(uid));
    status.succeeded = (status.succeeded ?? 0) + (uncounted.succeeded?.length ?? 0) - keepSucceeded.length;
    uncounted.succeeded = keepSucceeded;
    const keepFailed = (uncounted.failed ?? []).filter((uid) => withFinalizer.has(uid));
    status.failed = (status.failed ?? 0) + (uncounted.failed?.length ?? 0) - keepFailed.length;
    uncounted.failed = keepFailed;
  }

  /** Adds Complete or Failed once every finished pod is counted and none is terminating. */
  private enactFinished(jc: SyncContext, job: JobObject, now: Date): boolean {
    if (!jc.finished) return false;
    const status = (job.status ??= {});
    const uncounted = status.uncountedTerminatedPods;
    if ((uncounted?.succeeded?.length ?? 0) + (uncounted?.failed?.length ?? 0) > 0) return false;
    // Pods still terminating: their removal brings the Job back to the queue.
    if (jc.terminating > 0) return false;
    ensureCondition(status, jc.finished.type, 'True', jc.finished.reason ?? '', jc.finished.message ?? '', now);
    if (jc.finished.type === 'Complete') status.completionTime = formatTime(now);
    return true;
  }

  /** Writes status when it differs from what the cache holds; returns the Job as written. */
  private async writeStatus(jc: SyncContext, job: JobObject): Promise<JobObject> {
    const status = cloneJSON(job.status ?? {});
    normaliseStatus(status);
    const before = cloneJSON(jc.original.status ?? {});
    normaliseStatus(before);
    if (jsonEqual(status, before)) return job;
    const written = await this.ctx.client.update<JobObject>(resources.jobs, job.metadata?.namespace ?? '', { ...job, status }, { subresource: 'status' });
    jc.original = written;
    return { ...written, status: cloneJSON(job.status ?? {}) };
  }

  private async removeTrackingFinalizers(key: string, pods: PodObject[]): Promise<{ uids: string[]; error?: unknown }> {
    const uids = pods.map((p) => p.metadata?.uid ?? '');
    this.expectations.expectFinalizersRemoved(key, uids);
    const removed: string[] = [];
    let error: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        const uid = pod.metadata?.uid ?? '';
        try {
          await this.removeTrackingFinalizer(pod);
          removed.push(uid);
        } catch (err) {
          this.expectations.finalizerRemovalObserved(key, uid);
          if (isNotFound(err)) removed.push(uid);
          else error ??= err;
        }
      }),
    );
    return { uids: removed, error };
  }

  /** Drops the tracking finalizer with a JSON patch guarded by a test, so other finalizers are kept. */
  private async removeTrackingFinalizer(pod: PodObject): Promise<void> {
    const index = pod.metadata?.finalizers?.indexOf(jobTrackingFinalizer) ?? -1;
    if (index < 0) return;
    await this.ctx.client.patch(resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'json', [
      { op: 'test', path: `/metadata/finalizers/${index}`, value: jobTrackingFinalizer },
      { op: 'remove', path: `/metadata/finalizers/${index}` },
    ]);
  }

  /** Upstream's newBackoffRecord: consecutive failures since the last success, and when the last one happened. */
  private newBackoffRecord(key: string, newSucceeded: PodObject[], newFailed: PodObject[]): BackoffRecord {
    const old = this.backoffRecords.get(key) ?? { failuresAfterLastSuccess: 0 };
    const record: BackoffRecord = { ...old };
    const failedTimes = newFailed.map(podFinishedTime).sort((a, b) => a - b);
    if (newSucceeded.length === 0) {
      if (failedTimes.length === 0) return record;
      record.failuresAfterLastSuccess += failedTimes.length;
      record.lastFailureTime = failedTimes[failedTimes.length - 1];
      return record;
    }
    const lastSuccess = Math.max(...newSucceeded.map(podFinishedTime));
    const after = failedTimes.filter((t) => t > lastSuccess);
    return after.length === 0 ? { failuresAfterLastSuccess: 0 } : { failuresAfterLastSuccess: after.length, lastFailureTime: after[after.length - 1] };
  }

  /** Milliseconds before a failed pod may be replaced: 10 s doubling per consecutive failure, capped. */
  private backoffRemaining(record: BackoffRecord, nowMs: number): number {
    if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0;
    let delay = this.podFailureBackoffMs;
    for (let i = 1; i < record.failuresAfterLastSuccess; i++) {
      delay *= 2;
      if (delay >= this.maxPodFailureBackoffMs) {
        delay = this.maxPodFailureBackoffMs;
        break;
      }
    }
    const elapsed = nowMs - record.lastFailureTime;
    return delay < elapsed ? 0 : delay - elapsed;
  }

  /** restartPolicy OnFailure: container restarts of running pods count against backoffLimit. */
  private pastBackoffLimitOnFailure(job: JobObject, pods: PodObject[]): boolean {
    if (job.spec?.template.spec?.restartPolicy !== 'OnFailure') return false;
    let restarts = 0;
    for (const pod of pods) {
      if (pod.status?.phase !== 'Running' && pod.status?.phase !== 'Pending') continue;
      for (const s of [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])]) restarts += s.restartCount;
    }
    const limit = job.spec.backoffLimit ?? 6;
    return limit === 0 ? restarts > 0 : restarts >= limit;
  }

  private pastActiveDeadline(job: JobObject, now: Date): boolean {
    const seconds = job.spec?.activeDeadlineSeconds;
    const start = job.status?.startTime;
    if (seconds === undefined || !start || isSuspended(job)) return false;
    return now.getTime() - Date.parse(start) >= seconds * 1000;
  }
}

/** Builds the Job controller with default options. */
export const jobControllerFactory: ControllerFactory = (ctx) => new JobController(ctx);
