/**
 * The ConfigMaps, Secrets, PersistentVolumeClaims and PersistentVolumes the pods on this node
 * reference, each watched by name while a pod references it (see {@link WatchedObjects}): the
 * node never lists these resources cluster-wide. PVs follow from the claims: a pod references
 * the PV its claim is bound to.
 */
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Secret } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../apimachinery/clock.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type Client } from '../client/client.js';
import { podReferences } from '../apimachinery/pod-references.js';
import { WatchedObjects } from './watched-objects.js';

/** Options of {@link ReferencedObjects}. */
export interface ReferencedObjectsOptions {
  client: Client;
  /** Stops every watch. */
  signal: AbortSignal;
  clock: Clock;
  /** Failed lists and watches, with the resource they were about. Default: the informers' (console.error). */
  onError?: (resource: string, err: unknown) => void;
  /** A referenced object was added, changed or deleted; `podUIDs` reference it. Default: nothing. */
  onChange?: (podUIDs: string[]) => void;
  /** How long {@link ReferencedObjects.register} waits for the first list of new watches. Default 10 s. */
  syncTimeoutMs?: number;
}

/** What the per-pod bookkeeping needs of a {@link WatchedObjects}, whatever its object type. */
type PodWatches = Pick<WatchedObjects<KubeObject>, 'forgetPod' | 'hasSynced' | 'waitForSync' | 'stopped'>;

/** The objects the node's pods reference, kept current by per-object watches. */
export class ReferencedObjects {
  private readonly configMaps: WatchedObjects<ConfigMap & KubeObject>;
  private readonly secrets: WatchedObjects<Secret & KubeObject>;
  private readonly claims: WatchedObjects<PersistentVolumeClaim & KubeObject>;
  private readonly volumes: WatchedObjects<PersistentVolume & KubeObject>;
  /** UIDs of the pods registered and not unregistered since. */
  private readonly registered = new Set<string>();

  constructor(private readonly options: ReferencedObjectsOptions) {
    const watched = <T extends KubeObject>(resource: keyof typeof resources) =>
      new WatchedObjects<T>({
        client: options.client,
        resource: resources[resource],
        signal: options.signal,
        clock: options.clock,
        ...(options.onError ? { onError: (err: unknown) => options.onError?.(resource, err) } : {}),
        ...(options.onChange ? { onChange: options.onChange } : {}),
      });
    this.configMaps = watched('configmaps');
    this.secrets = watched('secrets');
    this.claims = watched('persistentvolumeclaims');
    this.volumes = watched('persistentvolumes');
  }

  /**
   * Watches what `pod` references now (and stops watching what it no longer does), then waits,
   * at most the sync timeout, until those objects have been listed.
   */
  async register(pod: Pod, signal: AbortSignal): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    const refs = podReferences(pod);
    this.registered.add(uid);
    this.configMaps.setReferences(uid, namespace, refs.configMaps);
    this.secrets.setReferences(uid, namespace, refs.secrets);
    this.claims.setReferences(uid, namespace, refs.persistentVolumeClaims);
    await this.waitForSync(uid, [this.configMaps, this.secrets, this.claims], signal);
    // Unregistered meanwhile (the pod was deleted): watching its PVs now would outlive it.
    if (!this.registered.has(uid)) return;
    const volumeNames = refs.persistentVolumeClaims.flatMap((claim) => this.claims.get(namespace, claim)?.spec?.volumeName ?? []);
    this.volumes.setReferences(uid, '', volumeNames);
    await this.waitForSync(uid, [this.volumes], signal);
  }

  /** Lets go of everything pod `podUID` referenced. */
  unregister(podUID: string): void {
    this.registered.delete(podUID);
    for (const w of this.all()) w.forgetPod(podUID);
  }

  /** The ConfigMap if a pod references it and it exists. */
  configMap(namespace: string, name: string): ConfigMap | undefined {
    return this.configMaps.get(namespace, name);
  }

  /** The Secret if a pod references it and it exists. */
  secret(namespace: string, name: string): Secret | undefined {
    return this.secrets.get(namespace, name);
  }

  /** The PersistentVolumeClaim if a pod references it and it exists. */
  persistentVolumeClaim(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.claims.get(namespace, name);
  }

  /** The PersistentVolume if a pod's claim is bound to it and it exists. */
  persistentVolume(name: string): PersistentVolume | undefined {
    return this.volumes.get('', name);
  }

  /** What is watched now, by resource: keys `namespace/name` (PVs: `name`). */
  watched(): { configMaps: string[]; secrets: string[]; persistentVolumeClaims: string[]; persistentVolumes: string[] } {
    return { configMaps: this.configMaps.watched(), secrets: this.secrets.watched(), persistentVolumeClaims: this.claims.watched(), persistentVolumes: this.volumes.watched() };
  }

  /** Settles once every watch has ended (after the `signal` option aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.all().map((w) => w.stopped()));
  }

  private all(): PodWatches[] {
    return [this.configMaps, this.secrets, this.claims, this.volumes];
  }

  private async waitForSync(podUID: string, watched: PodWatches[], signal: AbortSignal): Promise<void> {
    if (watched.every((w) => w.hasSynced(podUID))) return;
    const done = new AbortController();
    const stop = () => done.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([
        Promise.all(watched.map((w) => w.waitForSync(podUID, done.signal))),
        this.options.clock.sleep(this.options.syncTimeoutMs ?? 10_000, done.signal),
      ]);
    } finally {
      signal.removeEventListener('abort', stop);
      done.abort();
    }
  }
}
