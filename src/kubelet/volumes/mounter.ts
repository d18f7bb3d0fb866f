import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { errorMessage } from '../../apimachinery/errors.js';

const execFileAsync = promisify(execFile);

/** The mount operations pod volumes need; injectable so that tests run without root. */
export interface Mounter {
  /** Mounts `source` of type `fsType` at `target` with `options` (e.g. `['size=1048576']`). */
  mount(source: string, target: string, fsType: string, options: readonly string[]): Promise<void>;
  /** Unmounts `target`. */
  unmount(target: string): Promise<void>;
  /** Mount points at `dir` or below it, as absolute paths. */
  mountPointsUnder(dir: string): Promise<string[]>;
}

/** Options of {@link SystemMounter}. */
export interface SystemMounterOptions {
  /** The mount binary. Default `mount`. */
  mountBinary?: string;
  /** The umount binary. Default `umount`. */
  umountBinary?: string;
  /** The mount table read. Default `/proc/self/mountinfo`. */
  mountInfoPath?: string;
}

/** A {@link Mounter} that runs the host's `mount`/`umount` and reads /proc/self/mountinfo. */
export class SystemMounter implements Mounter {
  private readonly mountBinary: string;
  private readonly umountBinary: string;
  private readonly mountInfoPath: string;

  constructor(options: SystemMounterOptions = {}) {
    this.mountBinary = options.mountBinary ?? 'mount';
    this.umountBinary = options.umountBinary ?? 'umount';
    this.mountInfoPath = options.mountInfoPath ?? '/proc/self/mountinfo';
  }

  async mount(source: string, target: string, fsType: string, options: readonly string[]): Promise<void> {
    const args = ['-t', fsType];
    if (options.length > 0) args.push('-o', options.join(','));
    await run(this.mountBinary, [...args, source, target]);
  }

  async unmount(target: string): Promise<void> {
    await run(this.umountBinary, [target]);
  }

  async mountPointsUnder(dir: string): Promise<string[]> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return parseMountInfo(await readFile(this.mountInfoPath, 'utf8')).filter((point) => point === dir || point.startsWith(prefix));
  }
}

async function run(binary: string, args: string[]): Promise<void> {
  try {
    await execFileAsync(binary, args);
  } catch (error) {
    const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String((error as { stderr: unknown }).stderr).trim() : '';
    throw new Error(`${binary} ${args.join(' ')} failed: ${stderr || errorMessage(error)}`, { cause: error });
  }
}

/** The mount points (field 5) of a /proc/<pid>/mountinfo text, with octal escapes decoded. */
export function parseMountInfo(text: string): string[] {
  const points: string[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 5) continue;
    points.push(fields[4]!.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
  }
  return points;
}
