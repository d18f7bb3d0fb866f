import { mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { VolumeSetupError, errorCode } from './errors.js';

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * Checks (and for the *OrCreate types creates) a hostPath volume's path as upstream's hostPath
 * plugin: '' checks nothing; DirectoryOrCreate makes the directory (0755, parents too) and
 * FileOrCreate an empty file (0644) when missing; Directory, File, Socket, CharDevice and
 * BlockDevice require that kind. Fails with `hostPath type check failed: <path> is not a ...`.
 */
export async function checkHostPathType(path: string, type: string | undefined, volumeName?: string): Promise<void> {
  const checks: Record<string, [string, (info: Stats) => boolean]> = {
    Directory: ['directory', (info) => info.isDirectory()],
    DirectoryOrCreate: ['directory', (info) => info.isDirectory()],
    File: ['file', (info) => info.isFile()],
    FileOrCreate: ['file', (info) => info.isFile()],
    Socket: ['socket file', (info) => info.isSocket()],
    CharDevice: ['character device', (info) => info.isCharacterDevice()],
    BlockDevice: ['block device', (info) => info.isBlockDevice()],
  };
  const kind = type ?? '';
  if (kind === '') return;
  const check = checks[kind];
  if (!check) throw new VolumeSetupError(`${kind} is an invalid volume type`, volumeName);
  if (kind === 'DirectoryOrCreate' && !(await statOrUndefined(path))) {
    await mkdir(path, { recursive: true, mode: 0o755 });
  } else if (kind === 'FileOrCreate' && !(await statOrUndefined(path))) {
    await (await open(path, 'a', 0o644)).close();
  }
  const info = await statOrUndefined(path);
  if (!info || !check[1](info)) {
    throw new VolumeSetupError(`hostPath type check failed: ${path} is not a ${check[0]}`, volumeName);
  }
}
