/**
 * spec.persistentVolumeClaimRetentionPolicy of StatefulSets (upstream's StatefulSetAutoDeletePVC,
 * GA in 1.32), after stateful_set_utils.go: the controller expresses the policy as owner
 * references on each claim, and the garbage collector does the deleting.
 *
 *   whenScaled Retain, whenDeleted Retain: no reference to the set or pod;
 *   whenScaled Retain, whenDeleted Delete: a reference to the set;
 *   whenScaled Delete, whenDeleted Retain: a reference to the pod once its ordinal is out of range;
 *   whenScaled Delete, whenDeleted Delete: the set while in range, the pod once out of range.
 *
 * References are controller references (controller and blockOwnerDeletion true). Claims whose
 * references to the set or pod name an older UID are left alone, as are claims another
 * controller owns (then only the set's and pod's own references are removed).
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { groupVersionKind, newControllerRef } from '../../apimachinery/owner.js';

/** The policy with upstream's defaults (Retain) applied. */
export interface ClaimRetentionPolicy {
  whenDeleted: string;
  whenScaled: string;
}

const retain = 'Retain';
const deletePolicy = 'Delete';

/** An owner as the retention rules need it: its API group version, kind, name and UID. */
interface Owner {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

function setOwner(set: StatefulSet): Owner {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata?.name ?? '', uid: set.metadata?.uid ?? '' };
}

function podOwner(pod: Pod): Owner {
  return { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
}

/** The set's policy, each field Retain unless set (upstream's getPersistentVolumeClaimRetentionPolicy). */
export function retentionPolicyOf(set: StatefulSet): ClaimRetentionPolicy {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: policy?.whenDeleted || retain, whenScaled: policy?.whenScaled || retain };
}

/**
 * Which references the policy calls for: to the set (whenDeleted Delete; replaced by the pod's
 * once scaled down when whenScaled is Delete too) and to scaled-down pods (whenScaled Delete).
 * An unknown value makes the whole policy Retain, as upstream's switch default.
 */
function wantedRefs(policy: ClaimRetentionPolicy): { setRef: boolean; podRef: boolean } {
  const known = (value: string): boolean => value === retain || value === deletePolicy;
  if (!known(policy.whenDeleted) || !known(policy.whenScaled)) return { setRef: false, podRef: false };
  return { setRef: policy.whenDeleted === deletePolicy, podRef: policy.whenScaled === deletePolicy };
}

/** Whether the pod's ordinal is within [start, start + replicas) (upstream's podInOrdinalRange). */
export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const setName = set.metadata?.name ?? '';
  const match = /^(.*)-(\d+)$/.exec(pod.metadata?.name ?? '');
  if (!match || match[1] !== setName) return false;
  const ordinal = Number(match[2]);
  const start = set.spec?.ordinals?.start ?? 0;
  return ordinal >= start && ordinal < start + (set.spec?.replicas ?? 1);
}

function matchesRef(ref: OwnerReference, owner: Owner): boolean {
  return ref.apiVersion === owner.apiVersion && ref.kind === owner.kind && ref.name === owner.name;
}

function hasOwnerRef(claim: PersistentVolumeClaim, owner: Owner): boolean {
  return Boolean(owner.uid) && (claim.metadata?.ownerReferences ?? []).some((ref) => ref.uid === owner.uid);
}

function hasStaleRef(claim: PersistentVolumeClaim, owner: Owner): boolean {
  const ref = (claim.metadata?.ownerReferences ?? []).find((r) => matchesRef(r, owner));
  return ref !== undefined && ref.uid !== owner.uid;
}

/**
 * Whether the claim references the pod's name with another UID (upstream's hasStaleOwnerRef):
 * the claim belonged to an earlier pod of that name, and a pod not created yet (no UID) always
 * finds such a reference stale.
 */
export function claimHasStalePodRef(claim: PersistentVolumeClaim, pod: Pod): boolean {
  return hasStaleRef(claim, podOwner(pod));
}

/**
 * Whether, under a policy other than Retain/Retain, the claim has a controller that is neither
 * the set nor the pod, or references the set or pod under an older UID (upstream's
 * hasUnexpectedController).
 */
export function hasUnexpectedController(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const policy = retentionPolicyOf(set);
  if (policy.whenScaled === retain && policy.whenDeleted === retain) return false;
  const ownerSet = setOwner(set);
  const ownerPod = podOwner(pod);
  for (const ref of claim.metadata?.ownerReferences ?? []) {
    if (matchesRef(ref, ownerSet)) {
      if (ref.uid !== ownerSet.uid) return true;
      continue;
    }
    if (matchesRef(ref, ownerPod)) {
      if (ref.uid !== ownerPod.uid) return true;
      continue;
    }
    if (ref.controller === true) return true;
  }
  return false;
}

/** Whether the set or pod references the claim without being its controller (upstream's hasNonControllerOwner). */
function hasNonControllerOwner(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const uids = new Set([set.metadata?.uid, pod.metadata?.uid].filter((uid): uid is string => Boolean(uid)));
  return (claim.metadata?.ownerReferences ?? []).some((ref) => uids.has(ref.uid) && ref.controller !== true);
}

/**
 * Whether the claim's owner references already express the set's policy for this pod
 * (upstream's isClaimOwnerUpToDate). Claims with stale references are reported up to date so
 * they are not touched; claims with another controller are up to date once the set's and
 * pod's references are gone.
 */
export function claimOwnerUpToDate(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const ownerSet = setOwner(set);
  const ownerPod = podOwner(pod);
  if (hasStaleRef(claim, ownerSet) || hasStaleRef(claim, ownerPod)) return true;
  if (hasUnexpectedController(claim, set, pod)) return !hasOwnerRef(claim, ownerSet) && !hasOwnerRef(claim, ownerPod);
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const { setRef, podRef } = wantedRefs(retentionPolicyOf(set));
  const scaledDown = !podInOrdinalRange(pod, set);
  const wantSet = setRef && !(podRef && scaledDown);
  const wantPod = podRef && scaledDown;
  return hasOwnerRef(claim, ownerSet) === wantSet && hasOwnerRef(claim, ownerPod) === wantPod;
}

/**
 * The claim's owner references rewritten for the set's policy (upstream's
 * updateClaimOwnerRefForSetAndPod): references to the set and pod (by name) are dropped, then
 * controller references are added as the policy asks, unless another controller owns the
 * claim. Other references are kept in order. A pod without a UID (not created yet) gets none.
 */
export function claimOwnerRefsFor(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): OwnerReference[] {
  const ownerSet = setOwner(set);
  const ownerPod = podOwner(pod);
  const unexpected = hasUnexpectedController(claim, set, pod);
  const refs = (claim.metadata?.ownerReferences ?? []).filter((ref) => !matchesRef(ref, ownerSet) && !matchesRef(ref, ownerPod));
  if (unexpected) return refs;
  const { setRef, podRef } = wantedRefs(retentionPolicyOf(set));
  const scaledDown = !podInOrdinalRange(pod, set);
  const add = (owner: Owner): void => {
    if (owner.uid && !refs.some((ref) => ref.uid === owner.uid)) refs.push(newControllerRef({ metadata: { name: owner.name, uid: owner.uid } }, groupVersionKind(owner.apiVersion, owner.kind)));
  };
  if (podRef && scaledDown) add(ownerPod);
  else if (setRef) add(ownerSet);
  return refs;
}
