import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** The output of a finished command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Names of namespaces made by this process, removed at exit even if a test forgot. */
const liveNamespaces = new Set<NetworkNamespace>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const ns of liveNamespaces) ns.removeSync();
  });
}

/**
 * A network namespace this test made, with only a loopback device: nothing started in it
 * can reach anything outside. Every process started through it is tracked by PID and
 * killed on {@link remove}, which also deletes the namespace.
 */
export class NetworkNamespace {
  private readonly children = new Set<ChildProcess>();

  private constructor(readonly name: string) {}

  /** Creates `skiff-test-<random>` with loopback up. Needs root. */
  static create(prefix = 'skiff-t'): NetworkNamespace {
    installExitHook();
    const name = `${prefix}-${randomBytes(4).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', name]);
    const ns = new NetworkNamespace(name);
    liveNamespaces.add(ns);
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /**
   * Gives the namespace a machine address `cidr` (e.g. `192.168.76.1/24`) on a device `name`: a
   * bridge with no ports, so the address is local and packets to its subnet's other hosts go
   * nowhere. No default route is added.
   */
  addMachineAddress(name: string, cidr: string): void {
    execFileSync('ip', ['-n', this.name, 'link', 'add', name, 'type', 'bridge']);
    execFileSync('ip', ['-n', this.name, 'addr', 'add', cidr, 'dev', name]);
    execFileSync('ip', ['-n', this.name, 'link', 'set', name, 'up']);
  }

  /** Starts a long-running process inside the namespace (`ip netns exec` execs into it, so the PID is the command's). */
  spawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /**
   * Starts a process that joins only the namespace's network (nsenter), keeping the host's
   * mounts: `ip netns exec` also remounts /sys, which hides the cgroup tree runc needs.
   */
  spawnNetOnly(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('nsenter', [`--net=/run/netns/${this.name}`, '--', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs a command inside the namespace to completion, with optional stdin and a deadline. */
  run(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
    const child = this.spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const result = completion(child, `${command} ${args.join(' ')}`, options.timeoutMs);
    child.stdin?.end(options.input ?? '');
    return result;
  }

  /** Kills every process started here (by PID) and deletes the namespace. */
  async remove(): Promise<void> {
    const waits = [...this.children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          if (c.pid) process.kill(c.pid, 'SIGKILL');
        }),
    );
    await Promise.all(waits);
    this.removeSync();
  }

  /** Synchronous removal for the exit hook. */
  removeSync(): void {
    for (const c of this.children) {
      if (c.pid && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch (err) {
          // ESRCH: it ended between the check and the kill.
          if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
        }
      }
    }
    if (liveNamespaces.delete(this)) {
      try {
        execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
      } catch (err) {
        process.stderr.write(`could not delete netns ${this.name}: ${String(err)}\n`);
      }
    }
  }
}

/**
 * A started process's exit code and output once it ends; after `timeoutMs` (default 60 s) it is
 * killed by its PID and the promise fails with what it printed.
 */
export function completion(child: ChildProcess, label: string, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`${label}: no answer within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
