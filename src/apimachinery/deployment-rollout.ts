/**
 * The Deployment rules both the Deployment controller and the rolling-update picture read, so
 * each is implemented once: the revision annotation, the maxSurge / maxUnavailable bounds as
 * upstream resolves them (pkg/controller/deployment/util), and when a rollout is complete.
 */
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { scaledValueFromIntOrPercent } from './intstr.js';

/** Annotation with a ReplicaSet's (and its Deployment's) rollout revision. */
export const revisionAnnotation = 'deployment.kubernetes.io/revision';
/** Annotation with the revisions a ReplicaSet had before a rollback raised it to a new one. */
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';

/** The revision annotation of a ReplicaSet as a number; undefined when missing or not an integer. */
export function revisionOf(rs: ReplicaSet): number | undefined {
  const text = rs.metadata?.annotations?.[revisionAnnotation];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Upstream's ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, and when both
 * come out zero maxUnavailable becomes 1 so the rollout can progress. Undefined values take
 * the API defaults (25% each). Throws IntOrPercentError for a value that is neither.
 */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValueFromIntOrPercent(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValueFromIntOrPercent(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function desiredReplicas(deployment: Deployment): number {
  return deployment.spec?.replicas ?? 1;
}

/** True unless spec.strategy.type is Recreate (RollingUpdate is the default). */
export function isRollingUpdate(deployment: Deployment): boolean {
  return (deployment.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

function fenceposts(deployment: Deployment): { surge: number; unavailable: number } {
  const rolling = deployment.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(rolling?.maxSurge, rolling?.maxUnavailable, desiredReplicas(deployment));
}

/** Upstream's MaxSurge: the resolved surge, 0 for Recreate. */
export function maxSurge(deployment: Deployment): number {
  return isRollingUpdate(deployment) ? fenceposts(deployment).surge : 0;
}

/** Upstream's MaxUnavailable: the resolved value capped at spec.replicas; 0 for Recreate or 0 replicas. */
export function maxUnavailable(deployment: Deployment): number {
  const replicas = desiredReplicas(deployment);
  if (!isRollingUpdate(deployment) || replicas === 0) return 0;
  return Math.min(fenceposts(deployment).unavailable, replicas);
}

/** Upstream's DeploymentComplete: every replica updated and available, and the status observed the latest generation. */
export function deploymentComplete(deployment: Deployment, newStatus: DeploymentStatus): boolean {
  const replicas = desiredReplicas(deployment);
  return (
    (newStatus.updatedReplicas ?? 0) === replicas &&
    (newStatus.replicas ?? 0) === replicas &&
    (newStatus.availableReplicas ?? 0) === replicas &&
    (newStatus.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0)
  );
}
