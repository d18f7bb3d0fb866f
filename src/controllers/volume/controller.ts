/**
 * local-path-provisioner plus the part of upstream's PV controller that binds provisioned
 * volumes: claims of the `local-path` class (the default class) get a hostPath
 * PersistentVolume in a directory under the data dir once a consumer is placed, bound both
 * ways; with reclaimPolicy Delete, deleting the claim removes the volume and its directory.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { errorMessage, isStatusError } from '../../apimachinery/errors.js';
import { defaultClassAnnotation, defaultStorageClass } from '../../apimachinery/storage-class.js';
import { cloneJSON, type KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';

/** The component name of this controller's events. */
export const localPathProvisionerName = 'local-path-provisioner';
/** The provisioner name the ensured StorageClass carries. */
export const localPathProvisioner = 'skiff.dev/local-path';
/** The StorageClass ensured at start. */
export const localPathStorageClassName = 'local-path';
/** Set on a claim by the scheduler (WaitForFirstConsumer) to the node its first consumer goes to. */
export const selectedNodeAnnotation = 'volume.kubernetes.io/selected-node';
/** Annotations upstream's PV controller and provisioners write. */
export const VolumeAnnotations = {
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
} as const;

/** Options of {@link LocalPathProvisioner}. */
export interface LocalPathProvisionerOptions {
  /** Where volume directories go. Default `<settings.dataDir>/storage`. */
  storageDir?: string;
  /** Create the `local-path` StorageClass at start when missing. Default true. */
  ensureStorageClass?: boolean;
  /** Concurrent syncs. Default 2. */
  workers?: number;
}

type ClaimObject = PersistentVolumeClaim & KubeObject;
type VolumeObject = PersistentVolume & KubeObject;
type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;
type ClassObject = StorageClass & KubeObject;

const claimPrefix = 'claim:';
const volumePrefix = 'volume:';

/** The claims a pod mounts, as `namespace/name` keys. */
function claimKeysOf(pod: Pod): string[] {
  const namespace = pod.metadata?.namespace ?? '';
  return (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [`${namespace}/${v.persistentVolumeClaim.claimName}`] : []));
}

/** The StorageClass this controller ensures: default, WaitForFirstConsumer, reclaimPolicy Delete (k3s's local-path). */
export function localPathStorageClass(): ClassObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: localPathStorageClassName, annotations: { [defaultClassAnnotation]: 'true' } },
    provisioner: localPathProvisioner,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/**
 * Provisions and binds local-path volumes.
 *
 * A claim is ours when its storageClassName names a class with provisioner
 * `skiff.dev/local-path`, or when it has none and such a class is the default (the API server
 * does not run the DefaultStorageClass admission and rejects setting the class later, so the
 * claim keeps an empty storageClassName and the PV carries the class name). With
 * WaitForFirstConsumer the volume's node is the claim's `volume.kubernetes.io/selected-node`
 * annotation, else the node of a scheduled pod using the claim; when only unscheduled consumers
 * exist (a scheduler that does not set the annotation waits for nothing), the claim is
 * provisioned at once on a schedulable node (the consumer's nodeSelector honoured when it
 * names `kubernetes.io/hostname`). Claims without any consumer wait. Immediate classes
 * provision at once the same way.
 */
export class LocalPathProvisioner implements Controller {
  readonly name = localPathProvisionerName;
  readonly queueName = 'local_path_provisioner';
  /** The directory volumes are made in. */
  readonly storageDir: string;

  private readonly claims: Informer<ClaimObject>;
  private readonly volumes: Informer<VolumeObject>;
  private readonly pods: Informer<PodObject>;
  private readonly nodes: Informer<NodeObject>;
  private readonly classes: Informer<ClassObject>;
  private readonly recorder: EventRecorder;
  readonly workers: number;
  private readonly ensureClass: boolean;

  constructor(
    private readonly ctx: ControllerContext,
    options: LocalPathProvisionerOptions = {},
  ) {
    this.storageDir = resolve(options.storageDir ?? join(ctx.settings.dataDir, 'storage'));
    this.workers = options.workers ?? 2;
    this.ensureClass = options.ensureStorageClass ?? true;
    this.recorder = ctx.recorder(localPathProvisionerName);
    this.claims = ctx.informers.informerFor<ClaimObject>(resources.persistentvolumeclaims);
    this.volumes = ctx.informers.informerFor<VolumeObject>(resources.persistentvolumes);
    this.pods = ctx.informers.informerFor<PodObject>(resources.pods);
    this.nodes = ctx.informers.informerFor<NodeObject>(resources.nodes);
    this.classes = ctx.informers.informerFor<ClassObject>(resources.storageclasses);
  }

  /** The claim, volume, pod, node and StorageClass caches. */
  get caches(): SyncedCache[] {
    return [this.claims, this.volumes, this.pods, this.nodes, this.classes];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    const claimChanged = (claim: ClaimObject): void => {
      queue.add(claimPrefix + objectKey(claim));
      if (claim.spec?.volumeName) queue.add(volumePrefix + claim.spec.volumeName);
    };
    this.claims.addEventHandler({ onAdd: claimChanged, onUpdate: (_old, claim) => claimChanged(claim), onDelete: claimChanged });
    const volumeChanged = (volume: VolumeObject): void => {
      queue.add(volumePrefix + (volume.metadata?.name ?? ''));
      const ref = volume.spec?.claimRef;
      if (ref?.name) queue.add(`${claimPrefix}${ref.namespace ?? ''}/${ref.name}`);
    };
    this.volumes.addEventHandler({ onAdd: volumeChanged, onUpdate: (_old, volume) => volumeChanged(volume), onDelete: volumeChanged });
    const podChanged = (pod: PodObject): void => {
      for (const key of claimKeysOf(pod)) queue.add(claimPrefix + key);
    };
    this.pods.addEventHandler({ onAdd: podChanged, onUpdate: (_old, pod) => podChanged(pod) });
    const classChanged = (): void => {
      for (const claim of this.claims.list()) if (!claim.spec?.volumeName) queue.add(claimPrefix + objectKey(claim));
    };
    this.classes.addEventHandler({ onAdd: classChanged, onUpdate: classChanged });
  }

  /** Creates the `local-path` StorageClass (unless the `ensureStorageClass` option is false). */
  async cachesSynced(): Promise<void> {
    if (this.ensureClass) await this.ensureStorageClass();
  }

  /** Creates the `local-path` StorageClass unless it exists. */
  async ensureStorageClass(): Promise<void> {
    try {
      await this.ctx.client.create(resources.storageclasses, '', localPathStorageClass());
    } catch (err) {
      if (!isStatusError(err, 409)) throw err;
    }
  }

  /** Syncs a `claim:<ns>/<name>` or `volume:<name>` key. */
  async sync(key: string): Promise<SyncResult> {
    if (key.startsWith(claimPrefix)) {
      const { namespace, name } = splitKey(key.slice(claimPrefix.length));
      await this.syncClaim(namespace, name);
    } else if (key.startsWith(volumePrefix)) {
      await this.syncVolume(key.slice(volumePrefix.length));
    }
    return {};
  }

  /** The class a claim belongs to: its own, or the default for a claim without one ('' opts out). */
  private classOf(claim: PersistentVolumeClaim): ClassObject | undefined {
    const className = claim.spec?.storageClassName;
    if (className === '') return undefined;
    if (className !== undefined && className !== null) return this.classes.get('', className);
    return defaultStorageClass(this.classes.list());
  }

  private async syncClaim(namespace: string, name: string): Promise<void> {
    const cached = this.claims.get(namespace, name);
    if (!cached || cached.metadata?.deletionTimestamp) return;
    const claim = cloneJSON(cached);
    if (claim.spec?.volumeName) {
      const volume = this.volumes.get('', claim.spec.volumeName);
      if (volume && volume.spec?.claimRef?.uid === claim.metadata?.uid) await this.bind(claim, volume);
      return;
    }
    const storageClass = this.classOf(claim);
    if (!storageClass || storageClass.provisioner !== localPathProvisioner) return;
    const pvName = `pvc-${claim.metadata?.uid ?? ''}`;
    const existing = this.volumes.get('', pvName);
    if (existing) {
      await this.bind(claim, existing);
      return;
    }
    const nodeName = this.nodeFor(claim, storageClass);
    if (!nodeName) {
      if (storageClass.volumeBindingMode === 'WaitForFirstConsumer') {
        this.recorder.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      } else {
        this.recorder.event(claim, 'Warning', 'ProvisioningFailed', 'no node to provision the volume on');
      }
      return;
    }
    const volume = await this.provision(claim, storageClass, pvName, nodeName);
    if (volume) await this.bind(claim, volume);
  }

  /** The node to put a claim's volume on, or undefined to wait (see the class comment). */
  private nodeFor(claim: PersistentVolumeClaim, storageClass: StorageClass): string | undefined {
    const selected = claim.metadata?.annotations?.[selectedNodeAnnotation];
    if (selected) return selected;
    const key = objectKey(claim as KubeObject);
    const consumers = this.pods.list(claim.metadata?.namespace ?? '').filter((p) => !p.metadata?.deletionTimestamp && claimKeysOf(p).includes(key));
    const scheduled = consumers.find((p) => p.spec?.nodeName);
    if (scheduled?.spec?.nodeName) return scheduled.spec.nodeName;
    if (consumers.length === 0 && storageClass.volumeBindingMode === 'WaitForFirstConsumer') return undefined;
    const wanted = consumers.map((p) => p.spec?.nodeSelector?.['kubernetes.io/hostname']).find((n) => n);
    if (wanted) return wanted;
    const nodes = this.nodes
      .list()
      .filter((n) => !n.spec?.unschedulable)
      .map((n) => n.metadata?.name ?? '')
      .sort();
    return nodes[0];
  }

  /** The directory of a claim's volume: `<storageDir>/pvc-<uid>_<ns>_<name>`. */
  volumePath(claim: PersistentVolumeClaim): string {
    const meta = claim.metadata ?? {};
    return join(this.storageDir, `pvc-${meta.uid ?? ''}_${meta.namespace ?? ''}_${meta.name ?? ''}`);
  }

  private async provision(claim: ClaimObject, storageClass: StorageClass, pvName: string, nodeName: string): Promise<VolumeObject | undefined> {
    const request = claim.spec?.resources?.requests?.storage;
    if (!request) {
      this.recorder.event(claim, 'Warning', 'ProvisioningFailed', 'claim.Spec.Resources.Requests[storage] not found');
      return undefined;
    }
    const path = this.volumePath(claim);
    const node = this.nodes.get('', nodeName);
    const hostname = node?.metadata?.labels?.['kubernetes.io/hostname'] ?? nodeName;
    try {
      await mkdir(path, { recursive: true, mode: 0o777 });
    } catch (err) {
      this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${storageClass.metadata?.name}": ${errorMessage(err)}`);
      throw err;
    }
    const volume: VolumeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name: pvName,
        annotations: { [VolumeAnnotations.provisionedBy]: localPathProvisioner, [selectedNodeAnnotation]: nodeName },
      },
      spec: {
        capacity: { storage: request },
        accessModes: [...(claim.spec?.accessModes ?? ['ReadWriteOnce'])],
        persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
        storageClassName: storageClass.metadata?.name,
        volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
        hostPath: { path, type: 'DirectoryOrCreate' },
        nodeAffinity: {
          required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] },
        },
        claimRef: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          namespace: claim.metadata?.namespace,
          name: claim.metadata?.name,
          uid: claim.metadata?.uid,
          resourceVersion: claim.metadata?.resourceVersion,
        },
      },
    };
    try {
      const created = await this.ctx.client.create<VolumeObject>(resources.persistentvolumes, '', volume);
      this.recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
      return created;
    } catch (err) {
      if (isStatusError(err, 409)) return this.ctx.client.get<VolumeObject>(resources.persistentvolumes, '', pvName);
      this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${storageClass.metadata?.name}": ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Binds both ways: PV Bound, then the claim's volumeName and annotations, then its status (Bound, capacity, accessModes). */
  private async bind(claim: ClaimObject, volume: VolumeObject): Promise<void> {
    const client = this.ctx.client;
    if (volume.status?.phase !== 'Bound') {
      await client.update(resources.persistentvolumes, '', { ...volume, status: { ...(volume.status ?? {}), phase: 'Bound' } }, { subresource: 'status' });
    }
    const volumeName = volume.metadata?.name ?? '';
    const annotations = claim.metadata?.annotations ?? {};
    let current = claim;
    if (claim.spec?.volumeName !== volumeName || annotations[VolumeAnnotations.bindCompleted] !== 'yes') {
      const provisioned = volume.metadata?.annotations?.[VolumeAnnotations.provisionedBy] === localPathProvisioner;
      current = await client.update<ClaimObject>(resources.persistentvolumeclaims, claim.metadata?.namespace ?? '', {
        ...claim,
        metadata: {
          ...claim.metadata,
          annotations: {
            ...annotations,
            [VolumeAnnotations.bindCompleted]: 'yes',
            [VolumeAnnotations.boundByController]: 'yes',
            ...(provisioned ? { [VolumeAnnotations.storageProvisioner]: localPathProvisioner, [VolumeAnnotations.betaStorageProvisioner]: localPathProvisioner } : {}),
          },
        },
        spec: { ...claim.spec, volumeName },
      });
    }
    const status = current.status ?? {};
    const capacity = volume.spec?.capacity;
    const accessModes = volume.spec?.accessModes;
    if (status.phase === 'Bound' && JSON.stringify(status.capacity) === JSON.stringify(capacity) && JSON.stringify(status.accessModes) === JSON.stringify(accessModes)) return;
    await client.update(
      resources.persistentvolumeclaims,
      current.metadata?.namespace ?? '',
      { ...current, status: { ...status, phase: 'Bound', ...(capacity ? { capacity } : {}), ...(accessModes ? { accessModes } : {}) } },
      { subresource: 'status' },
    );
  }

  /** Reclaims a provisioned volume whose claim is gone: Delete removes the directory and the PV; Retain marks it Released. */
  private async syncVolume(name: string): Promise<void> {
    const volume = this.volumes.get('', name);
    if (!volume || volume.metadata?.deletionTimestamp) return;
    if (volume.metadata?.annotations?.[VolumeAnnotations.provisionedBy] !== localPathProvisioner) return;
    const ref = volume.spec?.claimRef;
    if (!ref?.name) return;
    const cachedClaim = this.claims.get(ref.namespace ?? '', ref.name);
    if (cachedClaim && cachedClaim.metadata?.uid === ref.uid) return;
    // The cache may lag behind a fresh claim: ask the API before reclaiming.
    try {
      const claim = await this.ctx.client.get<ClaimObject>(resources.persistentvolumeclaims, ref.namespace ?? '', ref.name);
      if (claim.metadata?.uid === ref.uid) return;
    } catch (err) {
      if (!isStatusError(err, 404)) throw err;
    }
    if ((volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain') !== 'Delete') {
      if (volume.status?.phase !== 'Released') {
        await this.ctx.client.update(resources.persistentvolumes, '', { ...volume, status: { ...(volume.status ?? {}), phase: 'Released' } }, { subresource: 'status' });
      }
      return;
    }
    const path = volume.spec?.hostPath?.path;
    if (path && resolve(path).startsWith(this.storageDir + sep)) await rm(path, { recursive: true, force: true });
    try {
      await this.ctx.client.delete(resources.persistentvolumes, '', name);
    } catch (err) {
      if (!isStatusError(err, 404)) throw err;
    }
  }
}

/** Builds the local-path provisioner for the controller manager. */
export const localPathProvisionerFactory: ControllerFactory = (ctx) => new LocalPathProvisioner(ctx);
