/**
 * The Deployment controller, after upstream's pkg/controller/deployment: one ReplicaSet per pod
 * template (`<deployment>-<pod-template-hash>`), rolled out by RollingUpdate or Recreate, with
 * revisions, pause, proportional scaling, history cleanup and the Progressing/Available conditions.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { errorMessage, isStatusError } from '../../apimachinery/errors.js';
import { cloneJSON, jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { labelSelectorFromObject, matchesLabels, type LabelSelectorExpr } from '../../apimachinery/selectors/labels.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import { queueObjectKeys, type Controller, type ControllerContext, type ControllerFactory, type KeyQueue, type SyncedCache } from '../../client/controller.js';
import { claimObjects, recheckOwner } from '../common/claim.js';
import { controllerOf } from '../../apimachinery/owner.js';
import {
  compareByRevision,
  deploymentKind,
  equalIgnoreHash,
  findNewReplicaSet,
  newReplicaSetFor,
  replicasAnnotationsNeedUpdate,
  replicasForAnnotations,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './replicasets.js';
import {
  DeploymentReasons,
  getDeploymentCondition,
  hasProgressDeadline,
  maxRevision,
  newDeploymentCondition,
  newRSReplicasForRollingUpdate,
  proportionalScale,
  rolloutStatus,
  scaleDownOldReplicaSets,
  setDeploymentCondition,
} from './rollout.js';
import { deploymentComplete, isRollingUpdate, revisionAnnotation } from '../../apimachinery/deployment-rollout.js';

/** The component name of this controller's events. */
export const deploymentControllerName = 'deployment-controller';

/** Progressing reasons of pausing, as upstream's PausedDeployReason / ResumedDeployReason. */
export const PausedReasons = { DeploymentPaused: 'DeploymentPaused', DeploymentResumed: 'DeploymentResumed' } as const;

/** Options of {@link DeploymentController}. */
export interface DeploymentControllerOptions {
  /** Concurrent syncs (upstream's --concurrent-deployment-syncs). Default 5. */
  workers?: number;
}

type DeploymentObject = Deployment & KubeObject;
type ReplicaSetObject = ReplicaSet & KubeObject;
type PodObject = Pod & KubeObject;

function specReplicas(rs: ReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}

function uidOf(obj: KubeObject): string {
  return obj.metadata?.uid ?? '';
}

function nameOf(obj: KubeObject): string {
  return obj.metadata?.name ?? '';
}

/** The ReplicaSets of one sync: the one matching the template (if any) and the others. */
interface ReplicaSetSplit {
  newRS: ReplicaSetObject | undefined;
  oldRSs: ReplicaSetObject[];
}

function allOf(split: ReplicaSetSplit): ReplicaSetObject[] {
  return split.newRS ? [...split.oldRSs, split.newRS] : [...split.oldRSs];
}

/** Keeps the Progressing condition (and its place) of `original`, as upstream's calculateStatus leaves it alone. */
function keepProgressing(conditions: readonly DeploymentCondition[] | undefined, original: DeploymentStatus | undefined): DeploymentCondition[] {
  const kept = getDeploymentCondition(original, 'Progressing');
  const others = (conditions ?? []).filter((condition) => condition.type !== 'Progressing');
  if (!kept) return others;
  const index = (original?.conditions ?? []).findIndex((condition) => condition.type === 'Progressing');
  others.splice(Math.min(index, others.length), 0, kept);
  return others;
}

/**
 * Rolls Deployments out through ReplicaSets, as upstream's DeploymentController: adopts and
 * releases ReplicaSets by selector; finds or creates the ReplicaSet of the current template
 * (a template equal to an old ReplicaSet's reuses it with a higher revision, which is how
 * `kubectl rollout undo` works); RollingUpdate within maxSurge/maxUnavailable, Recreate after
 * the old pods are gone; proportional scaling when spec.replicas changes mid-rollout; nothing
 * but scaling while paused; old ReplicaSets beyond revisionHistoryLimit deleted once the
 * rollout completes; status with replica counts and Available/Progressing conditions, requeued
 * for the progress deadline.
 */
export class DeploymentController implements Controller {
  readonly name = deploymentControllerName;
  readonly queueName = 'deployment';

  private readonly deployments: Informer<DeploymentObject>;
  private readonly replicaSets: Informer<ReplicaSetObject>;
  private readonly pods: Informer<PodObject>;
  private readonly recorder: EventRecorder;
  readonly workers: number;

  constructor(
    private readonly ctx: ControllerContext,
    options: DeploymentControllerOptions = {},
  ) {
    this.workers = options.workers ?? 5;
    this.recorder = ctx.recorder(deploymentControllerName);
    this.deployments = ctx.informers.informerFor<DeploymentObject>(resources.deployments);
    this.replicaSets = ctx.informers.informerFor<ReplicaSetObject>(resources.replicasets);
    this.pods = ctx.informers.informerFor<PodObject>(resources.pods);
  }

  /** The Deployment, ReplicaSet and pod caches. */
  get caches(): SyncedCache[] {
    return [this.deployments, this.replicaSets, this.pods];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.deployments.addEventHandler(queueObjectKeys(queue));
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.enqueueForReplicaSet(queue, rs),
      onUpdate: (oldRS, rs) => {
        const oldRef = controllerOf(oldRS);
        if (oldRef && !jsonEqual(oldRef, controllerOf(rs) ?? null)) this.enqueueForReplicaSet(queue, oldRS);
        this.enqueueForReplicaSet(queue, rs);
      },
      onDelete: (rs) => this.enqueueForReplicaSet(queue, rs),
    });
    this.pods.addEventHandler({
      // Recreate waits for the old pods to be gone.
      onDelete: (pod) => {
        const rs = this.resolveOwner<ReplicaSetObject>(pod, 'ReplicaSet', this.replicaSets);
        if (!rs) return;
        const d = this.resolveOwner<DeploymentObject>(rs, 'Deployment', this.deployments);
        if (d && !isRollingUpdate(d)) queue.add(objectKey(d));
      },
    });
  }

  private resolveOwner<T extends KubeObject>(obj: KubeObject, kind: string, informer: Informer<T>): T | undefined {
    const ref = controllerOf(obj);
    if (!ref || ref.kind !== kind || !ref.apiVersion?.startsWith('apps/')) return undefined;
    const owner = informer.get(obj.metadata?.namespace ?? '', ref.name);
    return owner && uidOf(owner) === ref.uid ? owner : undefined;
  }

  private enqueueForReplicaSet(queue: KeyQueue, rs: ReplicaSetObject): void {
    if (controllerOf(rs)) {
      const d = this.resolveOwner(rs, 'Deployment', this.deployments);
      if (d) queue.add(objectKey(d));
      return;
    }
    // An orphan: every Deployment that could adopt it.
    for (const d of this.deployments.list(rs.metadata?.namespace ?? '')) {
      try {
        const selector = labelSelectorFromObject(d.spec?.selector);
        if (!selector.matchesNothing && selector.requirements.length > 0 && matchesLabels(selector, rs.metadata?.labels)) queue.add(objectKey(d));
      } catch (err) {
        this.ctx.onError(err, `${this.name}: selector of ${objectKey(d)}`);
      }
    }
  }

  /** Converges one Deployment (`namespace/name`). Safe to call at any time, also repeatedly. */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.deployments.get(namespace, name);
    if (!cached) return {};
    let d = cloneJSON(cached);
    const everything = d.spec?.selector && jsonEqual(d.spec.selector, {});
    if (everything) {
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await this.writeStatus(d, { ...(d.status ?? {}), observedGeneration: d.metadata?.generation ?? 0 });
      }
      return {};
    }
    let selector: LabelSelectorExpr;
    try {
      selector = labelSelectorFromObject(d.spec?.selector);
    } catch (err) {
      this.ctx.onError(err, `${this.name} ${key}: invalid selector`);
      return {};
    }
    const rsList = await claimObjects<ReplicaSetObject>({
      client: this.ctx.client,
      owner: d,
      ownerKind: deploymentKind,
      selector,
      ownedRef: resources.replicasets,
      candidates: this.replicaSets.list(namespace),
      recheckOwner: () => recheckOwner(this.ctx.client, resources.deployments, cached),
    });

    if (d.metadata?.deletionTimestamp) {
      const split = await this.splitReplicaSets(d, rsList, false);
      d = split.d;
      return this.syncDeploymentStatus(d, split);
    }
    d = await this.checkPausedConditions(d);
    const found = await this.splitReplicaSets(d, rsList, false);
    d = found.d;
    if (d.spec?.paused || this.isScalingEvent(d, found)) return this.syncScaling(d, found);
    return isRollingUpdate(d) ? this.rolloutRolling(d, rsList, found) : this.rolloutRecreate(d, rsList, found);
  }

  /** Upstream's isScalingEvent: an active ReplicaSet records a desired-replicas other than spec.replicas. */
  private isScalingEvent(d: DeploymentObject, split: ReplicaSetSplit): boolean {
    const replicas = d.spec?.replicas ?? 1;
    return allOf(split).some((rs) => {
      if (specReplicas(rs) <= 0) return false;
      const desired = rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'];
      return desired !== undefined && /^\d+$/.test(desired) && Number(desired) !== replicas;
    });
  }

  /**
   * Upstream's getAllReplicaSetsAndSyncRevision: splits the ReplicaSets into the new one and the
   * old ones, bringing the new one's annotations, revision and minReadySeconds up to date, and
   * creating it when `create` is set and none exists. Returns the Deployment as last written.
   */
  private async splitReplicaSets(
    d: DeploymentObject,
    rsList: readonly ReplicaSetObject[],
    create: boolean,
  ): Promise<ReplicaSetSplit & { d: DeploymentObject }> {
    const existing = findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRevision = maxRevision(oldRSs) + 1;
    const namespace = d.metadata?.namespace ?? '';
    if (existing) {
      let newRS = cloneJSON(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, newRS, newRevision, true);
      const minReadyChanged = (newRS.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsChanged || minReadyChanged) {
        newRS.spec = { ...newRS.spec, selector: newRS.spec?.selector ?? {}, minReadySeconds: d.spec?.minReadySeconds ?? 0 };
        newRS = await this.ctx.client.update<ReplicaSetObject>(resources.replicasets, namespace, newRS);
      }
      d = await this.setDeploymentRevision(d, newRS.metadata?.annotations?.[revisionAnnotation] ?? '');
      if (hasProgressDeadline(d) && !getDeploymentCondition(d.status, 'Progressing')) {
        const condition = newDeploymentCondition('Progressing', 'True', DeploymentReasons.FoundNewReplicaSet, `Found new replica set ${JSON.stringify(nameOf(newRS))}`, this.ctx.clock.now());
        d = await this.writeStatus(d, { ...(d.status ?? {}), conditions: setDeploymentCondition(d.status?.conditions, condition) });
      }
      return { d, newRS, oldRSs };
    }
    if (!create) return { d, newRS: undefined, oldRSs };

    const candidate = newReplicaSetFor(d);
    candidate.spec = { ...candidate.spec, selector: candidate.spec?.selector ?? {}, replicas: newRSReplicasForRollingUpdate(d, [...oldRSs, candidate], candidate) };
    setNewReplicaSetAnnotations(d, candidate, newRevision, false);
    const replicas = specReplicas(candidate);
    let newRS: ReplicaSetObject;
    let alreadyExisted = false;
    try {
      newRS = await this.ctx.client.create<ReplicaSetObject>(resources.replicasets, namespace, candidate);
    } catch (err) {
      if (isStatusError(err, 409)) {
        const current = await this.ctx.client.get<ReplicaSetObject>(resources.replicasets, namespace, nameOf(candidate));
        const ours = controllerOf(current)?.uid === uidOf(d);
        if (!ours || !equalIgnoreHash(current.spec?.template, d.spec?.template)) {
          // A hash collision: the next sync hashes with a higher collisionCount.
          await this.writeStatus(d, { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 });
          throw new Error(`found a hash collision for deployment ${JSON.stringify(nameOf(d))} - bumping collisionCount`);
        }
        newRS = current;
        alreadyExisted = true;
      } else {
        if (hasProgressDeadline(d)) {
          const message = `Failed to create new replica set ${JSON.stringify(nameOf(candidate))}: ${errorMessage(err)}`;
          const condition = newDeploymentCondition('Progressing', 'False', 'FailedRSCreate', message, this.ctx.clock.now());
          await this.writeStatus(d, { ...(d.status ?? {}), conditions: setDeploymentCondition(d.status?.conditions, condition) });
        }
        throw err;
      }
    }
    if (!alreadyExisted && replicas > 0) {
      this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${nameOf(newRS)} from 0 to ${replicas}`);
    }
    d = await this.setDeploymentRevision(d, String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      const condition = newDeploymentCondition('Progressing', 'True', DeploymentReasons.NewReplicaSetCreated, `Created new replica set ${JSON.stringify(nameOf(newRS))}`, this.ctx.clock.now());
      d = await this.writeStatus(d, { ...(d.status ?? {}), conditions: setDeploymentCondition(d.status?.conditions, condition) });
    }
    return { d, newRS, oldRSs };
  }

  /**
   * Upstream's SetDeploymentRevision, persisted as an update of the Deployment (what upstream's
   * role allows: update, no patch); a stale copy conflicts and the key is retried.
   */
  private async setDeploymentRevision(d: DeploymentObject, revision: string): Promise<DeploymentObject> {
    if (!revision || d.metadata?.annotations?.[revisionAnnotation] === revision) return d;
    const annotated = { ...d, metadata: { ...d.metadata, annotations: { ...d.metadata?.annotations, [revisionAnnotation]: revision } } };
    const updated = await this.ctx.client.update<DeploymentObject>(resources.deployments, d.metadata?.namespace ?? '', annotated);
    // Keep the status this sync has been building; the update does not touch it.
    return { ...updated, status: d.status };
  }

  /** Writes status (a no-op when unchanged) and returns the Deployment as the server answered. */
  private async writeStatus(d: DeploymentObject, status: DeploymentStatus): Promise<DeploymentObject> {
    if (jsonEqual(d.status ?? {}, status)) return d;
    const updated = await this.ctx.client.update<DeploymentObject>(resources.deployments, d.metadata?.namespace ?? '', { ...d, status }, { subresource: 'status' });
    return updated;
  }

  /** Upstream's checkPausedConditions: Progressing Unknown with DeploymentPaused / DeploymentResumed. */
  private async checkPausedConditions(d: DeploymentObject): Promise<DeploymentObject> {
    if (!hasProgressDeadline(d)) return d;
    const current = getDeploymentCondition(d.status, 'Progressing');
    if (current?.reason === DeploymentReasons.ProgressDeadlineExceeded) return d;
    const pausedNoted = current?.reason === PausedReasons.DeploymentPaused;
    const now = this.ctx.clock.now();
    let condition: DeploymentCondition | undefined;
    if (d.spec?.paused && !pausedNoted) condition = newDeploymentCondition('Progressing', 'Unknown', PausedReasons.DeploymentPaused, 'Deployment is paused', now);
    else if (!d.spec?.paused && pausedNoted) condition = newDeploymentCondition('Progressing', 'Unknown', PausedReasons.DeploymentResumed, 'Deployment is resumed', now);
    if (!condition) return d;
    return this.writeStatus(d, { ...(d.status ?? {}), conditions: setDeploymentCondition(d.status?.conditions, condition) });
  }

  /**
   * Upstream's scaleReplicaSet: sets spec.replicas and the replicas annotations when either is
   * out of date; records ScalingReplicaSet when the size changed. Returns the ReplicaSet as written.
   */
  private async scaleReplicaSet(rs: ReplicaSetObject, replicas: number, d: DeploymentObject): Promise<ReplicaSetObject> {
    const oldReplicas = specReplicas(rs);
    const { desired, max } = replicasForAnnotations(d);
    const sizeChanged = oldReplicas !== replicas;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return rs;
    const copy = cloneJSON(rs);
    copy.spec = { ...copy.spec, selector: copy.spec?.selector ?? {}, replicas };
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.ctx.client.update<ReplicaSetObject>(resources.replicasets, rs.metadata?.namespace ?? '', copy);
    if (sizeChanged) {
      const direction = oldReplicas < replicas ? 'up' : 'down';
      this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${direction} replica set ${nameOf(rs)} from ${oldReplicas} to ${replicas}`);
    }
    return updated;
  }

  /** Applies new sizes by name to the split, returning the updated split. */
  private async applyScales(d: DeploymentObject, split: ReplicaSetSplit, scales: readonly { name: string; replicas: number }[]): Promise<ReplicaSetSplit> {
    let { newRS } = split;
    const oldRSs = [...split.oldRSs];
    for (const scale of scales) {
      if (newRS && nameOf(newRS) === scale.name) {
        newRS = await this.scaleReplicaSet(newRS, scale.replicas, d);
        continue;
      }
      const index = oldRSs.findIndex((rs) => nameOf(rs) === scale.name);
      const rs = oldRSs[index];
      if (rs) oldRSs[index] = await this.scaleReplicaSet(rs, scale.replicas, d);
    }
    return { newRS, oldRSs };
  }

  /** Upstream's sync: scaling only (paused Deployments and scaling events), then status. */
  private async syncScaling(d: DeploymentObject, found: ReplicaSetSplit): Promise<SyncResult> {
    const split = await this.applyScales(d, found, proportionalScale(d, found.newRS, found.oldRSs));
    if (d.spec?.paused) await this.cleanupDeployment(d, split.oldRSs);
    return this.syncDeploymentStatus(d, split);
  }

  /** Upstream's syncDeploymentStatus: counts and Available; Progressing left as it is. */
  private async syncDeploymentStatus(d: DeploymentObject, split: ReplicaSetSplit): Promise<SyncResult> {
    const status = rolloutStatus(d, allOf(split), split.newRS, this.ctx.clock.now());
    status.conditions = keepProgressing(status.conditions, d.status);
    await this.writeStatus(d, status);
    return {};
  }

  /** Upstream's rolloutRolling. */
  private async rolloutRolling(d: DeploymentObject, rsList: readonly ReplicaSetObject[], found: ReplicaSetSplit): Promise<SyncResult> {
    let split: ReplicaSetSplit = found;
    if (!split.newRS) {
      const created = await this.splitReplicaSets(d, rsList, true);
      d = created.d;
      split = created;
    }
    const newRS = split.newRS;
    if (newRS) {
      const replicas = d.spec?.replicas ?? 1;
      const current = specReplicas(newRS);
      if (current !== replicas) {
        const target = current > replicas ? replicas : newRSReplicasForRollingUpdate(d, allOf(split), newRS);
        if (target !== current) {
          split = { ...split, newRS: await this.scaleReplicaSet(newRS, target, d) };
          return this.syncRolloutStatus(d, split);
        }
      }
    }
    const activeOld = split.oldRSs.filter((rs) => specReplicas(rs) > 0);
    const scaleDown = scaleDownOldReplicaSets(d, activeOld, split.newRS);
    if (scaleDown.scales.length > 0) {
      split = await this.applyScales(d, split, scaleDown.scales);
      return this.syncRolloutStatus(d, split);
    }
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(d, split.oldRSs);
    return this.syncRolloutStatus(d, split);
  }

  /** Upstream's rolloutRecreate: old ReplicaSets to 0, wait for their pods to go, then the new one at full size. */
  private async rolloutRecreate(d: DeploymentObject, rsList: readonly ReplicaSetObject[], found: ReplicaSetSplit): Promise<SyncResult> {
    let split: ReplicaSetSplit = found;
    const activeOld = split.oldRSs.filter((rs) => specReplicas(rs) > 0);
    if (activeOld.length > 0) {
      split = await this.applyScales(
        d,
        split,
        activeOld.map((rs) => ({ name: nameOf(rs), replicas: 0 })),
      );
      return this.syncRolloutStatus(d, split);
    }
    if (this.oldPodsRunning(split)) return this.syncRolloutStatus(d, split);
    if (!split.newRS) {
      const created = await this.splitReplicaSets(d, rsList, true);
      d = created.d;
      split = created;
    }
    const newRS = split.newRS;
    if (newRS && specReplicas(newRS) !== (d.spec?.replicas ?? 1)) {
      split = { ...split, newRS: await this.scaleReplicaSet(newRS, d.spec?.replicas ?? 1, d) };
    }
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(d, split.oldRSs);
    return this.syncRolloutStatus(d, split);
  }

  /** Upstream's oldPodsRunning: old ReplicaSets report pods, or non-terminal pods of theirs are still cached. */
  private oldPodsRunning(split: ReplicaSetSplit): boolean {
    if (split.oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
    const oldUids = new Set(split.oldRSs.map(uidOf));
    if (oldUids.size === 0) return false;
    const namespace = split.oldRSs[0]?.metadata?.namespace ?? '';
    return this.pods.list(namespace).some((pod) => {
      const ref = controllerOf(pod);
      if (!ref || !oldUids.has(ref.uid)) return false;
      const phase = pod.status?.phase;
      return phase !== 'Failed' && phase !== 'Succeeded';
    });
  }

  /** Upstream's cleanupDeployment: deletes the oldest idle old ReplicaSets beyond revisionHistoryLimit. */
  private async cleanupDeployment(d: DeploymentObject, oldRSs: readonly ReplicaSetObject[]): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit ?? 10;
    if (limit === 2147483647) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const excess = cleanable.length - limit;
    if (excess <= 0) return;
    const ordered = [...cleanable].sort(compareByRevision);
    for (const rs of ordered.slice(0, excess)) {
      const idle = (rs.status?.replicas ?? 0) === 0 && specReplicas(rs) === 0 && (rs.metadata?.generation ?? 0) <= (rs.status?.observedGeneration ?? 0);
      if (!idle) continue;
      try {
        await this.ctx.client.delete(resources.replicasets, rs.metadata?.namespace ?? '', nameOf(rs), { preconditions: { uid: uidOf(rs) } });
      } catch (err) {
        if (!isStatusError(err, 404)) throw err;
      }
    }
  }

  /**
   * Upstream's syncRolloutStatus: counts, Available, Progressing (with the deadline) and the
   * ReplicaSets' ReplicaFailure; when nothing changed, requeues for the progress deadline.
   */
  private async syncRolloutStatus(d: DeploymentObject, split: ReplicaSetSplit): Promise<SyncResult> {
    const now = this.ctx.clock.now();
    const status = rolloutStatus(d, allOf(split), split.newRS, now);
    const failure = [split.newRS, ...split.oldRSs]
      .flatMap((rs) => rs?.status?.conditions ?? [])
      .find((condition) => condition.type === 'ReplicaFailure');
    if (failure) {
      const status_ = failure.status === 'True' || failure.status === 'False' ? failure.status : 'Unknown';
      const condition = newDeploymentCondition('ReplicaFailure', status_, failure.reason ?? '', failure.message ?? '', now);
      status.conditions = setDeploymentCondition(status.conditions, condition);
    } else {
      status.conditions = (status.conditions ?? []).filter((condition) => condition.type !== 'ReplicaFailure');
    }
    if (!jsonEqual(d.status ?? {}, status)) {
      await this.writeStatus(d, status);
      return {};
    }
    return this.requeueForDeadline(d, status, now);
  }

  /** Upstream's requeueStuckDeployment: come back when the progress deadline passes. */
  private requeueForDeadline(d: DeploymentObject, status: DeploymentStatus, now: Date): SyncResult {
    const current = getDeploymentCondition(d.status, 'Progressing');
    if (!hasProgressDeadline(d) || !current) return {};
    if (deploymentComplete(d, status) || current.reason === DeploymentReasons.ProgressDeadlineExceeded) return {};
    const from = current.lastUpdateTime === undefined ? Number.NaN : Date.parse(current.lastUpdateTime);
    if (Number.isNaN(from)) return {};
    const after = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now.getTime();
    // The deadline test is strict: wake just after it.
    return { requeueAfter: Math.max(1, after + 1) };
  }
}

/** Builds the Deployment controller with default options. */
export const deploymentControllerFactory: ControllerFactory = (ctx) => new DeploymentController(ctx);
