/**
 * A Job's state as the Job, TTL-after-finished and CronJob controllers read it, after upstream's
 * pkg/controller/job/util.
 */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { GroupVersionKind } from '../../apimachinery/owner.js';
import type { KubeObject } from '../../apimachinery/object.js';

/** A Job as the client hands it out. */
export type JobObject = Job & KubeObject;

/** The kind of Jobs, as the controller references of their pods name it. */
export const jobKind: GroupVersionKind = { group: 'batch', version: 'v1', kind: 'Job' };

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
