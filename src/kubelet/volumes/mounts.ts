import type { Container, Pod, Volume } from 'kubernetes-types/core/v1.js';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';
import { VolumeSetupError, errorCode } from './errors.js';
import type { Mounter } from './mounter.js';

/** CRI MountPropagation enum names. */
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';

/** A CRI runtime.v1 Mount (field names as @grpc/proto-loader produces them). */
export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  selinuxRelabel: boolean;
  propagation: MountPropagation;
}

/** A container's resolved environment: a name -> value record, CRI KeyValues or EnvVars with values. */
export type ResolvedEnv = Record<string, string> | ReadonlyArray<{ key: string; value: string }> | ReadonlyArray<{ name: string; value?: string }>;

/** Options of {@link containerMounts}. */
export interface ContainerMountsOptions {
  /** `<podsDir>/<uid>`; termination message files go to `<podDir>/containers/<name>/`. */
  podDir: string;
  /** The pod's hosts file on the host; mounted at /etc/hosts unless the container mounts something there. Default: none. */
  etcHostsPath?: string;
  /**
   * The host file backing the termination message. Default: a new empty file
   * `<podDir>/containers/<container>/<8 random hex digits>` (one per container instance, as upstream).
   */
  terminationMessagePath?: string;
  /** The container's resolved environment, for `subPathExpr`. Default: empty. */
  env?: ResolvedEnv;
  /** Whether the host enforces SELinux (then kubelet-managed volumes are relabelled). Default false. */
  selinuxEnabled?: boolean;
  /**
   * Bind-mounts each subPath, opened without following any symlink, from `/proc/<pid>/fd/N` to
   * `<podDir>/volume-subpaths/<volume>/<container>/<index>` and gives the runtime that path, as
   * upstream's kubelet does: a symlink swapped in after the check cannot redirect the mount.
   * Default: none (the subPath is opened and checked, and its resolved path given to the runtime).
   */
  subPathMounter?: Mounter;
}

/** The default of Container.terminationMessagePath. */
export const defaultTerminationMessagePath = '/dev/termination-log';

/**
 * The CRI mounts of `container`: one per volumeMount (subPath / subPathExpr resolved and created
 * inside the volume, never outside it; configMap, secret, projected and downwardAPI volumes and
 * read-only claims always read-only; mountPropagation translated), then /etc/hosts (when
 * `etcHostsPath` is given and no volumeMount targets /etc/hosts), then the termination message
 * file at `container.terminationMessagePath` (default /dev/termination-log). `volumePaths` is
 * what {@link PodVolumes.setUp} returned. Throws {@link VolumeSetupError} with upstream's messages.
 */
export async function containerMounts(pod: Pod, container: Container, volumePaths: ReadonlyMap<string, string>, options: ContainerMountsOptions): Promise<Mount[]> {
  const selinux = options.selinuxEnabled ?? false;
  const volumes = new Map<string, Volume>((pod.spec?.volumes ?? []).map((volume) => [volume.name, volume]));
  const env = envRecord(options.env);
  const mounts: Mount[] = [];
  let mountEtcHosts = options.etcHostsPath !== undefined;
  for (const [index, volumeMount] of (container.volumeMounts ?? []).entries()) {
    if (posix.normalize(volumeMount.mountPath) === '/etc/hosts') mountEtcHosts = false;
    const volumePath = volumePaths.get(volumeMount.name);
    const volume = volumes.get(volumeMount.name);
    if (volumePath === undefined || volume === undefined) {
      throw new VolumeSetupError(`cannot find volume "${volumeMount.name}" to mount into container "${container.name}"`, volumeMount.name);
    }
    let subPath = volumeMount.subPath ?? '';
    if (volumeMount.subPathExpr) subPath = expandSubPathExpr(volumeMount.subPathExpr, env);
    let hostPath = volumePath;
    if (subPath !== '') {
      if (subPath.startsWith('/')) throw new VolumeSetupError(`error SubPath \`${subPath}\` must not be an absolute path`, volumeMount.name);
      if (subPath.split('/').includes('..')) throw new VolumeSetupError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`, volumeMount.name);
      const resolved = await safeSubPath(volumePath, subPath, volumeMount.name);
      const bindTarget = options.subPathMounter && join(options.podDir, 'volume-subpaths', volumeMount.name, container.name, String(index));
      hostPath = await withOpenSubPath(resolved, volumeMount.name, async (handle, isDirectory) => {
        if (!options.subPathMounter || !bindTarget) return resolved.path;
        await bindSubPath(options.subPathMounter, handle, isDirectory, bindTarget);
        return bindTarget;
      });
    }
    mounts.push({
      containerPath: volumeMount.mountPath,
      hostPath,
      readonly: volumeMount.readOnly === true || mustMountReadOnly(volume),
      selinuxRelabel: selinux && isManaged(volume),
      propagation: translatePropagation(volumeMount.mountPropagation, container),
    });
  }
  if (mountEtcHosts && options.etcHostsPath !== undefined) {
    mounts.push({ containerPath: '/etc/hosts', hostPath: options.etcHostsPath, readonly: false, selinuxRelabel: selinux, propagation: 'PROPAGATION_PRIVATE' });
  }
  const terminationFile = options.terminationMessagePath ?? join(options.podDir, 'containers', container.name, randomBytes(4).toString('hex'));
  await mkdir(posix.dirname(terminationFile), { recursive: true });
  await (await open(terminationFile, 'a')).close();
  // anyone may write the message, whatever user the container runs as (upstream: 0666)
  await chmod(terminationFile, 0o666);
  mounts.push({
    containerPath: container.terminationMessagePath || defaultTerminationMessagePath,
    hostPath: terminationFile,
    readonly: false,
    selinuxRelabel: selinux,
    propagation: 'PROPAGATION_PRIVATE',
  });
  return mounts;
}

/** The mount among `mounts` that carries `container`'s termination message (its host file is read after exit). */
export function terminationMessageMount(container: Container, mounts: readonly Mount[]): Mount | undefined {
  const containerPath = container.terminationMessagePath || defaultTerminationMessagePath;
  return mounts.findLast((mount) => mount.containerPath === containerPath);
}

/**
 * Expands `$(VAR)` in a subPathExpr from `env` with upstream's syntax (`$$` is a literal `$`,
 * an unterminated `$(` stays as is). A reference to an unset or empty variable fails with
 * `missing value for A, B` (sorted).
 */
export function expandSubPathExpr(expression: string, env: Record<string, string>): string {
  const missing = new Set<string>();
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < expression.length; cursor++) {
    if (expression[cursor] !== '$' || cursor + 1 >= expression.length) continue;
    out += expression.slice(checkpoint, cursor);
    const next = expression[cursor + 1]!;
    if (next === '$') {
      out += '$';
      cursor += 1;
    } else if (next === '(') {
      const close = expression.indexOf(')', cursor + 2);
      if (close < 0) {
        out += '$(';
        cursor += 1;
      } else {
        const name = expression.slice(cursor + 2, close);
        const value = env[name];
        if (value === undefined || value === '') missing.add(name);
        out += value ?? '';
        cursor = close;
      }
    } else {
      out += `$${next}`;
      cursor += 1;
    }
    checkpoint = cursor + 1;
  }
  out += expression.slice(checkpoint);
  if (missing.size > 0) throw new VolumeSetupError(`missing value for ${[...missing].sort().join(', ')}`);
  return out;
}

function envRecord(env: ResolvedEnv | undefined): Record<string, string> {
  if (env === undefined) return {};
  if (!Array.isArray(env)) return env as Record<string, string>;
  const record: Record<string, string> = {};
  for (const entry of env as ReadonlyArray<{ key?: string; name?: string; value?: string }>) {
    const name = entry.key ?? entry.name;
    if (name !== undefined) record[name] = entry.value ?? '';
  }
  return record;
}

/** Volumes upstream always mounts read-only (their plugins' ReadOnly attribute). */
function mustMountReadOnly(volume: Volume): boolean {
  return Boolean(volume.configMap || volume.secret || volume.projected || volume.downwardAPI || volume.persistentVolumeClaim?.readOnly);
}

/** Volumes whose content the kubelet owns (SELinux relabelling applies). */
function isManaged(volume: Volume): boolean {
  return Boolean(volume.emptyDir || volume.configMap || volume.secret || volume.projected || volume.downwardAPI);
}

function translatePropagation(mode: string | undefined, container: Container): MountPropagation {
  switch (mode ?? 'None') {
    case 'None':
      return 'PROPAGATION_PRIVATE';
    case 'HostToContainer':
      return 'PROPAGATION_HOST_TO_CONTAINER';
    case 'Bidirectional':
      if (container.securityContext?.privileged !== true) {
        throw new VolumeSetupError('Bidirectional mount propagation is available only to privileged containers');
      }
      return 'PROPAGATION_BIDIRECTIONAL';
    default:
      throw new VolumeSetupError(`invalid MountPropagation mode: "${mode}"`);
  }
}

function isWithin(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/**
 * Resolves `subPath` inside `volumePath`, creating missing directories (with the volume
 * directory's mode) one component at a time so that no symlink can lead the creation outside
 * the volume. Returns the real host path. Fails when any component resolves outside.
 */
async function safeSubPath(volumePath: string, subPath: string, volumeName: string): Promise<ResolvedSubPath> {
  const realVolume = await realpath(volumePath);
  const mode = (await stat(realVolume)).mode & 0o7777;
  const escape = (): never => {
    throw new VolumeSetupError(`subpath "${join(volumePath, subPath)}" not within volume path "${volumePath}"`, volumeName);
  };
  const parts = subPath.split('/').filter((part) => part !== '' && part !== '.');
  let current = realVolume;
  for (const [index, part] of parts.entries()) {
    const next = join(current, part);
    let info;
    try {
      info = await lstat(next);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      await mkdir(next, { mode });
      await chmod(next, mode);
      current = next;
      continue;
    }
    if (info.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(next);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') escape();
        throw error;
      }
      if (!isWithin(target!, realVolume)) escape();
      current = target!;
    } else if (info.isDirectory() || index === parts.length - 1) {
      current = next;
    } else {
      throw new VolumeSetupError(`subpath "${join(volumePath, subPath)}" crosses a file: ${next}`, volumeName);
    }
  }
  if (!isWithin(current, realVolume)) escape();
  return { volume: realVolume, path: current, display: join(volumePath, subPath), volumePath };
}

/** A subPath resolved by {@link safeSubPath}: the real volume directory and the real path inside it. */
export interface ResolvedSubPath {
  volume: string;
  path: string;
  /** For messages: the subPath as asked for, and the volume path. */
  display: string;
  volumePath: string;
}

/** Linux's O_PATH (asm-generic): a handle on a path that neither reads nor follows it (node:fs lacks the constant). */
const O_PATH = 0o10000000;

/**
 * Opens `resolved.path` from the volume directory down, one component at a time through
 * `/proc/self/fd/<parent>/<name>` with O_NOFOLLOW (Node's openat), so that a component replaced
 * by a symlink since {@link safeSubPath} checked it is refused rather than followed; checks where
 * the handle really points, then runs `use` with it open.
 */
export async function withOpenSubPath<T>(resolved: ResolvedSubPath, volumeName: string, use: (handle: FileHandle, isDirectory: boolean) => Promise<T>): Promise<T> {
  const escape = (): never => {
    throw new VolumeSetupError(`subpath "${resolved.display}" not within volume path "${resolved.volumePath}"`, volumeName);
  };
  const rel = relative(resolved.volume, resolved.path);
  const parts = rel === '' ? [] : rel.split('/');
  let handle = await open(resolved.volume, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const [index, part] of parts.entries()) {
      const last = index === parts.length - 1;
      const flags = last ? O_PATH | constants.O_NOFOLLOW : constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
      let next: FileHandle;
      try {
        next = await open(`/proc/self/fd/${handle.fd}/${part}`, flags);
      } catch (error) {
        // A symlink where a directory was (ELOOP), or something that is no longer a directory.
        if (errorCode(error) === 'ELOOP' || errorCode(error) === 'ENOTDIR' || errorCode(error) === 'ENOENT') escape();
        throw error;
      }
      await handle.close();
      handle = next;
    }
    const info = await handle.stat();
    // O_PATH with O_NOFOLLOW opens a symlink itself rather than refusing it.
    if (info.isSymbolicLink()) escape();
    if (!isWithin(await readlink(`/proc/self/fd/${handle.fd}`), resolved.volume)) escape();
    return await use(handle, info.isDirectory());
  } finally {
    await handle.close();
  }
}

/** Bind-mounts what `handle` holds open at `target` (made as an empty file or directory), replacing an earlier bind there. */
async function bindSubPath(mounter: Mounter, handle: FileHandle, isDirectory: boolean, target: string): Promise<void> {
  await mkdir(posix.dirname(target), { recursive: true, mode: 0o750 });
  if ((await mounter.mountPointsUnder(target)).includes(target)) await mounter.unmount(target);
  if (isDirectory) await mkdir(target, { recursive: true, mode: 0o750 });
  else await (await open(target, 'a', 0o640)).close();
  // /proc/<pid>, not /proc/self: the mount binary is another process.
  await mounter.mount(`/proc/${process.pid}/fd/${handle.fd}`, target, 'none', ['bind']);
}
