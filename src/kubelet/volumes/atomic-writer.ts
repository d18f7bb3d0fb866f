import { chmod, chown, lstat, mkdir, mkdtemp, readFile, readlink, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { VolumeSetupError, errorCode } from './errors.js';

/** One file of a volume payload: its bytes and permission bits. */
export interface FileProjection {
  data: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** A volume payload: relative path (may contain `/`) to file. */
export type Payload = Map<string, FileProjection>;

/** Options of {@link AtomicWriter.write}. */
export interface AtomicWriteOptions {
  /**
   * The pod's fsGroup: files and directories of the new data directory get this group and
   * group read access (directories also setgid and group search), as upstream's
   * SetVolumeOwnership does for read-only volumes. Default: no ownership change.
   */
  fsGroup?: number;
}

const dataDirName = '..data';
const newDataDirName = '..data_tmp';
const maxFileNameLength = 255;
const maxPathLength = 4096;

/**
 * Projects a set of files into a directory so that readers see either the whole old set or
 * the whole new set, with upstream's on-disk layout (pkg/volume/util/atomic_writer.go):
 *
 *   <dir>/..2024_01_02_15_04_05.AbCdEf/<files>   the real data, one directory per version
 *   <dir>/..data -> ..2024_01_02_15_04_05.AbCdEf  swapped by rename(2) of `..data_tmp`
 *   <dir>/<top-level name> -> ..data/<top-level name>
 *
 * Names starting with `..` are reserved. Not safe for concurrent writes to one directory: the
 * caller serialises.
 */
export class AtomicWriter {
  constructor(readonly targetDir: string) {}

  /**
   * Writes `payload` unless the current version already holds exactly these files (content and
   * mode). Returns whether a new version was written.
   */
  async write(payload: Payload, options: AtomicWriteOptions = {}): Promise<boolean> {
    const clean = cleanPayload(payload);
    const dataDirPath = join(this.targetDir, dataDirName);
    let oldTsDir = '';
    try {
      oldTsDir = await readlink(dataDirPath);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
    if (oldTsDir !== '' && (!oldTsDir.startsWith('..') || oldTsDir === '..' || oldTsDir.includes('/'))) {
      // never follow (and later delete) a version link that points anywhere but a sibling
      throw new VolumeSetupError(`unexpected ${dataDirName} link in ${this.targetDir}: ${oldTsDir}`);
    }
    const oldTsPath = oldTsDir === '' ? undefined : join(this.targetDir, oldTsDir);

    let pathsToRemove = new Set<string>();
    if (oldTsPath !== undefined) {
      pathsToRemove = await this.pathsToRemove(clean, oldTsPath);
      if (pathsToRemove.size === 0 && !(await payloadDiffers(clean, oldTsPath))) return false;
    }

    const tsDir = await this.newTimestampDir();
    const tsDirName = posix.basename(tsDir);
    try {
      await writePayloadToDir(clean, tsDir);
      if (options.fsGroup !== undefined) await applyFsGroup(tsDir, options.fsGroup);
      await this.createUserVisibleFiles(clean);
      const newDataDirPath = join(this.targetDir, newDataDirName);
      await rm(newDataDirPath, { force: true });
      await symlink(tsDirName, newDataDirPath);
      try {
        await rename(newDataDirPath, dataDirPath);
      } catch (error) {
        await rm(newDataDirPath, { force: true });
        throw error;
      }
    } catch (error) {
      await rm(tsDir, { recursive: true, force: true });
      throw error;
    }

    for (const path of pathsToRemove) {
      // Only the top-level symlinks live outside the data directory.
      if (path.includes('/')) continue;
      await rm(join(this.targetDir, path), { force: true });
    }
    if (oldTsPath !== undefined && oldTsDir !== tsDirName) await rm(oldTsPath, { recursive: true, force: true });
    return true;
  }

  /** Paths (files and directories) of the old version that the new payload no longer has. */
  private async pathsToRemove(payload: Payload, oldTsPath: string): Promise<Set<string>> {
    const oldPaths = await walk(oldTsPath);
    const newPaths = new Set<string>();
    for (const file of payload.keys()) {
      for (let sub = file; sub !== '.' && sub !== ''; sub = posix.dirname(sub)) newPaths.add(sub);
    }
    return new Set(oldPaths.filter((path) => !newPaths.has(path)));
  }

  private async newTimestampDir(): Promise<string> {
    const now = new Date();
    const two = (n: number): string => String(n).padStart(2, '0');
    const prefix = `..${now.getUTCFullYear()}_${two(now.getUTCMonth() + 1)}_${two(now.getUTCDate())}_${two(now.getUTCHours())}_${two(now.getUTCMinutes())}_${two(now.getUTCSeconds())}.`;
    const dir = await mkdtemp(join(this.targetDir, prefix));
    // group and other must be able to traverse, whatever the umask
    await chmod(dir, 0o755);
    return dir;
  }

  private async createUserVisibleFiles(payload: Payload): Promise<void> {
    const topLevel = new Set([...payload.keys()].map((path) => path.split('/')[0]!));
    for (const name of topLevel) {
      const visible = join(this.targetDir, name);
      try {
        await lstat(visible);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw error;
        await symlink(posix.join(dataDirName, name), visible);
      }
    }
  }
}

/**
 * Checks one payload path as upstream does: relative, not empty, no `..` element, not starting
 * with `..` (reserved), file names up to 255 and paths up to 4096 characters. Returns the
 * message of the problem, or undefined when the path is valid.
 */
export function invalidPayloadPath(path: string): string | undefined {
  if (path === '') return `invalid path: must not be empty: ""`;
  if (path.startsWith('/')) return `invalid path: must be relative path: ${path}`;
  if (path.length > maxPathLength) return `invalid path: must be less than or equal to ${maxPathLength} characters`;
  const items = path.split('/');
  for (const item of items) {
    if (item === '..') return `invalid path: must not contain '..': ${path}`;
    if (item.length > maxFileNameLength) return `invalid path: filenames must be less than or equal to ${maxFileNameLength} characters`;
  }
  if (items[0]!.startsWith('..') && items[0]!.length > 2) return `invalid path: must not start with '..': ${path}`;
  if (posix.normalize(path) === '.') return `invalid path: must name a file: ${path}`;
  return undefined;
}

function cleanPayload(payload: Payload): Payload {
  const clean: Payload = new Map();
  for (const [path, file] of payload) {
    const problem = invalidPayloadPath(path);
    if (problem !== undefined) throw new VolumeSetupError(problem);
    clean.set(posix.normalize(path).replace(/\/+$/, ''), file);
  }
  return clean;
}

/** Whether any file of `payload` is missing from `oldTsPath` or differs in content or mode. */
async function payloadDiffers(payload: Payload, oldTsPath: string): Promise<boolean> {
  for (const [path, file] of payload) {
    const onDisk = join(oldTsPath, path);
    try {
      const info = await lstat(onDisk);
      if (!info.isFile() || (info.mode & 0o7777) !== file.mode) return true;
      if (!(await readFile(onDisk)).equals(file.data)) return true;
    } catch (error) {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return true;
      throw error;
    }
  }
  return false;
}

async function writePayloadToDir(payload: Payload, dir: string): Promise<void> {
  for (const [path, file] of payload) {
    const fullPath = join(dir, path);
    await mkdir(posix.dirname(fullPath), { recursive: true });
    await writeFile(fullPath, file.data, { mode: file.mode });
    // the umask applies at creation; the mode asked for must hold regardless
    await chmod(fullPath, file.mode);
  }
}

async function applyFsGroup(dir: string, gid: number): Promise<void> {
  for (const relative of ['', ...(await walk(dir))]) {
    const path = relative === '' ? dir : join(dir, relative);
    const info = await lstat(path);
    if (info.isSymbolicLink()) continue;
    await chown(path, info.uid, gid);
    const mask = info.isDirectory() ? 0o440 | 0o2000 | 0o110 : 0o440;
    await chmod(path, (info.mode & 0o7777) | mask);
  }
}

/** All paths below `root` (relative, `/`-separated), without following symlinks; [] if missing. */
async function walk(root: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(relative === '' ? root : join(root, relative), { withFileTypes: true });
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      found.push(path);
      if (entry.isDirectory()) await visit(path);
    }
  };
  await visit('');
  return found;
}

/** Whether `dir` holds an AtomicWriter `..data` link (a volume written at least once). */
export async function hasAtomicData(dir: string): Promise<boolean> {
  try {
    await stat(join(dir, dataDirName));
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return false;
    throw error;
  }
}
