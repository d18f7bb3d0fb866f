/**
 * Serves what CustomResourceDefinitions declare, inside the API server as upstream's
 * apiextensions-apiserver does: watches CRDs, checks their names against the other CRDs of the
 * group (NamesAccepted, acceptedNames), serves their versions (Established), and empties a
 * deleted CRD of its custom objects before letting it go.
 */
import type { KubeObject } from '../../apimachinery/object.js';
import { StatusError } from '../../apimachinery/errors.js';
import { formatTime, jsonEqual } from '../../apimachinery/object.js';
import type { NowClock as Clock } from '../../apimachinery/clock.js';
import type { ResourceType } from '../registry.js';
import type { RestStore } from '../rest-store.js';
import { crdSpecOf, crdStatusOf, customResourceCleanupFinalizer, type CrdCondition, type CrdNames } from './crd-types.js';
import { customResourceTypes } from './served-versions.js';

/** Options of {@link CustomResourceDefinitions}. */
export interface CustomResourceDefinitionsOptions {
  /** The store of the CRDs themselves. */
  crds: RestStore;
  /** Serves the types of one CRD (none: stops serving it); returns their stores. */
  serve(crdName: string, types: ResourceType[]): RestStore[];
  clock: Clock;
  /** Reports an unexpected failure (the work is retried). */
  onError(err: unknown): void;
  /** How long to wait before trying a failed or unfinished CRD again. Default 1000 ms. */
  retryMs?: number;
}

/** Upstream's name conflict check: the first name of `names` another CRD of the group already accepted. */
function nameConflict(names: CrdNames, others: CrdNames[]): { reason: string; message: string } | undefined {
  for (const o of others) {
    const taken = new Set([o.plural, o.singular, ...(o.shortNames ?? [])].filter(Boolean));
    if (taken.has(names.plural)) return { reason: 'PluralConflict', message: `"${names.plural}" is already in use` };
    if (names.singular && taken.has(names.singular)) return { reason: 'SingularConflict', message: `"${names.singular}" is already in use` };
    for (const s of names.shortNames ?? []) if (taken.has(s)) return { reason: 'ShortNamesConflict', message: `"${s}" is already in use` };
    const kinds = new Set([o.kind, o.listKind].filter(Boolean));
    if (kinds.has(names.kind)) return { reason: 'KindConflict', message: `"${names.kind}" is already in use` };
    if (names.listKind && kinds.has(names.listKind)) return { reason: 'ListKindConflict', message: `"${names.listKind}" is already in use` };
  }
  return undefined;
}

/** Watches CRDs and keeps what they declare served. Call {@link run} once per server. */
export class CustomResourceDefinitions {
  private readonly known = new Map<string, KubeObject>();
  private readonly stores = new Map<string, RestStore[]>();
  private readonly queue = new Set<string>();
  private wake?: () => void;

  constructor(private readonly options: CustomResourceDefinitionsOptions) {}

  /** Lists and watches CRDs until `signal` aborts, reconciling each one that changes. */
  async run(signal: AbortSignal): Promise<void> {
    const worker = this.work(signal);
    while (!signal.aborted) {
      try {
        const list = await this.options.crds.list('');
        const names = new Set<string>();
        for (const crd of list.items) {
          const name = crd.metadata?.name ?? '';
          names.add(name);
          this.known.set(name, crd);
          this.enqueue(name);
        }
        for (const name of this.known.keys()) if (!names.has(name)) this.forget(name);
        for await (const ev of this.options.crds.watch('', Number(list.resourceVersion), signal)) {
          const name = ev.object.metadata?.name ?? '';
          if (ev.type === 'DELETED') this.forget(name);
          else {
            this.known.set(name, ev.object);
            this.enqueue(name);
          }
        }
      } catch (err) {
        if (signal.aborted) break;
        this.options.onError(err);
        await this.sleep(this.options.retryMs ?? 1000, signal);
      }
    }
    this.wake?.();
    await worker;
  }

  private forget(name: string): void {
    this.known.delete(name);
    this.enqueue(name);
  }

  private enqueue(name: string): void {
    this.queue.add(name);
    this.wake?.();
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private async work(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const [name] = this.queue;
      if (name === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      this.queue.delete(name);
      try {
        const again = await this.reconcile(name);
        if (again) void this.sleep(this.options.retryMs ?? 1000, signal).then(() => this.enqueue(name));
      } catch (err) {
        if (signal.aborted) break;
        if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) this.options.onError(err);
        void this.sleep(this.options.retryMs ?? 1000, signal).then(() => !signal.aborted && this.known.has(name) && this.enqueue(name));
      }
    }
  }

  /** Brings one CRD's serving and status in line with its spec; true to look again later. */
  private async reconcile(name: string): Promise<boolean> {
    const crd = this.known.get(name);
    if (!crd) {
      this.stores.delete(name);
      this.options.serve(name, []);
      return false;
    }
    const spec = crdSpecOf(crd);
    const others = [...this.known.entries()]
      .filter(([n, o]) => n !== name && crdSpecOf(o).group === spec.group)
      .map(([, o]) => crdStatusOf(o).acceptedNames)
      .filter((n): n is CrdNames => !!n && !!n.plural);
    const conflict = nameConflict(spec.names, others);
    const types = conflict ? [] : customResourceTypes(crd);
    const webhook = spec.conversion?.strategy === 'Webhook' && types.length > 1;
    const served = webhook ? types.filter((t) => t.version === t.custom?.storageVersion) : types;
    // A CRD that serves nothing yet (names taken) keeps serving what it served, as upstream.
    if (!conflict) this.stores.set(name, this.options.serve(name, served));
    await this.writeStatus(crd, conflict, webhook);
    if (crd.metadata?.deletionTimestamp && (crd.metadata.finalizers ?? []).includes(customResourceCleanupFinalizer)) return this.cleanUp(crd);
    return false;
  }

  private condition(type: string, status: 'True' | 'False', reason: string, message: string, old: CrdCondition[]): CrdCondition {
    const prev = old.find((c) => c.type === type);
    const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : formatTime(this.options.clock.now());
    return { type, status, lastTransitionTime, reason, message };
  }

  private async writeStatus(crd: KubeObject, conflict: { reason: string; message: string } | undefined, webhook: boolean): Promise<void> {
    const name = crd.metadata?.name ?? '';
    await this.options.crds.guaranteedUpdate(
      '',
      name,
      (current) => {
        const status = crdStatusOf(current);
        const old = status.conditions ?? [];
        const conditions = old.filter((c) => !['NamesAccepted', 'Established', 'ConversionWebhookSupported'].includes(c.type));
        const spec = crdSpecOf(current);
        const storage = (spec.versions ?? []).find((v) => v.storage)?.name ?? '';
        const next = { ...status };
        if (conflict) {
          conditions.push(this.condition('NamesAccepted', 'False', conflict.reason, conflict.message, old));
          const wasEstablished = old.find((c) => c.type === 'Established');
          conditions.push(wasEstablished ?? this.condition('Established', 'False', 'NotAccepted', 'not all names are accepted', old));
        } else {
          next.acceptedNames = { ...spec.names };
          conditions.push(this.condition('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found', old));
          conditions.push(this.condition('Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted', old));
        }
        if (webhook) {
          conditions.push(
            this.condition('ConversionWebhookSupported', 'False', 'NotSupported', `conversion webhooks are not supported by this server: only the storage version ${storage} is served`, old),
          );
        }
        next.conditions = [...conditions].sort((a, b) => conditionOrder(a.type) - conditionOrder(b.type));
        if (jsonEqual(next, status)) return current;
        current.status = next;
        return current;
      },
      'status',
    );
  }

  /** Deletes every custom object of a CRD being deleted, then drops its finalizer; true while objects remain. */
  private async cleanUp(crd: KubeObject): Promise<boolean> {
    const name = crd.metadata?.name ?? '';
    const store = this.stores.get(name)?.[0];
    let remaining = 0;
    if (store) {
      const { items } = await store.list('');
      for (const obj of items) {
        try {
          const result = await store.delete(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
          if (!result.deleted) remaining++;
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
    }
    await this.setTerminating(
      name,
      remaining ? 'InstanceDeletionInProgress' : 'InstanceDeletionCompleted',
      remaining ? `could not confirm zero CustomResources remaining: ${remaining} remaining` : `removed all instances`,
      !remaining,
    );
    if (remaining) return true;
    await this.options.crds.guaranteedUpdate('', name, (current) => {
      current.metadata = { ...current.metadata, finalizers: (current.metadata?.finalizers ?? []).filter((f) => f !== customResourceCleanupFinalizer) };
      return current;
    });
    return false;
  }

  private async setTerminating(name: string, reason: string, message: string, done: boolean): Promise<void> {
    await this.options.crds.guaranteedUpdate(
      '',
      name,
      (current) => {
        const status = crdStatusOf(current);
        const old = status.conditions ?? [];
        const conditions = old.filter((c) => c.type !== 'Terminating');
        conditions.push(this.condition('Terminating', done ? 'False' : 'True', reason, message, old));
        const next = { ...status, conditions: conditions.sort((a, b) => conditionOrder(a.type) - conditionOrder(b.type)) };
        if (jsonEqual(next, status)) return current;
        current.status = next;
        return current;
      },
      'status',
    );
  }
}

function conditionOrder(type: string): number {
  const order = ['NamesAccepted', 'Established', 'Terminating', 'ConversionWebhookSupported'];
  const i = order.indexOf(type);
  return i < 0 ? order.length : i;
}

