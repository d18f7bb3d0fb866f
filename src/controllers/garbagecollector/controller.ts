/**
 * The garbage collector, after upstream's pkg/controller/garbagecollector: deletes objects whose
 * owners are all gone (background cascading deletion), deletes the dependents of owners being
 * deleted in the foreground before letting the owner go, and releases the dependents of owners
 * deleted with the orphan policy.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isStatusError } from '../../apimachinery/errors.js';
import { jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { findResourceByKind, type ApiResource, type Discovery } from '../../client/discovery.js';
import type { ResourceRef } from '../../client/client.js';
import { objectKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';

/** The component name of this controller. */
export const garbageCollectorControllerName = 'garbage-collector-controller';

/** The finalizer of an owner whose dependents are deleted before it (propagationPolicy Foreground). */
export const foregroundDeletionFinalizer = 'foregroundDeletion';
/** The finalizer of an owner whose dependents are released (propagationPolicy Orphan). */
export const orphanFinalizer = 'orphan';

const uidIndex = 'garbagecollector/uid';
const ownerUIDIndex = 'garbagecollector/owner-uid';
const conflictRetries = 5;

/** Options of {@link GarbageCollector}. */
export interface GarbageCollectorOptions {
  /** Concurrent syncs (upstream's --concurrent-gc-syncs is 20). Default 10. */
  workers?: number;
  /**
   * Which served types are watched. Default: every type with list, watch and delete except
   * Events (both groups), as upstream's default ignored resources.
   */
  types?: readonly ApiResource[];
}

/** One watched type. */
interface Monitor {
  /** `group/plural`, the prefix of queue keys. */
  id: string;
  type: ApiResource;
  ref: ResourceRef;
  informer: Informer<KubeObject>;
}

type OwnerState = 'solid' | 'dangling' | 'waiting';

function ownerRefs(obj: KubeObject): OwnerReference[] {
  return obj.metadata?.ownerReferences ?? [];
}

function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata?.finalizers ?? []).includes(finalizer);
}

/** Upstream's isDeletingDependents: being deleted with the foregroundDeletion finalizer. */
function isDeletingDependents(obj: KubeObject): boolean {
  return !!obj.metadata?.deletionTimestamp && hasFinalizer(obj, foregroundDeletionFinalizer);
}

function needsFinalizerWork(obj: KubeObject): boolean {
  return !!obj.metadata?.deletionTimestamp && (hasFinalizer(obj, orphanFinalizer) || hasFinalizer(obj, foregroundDeletionFinalizer));
}

/** The served types the collector watches by default. */
export function defaultCollectedTypes(discovery: Discovery): ApiResource[] {
  return discovery.serverResources().filter(
    (type) => type.kind !== 'Event' && ['list', 'watch', 'delete'].every((verb) => type.verbs.includes(verb)),
  );
}

/** Queues `obj` under the key `<group>/<plural>|<namespace>/<name>`. */
function enqueue(queue: KeyQueue, monitor: Monitor, obj: KubeObject): void {
  queue.add(`${monitor.id}|${objectKey(obj)}`);
}

/**
 * Watches every collected type with two cache indexes (uid, owner uids) standing in for
 * upstream's dependency graph, and processes objects one at a time:
 * - an object with owner references whose owners are all gone (absent from the caches and,
 *   confirmed by a live read, from the API, or replaced by another uid) is deleted, with the
 *   policy its own finalizers ask for (Background otherwise); references to gone owners of an
 *   object that still has a live owner are removed instead;
 * - an object whose owners are being deleted in the foreground is deleted (in the foreground
 *   itself when it has dependents);
 * - an owner being deleted with the `foregroundDeletion` finalizer keeps it until no dependent
 *   with blockOwnerDeletion remains;
 * - an owner being deleted with the `orphan` finalizer has its references removed from its
 *   dependents, then loses the finalizer.
 */
export class GarbageCollector implements Controller {
  readonly name = garbageCollectorControllerName;
  readonly queueName = 'garbage_collector_attempt_to_delete';

  private readonly monitors = new Map<string, Monitor>();
  /** True when the options named the types: discovery changes are not followed. */
  private readonly fixedTypes: boolean;
  /** The queue given to `watch`: a sync queues the dependents an owner waits for. */
  private queue: KeyQueue | undefined;
  readonly workers: number;

  constructor(
    private readonly ctx: ControllerContext,
    options: GarbageCollectorOptions = {},
  ) {
    this.workers = options.workers ?? 10;
    this.fixedTypes = options.types !== undefined;
    for (const type of options.types ?? defaultCollectedTypes(ctx.discovery)) this.addMonitor(type);
  }

  private addMonitor(type: ApiResource): Monitor {
    const ref: ResourceRef = { group: type.group, version: type.version, resource: type.plural };
    const informer = this.ctx.informers.informerFor<KubeObject>(ref, {
      indexers: {
        [uidIndex]: (obj) => (obj.metadata?.uid ? [obj.metadata.uid] : []),
        [ownerUIDIndex]: (obj) => ownerRefs(obj).map((owner) => owner.uid),
      },
    });
    const monitor: Monitor = { id: `${type.group}/${type.plural}`, type, ref, informer };
    this.monitors.set(monitor.id, monitor);
    return monitor;
  }

  /**
   * Upstream's resyncMonitors: types served since start (CustomResourceDefinitions) get a
   * monitor whose informer starts at once; types no longer served are no longer processed.
   */
  private resyncMonitors(queue: KeyQueue): void {
    const current = defaultCollectedTypes(this.ctx.discovery);
    const ids = new Set(current.map((type) => `${type.group}/${type.plural}`));
    for (const id of [...this.monitors.keys()]) if (!ids.has(id)) this.monitors.delete(id);
    for (const type of current) {
      const id = `${type.group}/${type.plural}`;
      if (this.monitors.get(id)?.type.version === type.version) continue;
      this.registerHandlers(queue, this.addMonitor(type));
    }
    this.ctx.informers.startPending();
  }

  /** The informer of every collected type. */
  get caches(): SyncedCache[] {
    return [...this.monitors.values()].map((monitor) => monitor.informer);
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.queue = queue;
    for (const monitor of this.monitors.values()) this.registerHandlers(queue, monitor);
    if (!this.fixedTypes) this.ctx.discovery.subscribe?.(() => this.resyncMonitors(queue));
  }

  private registerHandlers(queue: KeyQueue, monitor: Monitor): void {
    monitor.informer.addEventHandler({
      onAdd: (obj) => {
        if (this.monitors.get(monitor.id) !== monitor) return;
        if (ownerRefs(obj).length > 0 || needsFinalizerWork(obj)) enqueue(queue, monitor, obj);
      },
      onUpdate: (oldObj, obj) => this.monitors.get(monitor.id) === monitor && this.objectUpdated(queue, monitor, oldObj, obj),
      onDelete: (obj) => this.monitors.get(monitor.id) === monitor && this.objectDeleted(queue, obj),
    });
  }

  private objectUpdated(queue: KeyQueue, monitor: Monitor, oldObj: KubeObject, obj: KubeObject): void {
    const refsChanged = !jsonEqual(ownerRefs(oldObj), ownerRefs(obj));
    const startedDeleting = !oldObj.metadata?.deletionTimestamp && !!obj.metadata?.deletionTimestamp;
    if ((refsChanged && ownerRefs(obj).length > 0) || needsFinalizerWork(obj)) enqueue(queue, monitor, obj);
    // A dependent that changed its references or started going may unblock an owner deleting in the foreground.
    if (refsChanged || startedDeleting) {
      this.enqueueDeletingOwners(queue, oldObj);
      this.enqueueDeletingOwners(queue, obj);
    }
  }

  private objectDeleted(queue: KeyQueue, obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    // Its dependents may be orphans now.
    if (uid) for (const { monitor, obj: dependent } of this.dependentsOf(uid)) enqueue(queue, monitor, dependent);
    this.enqueueDeletingOwners(queue, obj);
  }

  private enqueueDeletingOwners(queue: KeyQueue, obj: KubeObject): void {
    for (const ref of ownerRefs(obj)) {
      const owner = this.cachedByUID(ref.uid);
      if (owner && isDeletingDependents(owner.obj)) enqueue(queue, owner.monitor, owner.obj);
    }
  }

  private cachedByUID(uid: string): { monitor: Monitor; obj: KubeObject } | undefined {
    for (const monitor of this.monitors.values()) {
      const obj = monitor.informer.byIndex(uidIndex, uid)[0];
      if (obj) return { monitor, obj };
    }
    return undefined;
  }

  private dependentsOf(uid: string): { monitor: Monitor; obj: KubeObject }[] {
    const out: { monitor: Monitor; obj: KubeObject }[] = [];
    for (const monitor of this.monitors.values()) {
      for (const obj of monitor.informer.byIndex(ownerUIDIndex, uid)) out.push({ monitor, obj });
    }
    return out;
  }

  /** Processes the object with this queue key. */
  async sync(key: string): Promise<SyncResult> {
    const bar = key.indexOf('|');
    const monitor = this.monitors.get(key.slice(0, bar));
    if (!monitor) return {};
    const obj = monitor.informer.store.getByKey(key.slice(bar + 1));
    if (!obj) return {};
    if (obj.metadata?.deletionTimestamp) {
      if (hasFinalizer(obj, orphanFinalizer)) await this.orphanDependents(monitor, obj);
      else if (hasFinalizer(obj, foregroundDeletionFinalizer)) await this.processDeletingDependents(monitor, obj);
      return {};
    }
    if (ownerRefs(obj).length > 0) await this.attemptToDelete(monitor, obj);
    return {};
  }

  /** Upstream's orphanDependents then removeFinalizer(orphan). */
  private async orphanDependents(monitor: Monitor, owner: KubeObject): Promise<void> {
    const uid = owner.metadata?.uid ?? '';
    for (const { monitor: depMonitor, obj: dependent } of this.dependentsOf(uid)) {
      await this.rewrite(depMonitor, dependent, (obj) => {
        const refs = ownerRefs(obj);
        const kept = refs.filter((ref) => ref.uid !== uid);
        return kept.length === refs.length ? undefined : { ownerReferences: kept.length ? kept : null };
      });
    }
    await this.removeFinalizer(monitor, owner, orphanFinalizer);
  }

  /** Upstream's processDeletingDependentsItem: the owner goes once no blocking dependent remains. */
  private async processDeletingDependents(monitor: Monitor, owner: KubeObject): Promise<void> {
    const uid = owner.metadata?.uid ?? '';
    const dependents = this.dependentsOf(uid);
    const blocking = dependents.filter(({ obj }) => ownerRefs(obj).some((ref) => ref.uid === uid && ref.blockOwnerDeletion === true));
    if (blocking.length === 0) {
      await this.removeFinalizer(monitor, owner, foregroundDeletionFinalizer);
      return;
    }
    // Their deletions (or reference changes) queue the owner again.
    for (const { monitor: depMonitor, obj } of dependents) if (this.queue) enqueue(this.queue, depMonitor, obj);
  }

  /** Upstream's attemptToDeleteItem for an object with owners that is not being deleted. */
  private async attemptToDelete(monitor: Monitor, cached: KubeObject): Promise<void> {
    const quick = await this.classify(cached, false);
    if (quick.dangling.length === 0 && quick.waiting.length === 0) return;
    // Decide on the latest object, not a possibly stale cached copy.
    const latest = await this.getLive(monitor.ref, cached);
    if (!latest || latest.metadata?.deletionTimestamp) return;
    const { solid, dangling, waiting } = await this.classify(latest, true);
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // A live owner keeps it: only the references to gone or going owners are dropped.
      const drop = new Set([...dangling, ...waiting].map((ref) => ref.uid));
      await this.rewrite(monitor, latest, (obj) => {
        const refs = ownerRefs(obj);
        const kept = refs.filter((ref) => !drop.has(ref.uid));
        return kept.length === refs.length ? undefined : { ownerReferences: kept.length ? kept : null };
      });
      return;
    }
    let policy: 'Background' | 'Foreground' | 'Orphan' = 'Background';
    if (waiting.length > 0 && this.dependentsOf(latest.metadata?.uid ?? '').length > 0) {
      // Its owner waits for it, and it has dependents of its own: they go first.
      policy = 'Foreground';
    } else if (hasFinalizer(latest, orphanFinalizer)) {
      policy = 'Orphan';
    } else if (hasFinalizer(latest, foregroundDeletionFinalizer)) {
      policy = 'Foreground';
    }
    try {
      await this.ctx.client.delete(monitor.ref, latest.metadata?.namespace ?? '', latest.metadata?.name ?? '', {
        propagationPolicy: policy,
        preconditions: { uid: latest.metadata?.uid },
      });
    } catch (err) {
      // Gone already, or replaced by a new object of the same name.
      if (isStatusError(err, 404) || isStatusError(err, 409)) return;
      throw err;
    }
  }

  /**
   * Sorts the owner references of `obj`: solid (the owner exists and is not deleting its
   * dependents), dangling (no object with that uid) or waiting (deleting in the foreground).
   * With `confirm`, an owner missing from the caches is looked up in the API; without it, it
   * counts as dangling.
   */
  private async classify(obj: KubeObject, confirm: boolean): Promise<Record<'solid' | 'dangling' | 'waiting', OwnerReference[]>> {
    const out: Record<OwnerState, OwnerReference[]> = { solid: [], dangling: [], waiting: [] };
    for (const ref of ownerRefs(obj)) out[await this.ownerState(obj, ref, confirm)].push(ref);
    return out;
  }

  private async ownerState(dependent: KubeObject, ref: OwnerReference, confirm: boolean): Promise<OwnerState> {
    const ownerType = findResourceByKind(this.ctx.discovery, ref.apiVersion, ref.kind);
    // An owner of a type this server does not know cannot be checked: keep the dependent.
    if (!ownerType) return 'solid';
    const cached = this.cachedByUID(ref.uid);
    if (cached) return isDeletingDependents(cached.obj) ? 'waiting' : 'solid';
    if (!confirm) return 'dangling';
    const namespace = ownerType.namespaced ? (dependent.metadata?.namespace ?? '') : '';
    // A cluster-scoped dependent cannot have a namespaced owner.
    if (ownerType.namespaced && !namespace) return 'dangling';
    try {
      const owner = await this.ctx.client.get({ group: ownerType.group, version: ownerType.version, resource: ownerType.plural }, namespace, ref.name);
      if (owner.metadata?.uid !== ref.uid) return 'dangling';
      return isDeletingDependents(owner) ? 'waiting' : 'solid';
    } catch (err) {
      if (isStatusError(err, 404)) return 'dangling';
      throw err;
    }
  }

  /** The object as the API has it now, if it is still the same object (same uid). */
  private async getLive(ref: ResourceRef, obj: KubeObject): Promise<KubeObject | undefined> {
    try {
      const live = await this.ctx.client.get(ref, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
      return live.metadata?.uid === obj.metadata?.uid ? live : undefined;
    } catch (err) {
      if (isStatusError(err, 404)) return undefined;
      throw err;
    }
  }

  private async removeFinalizer(monitor: Monitor, obj: KubeObject, finalizer: string): Promise<void> {
    await this.rewrite(monitor, obj, (current) => {
      const finalizers = current.metadata?.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return undefined;
      const rest = finalizers.filter((f) => f !== finalizer);
      return { finalizers: rest.length ? rest : null };
    });
  }

  /**
   * Merge-patches the metadata `change(obj)` returns (undefined: nothing to do), guarded by the
   * object's resourceVersion; on a conflict it reads the object again and retries. An object
   * that is gone or was replaced (other uid) is left alone.
   */
  private async rewrite(monitor: Monitor, obj: KubeObject, change: (obj: KubeObject) => Record<string, unknown> | undefined): Promise<void> {
    const namespace = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    const uid = obj.metadata?.uid;
    let current: KubeObject | undefined = obj;
    for (let attempt = 0; ; attempt++) {
      const metadata = change(current);
      if (!metadata) return;
      try {
        await this.ctx.client.patch(monitor.ref, namespace, name, 'merge', {
          metadata: { ...metadata, resourceVersion: current.metadata?.resourceVersion },
        });
        return;
      } catch (err) {
        if (isStatusError(err, 404)) return;
        if (!isStatusError(err, 409) || attempt >= conflictRetries) throw err;
      }
      current = await this.getLive(monitor.ref, { metadata: { namespace, name, uid } });
      if (!current) return;
    }
  }
}

/** Builds the garbage collector with default options. */
export const garbageCollectorFactory: ControllerFactory = (ctx) => new GarbageCollector(ctx);

