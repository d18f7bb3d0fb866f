import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { containerdImageNameAnnotation, normalizeImageName } from './oci-image.js';
import { scanTarStream } from './tar.js';

/** An image that an import created or updated in containerd. */
export interface ImportedImage {
  /** Full image name as stored, e.g. 'docker.io/library/busybox:latest'. */
  name: string;
  /** Digest of the image's target (manifest or index). */
  digest: string;
  /** The file it came from. */
  file: string;
}

/** Progress of one file's import. */
export interface ImportProgress {
  file: string;
  /** Bytes of the file (as on disk, compressed or not) sent so far. */
  bytesDone: number;
  bytesTotal: number;
}

/** Options of {@link importImageTars}. */
export interface ImportImagesOptions {
  /** containerd's gRPC socket. */
  address: string;
  /** containerd namespace. Default 'k8s.io', the one the CRI plugin serves. */
  namespace?: string;
  /** The ctr binary. Default 'ctr' (from PATH). */
  ctrPath?: string;
  /** Snapshotter to unpack into. Default: containerd's default (overlayfs). */
  snapshotter?: string;
  /** Called as bytes are sent to ctr. */
  onProgress?: (progress: ImportProgress) => void;
  /** Aborts the import in progress (ctr is killed) and skips the remaining files. */
  signal?: AbortSignal;
}

/** The two archive formats `ctr images import` reads. */
export type ImageArchiveFormat = 'oci' | 'docker';

/** What an image archive claims to hold. */
export interface ImageArchiveInfo {
  format: ImageArchiveFormat;
  /** Image names as containerd will store them (normalized); empty if the archive names none. */
  names: string[];
}

async function isGzipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The file's tar bytes: gunzipped on the fly when it is gzip-compressed (ctr 1.6 reads only plain tar). */
async function openTar(file: string, onRead?: (bytes: number) => void): Promise<{ source: Readable; counter: Transform; decompress: Transform }> {
  const gzip = await isGzipFile(file);
  const source = createReadStream(file);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onRead?.(chunk.length);
      callback(null, chunk);
    },
  });
  return { source, counter, decompress: gzip ? createGunzip() : new PassThrough() };
}

function stringValues(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Reads the names an image archive declares without importing it: an OCI layout's index.json
 * (`io.containerd.image.name` annotations) or a docker-archive's manifest.json (`RepoTags`).
 * Accepts gzip-compressed archives. Throws when the file is neither.
 */
export async function inspectImageArchive(file: string): Promise<ImageArchiveInfo> {
  const { source, counter, decompress } = await openTar(file);
  const tarStream = new PassThrough();
  // Settles with the pipe's error, if any; once the headers are read, the rest is not needed.
  const piping = pipeline(source, counter, decompress, tarStream).then(
    () => undefined,
    (err: unknown) => err,
  );
  let entries;
  try {
    entries = await scanTarStream(tarStream, { keepContent: (p) => p === 'index.json' || p === 'manifest.json' || p === 'oci-layout' });
  } catch (err) {
    source.destroy();
    tarStream.destroy();
    const pipeError = await piping;
    // A read or gunzip failure explains a broken tar better than the tar parser does.
    const pipeCode = (pipeError as NodeJS.ErrnoException | undefined)?.code;
    const fromPipe = pipeError instanceof Error && pipeCode !== 'ERR_STREAM_PREMATURE_CLOSE' && pipeCode !== 'ABORT_ERR';
    throw fromPipe ? pipeError : err;
  }
  source.destroy();
  tarStream.destroy();
  await piping;
  const byPath = new Map(entries.map((e) => [e.path.replace(/^\.\//, ''), e]));
  const index = byPath.get('index.json');
  if (byPath.has('oci-layout') && index) {
    const parsed = JSON.parse(index.content.toString('utf8')) as { manifests?: { annotations?: Record<string, string> }[] };
    const names = (parsed.manifests ?? []).map((m) => m.annotations?.[containerdImageNameAnnotation]).filter((n): n is string => typeof n === 'string');
    return { format: 'oci', names };
  }
  const manifest = byPath.get('manifest.json');
  if (manifest) {
    const parsed = JSON.parse(manifest.content.toString('utf8')) as unknown;
    const names = (Array.isArray(parsed) ? parsed : []).flatMap((m: unknown) =>
      typeof m === 'object' && m !== null ? stringValues((m as { RepoTags?: unknown }).RepoTags) : [],
    );
    return { format: 'docker', names: names.map((n) => normalizeImageName(n)) };
  }
  throw new Error(`${file}: neither an OCI image layout nor a docker-archive tar`);
}

const unpackLine = /^unpacking (\S+) \((sha256:[0-9a-f]{64})\)\.\.\./gm;

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : Object.assign(new Error('image import aborted'), { name: 'AbortError' });
}

/** Imports one file through `ctr images import -` on stdin, so that progress can be counted. */
async function importOne(file: string, options: ImportImagesOptions): Promise<ImportedImage[]> {
  const signal = options.signal;
  if (signal?.aborted) throw abortError(signal);
  const bytesTotal = (await stat(file)).size;
  let bytesDone = 0;
  const { source, counter, decompress } = await openTar(file, (n) => {
    bytesDone += n;
    options.onProgress?.({ file, bytesDone, bytesTotal });
  });
  const args = ['--address', options.address, '-n', options.namespace ?? 'k8s.io', 'images', 'import'];
  if (options.snapshotter) args.push('--snapshotter', options.snapshotter);
  args.push('-');
  const child = spawn(options.ctrPath ?? 'ctr', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const onAbort = (): void => {
    source.destroy();
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, sig) => resolve({ code, signal: sig }));
    });
    options.onProgress?.({ file, bytesDone: 0, bytesTotal });
    // If ctr fails early its stdin breaks; its own message explains more than EPIPE.
    const sent = await pipeline(source, counter, decompress, child.stdin).then(
      () => undefined,
      (err: unknown) => err,
    );
    const result = await exited;
    if (signal?.aborted) throw abortError(signal);
    if (result.code !== 0) {
      const how = result.code === null ? `signal ${result.signal}` : `exit code ${result.code}`;
      throw new Error(`ctr images import ${file}: ${how}: ${(stderr || stdout).trim()}`);
    }
    if (sent !== undefined) throw sent instanceof Error ? sent : new Error(String(sent));
    const imported = [...stdout.matchAll(unpackLine)].map((m) => ({ name: m[1]!, digest: m[2]!, file }));
    if (imported.length > 0) return imported;
    // ctr printed no per-image lines (other version or no images): fall back to what the archive names.
    const info = await inspectImageArchive(file);
    return info.names.map((name) => ({ name, digest: '', file }));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Imports image archives into containerd, one after the other: OCI image layout tars (as
 * built by {@link buildOciImageTar}) and docker-archive tars (as from `docker save`), plain
 * or gzip-compressed (decompressed here: ctr 1.6 reads only plain tar). Each file is streamed
 * into `ctr images import -`, which also unpacks the images into the snapshotter. Returns the
 * imported images, from ctr's per-image output. Rejects on the first failing file.
 */
export async function importImageTars(files: string[], options: ImportImagesOptions): Promise<ImportedImage[]> {
  const imported: ImportedImage[] = [];
  for (const file of files) imported.push(...(await importOne(file, options)));
  return imported;
}

/** File names {@link importImagesDir} picks up. */
export const imageArchivePattern = /\.(tar|tar\.gz|tgz)$/;

/**
 * Imports every image archive (*.tar, *.tar.gz, *.tgz; sorted by name) in a folder, as k3s
 * does with its agent/images folder at start. A missing folder imports nothing.
 */
export async function importImagesDir(dir: string, options: ImportImagesOptions): Promise<ImportedImage[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files: string[] = [];
  for (const name of names.filter((n) => imageArchivePattern.test(n)).sort()) {
    const path = join(dir, name);
    if ((await stat(path)).isFile()) files.push(path);
  }
  return importImageTars(files, options);
}
