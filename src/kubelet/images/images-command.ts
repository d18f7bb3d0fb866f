import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { importImageTars } from './import.js';
import { ProgressReporter, type ProgressOutput } from './progress.js';
import { errorMessage } from '../../apimachinery/errors.js';

const execFileAsync = promisify(execFile);

/** Options of {@link runImagesCommand}. */
export interface ImagesCommandOptions {
  /** containerd's gRPC socket. */
  address: string;
  /** containerd namespace. Default 'k8s.io'. */
  namespace?: string;
  /** The ctr binary. Default 'ctr'. */
  ctrPath?: string;
  /** Where results go. Default process.stdout. */
  stdout?: ProgressOutput;
  /** Where progress and errors go. Default process.stderr. */
  stderr?: ProgressOutput;
}

/** One image as listed by containerd. */
export interface ListedImage {
  name: string;
  digest: string;
  size: string;
  platforms: string;
}

const usage = `Usage:
  skiff images import FILE...   import OCI layout or docker-archive tars (.tar, .tar.gz)
  skiff images ls [-q]          list images (-q: names only)
`;

/** Parses the table `ctr images ls` prints (REF TYPE DIGEST SIZE PLATFORMS LABELS). */
export function parseCtrImagesList(output: string): ListedImage[] {
  const images: ListedImage[] = [];
  for (const line of output.split('\n').slice(1)) {
    // SIZE is two words ("1.0 MiB").
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6) continue;
    const [name, , digest, amount, unit, platforms] = fields as [string, string, string, string, string, string];
    images.push({ name, digest, size: `${amount} ${unit}`, platforms });
  }
  return images;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

/**
 * `skiff images import FILE...` (with a progress bar per file) and `skiff images ls [-q]`
 * against a containerd. Image IDs (`sha256:...` entries the CRI plugin adds) are not listed.
 * Returns the process exit code.
 */
export async function runImagesCommand(args: string[], options: ImagesCommandOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const [verb, ...rest] = args;
  try {
    switch (verb) {
      case 'import': {
        if (rest.length === 0) {
          stderr.write(usage);
          return 2;
        }
        for (const file of rest) {
          const progress = new ProgressReporter({ output: stderr });
          const label = basename(file);
          const imported = await importImageTars([file], {
            address: options.address,
            namespace: options.namespace,
            ctrPath: options.ctrPath,
            onProgress: (p) => progress.update({ label, done: p.bytesDone, total: p.bytesTotal }),
          });
          progress.finish();
          for (const image of imported) stdout.write(`imported ${image.name}${image.digest ? ` (${image.digest})` : ''}\n`);
        }
        return 0;
      }
      case 'ls':
      case 'list': {
        const { stdout: listing } = await execFileAsync(options.ctrPath ?? 'ctr', ['--address', options.address, '-n', options.namespace ?? 'k8s.io', 'images', 'ls']);
        const images = parseCtrImagesList(listing).filter((i) => !i.name.startsWith('sha256:'));
        if (rest.includes('-q') || rest.includes('--quiet')) {
          for (const image of images) stdout.write(`${image.name}\n`);
        } else {
          stdout.write(table([['IMAGE', 'DIGEST', 'SIZE', 'PLATFORMS'], ...images.map((i) => [i.name, i.digest.replace(/^sha256:/, '').slice(0, 12), i.size, i.platforms])]));
        }
        return 0;
      }
      case undefined:
      case 'help':
      case '-h':
      case '--help':
        stdout.write(usage);
        return verb === undefined ? 2 : 0;
      default:
        stderr.write(`unknown images command ${JSON.stringify(verb)}\n${usage}`);
        return 2;
    }
  } catch (err) {
    stderr.write(`error: ${errorMessage(err)}\n`);
    return 1;
  }
}
