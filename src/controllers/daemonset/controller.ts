/**
 * The DaemonSet controller, after upstream's pkg/controller/daemon: one pod per eligible node,
 * created unbound with a node-name affinity for the scheduler to place, RollingUpdate (with
 * maxUnavailable or maxSurge) and OnDelete updates tracked through ControllerRevisions, and status.
 */
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { errorMessage, isStatusError } from '../../apimachinery/errors.js';
import { cloneJSON, jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { labelSelectorFromObject, matchesLabels, type LabelSelectorExpr } from '../../apimachinery/selectors/labels.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';
import { podTemplateHash, stableStringify } from '../common/hash.js';
import { scaledValueFromIntOrPercent } from '../../apimachinery/intstr.js';
import { revisionName, sortRevisions, templatePatch } from '../history/history.js';
import { controllerOf, newControllerRef } from '../../apimachinery/owner.js';
import { isPodAvailable, isPodDeleting, isPodReady, msUntilAvailable } from '../../apimachinery/pod.js';
import { PodExpectations } from './expectations.js';
import { daemonPodTemplate, daemonSetHashLabel, daemonSetKind, newDaemonPod, nodeShouldRunDaemonPod, targetNodeName, templateGenerationLabel } from './placement.js';
import { controllerUIDIndex, controllerUIDIndexValues } from '../../apimachinery/owner.js';

/** The component name of this controller's events. */
export const daemonSetControllerName = 'daemonset-controller';

/** Options of {@link DaemonSetController}. */
export interface DaemonSetControllerOptions {
  /** Concurrent syncs (upstream's --concurrent-daemonset-syncs). Default 2. */
  workers?: number;
}

type DaemonSetObject = DaemonSet & KubeObject;
type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;
type Revision = ControllerRevision & KubeObject;

function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** Oldest first; among equals, the one further along (podByCreationTimestampAndPhase). */
function byCreation(a: Pod, b: Pod): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

/** Whether a pod runs the revision with `hash` (util.IsPodUpdated). */
function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const podHash = labels[daemonSetHashLabel];
  if (podHash !== undefined) return podHash === hash;
  return generation !== undefined && labels[templateGenerationLabel] === String(generation);
}

/** The up-to-date and the old pod on one node; `ok` false when there are several of either (findUpdatedPodsOnNode). */
function updatedPodsOnNode(pods: readonly Pod[], hash: string, generation: number | undefined): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (isPodDeleting(pod)) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

/**
 * Runs one pod of each DaemonSet on every node it should run on (per node selector, required
 * node affinity and taints, with the daemon tolerations upstream adds), deletes daemon pods from
 * nodes that no longer qualify, replaces failed ones, rolls out template changes, and reports
 * status. Pods are created with generateName `<ds>-` and a node-name affinity, and left for the
 * scheduler to bind.
 */
export class DaemonSetController implements Controller {
  readonly name = daemonSetControllerName;
  readonly queueName = 'daemonset';
  /** Outstanding creations and deletions per DaemonSet key. */
  readonly expectations: PodExpectations;

  private readonly daemonSets: Informer<DaemonSetObject>;
  private readonly pods: Informer<PodObject>;
  private readonly nodes: Informer<NodeObject>;
  private readonly revisions: Informer<Revision>;
  private readonly recorder: EventRecorder;
  readonly workers: number;

  constructor(
    private readonly ctx: ControllerContext,
    options: DaemonSetControllerOptions = {},
  ) {
    this.workers = options.workers ?? 2;
    this.expectations = new PodExpectations(ctx.clock);
    this.recorder = ctx.recorder(daemonSetControllerName);
    this.daemonSets = ctx.informers.informerFor<DaemonSetObject>(resources.daemonsets);
    this.pods = ctx.informers.informerFor<PodObject>(resources.pods, { indexers: { [controllerUIDIndex]: controllerUIDIndexValues } });
    this.nodes = ctx.informers.informerFor<NodeObject>(resources.nodes);
    this.revisions = ctx.informers.informerFor<Revision>(resources.controllerrevisions, { indexers: { [controllerUIDIndex]: controllerUIDIndexValues } });
  }

  /** The DaemonSet, pod, node and ControllerRevision caches. */
  get caches(): SyncedCache[] {
    return [this.daemonSets, this.pods, this.nodes, this.revisions];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.daemonSets.addEventHandler({
      onAdd: (ds) => queue.add(objectKey(ds)),
      onUpdate: (_old, ds) => queue.add(objectKey(ds)),
      onDelete: (ds) => {
        this.expectations.delete(objectKey(ds));
        queue.add(objectKey(ds));
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => {
        if (pod.metadata?.deletionTimestamp) {
          this.podGone(queue, pod);
          return;
        }
        const ds = this.resolveOwner(pod);
        if (ds) {
          this.expectations.creationObserved(objectKey(ds));
          queue.add(objectKey(ds));
        } else if (!controllerOf(pod)) this.enqueueSelecting(queue, pod);
      },
      onUpdate: (oldPod, pod) => {
        if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
        if (pod.metadata?.deletionTimestamp) {
          this.podGone(queue, pod);
          return;
        }
        const oldOwner = this.resolveOwner(oldPod);
        if (oldOwner) queue.add(objectKey(oldOwner));
        const owner = this.resolveOwner(pod);
        if (owner) queue.add(objectKey(owner));
        else if (!controllerOf(pod)) this.enqueueSelecting(queue, pod);
      },
      onDelete: (pod) => this.podGone(queue, pod),
    });
    this.nodes.addEventHandler({
      onAdd: () => this.enqueueAll(queue),
      onUpdate: (oldNode, node) => {
        const relevant = (n: Node): unknown => [n.metadata?.labels, n.spec?.taints, n.spec?.unschedulable];
        if (!jsonEqual(cloneJSON(relevant(oldNode)), cloneJSON(relevant(node)))) this.enqueueAll(queue);
      },
      onDelete: () => this.enqueueAll(queue),
    });
    this.revisions.addEventHandler({
      onAdd: (revision) => this.enqueueOwner(queue, revision),
      onUpdate: (_old, revision) => this.enqueueOwner(queue, revision),
      onDelete: (revision) => this.enqueueOwner(queue, revision),
    });
  }

  private resolveOwner(obj: KubeObject): DaemonSetObject | undefined {
    const ref = controllerOf(obj);
    if (!ref || ref.kind !== 'DaemonSet') return undefined;
    const ds = this.daemonSets.get(obj.metadata?.namespace ?? '', ref.name);
    return ds && ds.metadata?.uid === ref.uid ? ds : undefined;
  }

  private enqueueOwner(queue: KeyQueue, obj: KubeObject): void {
    const ds = this.resolveOwner(obj);
    if (ds) queue.add(objectKey(ds));
  }

  private enqueueAll(queue: KeyQueue): void {
    for (const ds of this.daemonSets.list()) queue.add(objectKey(ds));
  }

  private enqueueSelecting(queue: KeyQueue, pod: Pod): void {
    for (const ds of this.daemonSets.list(pod.metadata?.namespace ?? '')) {
      const selector = selectorOf(ds);
      if (selector && matchesLabels(selector, pod.metadata?.labels)) queue.add(objectKey(ds));
    }
  }

  private podGone(queue: KeyQueue, pod: PodObject): void {
    const ds = this.resolveOwner(pod);
    if (!ds) return;
    this.expectations.deletionObserved(objectKey(ds), podKey(pod));
    queue.add(objectKey(ds));
  }

  /** Converges one DaemonSet (by `namespace/name` key) and writes its status. */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.daemonSets.get(namespace, name);
    if (!cached) {
      this.expectations.delete(key);
      return {};
    }
    const ds = cloneJSON(cached);
    const selector = selectorOf(ds);
    if (!selector) {
      this.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return {};
    }
    const nodes = this.nodes.list();
    const pods = await this.claimPods(ds, selector);
    const hash = await this.constructHistory(ds, pods);
    if (!ds.metadata?.deletionTimestamp && this.expectations.satisfied(key)) {
      await this.manage(ds, nodes, pods, hash);
      if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && this.expectations.satisfied(key)) {
        await this.rollingUpdate(ds, nodes, hash);
      }
      await this.cleanupHistory(ds, pods, hash);
    }
    return this.updateStatus(ds, nodes, pods, hash);
  }

  /** Owned pods, adopting matching orphans (ClaimPods without the release step). */
  private async claimPods(ds: DaemonSetObject, selector: LabelSelectorExpr): Promise<Pod[]> {
    const uid = ds.metadata?.uid ?? '';
    const out: Pod[] = [];
    for (const pod of this.pods.list(ds.metadata?.namespace ?? '')) {
      const ref = controllerOf(pod);
      if (ref?.uid === uid) {
        out.push(pod);
        continue;
      }
      if (ref || isPodDeleting(pod) || ds.metadata?.deletionTimestamp || !matchesLabels(selector, pod.metadata?.labels)) continue;
      try {
        const adopted = await this.ctx.client.patch<PodObject>(resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'merge', {
          metadata: { ownerReferences: [...(pod.metadata?.ownerReferences ?? []), newControllerRef(ds, daemonSetKind)], uid: pod.metadata?.uid },
        });
        out.push(adopted);
      } catch (err) {
        if (!isStatusError(err, 404) && !isStatusError(err, 409) && !isStatusError(err, 422)) throw err;
      }
    }
    return out;
  }

  /**
   * Finds or stores the revision of the current template (constructHistory/snapshot) and returns
   * its hash; an older equal revision is renumbered as the newest.
   */
  private async constructHistory(ds: DaemonSetObject, pods: Pod[]): Promise<string> {
    const namespace = ds.metadata?.namespace ?? '';
    const revisions = sortRevisions(this.revisions.byIndex(controllerUIDIndex, ds.metadata?.uid ?? ''));
    const data = templatePatch(ds.spec?.template);
    const dataText = stableStringify(data);
    const matching = revisions.filter((r) => stableStringify(r.data) === dataText);
    const others = revisions.filter((r) => !matching.includes(r));
    const maxOther = others.reduce((max, r) => Math.max(max, r.revision), 0);
    const current = matching[matching.length - 1];
    if (current) {
      // Duplicates of the current revision are dropped once no pod uses them.
      for (const duplicate of matching.slice(0, -1)) {
        const used = pods.some((p) => p.metadata?.labels?.[daemonSetHashLabel] === duplicate.metadata?.labels?.[daemonSetHashLabel]);
        if (!used) await this.deleteRevision(duplicate);
      }
      if (current.revision <= maxOther) {
        await this.ctx.client.update<Revision>(resources.controllerrevisions, namespace, { ...cloneJSON(current), revision: maxOther + 1 });
      }
      return current.metadata?.labels?.[daemonSetHashLabel] ?? podTemplateHash(ds.spec?.template, ds.status?.collisionCount);
    }
    const hash = podTemplateHash(ds.spec?.template, ds.status?.collisionCount);
    const revision: Revision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: revisionName(ds.metadata?.name ?? '', hash),
        namespace,
        labels: { ...(ds.spec?.template.metadata?.labels ?? {}), [daemonSetHashLabel]: hash },
        ...(ds.metadata?.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [newControllerRef(ds, daemonSetKind)],
      },
      data: data as ControllerRevision['data'],
      revision: maxOther + 1,
    };
    try {
      await this.ctx.client.create(resources.controllerrevisions, namespace, revision);
      return hash;
    } catch (err) {
      if (!isStatusError(err, 409)) throw err;
      const existing = await this.ctx.client.get<Revision>(resources.controllerrevisions, namespace, revision.metadata?.name ?? '');
      const ownedByUs = controllerOf(existing)?.uid === ds.metadata?.uid;
      if (ownedByUs && stableStringify(existing.data) === dataText) return hash;
      // A name collision with a different revision: bump collisionCount and retry with a new hash.
      const collisionCount = (ds.status?.collisionCount ?? 0) + 1;
      await this.ctx.client.update<DaemonSetObject>(resources.daemonsets, namespace, { ...ds, status: { ...(ds.status ?? this.emptyStatus()), collisionCount } }, { subresource: 'status' });
      throw new Error(`found a stale or conflicting ControllerRevision ${revision.metadata?.name}; collisionCount raised to ${collisionCount}`);
    }
  }

  private emptyStatus(): DaemonSetStatus {
    return { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 };
  }

  /** Daemon pods by the node they are meant for; terminating ones optional. */
  private podsByNode(pods: Pod[], includeTerminating: boolean): Map<string, Pod[]> {
    const byNode = new Map<string, Pod[]>();
    for (const pod of pods) {
      if (!includeTerminating && isPodDeleting(pod)) continue;
      const node = targetNodeName(pod);
      if (!node) continue;
      const list = byNode.get(node) ?? [];
      list.push(pod);
      byNode.set(node, list);
    }
    for (const list of byNode.values()) list.sort(byCreation);
    return byNode;
  }

  private allowsSurge(ds: DaemonSet): boolean {
    return this.surgeAndUnavailable(ds, 1).maxSurge > 0;
  }

  /** maxSurge and maxUnavailable against `desired` nodes, rounded up; both 0 means maxUnavailable 1 (updatedDesiredNodeCounts). */
  private surgeAndUnavailable(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
    const rolling = ds.spec?.updateStrategy?.type === 'OnDelete' ? undefined : ds.spec?.updateStrategy?.rollingUpdate;
    const maxSurge = scaledValueFromIntOrPercent(rolling?.maxSurge ?? 0, desired, true);
    let maxUnavailable = scaledValueFromIntOrPercent(rolling?.maxUnavailable ?? 1, desired, true);
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    return { maxSurge, maxUnavailable };
  }

  /** Upstream's manage/podsShouldBeOnNode: which nodes need a pod and which pods must go. */
  private async manage(ds: DaemonSetObject, nodes: NodeObject[], pods: Pod[], hash: string): Promise<void> {
    const byNode = this.podsByNode(pods, true);
    const now = this.ctx.clock.now();
    const surge = this.allowsSurge(ds);
    const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
    const nodesNeedingPods: string[] = [];
    const podsToDelete: Pod[] = [];
    const nodeNames = new Set<string>();
    for (const node of nodes) {
      const nodeName = node.metadata?.name ?? '';
      nodeNames.add(nodeName);
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const daemonPods = byNode.get(nodeName) ?? [];
      if (shouldRun && daemonPods.length === 0) {
        nodesNeedingPods.push(nodeName);
      } else if (shouldContinueRunning) {
        const running: Pod[] = [];
        for (const pod of daemonPods) {
          if (isPodDeleting(pod)) continue;
          if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') {
            if (pod.status.phase === 'Failed') {
              this.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata?.namespace}/${pod.metadata?.name} on node ${nodeName}, will try to kill it`);
            }
            podsToDelete.push(pod);
          } else running.push(pod);
        }
        if (!surge) {
          podsToDelete.push(...running.slice(1));
        } else {
          let oldestNew: Pod | undefined;
          let oldestOld: Pod | undefined;
          for (const pod of running) {
            if (pod.metadata?.labels?.[daemonSetHashLabel] === hash) {
              if (!oldestNew) {
                oldestNew = pod;
                continue;
              }
            } else if (!oldestOld) {
              oldestOld = pod;
              continue;
            }
            podsToDelete.push(pod);
          }
          if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReadySeconds, now))) podsToDelete.push(oldestOld);
        }
      } else {
        for (const pod of daemonPods) if (!isPodDeleting(pod)) podsToDelete.push(pod);
      }
    }
    // Unscheduled pods meant for nodes that no longer exist (getUnscheduledPodsWithoutNode).
    for (const [nodeName, daemonPods] of byNode) {
      if (nodeNames.has(nodeName)) continue;
      for (const pod of daemonPods) if (!pod.spec?.nodeName && !isPodDeleting(pod)) podsToDelete.push(pod);
    }
    await this.syncNodes(ds, podsToDelete, nodesNeedingPods, hash);
  }

  /** Deletes and creates pods, recording expectations first (syncNodes). Throws the first failure. */
  private async syncNodes(ds: DaemonSetObject, podsToDelete: Pod[], nodesNeedingPods: string[], hash: string): Promise<void> {
    if (podsToDelete.length === 0 && nodesNeedingPods.length === 0) return;
    const key = objectKey(ds);
    const unique = [...new Map(podsToDelete.map((p) => [podKey(p), p])).values()];
    this.expectations.expect(key, nodesNeedingPods.length, unique.map(podKey));
    const template = daemonPodTemplate(ds, hash);
    const namespace = ds.metadata?.namespace ?? '';
    const failures: unknown[] = [];
    await Promise.all(
      nodesNeedingPods.map(async (nodeName) => {
        try {
          const created = await this.ctx.client.create<PodObject>(resources.pods, namespace, newDaemonPod(ds, template, nodeName) as PodObject);
          this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
        } catch (err) {
          this.expectations.creationObserved(key);
          this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
          failures.push(err);
        }
      }),
    );
    await Promise.all(
      unique.map(async (pod) => {
        const name = pod.metadata?.name ?? '';
        try {
          await this.ctx.client.delete(resources.pods, namespace, name, { preconditions: { uid: pod.metadata?.uid } });
          this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, podKey(pod));
          if (isStatusError(err, 404)) return;
          this.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
          failures.push(err);
        }
      }),
    );
    if (failures.length > 0) throw failures[0];
  }

  /** Upstream's rollingUpdate: replaces old pods within maxUnavailable, or surges new ones within maxSurge. */
  private async rollingUpdate(ds: DaemonSetObject, nodes: NodeObject[], hash: string): Promise<void> {
    // Pods manage() just created may already be cached (in process, the watch is that quick): read afresh.
    const uid = ds.metadata?.uid ?? '';
    const owned = this.pods.byIndex(controllerUIDIndex, uid);
    const current = this.podsByNode(owned, false);
    const eligible = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun);
    const desired = eligible.length;
    // A node still waiting for its pod counts as unavailable.
    const missing = eligible.filter((n) => !current.has(n.metadata?.name ?? '')).length;
    const { maxSurge, maxUnavailable } = this.surgeAndUnavailable(ds, desired);
    const now = this.ctx.clock.now();
    const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
    const generation = ds.metadata?.generation;
    const available = (pod: Pod): boolean => isPodAvailable(pod, minReadySeconds, now);
    if (maxSurge === 0) {
      let numUnavailable = missing;
      const replacements: Pod[] = [];
      const candidates: Pod[] = [];
      for (const nodePods of current.values()) {
        const { newPod, oldPod, ok } = updatedPodsOnNode(nodePods, hash, generation);
        if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) {
          numUnavailable++;
        } else if (newPod) {
          if (!available(newPod)) numUnavailable++;
        } else if (oldPod) {
          if (!available(oldPod)) replacements.push(oldPod);
          else if (numUnavailable < maxUnavailable) candidates.push(oldPod);
        }
      }
      const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
      await this.syncNodes(ds, [...replacements, ...candidates.slice(0, remaining)], [], hash);
      return;
    }
    const oldPodsToDelete: Pod[] = [];
    const candidateNodes: string[] = [];
    const allowedNodes: string[] = [];
    let numSurge = 0;
    for (const [nodeName, nodePods] of current) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(nodePods, hash, generation);
      if (!ok) {
        numSurge++;
        continue;
      }
      if (!oldPod) continue;
      if (!newPod) {
        if (!available(oldPod)) allowedNodes.push(nodeName);
        else if (numSurge < maxSurge) candidateNodes.push(nodeName);
        continue;
      }
      if (!available(newPod)) {
        numSurge++;
        continue;
      }
      oldPodsToDelete.push(oldPod);
    }
    const remaining = Math.min(Math.max(0, maxSurge - numSurge), candidateNodes.length);
    await this.syncNodes(ds, oldPodsToDelete, [...allowedNodes, ...candidateNodes.slice(0, remaining)], hash);
  }

  /** Deletes the oldest revisions no pod uses beyond spec.revisionHistoryLimit (cleanupHistory). */
  private async cleanupHistory(ds: DaemonSetObject, pods: Pod[], hash: string): Promise<void> {
    const live = new Set<string>([hash]);
    for (const pod of pods) {
      const podHash = pod.metadata?.labels?.[daemonSetHashLabel];
      if (podHash) live.add(podHash);
    }
    const revisions = sortRevisions(this.revisions.byIndex(controllerUIDIndex, ds.metadata?.uid ?? ''));
    const history = revisions.filter((r) => !live.has(r.metadata?.labels?.[daemonSetHashLabel] ?? ''));
    const excess = history.length - (ds.spec?.revisionHistoryLimit ?? 10);
    for (const revision of history.slice(0, Math.max(0, excess))) await this.deleteRevision(revision);
  }

  private async deleteRevision(revision: ControllerRevision): Promise<void> {
    try {
      await this.ctx.client.delete(resources.controllerrevisions, revision.metadata?.namespace ?? '', revision.metadata?.name ?? '');
    } catch (err) {
      if (!isStatusError(err, 404)) throw err;
    }
  }

  /** Upstream's updateDaemonSetStatus; requeues when a ready pod will become available. */
  private async updateStatus(ds: DaemonSetObject, nodes: NodeObject[], pods: Pod[], hash: string): Promise<SyncResult> {
    // Pods deleted in this pass are still cached; the events they cause bring another sync.
    const byNode = this.podsByNode(pods, false);
    const now = this.ctx.clock.now();
    const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
    const generation = ds.metadata?.generation;
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    let requeueAfter: number | undefined;
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const daemonPods = byNode.get(node.metadata?.name ?? '') ?? [];
      if (!shouldRun) {
        if (daemonPods.length > 0) misscheduled++;
        continue;
      }
      desired++;
      const pod = daemonPods[0];
      if (!pod) continue;
      current++;
      if (isPodReady(pod)) {
        ready++;
        const wait = msUntilAvailable(pod, minReadySeconds, now) ?? 0;
        if (wait === 0) available++;
        else requeueAfter = Math.min(requeueAfter ?? Infinity, wait);
      }
      if (isPodUpdated(pod, hash, generation)) updated++;
    }
    const status: DaemonSetStatus = {
      ...(ds.status?.conditions ? { conditions: ds.status.conditions } : {}),
      ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
      observedGeneration: generation,
      desiredNumberScheduled: desired,
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      numberAvailable: available,
      numberUnavailable: desired - available,
      updatedNumberScheduled: updated,
    };
    if (!jsonEqual(cloneJSON(ds.status ?? {}), cloneJSON(status))) {
      const namespace = ds.metadata?.namespace ?? '';
      try {
        await this.ctx.client.update<DaemonSetObject>(resources.daemonsets, namespace, { ...ds, status }, { subresource: 'status' });
      } catch (err) {
        if (!isStatusError(err, 409)) throw err;
        const fresh = await this.ctx.client.get<DaemonSetObject>(resources.daemonsets, namespace, ds.metadata?.name ?? '');
        await this.ctx.client.update<DaemonSetObject>(resources.daemonsets, namespace, { ...fresh, status }, { subresource: 'status' });
      }
    }
    return requeueAfter !== undefined ? { requeueAfter } : {};
  }
}

function selectorOf(ds: DaemonSet): LabelSelectorExpr | undefined {
  try {
    const selector = labelSelectorFromObject(ds.spec?.selector);
    return selector.matchesNothing || selector.requirements.length === 0 ? undefined : selector;
  } catch {
    // An invalid selector selects nothing.
    return undefined;
  }
}

/** Builds the DaemonSet controller for the controller manager. */
export const daemonSetControllerFactory: ControllerFactory = (ctx) => new DaemonSetController(ctx);
