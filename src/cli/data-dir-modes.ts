import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Options of {@link restrictDataDir}. */
export interface RestrictDataDirOptions {
  /**
   * Paths relative to the data dir whose contents belong to someone else and keep their modes:
   * the directory itself is made owner-only, nothing below it is touched. Default
   * {@link contentTrees}.
   */
  contentTrees?: string[];
  /**
   * Paths relative to the data dir left entirely alone, the directory included (a runtime's own
   * state, which sets its own modes). Default {@link foreignTrees}.
   */
  foreignTrees?: string[];
  /** Told about each entry whose mode could not be changed (e.g. owned by another user). Default: ignored. */
  onError?: (path: string, error: unknown) => void;
}

/** What {@link restrictDataDir} changed. */
export interface RestrictDataDirResult {
  /** Absolute paths whose mode was narrowed. */
  changed: string[];
}

/**
 * Trees whose contents are pods' data: volumes and local PersistentVolumes keep the modes the
 * kubelet gave them (an emptyDir is 0777 inside), only their top directory is owner-only.
 */
export const contentTrees = ['agent/pods', 'storage'];

/** containerd's root and state: containerd sets their modes itself (0711 for rootfs traversal). */
export const foreignTrees = ['agent/containerd/root', 'agent/containerd/state'];

/**
 * Makes the data dir and everything the server and agent keep in it owner-only, whatever existed
 * before: directories 0700, files their owner bits only (0644 becomes 0600). Symlinks, sockets
 * and devices are left as they are. A missing data dir is not an error.
 */
export async function restrictDataDir(dataDir: string, options: RestrictDataDirOptions = {}): Promise<RestrictDataDirResult> {
  const content = new Set(options.contentTrees ?? contentTrees);
  const foreign = new Set(options.foreignTrees ?? foreignTrees);
  const changed: string[] = [];
  const restrict = async (path: string, mode: number, wanted: number): Promise<void> => {
    if ((mode & 0o7777) === wanted) return;
    try {
      await chmod(path, wanted);
      changed.push(path);
    } catch (error) {
      options.onError?.(path, error);
    }
  };
  const visit = async (relative: string): Promise<void> => {
    if (foreign.has(relative)) return;
    const path = relative === '' ? dataDir : join(dataDir, relative);
    let info;
    try {
      info = await lstat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (info.isFile()) return restrict(path, info.mode, info.mode & 0o700);
    if (!info.isDirectory()) return;
    await restrict(path, info.mode, 0o700);
    if (content.has(relative)) return;
    for (const name of await readdir(path)) await visit(relative === '' ? name : `${relative}/${name}`);
  };
  await visit('');
  return { changed };
}
