import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { buildOciImageTar, type BuildOciImageOptions } from './oci-image.js';
import type { TarEntry } from './tar.js';

const execFileAsync = promisify(execFile);

/** The PATH every busybox image gets unless `env` sets its own. */
export const defaultImagePath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** An extra file placed in a busybox image. */
export interface ImageFile {
  /** Absolute path inside the image. */
  path: string;
  content: string | Buffer;
  /** Default 0o644. */
  mode?: number;
}

/** Options of {@link buildBusyboxImageTar}. */
export interface BuildBusyboxImageOptions {
  /** Image name, normalized like Docker's (e.g. 'skiff.dev/busybox:1'). */
  name: string;
  cmd?: string[];
  entrypoint?: string[];
  /** Environment; PATH defaults to {@link defaultImagePath} when not given here. */
  env?: string[];
  workingDir?: string;
  /** Image user ("uid[:gid]" or a name from /etc/passwd). Default: unset (root). */
  user?: string;
  /** Ports the image declares, e.g. { '8080/tcp': {} }. */
  exposedPorts?: Record<string, object>;
  /** Files added on top (they replace applet links of the same path). */
  files?: ImageFile[];
  /** A statically linked busybox to copy in. Default '/bin/busybox' (Debian's busybox-static). */
  busyboxPath?: string;
  /** OCI architecture; default the host's. Must match the busybox binary. */
  architecture?: string;
}

const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const group = 'root:x:0:\nnobody:x:65534:\n';

function parentDirectories(path: string): string[] {
  const parts = path.replace(/^\/+/, '').split('/').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** Applet paths (relative, e.g. 'usr/bin/awk') of a busybox binary, from `busybox --list-full`. */
export async function listBusyboxApplets(busyboxPath = '/bin/busybox'): Promise<string[]> {
  const { stdout } = await execFileAsync(busyboxPath, ['--list-full'], { encoding: 'utf8' });
  return stdout
    .split('\n')
    .map((l) => l.trim().replace(/^\/+/, ''))
    .filter((l) => l !== '' && !l.includes('..'));
}

/**
 * The single layer of a busybox image: /bin/busybox, a symlink to it for every applet,
 * /tmp (1777), /etc/passwd and /etc/group (root and nobody), /root, /var, and the extra files.
 */
export async function busyboxLayer(options: Pick<BuildBusyboxImageOptions, 'files' | 'busyboxPath'> = {}): Promise<TarEntry[]> {
  const busyboxPath = options.busyboxPath ?? '/bin/busybox';
  const [binary, applets] = await Promise.all([readFile(busyboxPath), listBusyboxApplets(busyboxPath)]);
  const files: ImageFile[] = [
    { path: '/etc/passwd', content: passwd },
    { path: '/etc/group', content: group },
    ...(options.files ?? []),
  ];
  // Later files with the same path win.
  const fileByPath = new Map(files.map((f) => [f.path.replace(/^\/+/, ''), f]));
  const links = applets.filter((a) => a !== 'bin/busybox' && !fileByPath.has(a));

  const dirModes = new Map<string, number>([
    ['bin', 0o755],
    ['sbin', 0o755],
    ['usr', 0o755],
    ['usr/bin', 0o755],
    ['usr/sbin', 0o755],
    ['etc', 0o755],
    ['root', 0o700],
    ['tmp', 0o1777],
    ['var', 0o755],
    ['var/tmp', 0o1777],
    ['dev', 0o755],
    ['proc', 0o555],
    ['sys', 0o555],
  ]);
  for (const path of [...links, ...fileByPath.keys()]) {
    for (const dir of parentDirectories(path)) if (!dirModes.has(dir)) dirModes.set(dir, 0o755);
  }
  const entries: TarEntry[] = [...dirModes.keys()]
    .sort()
    .map((path) => ({ type: 'directory' as const, path, mode: dirModes.get(path) }));
  entries.push({ type: 'file', path: 'bin/busybox', content: binary, mode: 0o755 });
  for (const link of links.sort()) entries.push({ type: 'symlink', path: link, target: '/bin/busybox' });
  for (const [path, file] of fileByPath) entries.push({ type: 'file', path, content: file.content, mode: file.mode ?? 0o644 });
  return entries;
}

/** Builds an OCI image tar of a busybox-based image (one layer, see {@link busyboxLayer}). */
export async function buildBusyboxImageTar(options: BuildBusyboxImageOptions): Promise<Buffer> {
  const env = options.env ?? [];
  const config: BuildOciImageOptions['config'] = {
    Env: env.some((e) => e.startsWith('PATH=')) ? env : [defaultImagePath, ...env],
  };
  if (options.entrypoint) config.Entrypoint = options.entrypoint;
  if (options.cmd) config.Cmd = options.cmd;
  if (options.workingDir) config.WorkingDir = options.workingDir;
  if (options.user) config.User = options.user;
  if (options.exposedPorts) config.ExposedPorts = options.exposedPorts;
  return buildOciImageTar({
    name: options.name,
    layers: [await busyboxLayer(options)],
    config,
    ...(options.architecture ? { architecture: options.architecture } : {}),
  });
}
