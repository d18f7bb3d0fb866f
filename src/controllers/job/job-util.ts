/**
 * Small facts about a Job's pods the Job controller uses (the Job's own state is in
 * ../common/job.ts, shared with the CronJob controller).
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { isPodDeleting, isPodTerminal } from '../../apimachinery/pod.js';

/** A Pod as the client hands it out. */
export type PodObject = Pod & KubeObject;

/** The finalizer the Job controller puts on its pods until it has counted them (batch.JobTrackingFinalizer). */
export const jobTrackingFinalizer = 'batch.kubernetes.io/job-tracking';

/** Whether the pod carries the job-tracking finalizer. */
export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(jobTrackingFinalizer) ?? false;
}

/** Being deleted but not yet terminal (upstream's CountTerminatingPods). */
export function isPodTerminating(pod: Pod): boolean {
  return isPodDeleting(pod) && !isPodTerminal(pod);
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
