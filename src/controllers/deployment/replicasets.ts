/**
 * ReplicaSet bookkeeping of the Deployment controller, after upstream's deployment util:
 * template comparison ignoring the hash label, revision and replica annotations, and the
 * ReplicaSet a Deployment creates for its current template.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { cloneJSON, jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { newControllerRef, type GroupVersionKind } from '../../apimachinery/owner.js';
import { podTemplateHash } from '../common/hash.js';
import {
  compareByCreation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  podTemplateHashLabel,
} from './rollout.js';
import { maxSurge, revisionAnnotation, revisionHistoryAnnotation, revisionOf } from '../../apimachinery/deployment-rollout.js';

/** The kind of Deployments, as the controller references of their ReplicaSets name it. */
export const deploymentKind: GroupVersionKind = { group: 'apps', version: 'v1', kind: 'Deployment' };

/** Upstream's limit on the revision-history annotation's length. */
export const maxRevisionHistoryLengthInChars = 2000;

// Deployment annotations that are not copied to its ReplicaSets (upstream's annotationsToSkip).
const annotationsNotCopied = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  'deprecated.deployment.rollback.to',
]);

function withoutHash(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const copy = cloneJSON(template ?? {});
  const labels = copy.metadata?.labels;
  if (copy.metadata && labels) {
    const rest = { ...labels };
    delete rest[podTemplateHashLabel];
    if (Object.keys(rest).length > 0) copy.metadata = { ...copy.metadata, labels: rest };
    else {
      const { labels: _dropped, ...meta } = copy.metadata;
      copy.metadata = meta;
    }
  }
  if (copy.metadata && Object.keys(copy.metadata).length === 0) delete copy.metadata;
  return copy;
}

/** Upstream's EqualIgnoreHash: two pod templates are equal once the pod-template-hash label is removed. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return jsonEqual(withoutHash(a), withoutHash(b));
}

/** Upstream's FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's. */
export function findNewReplicaSet<T extends ReplicaSet>(deployment: Deployment, replicaSets: readonly T[]): T | undefined {
  return [...replicaSets].sort(compareByCreation).find((rs) => equalIgnoreHash(rs.spec?.template, deployment.spec?.template));
}

/** Upstream's SetReplicasAnnotations: returns whether anything changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = { ...(rs.metadata?.annotations ?? {}) };
  let changed = false;
  for (const [key, value] of [
    [desiredReplicasAnnotation, String(desired)],
    [maxReplicasAnnotation, String(max)],
  ] as const) {
    if (annotations[key] !== value) {
      annotations[key] = value;
      changed = true;
    }
  }
  if (changed) rs.metadata = { ...rs.metadata, annotations };
  return changed;
}

/** Upstream's ReplicasAnnotationsNeedUpdate. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = rs.metadata?.annotations ?? {};
  return annotations[desiredReplicasAnnotation] !== String(desired) || annotations[maxReplicasAnnotation] !== String(max);
}

/** The Deployment's desired and max (desired + maxSurge) replicas, as the annotations record them. */
export function replicasForAnnotations(deployment: Deployment): { desired: number; max: number } {
  const desired = deployment.spec?.replicas ?? 1;
  return { desired, max: desired + maxSurge(deployment) };
}

/**
 * Upstream's SetNewReplicaSetAnnotations: copies the Deployment's annotations (but upstream's
 * skipped ones), raises the revision to `newRevision` when it is higher (recording the previous
 * revision in revision-history: a rollback to this ReplicaSet), and for a new ReplicaSet sets the
 * replicas annotations. Mutates `rs`; returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(deployment: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const annotations = { ...(rs.metadata?.annotations ?? {}) };
  let changed = false;
  for (const [key, value] of Object.entries(deployment.metadata?.annotations ?? {})) {
    if (annotationsNotCopied.has(key) || annotations[key] === value) continue;
    annotations[key] = value;
    changed = true;
  }
  const oldRevisionText = annotations[revisionAnnotation];
  const oldRevision = oldRevisionText === undefined || oldRevisionText === '' ? 0 : Number(oldRevisionText);
  if (Number.isNaN(oldRevision)) return false;
  if (oldRevision < newRevision) {
    annotations[revisionAnnotation] = String(newRevision);
    changed = true;
    if (oldRevisionText) {
      const history = annotations[revisionHistoryAnnotation] ?? '';
      if (history === '') annotations[revisionHistoryAnnotation] = oldRevisionText;
      else {
        let revisions = history.split(',');
        let total = history.length + oldRevisionText.length + 1;
        while (total > maxRevisionHistoryLengthInChars && revisions.length > 0) {
          total -= (revisions[0] ?? '').length + 1;
          revisions = revisions.slice(1);
        }
        if (total <= maxRevisionHistoryLengthInChars) annotations[revisionHistoryAnnotation] = [...revisions, oldRevisionText].join(',');
      }
    }
  }
  rs.metadata = { ...rs.metadata, annotations };
  if (!exists) {
    const { desired, max } = replicasForAnnotations(deployment);
    if (setReplicasAnnotations(rs, desired, max)) changed = true;
  }
  return changed;
}

/** Upstream's ReplicaSetsByRevision: lowest revision first, then oldest. */
export function compareByRevision(a: ReplicaSet, b: ReplicaSet): number {
  const diff = (revisionOf(a) ?? 0) - (revisionOf(b) ?? 0);
  return diff !== 0 ? diff : compareByCreation(a, b);
}

/**
 * The ReplicaSet upstream's getNewReplicaSet would create for the Deployment's current template:
 * named `<deployment>-<hash>`, template and selector extended with the pod-template-hash label,
 * owned by the Deployment, with 0 replicas (the caller sizes it and sets annotations).
 */
export function newReplicaSetFor(deployment: Deployment & KubeObject): ReplicaSet & KubeObject {
  const hash = podTemplateHash(deployment.spec?.template, deployment.status?.collisionCount);
  const template = cloneJSON(deployment.spec?.template ?? {});
  const labels = { ...(template.metadata?.labels ?? {}), [podTemplateHashLabel]: hash };
  template.metadata = { ...template.metadata, labels };
  const selector = cloneJSON(deployment.spec?.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [podTemplateHashLabel]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${deployment.metadata?.name ?? ''}-${hash}`,
      namespace: deployment.metadata?.namespace,
      ownerReferences: [newControllerRef(deployment, deploymentKind)],
      labels: { ...labels },
    },
    spec: { replicas: 0, minReadySeconds: deployment.spec?.minReadySeconds ?? 0, selector, template },
  };
}
