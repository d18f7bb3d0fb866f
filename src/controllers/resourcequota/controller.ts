/**
 * The resource quota controller, after upstream's pkg/controller/resourcequota: keeps each
 * ResourceQuota's status.hard equal to spec.hard and status.used equal to what the objects of
 * its namespace use (pods, object counts, requests and limits, claims' storage), recomputed
 * when the quota or a pod, Service or claim of its namespace changes, and periodically.
 */
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../apimachinery/errors.js';
import { jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import { objectUsage, quotaUsage, type ResourceList } from '../../apimachinery/quota.js';
import { resources, type ResourceRef } from '../../client/client.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';

/** The ResourceQuota resource. */
export const resourceQuotasResource: ResourceRef = { group: '', version: 'v1', resource: 'resourcequotas' };

/** Options of {@link ResourceQuotaController}. */
export interface ResourceQuotaControllerOptions {
  /** Concurrent syncs (upstream's --concurrent-resource-quota-syncs). Default 5. */
  workers?: number;
  /** Full recalculation period (upstream's --resource-quota-sync-period). Default 300000 (5 min). */
  resyncMs?: number;
  /** Recalculation period of quotas that count types this controller does not watch (ConfigMaps, Secrets, count/...). Default 15000. */
  unwatchedResyncMs?: number;
}

type QuotaObject = ResourceQuota & KubeObject;

const podNames = new Set(['pods', 'cpu', 'memory', 'ephemeral-storage']);

/** The (group, plural) a quota resource name counts, as upstream's evaluators' MatchingResources. */
export function countedType(name: string): { group: string; plural: string } | undefined {
  if (podNames.has(name) || (name.startsWith('requests.') && name !== 'requests.storage') || name.startsWith('limits.')) return { group: '', plural: 'pods' };
  if (name === 'services' || name.startsWith('services.')) return { group: '', plural: 'services' };
  if (name === 'requests.storage' || name === 'persistentvolumeclaims') return { group: '', plural: 'persistentvolumeclaims' };
  if (['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas'].includes(name)) return { group: '', plural: name };
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', plural: rest } : { group: rest.slice(dot + 1), plural: rest.slice(0, dot) };
  }
  return undefined;
}

/** Computes ResourceQuota status.used from the objects of each quota's namespace. */
export class ResourceQuotaController implements Controller {
  readonly name = 'resourcequota-controller';
  readonly queueName = 'resourcequota_primary';
  readonly workers: number;

  private readonly quotas: Informer<QuotaObject>;
  private readonly watched: Map<string, Informer>;
  private readonly resyncMs: number;
  private readonly unwatchedResyncMs: number;

  constructor(
    private readonly ctx: ControllerContext,
    options: ResourceQuotaControllerOptions = {},
  ) {
    this.workers = options.workers ?? 5;
    this.resyncMs = options.resyncMs ?? 300_000;
    this.unwatchedResyncMs = options.unwatchedResyncMs ?? 15_000;
    this.quotas = ctx.informers.informerFor<QuotaObject>(resourceQuotasResource);
    this.watched = new Map<string, Informer>([
      ['/pods', ctx.informers.informerFor(resources.pods)],
      ['/services', ctx.informers.informerFor(resources.services)],
      ['/persistentvolumeclaims', ctx.informers.informerFor(resources.persistentvolumeclaims)],
    ]);
  }

  /** The quota cache and the caches of the types it watches. */
  get caches(): SyncedCache[] {
    return [this.quotas, ...this.watched.values()];
  }

  /** Quotas are queued when their spec changes and when an object of a watched type in their namespace does. */
  watch(queue: KeyQueue): void {
    this.quotas.addEventHandler({
      onAdd: (q) => queue.add(objectKey(q)),
      onUpdate: (old, q) => {
        if (!jsonEqual(old.spec, q.spec) || !q.status) queue.add(objectKey(q));
      },
    });
    const changed = (obj: KubeObject): void => {
      for (const q of this.quotas.list(obj.metadata?.namespace ?? '')) queue.add(objectKey(q));
    };
    for (const informer of this.watched.values()) {
      informer.addEventHandler({ onAdd: changed, onUpdate: (_o, obj) => changed(obj), onDelete: changed });
    }
  }

  /** Recomputes a quota's status; writes it when it changed. */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const quota = this.quotas.get(namespace, name);
    if (!quota || quota.metadata?.deletionTimestamp) return {};
    const hard: ResourceList = quota.spec?.hard ?? {};
    const types = new Map<string, { group: string; plural: string }>();
    for (const resource of Object.keys(hard)) {
      const t = countedType(resource);
      if (t) types.set(`${t.group}/${t.plural}`, t);
    }
    const usages: ResourceList[] = [];
    let unwatched = false;
    for (const [typeKey, t] of types) {
      const informer = this.watched.get(typeKey);
      let items: KubeObject[];
      if (informer) {
        items = informer.list(namespace);
      } else {
        unwatched = true;
        try {
          items = (await this.ctx.client.list({ group: t.group, version: 'v1', resource: t.plural }, namespace)).items;
        } catch (err) {
          if (isStatusError(err, 404)) continue;
          throw err;
        }
      }
      for (const item of items) usages.push(objectUsage(t.group, t.plural, item));
    }
    const used = quotaUsage(hard, usages);
    const result: SyncResult = { requeueAfter: unwatched ? this.unwatchedResyncMs : this.resyncMs };
    const status = { hard: { ...hard }, used };
    if (jsonEqual(status, { hard: quota.status?.hard ?? {}, used: quota.status?.used ?? {} })) return result;
    try {
      await this.ctx.client.update(resourceQuotasResource, namespace, { ...quota, status }, { subresource: 'status' });
    } catch (err) {
      // Admission charged it meanwhile: recompute from the newer quota.
      if (isStatusError(err, 409)) return { requeueAfter: 50 };
      if (isStatusError(err, 404)) return {};
      throw err;
    }
    return result;
  }
}

/** Builds the resource quota controller with default options. */
export const resourceQuotaControllerFactory: ControllerFactory = (ctx) => new ResourceQuotaController(ctx);
