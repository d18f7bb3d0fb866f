/**
 * The disruption controller, after upstream's pkg/controller/disruption: keeps each
 * PodDisruptionBudget's status (currentHealthy, desiredHealthy, expectedPods,
 * disruptionsAllowed, disruptedPods, observedGeneration and the DisruptionAllowed condition)
 * from the pods its selector matches and the scale of their controllers.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { isStatusError } from '../../apimachinery/errors.js';
import { jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { controllerOf as controllerRef } from '../../apimachinery/owner.js';
import { labelSelectorFromObject, matchesLabels } from '../../apimachinery/selectors/labels.js';
import { resources, type ResourceRef } from '../../client/client.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';
import { budgetNeeds, budgetStatus } from './budget.js';

/** The PodDisruptionBudget resource. */
export const podDisruptionBudgetsResource: ResourceRef = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' };

/** Options of {@link DisruptionController}. */
export interface DisruptionControllerOptions {
  /** Concurrent syncs. Default 2. */
  workers?: number;
}

type PDBObject = PodDisruptionBudget & KubeObject;
type PodObject = Pod & KubeObject;

/** Whether a budget's selector matches a pod (a missing selector matches nothing, an empty one everything, as policy/v1). */
export function budgetSelects(pdb: PodDisruptionBudget, pod: Pod): boolean {
  const selector = pdb.spec?.selector;
  if (!selector || pdb.metadata?.namespace !== pod.metadata?.namespace) return false;
  return matchesLabels(labelSelectorFromObject(selector), pod.metadata?.labels ?? {});
}

/** Computes PodDisruptionBudget status from pods and their controllers' scale. */
export class DisruptionController implements Controller {
  readonly name = 'disruption-controller';
  readonly queueName = 'disruption';
  readonly workers: number;

  private readonly budgets: Informer<PDBObject>;
  private readonly pods: Informer<PodObject>;
  private readonly replicaSets: Informer<ReplicaSet & KubeObject>;
  private readonly deployments: Informer<Deployment & KubeObject>;
  private readonly statefulSets: Informer<StatefulSet & KubeObject>;

  constructor(
    private readonly ctx: ControllerContext,
    options: DisruptionControllerOptions = {},
  ) {
    this.workers = options.workers ?? 2;
    this.budgets = ctx.informers.informerFor<PDBObject>(podDisruptionBudgetsResource);
    this.pods = ctx.informers.informerFor<PodObject>(resources.pods);
    this.replicaSets = ctx.informers.informerFor(resources.replicasets);
    this.deployments = ctx.informers.informerFor(resources.deployments);
    this.statefulSets = ctx.informers.informerFor(resources.statefulsets);
  }

  /** The budget, pod and controller caches. */
  get caches(): SyncedCache[] {
    return [this.budgets, this.pods, this.replicaSets, this.deployments, this.statefulSets];
  }

  /** Budgets are queued when they change, when a pod they select changes, and when a controller in their namespace scales. */
  watch(queue: KeyQueue): void {
    this.budgets.addEventHandler({ onAdd: (pdb) => queue.add(objectKey(pdb)), onUpdate: (_o, pdb) => queue.add(objectKey(pdb)) });
    const podChanged = (pod: PodObject): void => {
      for (const pdb of this.budgets.list(pod.metadata?.namespace ?? '')) if (budgetSelects(pdb, pod)) queue.add(objectKey(pdb));
    };
    this.pods.addEventHandler({
      onAdd: podChanged,
      onUpdate: (old, pod) => {
        podChanged(old);
        podChanged(pod);
      },
      onDelete: podChanged,
    });
    const scaled = (old: KubeObject, obj: KubeObject): void => {
      if (jsonEqual((old.spec as { replicas?: number } | undefined)?.replicas, (obj.spec as { replicas?: number } | undefined)?.replicas)) return;
      for (const pdb of this.budgets.list(obj.metadata?.namespace ?? '')) queue.add(objectKey(pdb));
    };
    this.replicaSets.addEventHandler({ onUpdate: scaled });
    this.deployments.addEventHandler({ onUpdate: scaled });
    this.statefulSets.addEventHandler({ onUpdate: scaled });
  }

  /** Writes the status of the budget of this key when it changed; rechecks when a pending eviction expires. */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const pdb = this.budgets.get(namespace, name);
    if (!pdb || pdb.metadata?.deletionTimestamp) return {};
    const pods = this.pods.list(namespace).filter((pod) => budgetSelects(pdb, pod));
    let needs: ReturnType<typeof budgetNeeds> | { error: string };
    try {
      needs = budgetNeeds(pdb, pods.length, () => this.expectedScale(pods));
    } catch (err) {
      needs = { error: err instanceof Error ? err.message : String(err) };
    }
    const now = this.ctx.clock.now();
    const { status, recheckAt } = budgetStatus(pdb, pods, needs, now);
    const result: SyncResult = recheckAt !== undefined ? { requeueAfter: Math.max(1, recheckAt - now.getTime()) } : {};
    const unchanged = jsonEqual({ ...status, conditions: stripTimes(status.conditions) }, { ...pdb.status, conditions: stripTimes(pdb.status?.conditions) });
    if (unchanged) return result;
    try {
      await this.ctx.client.update(podDisruptionBudgetsResource, namespace, { ...pdb, status }, { subresource: 'status' });
    } catch (err) {
      // A newer budget (or an eviction) got there first: the informer will queue it again.
      if (isStatusError(err, 409) || isStatusError(err, 404)) return { requeueAfter: 100 };
      throw err;
    }
    return result;
  }

  /** Upstream's getExpectedScale: the summed replicas of the pods' distinct controllers. */
  private expectedScale(pods: readonly PodObject[]): number {
    const seen = new Set<string>();
    let total = 0;
    for (const pod of pods) {
      const ref = controllerRef(pod);
      if (!ref) throw new Error(`found no controller ref for pod ${JSON.stringify(pod.metadata?.name ?? '')}`);
      const found = this.controllerScale(pod.metadata?.namespace ?? '', ref);
      if (!found) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata?.name ?? '')}`);
      if (seen.has(found.uid)) continue;
      seen.add(found.uid);
      total += found.replicas;
    }
    return total;
  }

  /** The controller of a pod and its replicas: a ReplicaSet (or the Deployment owning it) or a StatefulSet. */
  private controllerScale(namespace: string, ref: { kind?: string; name?: string; uid?: string; apiVersion?: string }): { uid: string; replicas: number } | undefined {
    if (ref.apiVersion?.split('/')[0] !== 'apps') return undefined;
    if (ref.kind === 'ReplicaSet') {
      const rs = this.replicaSets.get(namespace, ref.name ?? '');
      if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
      const owner = controllerRef(rs);
      if (owner?.kind === 'Deployment') {
        const deployment = this.deployments.get(namespace, owner.name ?? '');
        if (deployment && deployment.metadata?.uid === owner.uid) return { uid: owner.uid ?? '', replicas: deployment.spec?.replicas ?? 1 };
      }
      return { uid: rs.metadata?.uid ?? '', replicas: rs.spec?.replicas ?? 1 };
    }
    if (ref.kind === 'StatefulSet') {
      const sts = this.statefulSets.get(namespace, ref.name ?? '');
      if (!sts || sts.metadata?.uid !== ref.uid) return undefined;
      return { uid: sts.metadata?.uid ?? '', replicas: sts.spec?.replicas ?? 1 };
    }
    return undefined;
  }
}

function stripTimes(conditions: readonly { lastTransitionTime?: string }[] | undefined): unknown[] {
  return (conditions ?? []).map((c) => ({ ...c, lastTransitionTime: undefined }));
}

/** Builds the disruption controller with default options. */
export const disruptionControllerFactory: ControllerFactory = (ctx) => new DisruptionController(ctx);
