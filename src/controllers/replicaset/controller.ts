/**
 * The ReplicaSet controller, after upstream's pkg/controller/replicaset: keeps spec.replicas
 * active pods per ReplicaSet, adopting and releasing pods by selector, and reports status.
 * The same code runs ReplicationControllers (as upstream's replication manager does), the
 * kind's differences told by a {@link ReplicatedKind}.
 */
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { errorMessage, isStatusError } from '../../apimachinery/errors.js';
import { cloneJSON, jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { labelSelectorFromObject, matchesLabels, type LabelSelectorExpr } from '../../apimachinery/selectors/labels.js';
import { resources, type ResourceRef } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import { queueObjectKeys, type Controller, type ControllerContext, type ControllerFactory, type KeyQueue, type SyncedCache } from '../../client/controller.js';
import { claimObjects, recheckOwner } from '../common/claim.js';
import { ControllerExpectations } from './expectations.js';
import { podsToDelete } from './pods.js';
import { isPodActive, isPodReady, msUntilAvailable } from '../../apimachinery/pod.js';
import { controllerOf, controllerUIDIndex, controllerUIDIndexValues, newControllerRef, orphanIndexValue, type GroupVersionKind } from '../../apimachinery/owner.js';
import { specCount } from '../common/count.js';

/** The component name of this controller's events. */
export const replicaSetControllerName = 'replicaset-controller';

/** The kind of ReplicaSets, as the controller references of their pods name it. */
export const replicaSetKind: GroupVersionKind = { group: 'apps', version: 'v1', kind: 'ReplicaSet' };

/** The component name of the ReplicationController controller's events (upstream's). */
export const replicationControllerName = 'replication-controller';

/** What differs between the kinds the controller keeps replicas of. */
export interface ReplicatedKind {
  /** The kind, as the controller references of its pods name it. */
  gvk: GroupVersionKind;
  /** Where objects of the kind are read and their status written. */
  resource: ResourceRef;
  /** The component name of its events. */
  controllerName: string;
  /** The name of its work queue (and of the queue's metrics). */
  queueName: string;
  /** An object's selector as a LabelSelector. */
  selectorOf(obj: ReplicaSet): LabelSelector | undefined;
}

/** ReplicaSets (apps/v1). */
export const replicaSetReplicatedKind: ReplicatedKind = {
  gvk: replicaSetKind,
  resource: resources.replicasets,
  controllerName: replicaSetControllerName,
  queueName: 'replicaset',
  selectorOf: (rs) => rs.spec?.selector,
};

/** ReplicationControllers (v1): their selector is a plain label map, read as matchLabels. */
export const replicationControllerReplicatedKind: ReplicatedKind = {
  gvk: { group: '', version: 'v1', kind: 'ReplicationController' },
  resource: resources.replicationcontrollers,
  controllerName: replicationControllerName,
  queueName: 'replicationmanager',
  selectorOf: (rc) => ({ matchLabels: (rc.spec?.selector ?? {}) as Record<string, string> }),
};

/** Options of {@link ReplicaSetController}. */
export interface ReplicaSetControllerOptions {
  /** The kind kept. Default: ReplicaSets. */
  kind?: ReplicatedKind;
  /** Concurrent syncs (upstream's --concurrent-replicaset-syncs). Default 5. */
  workers?: number;
  /** Most pods created or deleted in one sync (upstream's BurstReplicas). Default 500. */
  burstReplicas?: number;
  /** Size of the first creation batch (upstream's SlowStartInitialBatchSize). Default 1. */
  slowStartInitialBatchSize?: number;
}

/**
 * Upstream's slowStartBatch: calls `fn` `count` times in batches of 1, 2, 4, ... (concurrently
 * within a batch), stopping after the first batch with a failure. Returns the successes and the
 * first error.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    successes += batch - failures.length;
    if (failures.length > 0) return { successes, error: failures[0]?.reason };
    remaining -= batch;
  }
  return { successes };
}

/** The pod upstream's GetPodFromTemplate builds for a ReplicaSet (or another kind's object of the same shape). */
export function podFromTemplate(rs: ReplicaSet, ownerKind: GroupVersionKind = replicaSetKind): Pod {
  const template = rs.spec?.template;
  const templateMeta = template?.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata?.name ?? ''}-`,
      namespace: rs.metadata?.namespace,
      ownerReferences: [newControllerRef(rs as KubeObject, ownerKind)],
    },
    spec: cloneJSON(template?.spec ?? { containers: [] }),
  };
  if (templateMeta.labels) pod.metadata = { ...pod.metadata, labels: { ...templateMeta.labels } };
  if (templateMeta.annotations) pod.metadata = { ...pod.metadata, annotations: { ...templateMeta.annotations } };
  if (templateMeta.finalizers) pod.metadata = { ...pod.metadata, finalizers: [...templateMeta.finalizers] };
  return pod;
}

function podKeyOf(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/**
 * Keeps each ReplicaSet's active pods at spec.replicas. Pod events lower the expectations the
 * controller set when it created or deleted pods, so a lagging cache never causes a second
 * create or delete. Creation happens in slow-start batches; deletion follows upstream's
 * ActivePods ranking. Status carries replicas, fullyLabeledReplicas, readyReplicas,
 * availableReplicas (minReadySeconds, requeued for the remaining time), observedGeneration and
 * a ReplicaFailure condition while creates or deletes fail.
 */
export class ReplicaSetController implements Controller {
  readonly name: string;
  readonly queueName: string;
  private readonly kind: ReplicatedKind;
  /** Outstanding creations and deletions per ReplicaSet key. */
  readonly expectations: ControllerExpectations;

  private readonly replicaSets: Informer<ReplicaSet & KubeObject>;
  private readonly pods: Informer<Pod & KubeObject>;
  private readonly recorder: EventRecorder;
  readonly workers: number;
  private readonly burstReplicas: number;
  private readonly initialBatchSize: number;

  constructor(
    private readonly ctx: ControllerContext,
    options: ReplicaSetControllerOptions = {},
  ) {
    this.kind = options.kind ?? replicaSetReplicatedKind;
    this.name = this.kind.controllerName;
    this.queueName = this.kind.queueName;
    this.workers = options.workers ?? 5;
    this.burstReplicas = options.burstReplicas ?? 500;
    this.initialBatchSize = options.slowStartInitialBatchSize ?? 1;
    this.expectations = new ControllerExpectations(ctx.clock);
    this.recorder = ctx.recorder(this.kind.controllerName);
    this.replicaSets = ctx.informers.informerFor<ReplicaSet & KubeObject>(this.kind.resource);
    this.pods = ctx.informers.informerFor<Pod & KubeObject>(resources.pods, { indexers: { [controllerUIDIndex]: controllerUIDIndexValues } });
  }

  /** The ReplicaSet and pod caches. */
  get caches(): SyncedCache[] {
    return [this.replicaSets, this.pods];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.replicaSets.addEventHandler(queueObjectKeys(queue));
    this.pods.addEventHandler({
      onAdd: (pod) => this.podAdded(queue, pod),
      onUpdate: (oldPod, pod) => this.podUpdated(queue, oldPod, pod),
      onDelete: (pod) => this.podDeleted(queue, pod),
    });
  }

  /** The ReplicaSet controlling `pod` per its controller reference, if cached with the same uid. */
  private resolveOwner(pod: Pod): ReplicaSet | undefined {
    const ref = controllerOf(pod as KubeObject);
    const { group, kind } = this.kind.gvk;
    if (!ref || ref.kind !== kind || (ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : '') !== group) return undefined;
    const rs = this.replicaSets.get(pod.metadata?.namespace ?? '', ref.name);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets of the pod's namespace whose selector matches it (for orphans). */
  private selectingReplicaSets(pod: Pod): ReplicaSet[] {
    return this.replicaSets.list(pod.metadata?.namespace ?? '').filter((rs) => {
      try {
        const selector = labelSelectorFromObject(this.kind.selectorOf(rs));
        return !selector.matchesNothing && selector.requirements.length > 0 && matchesLabels(selector, pod.metadata?.labels);
      } catch {
        // An invalid selector selects nothing; the sync reports it.
        return false;
      }
    });
  }

  private podAdded(queue: KeyQueue, pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      this.podDeleted(queue, pod);
      return;
    }
    if (controllerOf(pod as KubeObject)) {
      const rs = this.resolveOwner(pod);
      if (!rs) return;
      const key = objectKey(rs as KubeObject);
      this.expectations.creationObserved(key);
      queue.add(key);
      return;
    }
    for (const rs of this.selectingReplicaSets(pod)) queue.add(objectKey(rs as KubeObject));
  }

  private podUpdated(queue: KeyQueue, oldPod: Pod, pod: Pod): void {
    if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const labelsChanged = !jsonEqual(oldPod.metadata?.labels ?? {}, pod.metadata?.labels ?? {});
    if (pod.metadata?.deletionTimestamp) {
      this.podDeleted(queue, pod);
      if (labelsChanged) this.podDeleted(queue, oldPod);
      return;
    }
    const oldRef = controllerOf(oldPod as KubeObject);
    const ref = controllerOf(pod as KubeObject);
    const refChanged = !jsonEqual(oldRef ?? null, ref ?? null);
    if (refChanged && oldRef) {
      const oldOwner = this.resolveOwner(oldPod);
      if (oldOwner) queue.add(objectKey(oldOwner as KubeObject));
    }
    if (ref) {
      const owner = this.resolveOwner(pod);
      if (owner) queue.add(objectKey(owner as KubeObject));
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.selectingReplicaSets(pod)) queue.add(objectKey(rs as KubeObject));
  }

  private podDeleted(queue: KeyQueue, pod: Pod): void {
    const rs = this.resolveOwner(pod);
    if (!rs) return;
    const key = objectKey(rs as KubeObject);
    this.expectations.deletionObserved(key, podKeyOf(pod));
    queue.add(key);
  }

  /** Converges one ReplicaSet (`namespace/name`). Safe to call at any time, also repeatedly. */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.replicaSets.get(namespace, name);
    if (!cached) {
      this.expectations.delete(key);
      return {};
    }
    const rs = cached as ReplicaSet;
    let selector: LabelSelectorExpr;
    try {
      selector = labelSelectorFromObject(this.kind.selectorOf(rs));
    } catch (err) {
      this.ctx.onError(err, `${this.name} ${key}: invalid selector`);
      return {};
    }
    const needsSync = this.expectations.satisfied(key);
    // Its own pods and the namespace's orphans: pods of other controllers are never candidates.
    const active = [...this.pods.byIndex(controllerUIDIndex, rs.metadata?.uid ?? ''), ...this.pods.byIndex(controllerUIDIndex, orphanIndexValue(namespace))].filter((pod) =>
      isPodActive(pod),
    );
    const pods = await claimObjects<Pod & KubeObject>({
      client: this.ctx.client,
      owner: cached,
      ownerKind: this.kind.gvk,
      selector,
      ownedRef: resources.pods,
      candidates: active,
      recheckOwner: () => recheckOwner(this.ctx.client, this.kind.resource, cached),
    });
    let manageError: unknown;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, pods);
      } catch (err) {
        manageError = err;
      }
    }
    const now = this.ctx.clock.now();
    const status = this.calculateStatus(rs, pods, manageError, now);
    await this.updateStatus(rs, status);
    if (manageError !== undefined) throw manageError;
    return this.requeueForAvailability(rs, pods, now);
  }

  /** Time until the next ready pod becomes available, when minReadySeconds matters. */
  private requeueForAvailability(rs: ReplicaSet, pods: readonly Pod[], now: Date): SyncResult {
    const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
    if (minReadySeconds <= 0) return {};
    let soonest: number | undefined;
    for (const pod of pods) {
      const wait = msUntilAvailable(pod, minReadySeconds, now);
      if (wait !== undefined && wait > 0) soonest = Math.min(soonest ?? wait, wait);
    }
    return soonest === undefined ? {} : { requeueAfter: soonest };
  }

  private async manageReplicas(key: string, rs: ReplicaSet, pods: readonly Pod[]): Promise<void> {
    const desired = specCount(rs.spec?.replicas, 1);
    const diff = pods.length - desired;
    if (diff < 0) {
      const count = Math.min(-diff, this.burstReplicas);
      this.expectations.expectCreations(key, count);
      const { successes, error } = await slowStartBatch(count, this.initialBatchSize, () => this.createPod(rs));
      // Pods never attempted will not be observed; the next sync retries them.
      for (let skipped = count - successes; skipped > 0; skipped--) this.expectations.creationObserved(key);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      const count = Math.min(diff, this.burstReplicas);
      const victims = podsToDelete(pods, pods, count, this.ctx.clock.now());
      this.expectations.expectDeletions(key, victims.map(podKeyOf));
      const results = await Promise.allSettled(victims.map((pod) => this.deletePod(key, rs, pod)));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  private async createPod(rs: ReplicaSet): Promise<void> {
    const namespace = rs.metadata?.namespace ?? '';
    try {
      const created = await this.ctx.client.create<Pod & KubeObject>(resources.pods, namespace, podFromTemplate(rs, this.kind.gvk) as Pod & KubeObject);
      this.recorder.event(rs as KubeObject, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
    } catch (err) {
      this.recorder.event(rs as KubeObject, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
      throw err;
    }
  }

  private async deletePod(key: string, rs: ReplicaSet, pod: Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    try {
      await this.ctx.client.delete(resources.pods, namespace, name, { preconditions: { uid: pod.metadata?.uid } });
      this.recorder.event(rs as KubeObject, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (err) {
      // The informer will not report this deletion.
      this.expectations.deletionObserved(key, podKeyOf(pod));
      if (isStatusError(err, 404)) return;
      this.recorder.event(rs as KubeObject, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Upstream's calculateStatus. */
  private calculateStatus(rs: ReplicaSet, pods: readonly Pod[], manageError: unknown, now: Date): ReplicaSetStatus {
    const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
    const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
    let fullyLabeled = 0;
    let ready = 0;
    let available = 0;
    for (const pod of pods) {
      const labels = pod.metadata?.labels ?? {};
      if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
      if (isPodReady(pod)) {
        ready++;
        if (msUntilAvailable(pod, minReadySeconds, now) === 0) available++;
      }
    }
    const status: ReplicaSetStatus = {
      ...(rs.status ?? { replicas: 0 }),
      replicas: pods.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available,
    };
    let conditions: ReplicaSetCondition[] = [...(rs.status?.conditions ?? [])];
    const failure = conditions.find((condition) => condition.type === 'ReplicaFailure');
    if (manageError !== undefined && !failure) {
      const diff = pods.length - specCount(rs.spec?.replicas, 1);
      const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
      conditions.push({
        type: 'ReplicaFailure',
        status: 'True',
        reason,
        message: errorMessage(manageError),
        lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
    } else if (manageError === undefined && failure) {
      conditions = conditions.filter((condition) => condition.type !== 'ReplicaFailure');
    }
    if (conditions.length > 0) status.conditions = conditions;
    else delete status.conditions;
    return status;
  }

  /** Writes status (with observedGeneration) unless nothing changed; retries once on a conflict. */
  private async updateStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<void> {
    const next: ReplicaSetStatus = { ...status, observedGeneration: rs.metadata?.generation ?? 0 };
    if (jsonEqual(rs.status ?? {}, next)) return;
    const namespace = rs.metadata?.namespace ?? '';
    let target = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        const updated = { ...cloneJSON(target), status: { ...next, observedGeneration: target.metadata?.generation ?? 0 } };
        await this.ctx.client.update(this.kind.resource, namespace, updated as KubeObject, { subresource: 'status' });
        return;
      } catch (err) {
        if (isStatusError(err, 404)) return;
        if (!isStatusError(err, 409) || attempt > 0) throw err;
        target = (await this.ctx.client.get<ReplicaSet & KubeObject>(this.kind.resource, namespace, rs.metadata?.name ?? '')) as ReplicaSet;
      }
    }
  }
}

/** Builds the ReplicaSet controller with default options. */
export const replicaSetControllerFactory: ControllerFactory = (ctx) => new ReplicaSetController(ctx);

/** Builds the ReplicationController controller (upstream's replication manager): the same controller over ReplicationControllers. */
export const replicationControllerFactory: ControllerFactory = (ctx) => new ReplicaSetController(ctx, { kind: replicationControllerReplicatedKind });
