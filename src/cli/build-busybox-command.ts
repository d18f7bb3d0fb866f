import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBusyboxImageTar, type BuildBusyboxImageOptions, type ImageFile } from '../kubelet/images/busybox.js';
import { parseImageReference } from '../kubelet/images/oci-image.js';
import { defaultDataDir } from './flags.js';

const usage = `Usage:
  skiff images build-busybox NAME:TAG [--cmd 'CMD ...'] [--port N]... [--file PATH=CONTENT]... [-o FILE]

Builds a one-layer image from this machine's statically linked busybox (Debian's busybox-static:
/bin/busybox) and imports it into this node's containerd, or writes it as an OCI tar with -o.
Nothing is downloaded. Pods use it with imagePullPolicy: IfNotPresent (or any tag but :latest).

Flags:
  --cmd 'CMD ...'      the image's command, split into words as a shell would (quotes group;
                       no variables or pipes: use --cmd "sh -c '...'" for those)
  --port N             a port the image declares (repeatable), e.g. --port 8080
  --file PATH=CONTENT  a file in the image (repeatable); executable when CONTENT starts with #!
  -o, --output FILE    write the OCI tar here instead of importing it
  --busybox PATH       the static busybox to copy in (default /bin/busybox)
  --data-dir value     the node's data dir (default ${defaultDataDir()})
  --address value      containerd's socket (default <data-dir>/agent/containerd/containerd.sock)

Example:
  skiff images build-busybox hello:1 --port 8080 --file /www/index.html='hello' --cmd 'httpd -f -p 8080 -h /www'`;

/** A parsed `skiff images build-busybox` command line. */
export interface BuildBusyboxRequest {
  /** What to build. */
  image: BuildBusyboxImageOptions;
  /** Where to write the tar; undefined: import it. */
  output?: string;
  /** --data-dir / --address as given, passed on to `skiff images import`. */
  importFlags: string[];
}

/** Splits a command line into words as a shell would: whitespace separates, quotes group, backslash escapes. */
export function splitCommandWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in ${JSON.stringify(line)}`);
  if (inWord) words.push(word);
  return words;
}

function parsePort(value: string): string {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new Error(`--port: not a port: ${JSON.stringify(value)}`);
  return `${port}/tcp`;
}

function parseFile(value: string): ImageFile {
  const eq = value.indexOf('=');
  const path = eq === -1 ? '' : value.slice(0, eq);
  if (!path.startsWith('/') || path.split('/').includes('..')) throw new Error(`--file: want /ABSOLUTE/PATH=CONTENT, got ${JSON.stringify(value)}`);
  const content = value.slice(eq + 1);
  return { path, content, mode: content.startsWith('#!') ? 0o755 : 0o644 };
}

/** Parses `skiff images build-busybox` arguments (after `build-busybox`); returns 'help' for -h, throws on bad input. */
export function parseBuildBusyboxArgs(args: string[]): BuildBusyboxRequest | 'help' {
  const { values, positionals } = parseArgs({
    args,
    options: {
      cmd: { type: 'string' },
      port: { type: 'string', multiple: true },
      file: { type: 'string', multiple: true },
      output: { type: 'string', short: 'o' },
      busybox: { type: 'string' },
      'data-dir': { type: 'string' },
      address: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new Error(`want one image NAME:TAG, got ${positionals.length}`);
  const name = positionals[0]!;
  parseImageReference(name);
  const image: BuildBusyboxImageOptions = { name };
  if (values.cmd !== undefined) {
    const cmd = splitCommandWords(values.cmd);
    if (cmd.length === 0) throw new Error('--cmd: empty command');
    image.cmd = cmd;
  }
  if (values.port?.length) image.exposedPorts = Object.fromEntries(values.port.map((p) => [parsePort(p), {}]));
  if (values.file?.length) image.files = values.file.map(parseFile);
  if (values.busybox) image.busyboxPath = values.busybox;
  const importFlags = [
    ...(values['data-dir'] ? ['--data-dir', values['data-dir']] : []),
    ...(values.address ? ['--address', values.address] : []),
  ];
  return { image, importFlags, ...(values.output ? { output: values.output } : {}) };
}

/** Imports image tars into the node's containerd as `skiff images import FLAGS... FILES...` does; returns its exit code. */
export type ImportImageFiles = (files: string[], flags: string[]) => Promise<number>;

/**
 * `skiff images build-busybox ...`: builds a busybox-based image and imports it with
 * `importFiles` (or writes it with -o). Returns the exit code.
 */
export async function runBuildBusybox(args: string[], importFiles: ImportImageFiles): Promise<number> {
  let request: BuildBusyboxRequest | 'help';
  try {
    request = parseBuildBusyboxArgs(args);
  } catch (err) {
    console.error(`skiff images build-busybox: ${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    return 2;
  }
  if (request === 'help') {
    console.log(usage);
    return 0;
  }
  const tar = await buildBusyboxImageTar(request.image);
  if (request.output) {
    await writeFile(request.output, tar);
    console.log(`wrote ${request.image.name} to ${request.output}`);
    return 0;
  }
  const dir = await mkdtemp(join(tmpdir(), 'skiff-build-busybox-'));
  try {
    const file = join(dir, 'image.tar');
    await writeFile(file, tar);
    return await importFiles([file], request.importFlags);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
