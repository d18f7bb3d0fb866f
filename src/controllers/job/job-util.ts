/**
 * Small facts about Jobs and their pods shared by the Job, TTL-after-finished and CronJob
 * controllers (upstream's pkg/controller/job/util and the pod helpers the Job controller uses).
 */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';

/** A Job as the client hands it out. */
export type JobObject = Job & KubeObject;
/** A Pod as the client hands it out. */
export type PodObject = Pod & KubeObject;

/** The finalizer the Job controller puts on its pods until it has counted them (batch.JobTrackingFinalizer). */
export const jobTrackingFinalizer = 'batch.kubernetes.io/job-tracking';

/** The Complete or Failed condition that is True, if the Job finished. */
export function finishedCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** Whether the Job has a True Complete or Failed condition (upstream's IsJobFinished). */
export function isJobFinished(job: Job): boolean {
  return finishedCondition(job) !== undefined;
}

/** Whether the Job has a True Complete condition. */
export function isJobSucceeded(job: Job): boolean {
  return finishedCondition(job)?.type === 'Complete';
}

export { controllerOf } from '../../apimachinery/owner.js';

/** The controller reference upstream's metav1.NewControllerRef builds. */
export function controllerRefTo(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether the pod carries the job-tracking finalizer. */
export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(jobTrackingFinalizer) ?? false;
}

/** Pending or running and not being deleted (upstream's controller.FilterActivePods). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/** Being deleted but not yet terminal (upstream's CountTerminatingPods). */
export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** Whether the pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Whether the Job counts the pod as failed (upstream's isPodFailed): phase Failed, or, unless
 * podReplacementPolicy is Failed or a podFailurePolicy is set (upstream's onlyReplaceFailedPods),
 * being deleted before it succeeded.
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy) return false;
  return !!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/**
 * When the pod finished (upstream's getFinishedTime): the latest container finish, else the
 * Ready=False transition, else the deletion time less the grace period, else creation.
 */
export function podFinishedTime(pod: Pod): number {
  const statuses = pod.status?.containerStatuses ?? [];
  if (statuses.length > 0) {
    let latest: number | undefined = 0;
    for (const status of statuses) {
      const finishedAt = status.state?.terminated?.finishedAt;
      if (!finishedAt) {
        latest = undefined;
        break;
      }
      latest = Math.max(latest, Date.parse(finishedAt));
    }
    if (latest !== undefined) return latest;
  }
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'False' && ready.lastTransitionTime) return Date.parse(ready.lastTransitionTime);
  const deletion = pod.metadata?.deletionTimestamp;
  if (deletion) return Date.parse(deletion) - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  return Date.parse(pod.metadata?.creationTimestamp ?? '') || 0;
}
