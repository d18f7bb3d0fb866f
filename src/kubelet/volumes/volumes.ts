import type {
  ConfigMap,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Secret,
  ServiceAccountTokenProjection,
  Volume,
} from 'kubernetes-types/core/v1.js';
import { chmod, chown, lstat, mkdir, readdir, realpath, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseQuantity } from '../../apimachinery/quantity.js';
import { AtomicWriter, hasAtomicData, type Payload } from './atomic-writer.js';
import { downwardAPIPayload } from './downward-api.js';
import { VolumeSetupError, aggregateErrors, errorCode } from './errors.js';
import { checkHostPathType } from './hostpath.js';
import { SystemMounter, type Mounter } from './mounter.js';
import { configMapPayload, defaultFileMode, secretPayload } from './payloads.js';
import { errorMessage } from '../../apimachinery/errors.js';

/** Where pod volumes read the API objects they project (the agent backs these with informer caches). */
export interface VolumeSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  persistentVolumeClaim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  persistentVolume(name: string): PersistentVolume | undefined;
  /** The node's allocatable resources: the default for unset limits in resourceFieldRef and tmpfs sizes. */
  nodeAllocatable?: Record<string, string>;
  /**
   * The token written for a projected serviceAccountToken source. Default: none, and an empty
   * placeholder file is written at the projection's path.
   */
  serviceAccountToken?(pod: Pod, projection: ServiceAccountTokenProjection): string | Promise<string>;
}

/** Options of {@link PodVolumes}. */
export interface PodVolumesOptions {
  /** The directory holding one directory per pod UID, `<dataDir>/agent/pods`. */
  podsDir: string;
  sources: VolumeSources;
  /** Mounts tmpfs for memory-backed volumes. Default: a {@link SystemMounter} (runs `mount`/`umount`). */
  mounter?: Mounter;
  /** This node's name (a local PV whose node affinity names other hosts only is refused). */
  nodeName: string;
  /**
   * Whether secret, projected and downwardAPI volumes live on tmpfs, as upstream's (so secrets
   * never reach the disk). Default true.
   */
  memoryBackedSecrets?: boolean;
  /** Told about a volume that {@link PodVolumes.refresh} could not rebuild (its old content stays). Default: ignored. */
  onRefreshError?: (pod: Pod, volumeName: string, error: Error) => void;
}

/** The directory names (plugin names escaped for disk) volumes live under, as upstream's. */
const pluginDirs = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  projected: 'kubernetes.io~projected',
  downwardAPI: 'kubernetes.io~downward-api',
} as const;

const hostnameLabel = 'kubernetes.io/hostname';

/**
 * The volumes of the pods on one node, on disk under `<podsDir>/<uid>/volumes/<plugin>/<name>`:
 * emptyDir (tmpfs for medium Memory), configMap, secret, projected and downwardAPI (written with
 * {@link AtomicWriter}), hostPath (type checks) and persistentVolumeClaim / generic ephemeral
 * (hostPath and local PVs). Operations on one pod are serialised.
 */
export class PodVolumes {
  private readonly podsDir: string;
  private readonly sources: VolumeSources;
  /** The mounter volumes use; subPath bind mounts go through it too. */
  readonly mounter: Mounter;
  private readonly nodeName: string;
  private readonly memoryBackedSecrets: boolean;
  private readonly onRefreshError: (pod: Pod, volumeName: string, error: Error) => void;
  /** The tail of each pod's queue of operations. */
  private readonly podQueues = new Map<string, Promise<unknown>>();

  constructor(options: PodVolumesOptions) {
    this.podsDir = options.podsDir;
    this.sources = options.sources;
    this.mounter = options.mounter ?? new SystemMounter();
    this.nodeName = options.nodeName;
    this.memoryBackedSecrets = options.memoryBackedSecrets ?? true;
    this.onRefreshError = options.onRefreshError ?? ((): void => undefined);
  }

  /** `<podsDir>/<uid>`. */
  podDir(podUID: string): string {
    return join(this.podsDir, checkedUID(podUID));
  }

  /**
   * Sets up every volume of `pod` (idempotent: existing directories, mounts and unchanged
   * content are kept) and returns volume name -> host path. Every volume is attempted; the
   * first failure is thrown as a {@link VolumeSetupError} naming its volume.
   */
  async setUp(pod: Pod): Promise<Map<string, string>> {
    const uid = podUID(pod);
    return this.serialised(uid, async () => {
      await mkdir(join(this.podDir(uid), 'volumes'), { recursive: true, mode: 0o750 });
      const paths = new Map<string, string>();
      const errors: VolumeSetupError[] = [];
      for (const volume of pod.spec?.volumes ?? []) {
        try {
          paths.set(volume.name, await this.setUpVolume(pod, volume));
        } catch (error) {
          errors.push(asVolumeError(error, volume.name));
        }
      }
      if (errors.length > 0) throw errors[0];
      return paths;
    });
  }

  /**
   * Rewrites the configMap, secret, projected and downwardAPI volumes of `pod` that were set up
   * and whose content changed; files change in place inside running containers (the `..data`
   * swap). A volume whose source fails now keeps its old content (see `onRefreshError`).
   * Returns whether anything changed.
   */
  async refresh(pod: Pod): Promise<boolean> {
    const uid = podUID(pod);
    return this.serialised(uid, async () => {
      let changed = false;
      for (const volume of pod.spec?.volumes ?? []) {
        const plugin = projectedKind(volume);
        if (plugin === undefined) continue;
        const dir = this.volumeDir(uid, plugin, volume.name);
        if (!(await hasAtomicData(dir))) continue;
        try {
          const payload = await this.payloadFor(pod, volume);
          if (await new AtomicWriter(dir).write(payload, { fsGroup: fsGroupOf(pod) })) changed = true;
        } catch (error) {
          this.onRefreshError(pod, volume.name, asVolumeError(error, volume.name));
        }
      }
      return changed;
    });
  }

  /**
   * Unmounts every mount below `<podsDir>/<uid>` and removes that directory. Symlinks are
   * removed, never followed, and removal refuses to cross into another filesystem, so hostPath
   * and PV directories (which are never below the pod directory) stay intact.
   */
  async tearDown(podUID: string): Promise<void> {
    const dir = this.podDir(podUID);
    await this.serialised(podUID, async () => {
      let info;
      try {
        info = await lstat(dir);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return;
        throw error;
      }
      if (!info.isDirectory()) {
        await unlink(dir);
        return;
      }
      const realDir = await realpath(dir);
      const mounted = (await this.mounter.mountPointsUnder(realDir)).sort((a, b) => b.length - a.length);
      for (const point of mounted) await this.mounter.unmount(point);
      const left = await this.mounter.mountPointsUnder(realDir);
      if (left.length > 0) throw new VolumeSetupError(`cannot remove pod directory ${dir}: still mounted: ${left.join(', ')}`);
      await removeTree(dir, info.dev);
    });
    this.podQueues.delete(podUID);
  }

  /** The pod UIDs that have a directory under `podsDir` (for orphan cleanup). */
  async listPodDirs(): Promise<string[]> {
    try {
      const entries = await readdir(this.podsDir, { withFileTypes: true });
      return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
  }

  private volumeDir(uid: string, plugin: keyof typeof pluginDirs, name: string): string {
    return join(this.podDir(uid), 'volumes', pluginDirs[plugin], name);
  }

  private async serialised<T>(uid: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.podQueues.get(uid) ?? Promise.resolve();
    const result = previous.then(operation, operation);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.podQueues.set(uid, tail);
    try {
      return await result;
    } finally {
      if (this.podQueues.get(uid) === tail) this.podQueues.delete(uid);
    }
  }

  private async setUpVolume(pod: Pod, volume: Volume): Promise<string> {
    const uid = podUID(pod);
    if (volume.emptyDir) {
      const medium = volume.emptyDir.medium ?? '';
      const dir = this.volumeDir(uid, 'emptyDir', volume.name);
      if (medium === '') {
        await mkdir(dir, { recursive: true });
        await chmod(dir, 0o777);
      } else if (medium === 'Memory') {
        await this.ensureTmpfs(dir, pod, volume.emptyDir.sizeLimit, true);
      } else if (medium === 'HugePages' || medium.startsWith('HugePages-')) {
        throw new VolumeSetupError(`hugepages medium is not supported on this node`, volume.name);
      } else {
        throw new VolumeSetupError(`unknown storage medium "${medium}"`, volume.name);
      }
      const fsGroup = fsGroupOf(pod);
      if (fsGroup !== undefined) {
        const info = await stat(dir);
        await chown(dir, info.uid, fsGroup);
        await chmod(dir, (info.mode & 0o7777) | 0o2000 | 0o660 | 0o110);
      }
      return dir;
    }
    const plugin = projectedKind(volume);
    if (plugin !== undefined) {
      const dir = this.volumeDir(uid, plugin, volume.name);
      if (plugin !== 'configMap' && this.memoryBackedSecrets) await this.ensureTmpfs(dir, pod, undefined, false);
      else await mkdir(dir, { recursive: true });
      const payload = await this.payloadFor(pod, volume);
      await new AtomicWriter(dir).write(payload, { fsGroup: fsGroupOf(pod) });
      return dir;
    }
    if (volume.hostPath) {
      await checkHostPathType(volume.hostPath.path, volume.hostPath.type, volume.name);
      return volume.hostPath.path;
    }
    if (volume.persistentVolumeClaim) {
      return this.claimPath(pod, volume.persistentVolumeClaim.claimName, false);
    }
    if (volume.ephemeral) {
      return this.claimPath(pod, `${pod.metadata?.name ?? ''}-${volume.name}`, true);
    }
    throw new VolumeSetupError(`volume "${volume.name}" has a volume type this node does not support`, volume.name);
  }

  /** Makes `dir` and mounts a tmpfs there unless one is mounted already. */
  private async ensureTmpfs(dir: string, pod: Pod, sizeLimit: string | undefined, emptyDirMode: boolean): Promise<void> {
    await mkdir(dir, { recursive: true });
    const realDir = await realpath(dir);
    if ((await this.mounter.mountPointsUnder(realDir)).includes(realDir)) return;
    if (emptyDirMode) await chmod(dir, 0o777);
    const size = memoryVolumeSize(pod, sizeLimit, this.sources.nodeAllocatable?.['memory']);
    try {
      await this.mounter.mount('tmpfs', realDir, 'tmpfs', size === undefined ? [] : [`size=${size}`]);
    } catch (error) {
      throw new VolumeSetupError(`mounting tmpfs at ${realDir} failed: ${errorMessage(error)}`, undefined, { cause: error });
    }
  }

  /** The payload of a configMap, secret, projected or downwardAPI volume. */
  private async payloadFor(pod: Pod, volume: Volume): Promise<Payload> {
    const namespace = pod.metadata?.namespace ?? 'default';
    if (volume.configMap) {
      const source = volume.configMap;
      const name = source.name ?? '';
      const optional = source.optional === true;
      const configMap = this.sources.configMap(namespace, name);
      if (!configMap && !optional) throw new VolumeSetupError(`configmap "${name}" not found`, volume.name);
      return configMapPayload(configMap, source.items, source.defaultMode ?? defaultFileMode, optional);
    }
    if (volume.secret) {
      const source = volume.secret;
      const name = source.secretName ?? '';
      const optional = source.optional === true;
      const secret = this.sources.secret(namespace, name);
      if (!secret && !optional) throw new VolumeSetupError(`secret "${name}" not found`, volume.name);
      return secretPayload(secret, source.items, source.defaultMode ?? defaultFileMode, optional);
    }
    if (volume.downwardAPI) {
      return downwardAPIPayload(volume.downwardAPI.items, pod, volume.downwardAPI.defaultMode ?? defaultFileMode, this.sources.nodeAllocatable);
    }
    if (volume.projected) {
      const defaultMode = volume.projected.defaultMode ?? defaultFileMode;
      const payload: Payload = new Map();
      const errors: Error[] = [];
      for (const source of volume.projected.sources ?? []) {
        try {
          let part: Payload;
          if (source.secret) {
            const name = source.secret.name ?? '';
            const optional = source.secret.optional === true;
            const secret = this.sources.secret(namespace, name);
            if (!secret && !optional) throw new VolumeSetupError(`secret "${name}" not found`, volume.name);
            part = secretPayload(secret, source.secret.items, defaultMode, optional);
          } else if (source.configMap) {
            const name = source.configMap.name ?? '';
            const optional = source.configMap.optional === true;
            const configMap = this.sources.configMap(namespace, name);
            if (!configMap && !optional) throw new VolumeSetupError(`configmap "${name}" not found`, volume.name);
            part = configMapPayload(configMap, source.configMap.items, defaultMode, optional);
          } else if (source.downwardAPI) {
            part = downwardAPIPayload(source.downwardAPI.items, pod, defaultMode, this.sources.nodeAllocatable);
          } else if (source.serviceAccountToken) {
            const token = this.sources.serviceAccountToken ? await this.sources.serviceAccountToken(pod, source.serviceAccountToken) : '';
            part = new Map([[source.serviceAccountToken.path, { data: Buffer.from(token), mode: defaultMode }]]);
          } else {
            throw new VolumeSetupError(`projected volume "${volume.name}" has a source this node does not support`, volume.name);
          }
          for (const [path, file] of part) payload.set(path, file);
        } catch (error) {
          errors.push(error instanceof Error ? error : new Error(String(error)));
        }
      }
      const failure = aggregateErrors(errors, volume.name);
      if (failure) throw failure;
      return payload;
    }
    throw new VolumeSetupError(`volume "${volume.name}" is not a projected volume`, volume.name);
  }

  /** The host path of the PV bound to claim `claimName`; `ephemeral` also checks the claim belongs to the pod. */
  private async claimPath(pod: Pod, claimName: string, ephemeral: boolean): Promise<string> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const claim = this.sources.persistentVolumeClaim(namespace, claimName);
    if (!claim) throw new VolumeSetupError(`persistentvolumeclaim "${claimName}" not found`);
    if (ephemeral && !(claim.metadata?.ownerReferences ?? []).some((owner) => owner.controller === true && owner.uid === pod.metadata?.uid)) {
      throw new VolumeSetupError(`PVC ${namespace}/${claimName} was not created for the pod`);
    }
    const pvName = claim.spec?.volumeName;
    if (claim.status?.phase !== 'Bound' || !pvName) throw new VolumeSetupError(`persistentvolumeclaim "${claimName}" is not bound`);
    const pv = this.sources.persistentVolume(pvName);
    if (!pv) throw new VolumeSetupError(`persistentvolume "${pvName}" not found`);
    const claimRefUID = pv.spec?.claimRef?.uid;
    if (claimRefUID && claim.metadata?.uid && claimRefUID !== claim.metadata.uid) {
      throw new VolumeSetupError(`found PV object ${pvName} but its ClaimRef.UID ${claimRefUID} does not point to claim.UID ${claim.metadata.uid}`);
    }
    if (pv.spec?.hostPath) {
      await checkHostPathType(pv.spec.hostPath.path, pv.spec.hostPath.type);
      return pv.spec.hostPath.path;
    }
    if (pv.spec?.local) {
      if (!this.nodeMatchesAffinity(pv)) {
        throw new VolumeSetupError(`persistentvolume "${pvName}" is bound to another node than "${this.nodeName}"`);
      }
      await mkdir(pv.spec.local.path, { recursive: true, mode: 0o755 });
      return pv.spec.local.path;
    }
    throw new VolumeSetupError(`persistentvolume "${pvName}" has no hostPath or local source, the only kinds this node supports`);
  }

  /** False only when every node selector term is a hostname match that names other nodes. */
  private nodeMatchesAffinity(pv: PersistentVolume): boolean {
    const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
    if (terms.length === 0) return true;
    for (const term of terms) {
      const expressions = term.matchExpressions ?? [];
      const onlyHostname = expressions.length > 0 && (term.matchFields ?? []).length === 0 && expressions.every((expr) => expr.key === hostnameLabel && expr.operator === 'In');
      if (!onlyHostname) return true;
      if (expressions.every((expr) => (expr.values ?? []).includes(this.nodeName))) return true;
    }
    return false;
  }
}

/** Which AtomicWriter-backed plugin a volume uses, or undefined. */
function projectedKind(volume: Volume): 'configMap' | 'secret' | 'projected' | 'downwardAPI' | undefined {
  if (volume.configMap) return 'configMap';
  if (volume.secret) return 'secret';
  if (volume.projected) return 'projected';
  if (volume.downwardAPI) return 'downwardAPI';
  return undefined;
}

function podUID(pod: Pod): string {
  const uid = pod.metadata?.uid;
  if (!uid) throw new VolumeSetupError(`pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''} has no uid`);
  return checkedUID(uid);
}

/** Refuses UIDs that would name a path outside `podsDir`. */
function checkedUID(uid: string): string {
  if (uid === '' || uid === '.' || uid === '..' || uid.includes('/') || uid.includes('\0')) {
    throw new VolumeSetupError(`invalid pod uid ${JSON.stringify(uid)}`);
  }
  return uid;
}

function fsGroupOf(pod: Pod): number | undefined {
  return pod.spec?.securityContext?.fsGroup ?? undefined;
}

function asVolumeError(error: unknown, volumeName: string): VolumeSetupError {
  if (error instanceof VolumeSetupError) {
    return error.volumeName === volumeName ? error : new VolumeSetupError(error.message, volumeName, { cause: error.cause ?? error });
  }
  return new VolumeSetupError(errorMessage(error), volumeName, { cause: error });
}

/** A byte quantity's value (rounded up, as upstream's Quantity.Value); undefined when absent or malformed. */
function quantityBytes(quantity: string | undefined): number | undefined {
  return parseQuantity(quantity)?.value();
}

/**
 * The size of a memory-backed volume as upstream's calculateEmptyDirMemorySize: the node's
 * allocatable memory, lowered to the pod's memory limit and then to the volume's sizeLimit when
 * those are positive and smaller. Undefined when nothing is known (the kernel default applies).
 */
export function memoryVolumeSize(pod: Pod, sizeLimit: string | undefined, nodeAllocatableMemory: string | undefined): number | undefined {
  let size = quantityBytes(nodeAllocatableMemory);
  const lower = (candidate: number | undefined): void => {
    if (candidate !== undefined && candidate > 0 && (size === undefined || candidate <= size)) size = candidate;
  };
  lower(podMemoryLimit(pod));
  lower(quantityBytes(sizeLimit));
  return size;
}

/** The pod's memory limit when every container declares one: max(sum of app containers, each init container). */
function podMemoryLimit(pod: Pod): number | undefined {
  const limitOf = (container: { resources?: { limits?: Record<string, string> } }): number | undefined => quantityBytes(container.resources?.limits?.['memory']);
  let sum = 0;
  for (const container of pod.spec?.containers ?? []) {
    const limit = limitOf(container);
    if (limit === undefined) return undefined;
    sum += limit;
  }
  let result = sum;
  for (const container of pod.spec?.initContainers ?? []) {
    const limit = limitOf(container);
    if (limit === undefined) return undefined;
    result = Math.max(result, limit);
  }
  const overhead = quantityBytes(pod.spec?.overhead?.['memory']);
  return result + (overhead ?? 0);
}

/** Removes `path` recursively without following symlinks and without entering another filesystem. */
async function removeTree(path: string, rootDevice: number): Promise<void> {
  const info = await lstat(path);
  if (!info.isDirectory()) {
    await unlink(path);
    return;
  }
  if (info.dev !== rootDevice) throw new VolumeSetupError(`refusing to remove ${path}: it is on another filesystem (a mount point)`);
  for (const entry of await readdir(path)) await removeTree(join(path, entry), rootDevice);
  await rmdir(path);
}
