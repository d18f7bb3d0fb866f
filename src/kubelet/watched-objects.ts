/**
 * Objects of one resource watched one by one, by name, for the pods that reference them: as
 * upstream's watch-based configmap and secret managers, a watch with fieldSelector
 * `metadata.name=<name>` starts when the first pod references an object and stops when the last
 * one lets go, so a node sees only what its pods use.
 */
import type { KubeObject } from '../apimachinery/object.js';
import type { Clock } from '../apimachinery/clock.js';
import type { Client, ResourceRef } from '../client/client.js';
import { Informer } from '../client/informer.js';

/** Options of {@link WatchedObjects}. */
export interface WatchedObjectsOptions {
  client: Client;
  resource: ResourceRef;
  /** Stops every watch. */
  signal: AbortSignal;
  /** Default: the system clock (through the informers). */
  clock?: Clock;
  /** Failed lists and watches. Default: the informers' (console.error). */
  onError?: (err: unknown) => void;
  /** A watched object was added, changed or deleted; `podUIDs` reference it. Default: nothing. */
  onChange?: (podUIDs: string[]) => void;
}

interface NamedWatch<T extends KubeObject> {
  informer: Informer<T>;
  stop: AbortController;
  /** UIDs of the pods referencing the object. */
  pods: Set<string>;
}

function keyOf(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Per-object watches of one resource, reference-counted by pod UID. */
export class WatchedObjects<T extends KubeObject> {
  private readonly watches = new Map<string, NamedWatch<T>>();
  private readonly byPod = new Map<string, Set<string>>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: WatchedObjectsOptions) {
    // One listener for all watches: a node may watch hundreds of objects.
    options.signal.addEventListener('abort', () => this.watches.forEach((w) => w.stop.abort()), { once: true });
  }

  /**
   * Makes `names` (in `namespace`, '' for cluster-scoped objects) the objects pod `podUID`
   * references: watches start for names no pod referenced yet, and stop for names the pod
   * referenced before and no other pod does.
   */
  setReferences(podUID: string, namespace: string, names: readonly string[]): void {
    const wanted = new Set(names.map((name) => keyOf(namespace, name)));
    const had = this.byPod.get(podUID) ?? new Set<string>();
    for (const key of wanted) if (!had.has(key)) this.acquire(key, namespace, podUID);
    for (const key of had) if (!wanted.has(key)) this.release(key, podUID);
    if (wanted.size > 0) this.byPod.set(podUID, wanted);
    else this.byPod.delete(podUID);
  }

  /** Drops every reference of pod `podUID`. */
  forgetPod(podUID: string): void {
    this.setReferences(podUID, '', []);
  }

  /** The object as last seen, or undefined when it does not exist, is not watched or not listed yet. */
  get(namespace: string, name: string): T | undefined {
    return this.watches.get(keyOf(namespace, name))?.informer.get(namespace, name);
  }

  /** Keys (`namespace/name`, or `name`) of the objects watched now. */
  watched(): string[] {
    return [...this.watches.keys()].sort();
  }

  /** Whether every object pod `podUID` references has been listed. */
  hasSynced(podUID: string): boolean {
    return [...(this.byPod.get(podUID) ?? [])].every((key) => this.watches.get(key)?.informer.hasSynced() ?? true);
  }

  /** Resolves true once every object pod `podUID` references has been listed, false if `signal` aborts first. */
  async waitForSync(podUID: string, signal: AbortSignal): Promise<boolean> {
    const informers = [...(this.byPod.get(podUID) ?? [])].flatMap((key) => this.watches.get(key)?.informer ?? []);
    const synced = await Promise.all(informers.map((i) => i.waitForSync(signal)));
    return synced.every(Boolean);
  }

  /** Settles once every watch has ended (after the `signal` option aborted). */
  async stopped(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private acquire(key: string, namespace: string, podUID: string): void {
    const existing = this.watches.get(key);
    if (existing) {
      existing.pods.add(podUID);
      return;
    }
    const name = key.slice(key.indexOf('/') + 1);
    const { client, resource, clock, onError, onChange } = this.options;
    const informer = new Informer<T>(client, resource, {
      namespace,
      fieldSelector: `metadata.name=${name}`,
      ...(clock ? { clock } : {}),
      ...(onError ? { onError } : {}),
    });
    const watch: NamedWatch<T> = { informer, stop: new AbortController(), pods: new Set([podUID]) };
    if (onChange) {
      const changed = () => onChange([...watch.pods]);
      informer.addEventHandler({ onAdd: changed, onUpdate: (o, n) => (o !== n ? changed() : undefined), onDelete: changed });
    }
    this.watches.set(key, watch);
    if (this.options.signal.aborted) watch.stop.abort();
    const running = informer.start(watch.stop.signal).finally(() => this.running.delete(running));
    this.running.add(running);
  }

  private release(key: string, podUID: string): void {
    const watch = this.watches.get(key);
    if (!watch) return;
    watch.pods.delete(podUID);
    if (watch.pods.size > 0) return;
    this.watches.delete(key);
    watch.stop.abort();
  }
}
