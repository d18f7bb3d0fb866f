/**
 * Deployment rollout arithmetic, following upstream's pkg/controller/deployment (util,
 * rolling.go, sync.go, progress.go). Everything here is pure: functions read Deployments
 * and ReplicaSets and return the replica counts, statuses and conditions the controller
 * should write.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { deploymentComplete, isRollingUpdate, maxSurge, maxUnavailable, revisionOf } from '../../apimachinery/deployment-rollout.js';

/** Annotation with the Deployment's spec.replicas when the ReplicaSet was last scaled. */
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
/** Annotation with spec.replicas + maxSurge when the ReplicaSet was last scaled. */
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
/** Label (and selector key) carrying the pod-template hash. */
export const podTemplateHashLabel = 'pod-template-hash';

/** Condition reasons, as upstream's deployment util. */
export const DeploymentReasons = {
  /** Progressing=True: a new ReplicaSet was created. */
  NewReplicaSetCreated: 'NewReplicaSetCreated',
  /** Progressing=True: an existing new ReplicaSet was adopted. */
  FoundNewReplicaSet: 'FoundNewReplicaSet',
  /** Progressing=True: the rollout made progress. */
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  /** Progressing=True: the new ReplicaSet is fully available. */
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  /** Progressing=False: no progress within spec.progressDeadlineSeconds. */
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  /** Available=True. */
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  /** Available=False. */
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** A computed replica count for one ReplicaSet (identified by name). */
export interface ReplicaSetScale {
  name: string;
  replicas: number;
}

function desiredReplicas(deployment: Deployment): number {
  return deployment.spec?.replicas ?? 1;
}

function specReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec?.replicas ?? 1;
}

/** Upstream's MaxRevision: the highest revision annotation among the ReplicaSets (0 when none). */
export function maxRevision(replicaSets: readonly ReplicaSet[]): number {
  let max = 0;
  for (const rs of replicaSets) max = Math.max(max, revisionOf(rs) ?? 0);
  return max;
}

/** Sum of spec.replicas. */
export function replicaCount(replicaSets: readonly (ReplicaSet | undefined)[]): number {
  return replicaSets.reduce((sum, rs) => sum + (rs ? specReplicas(rs) : 0), 0);
}

/** Sum of status.availableReplicas. */
export function availableReplicaCount(replicaSets: readonly (ReplicaSet | undefined)[]): number {
  return replicaSets.reduce((sum, rs) => sum + (rs?.status?.availableReplicas ?? 0), 0);
}

/**
 * Upstream's NewRSNewReplicas: the new ReplicaSet's target size. RollingUpdate scales up
 * while the total (all ReplicaSets' spec.replicas) stays within replicas + maxSurge;
 * Recreate goes straight to spec.replicas.
 */
export function newRSReplicasForRollingUpdate(deployment: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = desiredReplicas(deployment);
  if (!isRollingUpdate(deployment)) return replicas;
  const current = replicaCount(allRSs);
  const maxTotalPods = replicas + maxSurge(deployment);
  const newReplicas = specReplicas(newRS);
  if (current >= maxTotalPods) return newReplicas;
  const scaleUp = Math.min(maxTotalPods - current, replicas - newReplicas);
  return newReplicas + scaleUp;
}

function creationMs(rs: ReplicaSet): number {
  const text = rs.metadata?.creationTimestamp;
  return text === undefined ? 0 : Date.parse(text);
}

/** Upstream's ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function compareByCreation(a: ReplicaSet, b: ReplicaSet): number {
  const diff = creationMs(a) - creationMs(b);
  if (diff !== 0) return diff;
  const nameA = a.metadata?.name ?? '';
  const nameB = b.metadata?.name ?? '';
  return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}

/** Result of scaleDownOldReplicaSets. */
export interface OldReplicaSetScaleDown {
  /** New sizes for the old ReplicaSets that shrink, in the order upstream would apply them. */
  scales: ReplicaSetScale[];
  /** Replicas removed because they were unhealthy (spec above available). */
  cleanedUp: number;
  /** Replicas removed from available old ReplicaSets. */
  scaledDown: number;
}

/**
 * Upstream's reconcileOldReplicaSets for RollingUpdate. The budget is
 * all pods - (replicas - maxUnavailable) - unavailable pods of the new ReplicaSet; it is
 * spent first on unhealthy old replicas (oldest ReplicaSet first), then on available old
 * replicas while availability stays at or above replicas - maxUnavailable.
 */
export function scaleDownOldReplicaSets(deployment: Deployment, oldRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): OldReplicaSetScaleDown {
  const sizes = new Map<ReplicaSet, number>(oldRSs.map((rs) => [rs, specReplicas(rs)]));
  const none: OldReplicaSetScaleDown = { scales: [], cleanedUp: 0, scaledDown: 0 };
  const oldPods = replicaCount(oldRSs);
  if (oldPods === 0) return none;
  const allPods = oldPods + (newRS ? specReplicas(newRS) : 0);
  const minAvailable = desiredReplicas(deployment) - maxUnavailable(deployment);
  const newRSUnavailable = newRS ? specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0) : 0;
  const maxScaledDown = allPods - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return none;

  const ordered = [...oldRSs].sort(compareByCreation);
  const scales: ReplicaSetScale[] = [];
  const record = (rs: ReplicaSet, replicas: number): void => {
    sizes.set(rs, replicas);
    const name = rs.metadata?.name ?? '';
    const existing = scales.find((scale) => scale.name === name);
    if (existing) existing.replicas = replicas;
    else scales.push({ name, replicas });
  };

  let cleanedUp = 0;
  for (const rs of ordered) {
    if (cleanedUp >= maxScaledDown) break;
    const replicas = sizes.get(rs) ?? 0;
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const count = Math.min(maxScaledDown - cleanedUp, replicas - available);
    record(rs, replicas - count);
    cleanedUp += count;
  }

  // Availability comes from status, which the cleanup above did not change.
  const availablePods = availableReplicaCount([...oldRSs, newRS]);
  let scaledDown = 0;
  if (availablePods > minAvailable) {
    const total = availablePods - minAvailable;
    for (const rs of ordered) {
      if (scaledDown >= total) break;
      const replicas = sizes.get(rs) ?? 0;
      if (replicas === 0) continue;
      const count = Math.min(replicas, total - scaledDown);
      record(rs, replicas - count);
      scaledDown += count;
    }
  }
  return { scales, cleanedUp, scaledDown };
}

function annotationInt(rs: ReplicaSet, key: string): number | undefined {
  const text = rs.metadata?.annotations?.[key];
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}

/** Upstream's IsSaturated: the new ReplicaSet has all desired replicas, annotated and available. */
export function isSaturated(deployment: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = annotationInt(rs, desiredReplicasAnnotation);
  if (desired === undefined) return false;
  const replicas = desiredReplicas(deployment);
  return specReplicas(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/** Go's math.Round: halves away from zero. */
function roundHalfAway(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

function replicaSetFraction(rs: ReplicaSet, deployment: Deployment): number {
  const replicas = desiredReplicas(deployment);
  if (replicas === 0) return -specReplicas(rs);
  const deploymentMaxReplicas = replicas + maxSurge(deployment);
  // Without the annotation upstream falls back to the Deployment's current status.replicas.
  const before = annotationInt(rs, maxReplicasAnnotation) ?? deployment.status?.replicas ?? 0;
  if (before <= 0) return 0;
  return roundHalfAway((specReplicas(rs) * deploymentMaxReplicas) / before) - specReplicas(rs);
}

function proportion(rs: ReplicaSet, deployment: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, deployment);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function isActive(rs: ReplicaSet | undefined): rs is ReplicaSet {
  return rs !== undefined && specReplicas(rs) > 0;
}

/**
 * Upstream's scale() (sync.go): reacts to a change of spec.replicas.
 * - One active ReplicaSet (or none: the newest) takes spec.replicas.
 * - A saturated new ReplicaSet sends every active old one to 0.
 * - Otherwise, for RollingUpdate, replicas + maxSurge minus the current total is spread
 *   across the active ReplicaSets in proportion to their size against the max-replicas
 *   annotation (largest first; ties newest first when adding, oldest first when removing),
 *   with the rounding leftover going to the first one.
 * Returns the ReplicaSets upstream would write (including unchanged sizes, whose
 * annotations still need refreshing); empty when nothing is to be done.
 */
export function proportionalScale(deployment: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSetScale[] {
  const replicas = desiredReplicas(deployment);
  const nameOf = (rs: ReplicaSet): string => rs.metadata?.name ?? '';
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    return specReplicas(activeOrLatest) === replicas ? [] : [{ name: nameOf(activeOrLatest), replicas }];
  }
  if (isSaturated(deployment, newRS)) {
    return oldRSs.filter(isActive).map((rs) => ({ name: nameOf(rs), replicas: 0 }));
  }
  if (!isRollingUpdate(deployment)) return [];

  const active = [...oldRSs, newRS].filter(isActive);
  const allowedSize = replicas > 0 ? replicas + maxSurge(deployment) : 0;
  const toAdd = allowedSize - replicaCount(active);
  if (toAdd > 0) {
    active.sort((a, b) => specReplicas(b) - specReplicas(a) || compareByCreation(b, a));
  } else if (toAdd < 0) {
    active.sort((a, b) => specReplicas(b) - specReplicas(a) || compareByCreation(a, b));
  }
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of active) {
    const share = toAdd === 0 ? 0 : proportion(rs, deployment, toAdd, added);
    sizes.set(rs, specReplicas(rs) + share);
    added += share;
  }
  return active.map((rs, index) => {
    let size = sizes.get(rs) ?? 0;
    if (index === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    return { name: nameOf(rs), replicas: size };
  });
}

/** Upstream's FindActiveOrLatest: the only active ReplicaSet, the newest one when none is active, else undefined. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => compareByCreation(b, a));
  const active = [...newestFirst, newRS].filter(isActive);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/**
 * Upstream's DeploymentProgressing: compared with the Deployment's current status, more
 * updated, ready or available replicas, or fewer old replicas.
 */
export function deploymentProgressing(deployment: Deployment, newStatus: DeploymentStatus): boolean {
  const oldStatus = deployment.status ?? {};
  const oldOld = (oldStatus.replicas ?? 0) - (oldStatus.updatedReplicas ?? 0);
  const newOld = (newStatus.replicas ?? 0) - (newStatus.updatedReplicas ?? 0);
  return (
    (newStatus.updatedReplicas ?? 0) > (oldStatus.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (newStatus.readyReplicas ?? 0) > (oldStatus.readyReplicas ?? 0) ||
    (newStatus.availableReplicas ?? 0) > (oldStatus.availableReplicas ?? 0)
  );
}

/** spec.progressDeadlineSeconds is set and not MaxInt32 (upstream's "no deadline"). */
export function hasProgressDeadline(deployment: Deployment): boolean {
  const seconds = deployment.spec?.progressDeadlineSeconds;
  return seconds !== undefined && seconds !== 2147483647;
}

/** The condition of the given type, if present. */
export function getDeploymentCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((condition) => condition.type === type);
}

/**
 * Upstream's DeploymentTimedOut: the Progressing condition (not already complete) was last
 * updated more than progressDeadlineSeconds before now.
 */
export function deploymentTimedOut(deployment: Deployment, newStatus: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(deployment)) return false;
  const condition = getDeploymentCondition(newStatus, 'Progressing');
  if (!condition) return false;
  if (condition.reason === DeploymentReasons.NewReplicaSetAvailable) return false;
  if (condition.reason === DeploymentReasons.ProgressDeadlineExceeded) return true;
  const from = condition.lastUpdateTime === undefined ? Number.NaN : Date.parse(condition.lastUpdateTime);
  const deadlineMs = (deployment.spec?.progressDeadlineSeconds ?? 0) * 1000;
  return from + deadlineMs < now.getTime();
}

/** A metav1.Time string (RFC 3339, whole seconds). */
export function metaTime(now: Date): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Upstream's NewDeploymentCondition: both timestamps set to now. */
export function newDeploymentCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now: Date): DeploymentCondition {
  const time = metaTime(now);
  return { type, status, reason, message, lastUpdateTime: time, lastTransitionTime: time };
}

/**
 * Upstream's SetDeploymentCondition, returning a new conditions array: unchanged when status
 * and reason are the same; lastTransitionTime kept when only the reason changes.
 */
export function setDeploymentCondition(conditions: readonly DeploymentCondition[] | undefined, condition: DeploymentCondition): DeploymentCondition[] {
  const current = conditions?.find((existing) => existing.type === condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return [...(conditions ?? [])];
  const next = current && current.status === condition.status ? { ...condition, lastTransitionTime: current.lastTransitionTime } : condition;
  return [...(conditions ?? []).filter((existing) => existing.type !== condition.type), next];
}

/**
 * Upstream's calculateStatus plus syncRolloutStatus' Progressing logic: replica counts from
 * the ReplicaSets, Available from replicas - maxUnavailable, and Progressing
 * (NewReplicaSetAvailable / ReplicaSetUpdated / ProgressDeadlineExceeded) when the
 * Deployment has a progress deadline.
 */
export function rolloutStatus(deployment: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined, now: Date): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: deployment.metadata?.generation ?? 0,
    replicas: allRSs.reduce((sum, rs) => sum + (rs.status?.replicas ?? 0), 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: allRSs.reduce((sum, rs) => sum + (rs.status?.readyReplicas ?? 0), 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicaCount(allRSs) - available),
    conditions: [...(deployment.status?.conditions ?? [])],
  };
  if (deployment.status?.collisionCount !== undefined) status.collisionCount = deployment.status.collisionCount;
  const availableCondition =
    available >= desiredReplicas(deployment) - maxUnavailable(deployment)
      ? newDeploymentCondition('Available', 'True', DeploymentReasons.MinimumReplicasAvailable, 'Deployment has minimum availability.', now)
      : newDeploymentCondition('Available', 'False', DeploymentReasons.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', now);
  status.conditions = setDeploymentCondition(status.conditions, availableCondition);

  if (!hasProgressDeadline(deployment)) {
    status.conditions = status.conditions.filter((condition) => condition.type !== 'Progressing');
    return status;
  }
  const current = getDeploymentCondition(deployment.status, 'Progressing');
  const alreadyComplete = status.replicas === status.updatedReplicas && current?.reason === DeploymentReasons.NewReplicaSetAvailable;
  if (alreadyComplete) return status;
  const subject = newRS ? `ReplicaSet ${JSON.stringify(newRS.metadata?.name ?? '')}` : `Deployment ${JSON.stringify(deployment.metadata?.name ?? '')}`;
  if (deploymentComplete(deployment, status)) {
    const condition = newDeploymentCondition('Progressing', 'True', DeploymentReasons.NewReplicaSetAvailable, `${subject} has successfully progressed.`, now);
    status.conditions = setDeploymentCondition(status.conditions, condition);
  } else if (deploymentProgressing(deployment, status)) {
    // Progress refreshes lastUpdateTime even when the reason is unchanged.
    let condition = newDeploymentCondition('Progressing', 'True', DeploymentReasons.ReplicaSetUpdated, `${subject} is progressing.`, now);
    if (current?.status === 'True') condition = { ...condition, lastTransitionTime: current.lastTransitionTime };
    status.conditions = [...status.conditions.filter((existing) => existing.type !== 'Progressing'), condition];
  } else if (deploymentTimedOut(deployment, status, now)) {
    const condition = newDeploymentCondition('Progressing', 'False', DeploymentReasons.ProgressDeadlineExceeded, `${subject} has timed out progressing.`, now);
    status.conditions = setDeploymentCondition(status.conditions, condition);
  }
  return status;
}
