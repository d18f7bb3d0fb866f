/**
 * What the API server's registry does to new objects, for controller tests whose in-memory API
 * has no registry: upstream's create strategies (e.g. the Job's generated selector).
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import { prepareJobSelector } from '../apiserver/defaults/index.js';

/**
 * Gives a created Job (with its uid) the selector and pod template labels the Job registry
 * generates (upstream's batch/job strategy), unless spec.manualSelector; returns the same Job.
 */
export function withGeneratedJobSelector<T extends Job>(job: T): T {
  prepareJobSelector(job as Record<string, unknown>, job.metadata?.uid ?? '');
  return job;
}
