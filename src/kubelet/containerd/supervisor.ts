/**
 * Runs one containerd process for a node and keeps it running: waits for its CRI socket to
 * answer, restarts it with back-off when it dies, and stops it (SIGTERM, then SIGKILL) when
 * told to. Only ever signals the PID it started.
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock, type Clock, type TimerHandle } from '../../apimachinery/clock.js';
import { CriClient } from '../cri/client.js';

/** Starts a process; `child_process.spawn` by default, or e.g. `NetworkNamespace.spawn` to start containerd inside a namespace. */
export type SpawnFunction = (command: string, args: string[], options: SpawnOptions) => ChildProcess;

/** Options of {@link ContainerdSupervisor}. */
export interface ContainerdSupervisorOptions {
  /** The node's containerd data directory (created if missing). */
  dataDir: string;
  /** The containerd binary (default `containerd`, looked up in PATH). */
  containerdPath?: string;
  /** The config file (see renderContainerdConfig), passed as `--config`. */
  configFile: string;
  /** The gRPC socket the config names; readiness is checked there over CRI. */
  address: string;
  /** containerd's stdout and stderr are appended here. */
  logFile: string;
  /** Told about unexpected exits and failed restarts (the supervisor keeps going). */
  onError: (err: Error) => void;
  /** Time source for back-off and the stop grace period (default: the system clock). */
  clock?: Clock;
  /** How to start the process (default: `child_process.spawn`). */
  spawn?: SpawnFunction;
  /** How long a (re)started containerd has to answer CRI Version (default 60 s). */
  readyTimeoutMs?: number;
  /** How long after SIGTERM before SIGKILL (default 10 s). */
  stopTimeoutMs?: number;
}

/** First restart delay; doubles per consecutive crash. */
const initialBackoffMs = 1000;
/** Restart delay cap. */
const maxBackoffMs = 30_000;
/** A process that ran this long before dying restarts with the initial delay again. */
const backoffResetAfterMs = 60_000;

interface Launched {
  child: ChildProcess;
  pid: number | undefined;
  /** Resolves (never rejects) when the process has exited or could not be started. */
  exited: Promise<string>;
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/**
 * Supervises one containerd. `start(signal)` resolves once containerd answers on its CRI
 * socket; afterwards an unexpected exit is reported to `onError` and containerd is restarted
 * after 1 s, 2 s, 4 s ... up to 30 s; `onRestart` listeners hear of each successful restart.
 * Aborting `signal` stops containerd; {@link stopped} resolves when it is gone.
 */
export class ContainerdSupervisor {
  private readonly clock: Clock;
  private readonly spawnProcess: SpawnFunction;
  private readonly restartListeners = new Set<(pid: number) => void>();
  private current: Launched | undefined;
  private ready = false;
  private started = false;
  private client: CriClient | undefined;
  private readonly stoppedPromise: Promise<void>;
  private resolveStopped: () => void = () => undefined;

  constructor(private readonly options: ContainerdSupervisorOptions) {
    this.clock = options.clock ?? systemClock;
    this.spawnProcess = options.spawn ?? nodeSpawn;
    this.stoppedPromise = new Promise<void>((resolve) => (this.resolveStopped = resolve));
  }

  /** PID of the running containerd, if any. */
  get pid(): number | undefined {
    return this.current && isRunning(this.current.child) ? this.current.pid : undefined;
  }

  /** True while containerd runs and has answered on its CRI socket since it was (re)started. */
  healthy(): boolean {
    return this.ready && this.pid !== undefined;
  }

  /** Calls `listener(pid)` after each successful restart; returns a function that unsubscribes. */
  onRestart(listener: (pid: number) => void): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  /** Resolves once, after `signal` aborted, containerd has exited and supervision ended. */
  stopped(): Promise<void> {
    return this.stoppedPromise;
  }

  /**
   * Starts containerd and resolves once its CRI socket answers. Rejects (leaving nothing
   * running) if it exits first, does not answer within `readyTimeoutMs`, or `signal` aborts.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('ContainerdSupervisor.start called twice');
    this.started = true;
    signal.throwIfAborted();
    mkdirSync(this.options.dataDir, { recursive: true });
    mkdirSync(dirname(this.options.logFile), { recursive: true });
    mkdirSync(dirname(this.options.address), { recursive: true });
    this.client = CriClient.connect(this.options.address, { callTimeoutMs: 10_000 });

    const first = this.launch();
    try {
      await this.waitReady(first, signal);
    } catch (err) {
      await this.kill(first, 'SIGKILL');
      this.finish();
      throw err;
    }
    this.ready = true;
    signal.addEventListener('abort', () => void this.terminate(), { once: true });
    void this.supervise(first, signal).catch((err: unknown) => this.options.onError(err instanceof Error ? err : new Error(String(err))));
  }

  private launch(): Launched {
    const logFd = openSync(this.options.logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = this.spawnProcess(this.options.containerdPath ?? 'containerd', ['--config', this.options.configFile], {
        stdio: ['ignore', logFd, logFd],
      });
    } finally {
      // The child has its own copy of the descriptor.
      closeSync(logFd);
    }
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, sig) => resolve(sig ? `signal ${sig}` : `code ${code ?? '?'}`));
      child.once('error', (err) => resolve(`spawn error: ${err.message}`));
    });
    this.current = { child, pid: child.pid, exited };
    return this.current;
  }

  /** Waits for CRI Version to answer, failing early if the process exits. */
  private async waitReady(launched: Launched, signal: AbortSignal): Promise<void> {
    const client = this.client;
    if (!client) throw new Error('ContainerdSupervisor: not started');
    const stopWaiting = new AbortController();
    const exitedFirst = launched.exited.then((how) => {
      stopWaiting.abort();
      throw new Error(`containerd (pid ${launched.pid ?? '?'}) exited before it was ready (${how}); see ${this.options.logFile}`);
    });
    // Keep the exit race from surfacing as an unhandled rejection once readiness wins.
    exitedFirst.catch(() => undefined);
    const readiness = client.waitUntilReady(AbortSignal.any([signal, stopWaiting.signal]), this.options.readyTimeoutMs ?? 60_000).then(() => undefined);
    await Promise.race([readiness, exitedFirst]);
  }

  private async supervise(first: Launched, signal: AbortSignal): Promise<void> {
    let launched = first;
    let backoffMs = initialBackoffMs;
    let launchedAt = this.clock.now().getTime();
    for (;;) {
      const how = await launched.exited;
      this.ready = false;
      if (signal.aborted) break;
      if (this.clock.now().getTime() - launchedAt >= backoffResetAfterMs) backoffMs = initialBackoffMs;
      this.options.onError(new Error(`containerd (pid ${launched.pid ?? '?'}) exited unexpectedly (${how}); restarting in ${backoffMs} ms`));
      await this.clock.sleep(backoffMs, signal);
      backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
      if (signal.aborted) break;
      launched = this.launch();
      launchedAt = this.clock.now().getTime();
      try {
        await this.waitReady(launched, signal);
      } catch (err) {
        if (signal.aborted) break;
        this.options.onError(err instanceof Error ? err : new Error(String(err)));
        // Not answering counts as a crash: the next loop turn restarts it after back-off.
        await this.kill(launched, 'SIGKILL');
        continue;
      }
      this.ready = true;
      const pid = launched.pid;
      if (pid !== undefined) {
        for (const listener of this.restartListeners) listener(pid);
      }
    }
    // Abort may have landed while a restart was being launched: make sure it is gone too.
    await this.terminate();
    this.finish();
  }

  /** SIGTERM, then SIGKILL after the grace period, to the PID we started. */
  private async terminate(): Promise<void> {
    const launched = this.current;
    if (!launched || !isRunning(launched.child)) return;
    this.signalChild(launched, 'SIGTERM');
    let timer: TimerHandle | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = this.clock.setTimer(this.options.stopTimeoutMs ?? 10_000, () => {
        this.signalChild(launched, 'SIGKILL');
        resolve();
      });
    });
    await Promise.race([launched.exited, killed]);
    timer?.cancel();
    await launched.exited;
  }

  private async kill(launched: Launched, signal: NodeJS.Signals): Promise<void> {
    this.signalChild(launched, signal);
    await launched.exited;
  }

  private signalChild(launched: Launched, signal: NodeJS.Signals): void {
    if (launched.pid === undefined || !isRunning(launched.child)) return;
    try {
      process.kill(launched.pid, signal);
    } catch (err) {
      // ESRCH: it exited between the check and the signal.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  private finish(): void {
    this.ready = false;
    this.client?.close();
    this.client = undefined;
    this.resolveStopped();
  }
}
