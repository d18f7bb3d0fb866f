import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What a running server tells the client commands of this machine: where its cluster lives. */
export interface ServerPointer {
  /** The server's data dir. */
  dataDir: string;
  /** The admin kubeconfig the server wrote. */
  kubeconfig: string;
  /** The server's process ID: a pointer whose process is gone is stale. */
  pid: number;
}

/** The pointer file: /run/skiff/server.json as root, else ~/.skiff/run/server.json. */
export function defaultServerPointerFile(): string {
  return process.getuid?.() === 0 ? '/run/skiff/server.json' : join(homedir(), '.skiff', 'run', 'server.json');
}

/** Whether process `pid` exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes the pointer for this server (atomically: clients never read half a file). */
export function writeServerPointer(file: string, pointer: ServerPointer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const partial = `${file}.${pointer.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(pointer)}\n`, { mode: 0o644 });
  renameSync(partial, file);
}

/** Options of {@link readServerPointer}. */
export interface ReadServerPointerOptions {
  /** Whether a process exists. Default {@link processAlive}. */
  alive?: (pid: number) => boolean;
}

/** The pointer in `file`, or undefined when there is none, it is unreadable, or its server is gone. */
export function readServerPointer(file: string, options: ReadServerPointerOptions = {}): ServerPointer | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A damaged pointer is as good as none: discovery falls back to the defaults.
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { dataDir, kubeconfig, pid } = parsed as Record<string, unknown>;
  if (typeof dataDir !== 'string' || typeof kubeconfig !== 'string' || typeof pid !== 'number') return undefined;
  return (options.alive ?? processAlive)(pid) ? { dataDir, kubeconfig, pid } : undefined;
}

/** Removes the pointer on a clean stop, unless another server has replaced it since. */
export function removeServerPointer(file: string, pid: number): void {
  const current = readServerPointer(file, { alive: () => true });
  if (current?.pid === pid) rmSync(file, { force: true });
}
