/**
 * The StatefulSet controller, after upstream's pkg/controller/statefulset: stable pod identities
 * `<set>-<ordinal>`, claims from volumeClaimTemplates created before each pod and kept,
 * OrderedReady and Parallel pod management, RollingUpdate (with partition) and OnDelete
 * updates tracked through ControllerRevisions, status, and the claims' owner references that
 * carry spec.persistentVolumeClaimRetentionPolicy (see claim-retention.ts).
 */
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { errorMessage, isStatusError } from '../../apimachinery/errors.js';
import { cloneJSON, formatTime, jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { labelSelectorFromObject, matchesLabels, type LabelSelectorExpr } from '../../apimachinery/selectors/labels.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import { queueObjectKeys, type Controller, type ControllerContext, type ControllerFactory, type KeyQueue, type SyncedCache } from '../../client/controller.js';
import {
  createControllerRevision,
  equalRevisions,
  newControllerRevision,
  nextRevisionNumber,
  sortRevisions,
  templateOfRevision,
  templatePatch,
  type NewRevisionInput,
} from '../history/history.js';
import { claimHasStalePodRef, claimOwnerRefsFor, claimOwnerUpToDate, hasUnexpectedController, retentionPolicyOf } from './claim-retention.js';
import { isRunningAndReady } from './pod-state.js';
import { isPodDeleting, isPodTerminal, msUntilAvailable } from '../../apimachinery/pod.js';
import { controllerOf, newControllerRef } from '../../apimachinery/owner.js';
import { statefulSetKind, claimName, claimsFor, identityLabelsMatch, newStatefulSetPod, ordinalOf, podIndexLabel, podNameLabel, revisionLabel } from './pods.js';
import { controllerUIDIndex, controllerUIDIndexValues } from '../../apimachinery/owner.js';
import { specCount } from '../common/count.js';

/** The component name of this controller's events. */
export const statefulSetControllerName = 'statefulset-controller';

/** Options of {@link StatefulSetController}. */
export interface StatefulSetControllerOptions {
  /** Concurrent syncs (upstream's --concurrent-statefulset-syncs). Default 5. */
  workers?: number;
  /** Most missing pods one sync considers and creates (as the ReplicaSet controller's burstReplicas). Default 500. */
  burstReplicas?: number;
}

type StatefulSetObject = StatefulSet & KubeObject;
type PodObject = Pod & KubeObject;
type Revision = ControllerRevision & KubeObject;
type Claim = PersistentVolumeClaim & KubeObject;

/** A pod slot of one sync: the pod as known, and whether it exists in the API. */
interface Replica {
  pod: Pod;
  created: boolean;
}

/** A replica at its index (ordinal minus spec.ordinals.start). */
interface Slot extends Replica {
  index: number;
}

/** Why a sync pass stopped early. */
interface Progress {
  /** Set when the pass must stop here (monotonic wait, or an action taken in monotonic mode). */
  blocked: boolean;
  /** Shortest wait until a ready pod becomes available (minReadySeconds). */
  requeueAfter?: number;
}

/**
 * Keeps every StatefulSet's pods `<name>-0 … <name>-(replicas-1)` (from spec.ordinals.start),
 * with their claims, at the update revision per the update strategy. OrderedReady creates one
 * pod at a time once all lower ordinals are Running and Ready and removes surplus pods highest
 * first, one at a time; Parallel acts on all at once. Status is rewritten whenever it changes.
 */
export class StatefulSetController implements Controller {
  readonly name = statefulSetControllerName;
  readonly queueName = 'statefulset';

  private readonly sets: Informer<StatefulSetObject>;
  private readonly pods: Informer<PodObject>;
  private readonly claims: Informer<Claim>;
  private readonly revisions: Informer<Revision>;
  private readonly recorder: EventRecorder;
  readonly workers: number;
  private readonly burstReplicas: number;

  constructor(
    private readonly ctx: ControllerContext,
    options: StatefulSetControllerOptions = {},
  ) {
    this.workers = options.workers ?? 5;
    this.burstReplicas = options.burstReplicas ?? 500;
    this.recorder = ctx.recorder(statefulSetControllerName);
    this.sets = ctx.informers.informerFor<StatefulSetObject>(resources.statefulsets);
    this.pods = ctx.informers.informerFor<PodObject>(resources.pods, { indexers: { [controllerUIDIndex]: controllerUIDIndexValues } });
    this.claims = ctx.informers.informerFor<Claim>(resources.persistentvolumeclaims);
    this.revisions = ctx.informers.informerFor<Revision>(resources.controllerrevisions, { indexers: { [controllerUIDIndex]: controllerUIDIndexValues } });
  }

  /** The StatefulSet, pod, claim and ControllerRevision caches. */
  get caches(): SyncedCache[] {
    return [this.sets, this.pods, this.claims, this.revisions];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.sets.addEventHandler(queueObjectKeys(queue));
    this.pods.addEventHandler({
      onAdd: (pod) => this.enqueueFor(queue, pod),
      onUpdate: (oldPod, pod) => {
        if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
        this.enqueueFor(queue, oldPod);
        this.enqueueFor(queue, pod);
      },
      onDelete: (pod) => this.enqueueFor(queue, pod),
    });
    this.revisions.addEventHandler({
      onAdd: (revision) => this.enqueueOwner(queue, revision),
      onUpdate: (_old, revision) => this.enqueueOwner(queue, revision),
      onDelete: (revision) => this.enqueueOwner(queue, revision),
    });
    // Claim changes matter to the retention policy: a stale claim's deletion unblocks its pod.
    this.claims.addEventHandler({
      onAdd: (claim) => this.enqueueForClaim(queue, claim),
      onUpdate: (oldClaim, claim) => {
        if (oldClaim.metadata?.resourceVersion !== claim.metadata?.resourceVersion) this.enqueueForClaim(queue, claim);
      },
      onDelete: (claim) => this.enqueueForClaim(queue, claim),
    });
  }

  private resolveOwner(obj: KubeObject): StatefulSetObject | undefined {
    const ref = controllerOf(obj);
    if (!ref || ref.kind !== 'StatefulSet') return undefined;
    const set = this.sets.get(obj.metadata?.namespace ?? '', ref.name);
    return set && set.metadata?.uid === ref.uid ? set : undefined;
  }

  private enqueueOwner(queue: KeyQueue, obj: KubeObject): void {
    const set = this.resolveOwner(obj);
    if (set) queue.add(objectKey(set));
  }

  private enqueueFor(queue: KeyQueue, pod: PodObject): void {
    if (controllerOf(pod)) {
      this.enqueueOwner(queue, pod);
      return;
    }
    // An orphan: the sets that may adopt it.
    for (const set of this.sets.list(pod.metadata?.namespace ?? '')) {
      const selector = selectorOf(set);
      if (selector && ordinalOf(pod, set.metadata?.name ?? '') >= 0 && matchesLabels(selector, pod.metadata?.labels)) queue.add(objectKey(set));
    }
  }

  /** The sets with a claim template naming the claim `<template>-<set>-<ordinal>`. */
  private enqueueForClaim(queue: KeyQueue, claim: Claim): void {
    const name = claim.metadata?.name ?? '';
    for (const set of this.sets.list(claim.metadata?.namespace ?? '')) {
      const setName = set.metadata?.name ?? '';
      const named = (set.spec?.volumeClaimTemplates ?? []).some((template) => {
        const prefix = `${template.metadata?.name ?? ''}-${setName}-`;
        return name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length));
      });
      if (named) queue.add(objectKey(set));
    }
  }

  /** Converges one StatefulSet (by `namespace/name` key) and writes its status. */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.sets.get(namespace, name);
    if (!cached) return {};
    const set = cloneJSON(cached);
    const selector = selectorOf(set);
    if (!selector) {
      this.recorder.event(set, 'Warning', 'InvalidSelector', `Invalid selector: ${JSON.stringify(set.spec?.selector ?? null)}`);
      return {};
    }
    const pods = await this.claimPods(set, selector);
    const revisions = sortRevisions(this.revisions.byIndex(controllerUIDIndex, set.metadata?.uid ?? ''));
    const { currentRevision, updateRevision, collisionCount } = await this.statefulSetRevisions(set, revisions);
    const { status, requeueAfter } = await this.updateStatefulSet(set, currentRevision, updateRevision, collisionCount, pods);
    await this.updateStatus(set, status);
    await this.truncateHistory(set, pods, [...revisions, updateRevision], currentRevision, updateRevision);
    return requeueAfter !== undefined ? { requeueAfter } : {};
  }

  /** Owned pods, adopting orphans that match and releasing owned pods that no longer match (ClaimPods). */
  private async claimPods(set: StatefulSetObject, selector: LabelSelectorExpr): Promise<Pod[]> {
    const namespace = set.metadata?.namespace ?? '';
    const uid = set.metadata?.uid ?? '';
    const setName = set.metadata?.name ?? '';
    const out: Pod[] = [];
    for (const pod of this.pods.list(namespace)) {
      const ref = controllerOf(pod);
      const matches = matchesLabels(selector, pod.metadata?.labels) && ordinalOf(pod, setName) >= 0;
      if (ref?.uid === uid) {
        if (matches) out.push(pod);
        else if (!set.metadata?.deletionTimestamp) await this.releasePod(pod, uid);
        continue;
      }
      if (ref || !matches || isPodDeleting(pod) || set.metadata?.deletionTimestamp) continue;
      const adopted = await this.adoptPod(set, pod);
      if (adopted) out.push(adopted);
    }
    return out;
  }

  private async adoptPod(set: StatefulSetObject, pod: PodObject): Promise<Pod | undefined> {
    const refs = [...(pod.metadata?.ownerReferences ?? []), newControllerRef(set, statefulSetKind)];
    try {
      return await this.ctx.client.patch<PodObject>(resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'merge', {
        metadata: { ownerReferences: refs, uid: pod.metadata?.uid },
      });
    } catch (err) {
      if (isStatusError(err, 404) || isStatusError(err, 409) || isStatusError(err, 422)) return undefined;
      throw err;
    }
  }

  private async releasePod(pod: PodObject, uid: string): Promise<void> {
    const refs = (pod.metadata?.ownerReferences ?? []).filter((ref) => ref.uid !== uid);
    try {
      await this.ctx.client.patch(resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'merge', {
        metadata: { ownerReferences: refs.length > 0 ? refs : null, uid: pod.metadata?.uid },
      });
    } catch (err) {
      if (!isStatusError(err, 404) && !isStatusError(err, 409) && !isStatusError(err, 422)) throw err;
    }
  }

  private revisionInput(set: StatefulSetObject, revision: number, collisionCount: number): NewRevisionInput {
    return {
      parent: set,
      parentKind: statefulSetKind,
      labels: set.spec?.template.metadata?.labels,
      data: templatePatch(set.spec?.template),
      revision,
      collisionCount,
    };
  }

  /** Upstream's getStatefulSetRevisions: finds or makes the update revision, and the current one. */
  private async statefulSetRevisions(
    set: StatefulSetObject,
    revisions: ControllerRevision[],
  ): Promise<{ currentRevision: ControllerRevision; updateRevision: ControllerRevision; collisionCount: number }> {
    let collisionCount = set.status?.collisionCount ?? 0;
    const input = this.revisionInput(set, nextRevisionNumber(revisions), collisionCount);
    const candidate = newControllerRevision(input);
    const equal = revisions.filter((r) => equalRevisions(r, candidate));
    const latest = revisions[revisions.length - 1];
    const lastEqual = equal[equal.length - 1];
    let updateRevision: ControllerRevision;
    if (lastEqual && latest && lastEqual.metadata?.name === latest.metadata?.name) {
      updateRevision = latest;
    } else if (lastEqual) {
      // A rollback to an earlier template: that revision becomes the newest.
      updateRevision = await this.ctx.client.update<Revision>(resources.controllerrevisions, lastEqual.metadata?.namespace ?? '', {
        ...cloneJSON(lastEqual),
        revision: candidate.revision,
      });
    } else {
      const created = await createControllerRevision(this.ctx.client, input);
      updateRevision = created.revision;
      collisionCount = created.collisionCount;
    }
    const currentRevision = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? updateRevision;
    return { currentRevision, updateRevision, collisionCount };
  }

  /** Upstream's updateStatefulSet: one pass of creations, deletions and updates; returns the new status. */
  private async updateStatefulSet(
    set: StatefulSetObject,
    currentRevision: ControllerRevision,
    updateRevision: ControllerRevision,
    collisionCount: number,
    pods: Pod[],
  ): Promise<{ status: StatefulSetStatus; requeueAfter?: number }> {
    const setName = set.metadata?.name ?? '';
    const currentName = currentRevision.metadata?.name ?? '';
    const updateName = updateRevision.metadata?.name ?? '';
    const currentTemplate = templateOfRevision(currentRevision) ?? set.spec?.template;
    const updateTemplate = templateOfRevision(updateRevision) ?? set.spec?.template;
    const start = specCount(set.spec?.ordinals?.start, 0);
    const replicaCount = specCount(set.spec?.replicas, 1);
    const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
    const partition = strategy === 'RollingUpdate' ? specCount(set.spec?.updateStrategy?.rollingUpdate?.partition, 0) : 0;
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
    const now = this.ctx.clock.now();

    // Existing pods by index, and at most burstReplicas missing ones per pass, lowest first: a
    // StatefulSet whose replicas is absurd (two billion) costs what its pods cost, never an
    // allocation per replica.
    const existing = new Map<number, Replica>();
    const condemned: Replica[] = [];
    for (const pod of pods) {
      const ordinal = ordinalOf(pod, setName);
      if (ordinal >= start && ordinal < start + replicaCount) existing.set(ordinal - start, { pod, created: true });
      else if (ordinal >= 0) condemned.push({ pod, created: true });
    }
    const replicas: Slot[] = [...existing].map(([index, r]) => ({ ...r, index }));
    // The lowest `burst` missing indexes all lie below existing.size + burst.
    const scanned = Math.min(replicaCount, existing.size + this.burstReplicas);
    for (let index = 0; index < scanned; index++) {
      if (existing.has(index)) continue;
      const ordinal = start + index;
      // Pods below the partition stay at the current revision (newVersionedStatefulSetPod).
      const pod =
        strategy === 'RollingUpdate' && ordinal < partition
          ? newStatefulSetPod(set, currentTemplate, ordinal, currentName)
          : newStatefulSetPod(set, updateTemplate, ordinal, updateName);
      replicas.push({ pod, created: false, index });
    }
    replicas.sort((a, b) => a.index - b.index);
    condemned.sort((a, b) => ordinalOf(b.pod, setName) - ordinalOf(a.pod, setName));

    const unavailable = (r: Replica): boolean => !r.created || isPodDeleting(r.pod) || msUntilAvailable(r.pod, minReadySeconds, now) !== 0;
    const firstUnavailable = replicas.find(unavailable) ?? [...condemned].reverse().find(unavailable);

    const makeStatus = (): StatefulSetStatus => {
      const status: StatefulSetStatus = {
        ...(set.status?.conditions ? { conditions: set.status.conditions } : {}),
        observedGeneration: set.metadata?.generation,
        currentRevision: currentName,
        updateRevision: updateName,
        collisionCount,
        replicas: 0,
        readyReplicas: 0,
        availableReplicas: 0,
        currentReplicas: 0,
        updatedReplicas: 0,
      };
      const counts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
      for (const { pod, created } of [...replicas, ...condemned]) {
        if (!created) continue;
        counts.replicas++;
        if (isRunningAndReady(pod)) {
          counts.readyReplicas++;
          if (msUntilAvailable(pod, minReadySeconds, now) === 0) counts.availableReplicas++;
        }
        if (!isPodDeleting(pod)) {
          const revision = pod.metadata?.labels?.[revisionLabel];
          if (revision === currentName) counts.currentReplicas++;
          if (revision === updateName) counts.updatedReplicas++;
        }
      }
      return { ...status, ...counts };
    };

    const progress: Progress = { blocked: false };
    const noteAvailability = (pod: Pod): void => {
      const wait = msUntilAvailable(pod, minReadySeconds, now);
      if (wait !== undefined && wait > 0) progress.requeueAfter = Math.min(progress.requeueAfter ?? Infinity, wait);
    };
    for (const r of [...replicas, ...condemned]) if (r.created) noteAvailability(r.pod);

    if (set.metadata?.deletionTimestamp) return { status: makeStatus(), requeueAfter: progress.requeueAfter };

    // Living replicas, lowest ordinal first.
    for (const replica of replicas) {
      const blocked = await this.processReplica(set, replica, monotonic, minReadySeconds, now);
      if (blocked && monotonic) return { status: makeStatus(), requeueAfter: progress.requeueAfter };
    }

    // Claims of surplus pods take the pod as owner (whenScaled Delete) before the pod goes.
    for (const replica of condemned) await this.updateClaimsForRetention(set, replica.pod);

    // Surplus pods, highest ordinal first.
    for (const replica of condemned) {
      const pod = replica.pod;
      if (isPodDeleting(pod)) {
        if (monotonic) return { status: makeStatus(), requeueAfter: progress.requeueAfter };
        continue;
      }
      const healthy = isRunningAndReady(pod) && msUntilAvailable(pod, minReadySeconds, now) === 0;
      if (!healthy && monotonic && replica !== firstUnavailable) return { status: makeStatus(), requeueAfter: progress.requeueAfter };
      await this.deletePod(set, replica);
      if (monotonic) return { status: makeStatus(), requeueAfter: progress.requeueAfter };
    }

    if (strategy === 'OnDelete') return { status: makeStatus(), requeueAfter: progress.requeueAfter };

    // Rolling update: highest ordinal first, down to the partition, one at a time.
    for (let at = replicas.length - 1; at >= 0 && replicas[at]!.index >= partition; at--) {
      const replica = replicas[at]!;
      if (replica.created && replica.pod.metadata?.labels?.[revisionLabel] !== updateName && !isPodDeleting(replica.pod)) {
        await this.deletePod(set, replica);
        return { status: makeStatus(), requeueAfter: progress.requeueAfter };
      }
      if (unavailable(replica)) break;
    }
    return { status: makeStatus(), requeueAfter: progress.requeueAfter };
  }

  /** Upstream's processReplica; true when a monotonic pass must stop at this replica. */
  private async processReplica(set: StatefulSetObject, replica: Replica, monotonic: boolean, minReadySeconds: number, now: Date): Promise<boolean> {
    // Before any readiness gate (upstream checks after them): a pod back in range after a
    // scale-down must lose its claims' pod references before anything can delete it.
    if (replica.created && !isPodDeleting(replica.pod)) await this.updateClaimsForRetention(set, replica.pod);
    if (replica.created && isPodTerminal(replica.pod)) {
      // Recreated on a later sync, once the old pod is gone.
      if (!isPodDeleting(replica.pod)) await this.deletePod(set, replica);
      return true;
    }
    if (!replica.created) {
      // A claim still owned by an earlier pod of this name waits for the garbage collector (PodClaimIsStale).
      if (this.hasStaleClaim(set, replica.pod)) return true;
      await this.createPod(set, replica);
      return monotonic;
    }
    const phase = replica.pod.status?.phase;
    if (!isPodDeleting(replica.pod) && (!phase || phase === 'Pending')) await this.createMissingClaims(set, replica.pod);
    if (isPodDeleting(replica.pod)) return true;
    if (!isRunningAndReady(replica.pod)) return true;
    if (msUntilAvailable(replica.pod, minReadySeconds, now) !== 0) return true;
    const ordinal = ordinalOf(replica.pod, set.metadata?.name ?? '');
    if (!identityLabelsMatch(replica.pod, ordinal)) {
      const name = replica.pod.metadata?.name ?? '';
      replica.pod = await this.ctx.client.patch<PodObject>(resources.pods, replica.pod.metadata?.namespace ?? '', name, 'merge', {
        metadata: { labels: { [podNameLabel]: name, [podIndexLabel]: String(ordinal) } },
      });
    }
    return false;
  }

  /** Creates the pod's missing claims (createPersistentVolumeClaims). @throws when one fails or is being deleted. */
  private async createMissingClaims(set: StatefulSetObject, pod: Pod): Promise<void> {
    const ordinal = ordinalOf(pod, set.metadata?.name ?? '');
    const podName = pod.metadata?.name ?? '';
    const setName = set.metadata?.name ?? '';
    const failures: string[] = [];
    for (const claim of claimsFor(set, ordinal).values()) {
      const namespace = claim.metadata?.namespace ?? '';
      const name = claim.metadata?.name ?? '';
      const existing = this.claims.get(namespace, name);
      if (existing) {
        if (existing.metadata?.deletionTimestamp) failures.push(`pvc ${name} is being deleted`);
        continue;
      }
      // Created with the owner references the retention policy asks for (for a pod in range: at most the set).
      const ownerReferences = claimOwnerRefsFor(claim, set, pod);
      if (ownerReferences.length > 0) claim.metadata = { ...claim.metadata, ownerReferences };
      try {
        await this.ctx.client.create(resources.persistentvolumeclaims, namespace, claim as Claim);
        this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${podName} in StatefulSet ${setName} success`);
      } catch (err) {
        if (isStatusError(err, 409)) continue; // The cache lags behind an earlier create.
        failures.push(`failed to create PVC ${name}: ${errorMessage(err)}`);
        this.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${podName} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
      }
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  /** Whether the retention policy deletes claims on scale-down and one of the pod's claims references an earlier pod of its name. */
  private hasStaleClaim(set: StatefulSetObject, pod: Pod): boolean {
    if (retentionPolicyOf(set).whenScaled === 'Retain') return false;
    for (const claim of claimsFor(set, ordinalOf(pod, set.metadata?.name ?? '')).values()) {
      const existing = this.claims.get(claim.metadata?.namespace ?? '', claim.metadata?.name ?? '');
      if (existing && claimHasStalePodRef(existing, pod)) return true;
    }
    return false;
  }

  /**
   * Rewrites the owner references of the pod's claims that do not match the retention policy
   * (upstream's UpdatePodClaimForRetentionPolicy). Missing claims are left to a later pass; a
   * claim changed meanwhile is retried when its update reaches the cache.
   */
  private async updateClaimsForRetention(set: StatefulSetObject, pod: Pod): Promise<void> {
    const namespace = set.metadata?.namespace ?? '';
    const ordinal = ordinalOf(pod, set.metadata?.name ?? '');
    if (ordinal < 0 || !pod.metadata?.uid) return;
    for (const template of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimName(set, template.metadata?.name ?? '', ordinal);
      const claim = this.claims.get(namespace, name);
      if (!claim || claimOwnerUpToDate(claim, set, pod)) continue;
      if (hasUnexpectedController(claim, set, pod)) {
        this.recorder.event(
          set,
          'Warning',
          'ConflictingController',
          `PersistentVolumeClaim ${name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`,
        );
      }
      const updated = cloneJSON(claim);
      const ownerReferences = claimOwnerRefsFor(claim, set, pod);
      if (ownerReferences.length > 0) updated.metadata = { ...updated.metadata, ownerReferences };
      else delete updated.metadata?.ownerReferences;
      try {
        await this.ctx.client.update<Claim>(resources.persistentvolumeclaims, namespace, updated);
      } catch (err) {
        if (!isStatusError(err, 404) && !isStatusError(err, 409)) throw err;
      }
    }
  }

  private async createPod(set: StatefulSetObject, replica: Replica): Promise<void> {
    const pod = replica.pod;
    const podName = pod.metadata?.name ?? '';
    const setName = set.metadata?.name ?? '';
    await this.createMissingClaims(set, pod);
    try {
      replica.pod = await this.ctx.client.create<PodObject>(resources.pods, pod.metadata?.namespace ?? '', pod as PodObject);
      replica.created = true;
      this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${setName} successful`);
    } catch (err) {
      // The cache lags behind an earlier create: the pod exists, the next sync sees it.
      if (isStatusError(err, 409)) return;
      this.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${podName} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
      throw err;
    }
  }

  private async deletePod(set: StatefulSetObject, replica: Replica): Promise<void> {
    const pod = replica.pod;
    const podName = pod.metadata?.name ?? '';
    const setName = set.metadata?.name ?? '';
    try {
      await this.ctx.client.delete(resources.pods, pod.metadata?.namespace ?? '', podName, { preconditions: { uid: pod.metadata?.uid } });
      this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${podName} in StatefulSet ${setName} successful`);
    } catch (err) {
      if (!isStatusError(err, 404)) {
        this.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${podName} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
        throw err;
      }
    }
    // Counted as terminating in this pass's status.
    replica.pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: formatTime(this.ctx.clock.now()) } };
  }

  /** Writes status when it differs, completing a finished rolling update first (completeRollingUpdate). */
  private async updateStatus(set: StatefulSetObject, status: StatefulSetStatus): Promise<void> {
    const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
    if (strategy === 'RollingUpdate' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    if (jsonEqual(cloneJSON(set.status ?? {}), cloneJSON(status))) return;
    const namespace = set.metadata?.namespace ?? '';
    try {
      await this.ctx.client.update<StatefulSetObject>(resources.statefulsets, namespace, { ...set, status }, { subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err, 409)) throw err;
      const fresh = await this.ctx.client.get<StatefulSetObject>(resources.statefulsets, namespace, set.metadata?.name ?? '');
      await this.ctx.client.update<StatefulSetObject>(resources.statefulsets, namespace, { ...fresh, status }, { subresource: 'status' });
    }
  }

  /** Deletes the oldest revisions no pod uses beyond spec.revisionHistoryLimit (truncateHistory). */
  private async truncateHistory(
    set: StatefulSetObject,
    pods: Pod[],
    revisions: ControllerRevision[],
    currentRevision: ControllerRevision,
    updateRevision: ControllerRevision,
  ): Promise<void> {
    const live = new Set<string>([currentRevision.metadata?.name ?? '', updateRevision.metadata?.name ?? '']);
    for (const pod of pods) {
      const revision = pod.metadata?.labels?.[revisionLabel];
      if (revision) live.add(revision);
    }
    const seen = new Set<string>();
    const history = sortRevisions(revisions).filter((r) => {
      const name = r.metadata?.name ?? '';
      if (live.has(name) || seen.has(name)) return false;
      seen.add(name);
      return true;
    });
    const excess = history.length - (set.spec?.revisionHistoryLimit ?? 10);
    for (const revision of history.slice(0, Math.max(0, excess))) {
      try {
        await this.ctx.client.delete(resources.controllerrevisions, revision.metadata?.namespace ?? '', revision.metadata?.name ?? '');
      } catch (err) {
        if (!isStatusError(err, 404)) throw err;
      }
    }
  }
}

function selectorOf(set: StatefulSet): LabelSelectorExpr | undefined {
  try {
    const selector = labelSelectorFromObject(set.spec?.selector);
    return selector.matchesNothing || selector.requirements.length === 0 ? undefined : selector;
  } catch {
    // An invalid selector selects nothing.
    return undefined;
  }
}

/** Builds the StatefulSet controller for the controller manager. */
export const statefulSetControllerFactory: ControllerFactory = (ctx) => new StatefulSetController(ctx);
