/**
 * The Namespace controller, after upstream's pkg/controller/namespace: empties a Namespace being
 * deleted, then removes the `kubernetes` finalizer so the API server can delete it.
 */
import type { Namespace, NamespaceCondition } from 'kubernetes-types/core/v1.js';
import { errorMessage, isStatusError } from '../../apimachinery/errors.js';
import { formatTime, jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import type { ApiResource, Discovery } from '../../client/discovery.js';
import { resources, type ResourceRef } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';

/** The component name of this controller. */
export const namespaceControllerName = 'namespace-controller';

/** The spec.finalizers entry this controller owns. */
export const kubernetesFinalizer = 'kubernetes';

/** Options of {@link NamespaceController}. */
export interface NamespaceControllerOptions {
  /** Concurrent syncs (upstream's --concurrent-namespace-syncs). Default 10. */
  workers?: number;
  /**
   * The namespaced types emptied. Default: every served namespaced type with list and delete,
   * except events.k8s.io Events (the same objects as core Events).
   */
  types?: readonly ApiResource[];
  /**
   * Write phase and upstream's deletion conditions to the status of a Namespace being emptied
   * (default true).
   */
  writeConditions?: boolean;
}

type NamespaceObject = Namespace & KubeObject;

/** What {@link NamespaceController} found left in a Namespace after deleting its content. */
export interface ContentStatus {
  /** Objects still there, per `resource[.group]`. */
  remaining: Map<string, number>;
  /** Objects still there, per finalizer they carry. */
  finalizers: Map<string, number>;
  /** Types whose listing or deletion failed, with the error. */
  failures: string[];
  /** Upstream's estimate of the seconds until graceful pod termination ends. */
  estimateSeconds: number;
}

/** The namespaced types the controller empties by default. */
export function defaultNamespacedTypes(discovery: Discovery): ApiResource[] {
  return discovery.serverResources().filter(
    (type) => type.namespaced && type.group !== 'events.k8s.io' && type.verbs.includes('list') && type.verbs.includes('delete'),
  );
}

function groupResource(type: ApiResource): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

function specFinalizers(ns: Namespace): string[] {
  return ns.spec?.finalizers ?? [];
}

/**
 * Upstream's deletion conditions: for each of the five types, True with the failure or False
 * with the all-clear reason and message.
 */
export function namespaceDeletionConditions(status: ContentStatus): { type: string; status: 'True' | 'False'; reason: string; message: string }[] {
  const remaining = [...status.remaining.entries()].sort(([a], [b]) => a.localeCompare(b));
  const finalizers = [...status.finalizers.entries()].sort(([a], [b]) => a.localeCompare(b));
  return [
    { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
    { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
    status.failures.length
      ? {
          type: 'NamespaceDeletionContentFailure',
          status: 'True',
          reason: 'ContentDeletionFailed',
          message: `Failed to delete all resource types, ${status.failures.length} remaining: ${status.failures.join(', ')}`,
        }
      : { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
    remaining.length
      ? {
          type: 'NamespaceContentRemaining',
          status: 'True',
          reason: 'SomeResourcesRemain',
          message: `Some resources are remaining: ${remaining.map(([gr, n]) => `${gr} has ${n} resource instances`).join(', ')}`,
        }
      : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' },
    finalizers.length
      ? {
          type: 'NamespaceFinalizersRemaining',
          status: 'True',
          reason: 'SomeFinalizersRemain',
          message: `Some content in the namespace has finalizers remaining: ${finalizers.map(([f, n]) => `${f} in ${n} resource instances`).join(', ')}`,
        }
      : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
  ];
}

/**
 * For each Namespace with a deletionTimestamp and the `kubernetes` spec finalizer: deletes every
 * object of every namespaced type in it (propagationPolicy Background), records upstream's
 * deletion conditions in its status (with `writeConditions`), and while anything remains looks
 * again after upstream's estimate (half the longest pod grace period remaining, plus a second; sooner when a pod of
 * the namespace goes). Once empty it removes `kubernetes` from spec.finalizers through the
 * `finalize` subresource, and the API server deletes the Namespace.
 */
export class NamespaceController implements Controller {
  readonly name = namespaceControllerName;
  readonly queueName = 'namespace';

  private readonly namespaces: Informer<NamespaceObject>;
  private readonly pods: Informer<KubeObject>;
  private readonly types: readonly ApiResource[];
  readonly workers: number;
  private readonly writeConditions: boolean;

  constructor(
    private readonly ctx: ControllerContext,
    options: NamespaceControllerOptions = {},
  ) {
    this.workers = options.workers ?? 10;
    this.writeConditions = options.writeConditions ?? true;
    this.types = options.types ?? defaultNamespacedTypes(ctx.discovery);
    this.namespaces = ctx.informers.informerFor<NamespaceObject>(resources.namespaces);
    this.pods = ctx.informers.informerFor<KubeObject>(resources.pods);
  }

  /** The Namespace and pod caches. */
  get caches(): SyncedCache[] {
    return [this.namespaces, this.pods];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    const enqueueIfDeleting = (ns: NamespaceObject): void => {
      if (ns.metadata?.deletionTimestamp) queue.add(ns.metadata.name ?? '');
    };
    this.namespaces.addEventHandler({ onAdd: enqueueIfDeleting, onUpdate: (_old, ns) => enqueueIfDeleting(ns) });
    // The last pods of a namespace often take longest to go: look again as each goes.
    this.pods.addEventHandler({
      onDelete: (pod) => {
        const ns = this.namespaces.get('', pod.metadata?.namespace ?? '');
        if (ns) enqueueIfDeleting(ns);
      },
    });
  }

  /** Converges the Namespace of this name. */
  async sync(name: string): Promise<SyncResult> {
    const cached = this.namespaces.get('', name);
    if (!cached?.metadata?.deletionTimestamp) return {};
    let ns: NamespaceObject;
    try {
      ns = await this.ctx.client.get<NamespaceObject>(resources.namespaces, '', name);
    } catch (err) {
      if (isStatusError(err, 404)) return {};
      throw err;
    }
    if (!ns.metadata?.deletionTimestamp || !specFinalizers(ns).includes(kubernetesFinalizer)) return {};

    const content = await this.deleteAllContent(name);
    if (this.writeConditions) ns = await this.writeStatus(ns, content);
    if (content.failures.length > 0) throw new Error(`namespace ${name}: ${content.failures.join('; ')}`);
    if (content.remaining.size > 0) return { requeueAfter: (Math.floor(content.estimateSeconds / 2) + 1) * 1000 };

    const finalized: NamespaceObject = { ...ns, spec: { ...ns.spec, finalizers: specFinalizers(ns).filter((f) => f !== kubernetesFinalizer) } };
    try {
      await this.ctx.client.update(resources.namespaces, '', finalized, { subresource: 'finalize' });
    } catch (err) {
      if (isStatusError(err, 404)) return {};
      throw err;
    }
    return {};
  }

  /** Deletes what the namespace holds and reports what is left. */
  private async deleteAllContent(namespace: string): Promise<ContentStatus> {
    const status: ContentStatus = { remaining: new Map(), finalizers: new Map(), failures: [], estimateSeconds: 0 };
    for (const type of this.types) {
      const ref: ResourceRef = { group: type.group, version: type.version, resource: type.plural };
      try {
        await this.deleteCollection(ref, namespace);
        const left = (await this.ctx.client.list(ref, namespace)).items;
        if (left.length === 0) continue;
        status.remaining.set(groupResource(type), left.length);
        for (const obj of left) {
          for (const finalizer of obj.metadata?.finalizers ?? []) status.finalizers.set(finalizer, (status.finalizers.get(finalizer) ?? 0) + 1);
          if (type.kind === 'Pod' && type.group === '') status.estimateSeconds = Math.max(status.estimateSeconds, podGraceSeconds(obj));
        }
      } catch (err) {
        status.failures.push(`${groupResource(type)}: ${errorMessage(err)}`);
      }
    }
    return status;
  }

  /** Upstream's deleteCollection equivalent: list, then delete each object not already going. */
  private async deleteCollection(ref: ResourceRef, namespace: string): Promise<void> {
    const items = (await this.ctx.client.list(ref, namespace)).items;
    for (const obj of items) {
      if (obj.metadata?.deletionTimestamp) continue;
      try {
        await this.ctx.client.delete(ref, namespace, obj.metadata?.name ?? '', {
          propagationPolicy: 'Background',
          preconditions: { uid: obj.metadata?.uid },
        });
      } catch (err) {
        if (isStatusError(err, 404) || isStatusError(err, 409)) continue;
        throw err;
      }
    }
  }

  /** Writes phase Terminating and the deletion conditions when they changed. */
  private async writeStatus(ns: NamespaceObject, content: ContentStatus): Promise<NamespaceObject> {
    const now = formatTime(this.ctx.clock.now());
    const previous = ns.status?.conditions ?? [];
    const conditions: NamespaceCondition[] = namespaceDeletionConditions(content).map((c) => {
      const old = previous.find((p) => p.type === c.type);
      const same = old && old.status === c.status && old.reason === c.reason && old.message === c.message;
      return same ? old : { ...c, lastTransitionTime: old?.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now };
    });
    const others = previous.filter((p) => !conditions.some((c) => c.type === p.type));
    const status = { ...ns.status, phase: 'Terminating', conditions: [...others, ...conditions] };
    if (jsonEqual(status, ns.status ?? {})) return ns;
    try {
      return await this.ctx.client.update<NamespaceObject>(resources.namespaces, '', { ...ns, status }, { subresource: 'status' });
    } catch (err) {
      // Conditions are informative: a lost race is settled on the next look.
      if (isStatusError(err, 409) || isStatusError(err, 404)) return ns;
      throw err;
    }
  }
}

/** The grace period a terminating pod has left to use, as upstream's estimate counts it. */
function podGraceSeconds(pod: KubeObject): number {
  const spec = pod.spec as { terminationGracePeriodSeconds?: number } | undefined;
  return pod.metadata?.deletionGracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? 0;
}

/** Builds the Namespace controller with default options. */
export const namespaceControllerFactory: ControllerFactory = (ctx) => new NamespaceController(ctx);
