import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Options of {@link NginxProcess}. */
export interface NginxProcessOptions {
  /** Default `/usr/sbin/nginx`. */
  binary?: string;
  /** nginx's prefix (`-p`): relative paths and its default logs resolve there. */
  prefixDir: string;
  /** The configuration file the master runs. */
  configFile: string;
  /** The pid file the configuration names (to stop a master a previous run left behind). */
  pidFile: string;
  /** First restart delay after nginx died, doubling up to 30 s. Default 500 ms. */
  initialBackoffMs?: number;
  /** How long a graceful stop (SIGQUIT) may take before SIGKILL. Default 10000 ms. */
  stopTimeoutMs?: number;
  /** How often the master's worker PIDs are read (to stop them should the master die alone). Default 1000 ms. */
  workerScanMs?: number;
  /** How long {@link NginxProcess.reload} and {@link NginxProcess.serving} wait for the workers of the new configuration. Default 30000 ms. */
  loadTimeoutMs?: number;
  /** How often they look at the master's workers meanwhile. Default 20 ms. */
  loadPollMs?: number;
  /** nginx's own output, line by line. */
  log: (line: string) => void;
}

/**
 * One nginx master process in the foreground (`daemon off`), started and supervised by this
 * process: restarted with back-off when it dies, reloaded with SIGHUP (old workers finish their
 * requests), stopped gracefully with SIGQUIT. Signals go only to the PID it started (or the
 * one its pid file names, when that process runs our configuration).
 */
export class NginxProcess {
  private child: ChildProcess | undefined;
  private readonly binary: string;

  constructor(private readonly options: NginxProcessOptions) {
    this.binary = options.binary ?? '/usr/sbin/nginx';
  }

  private baseArgs(configFile: string): string[] {
    return ['-p', this.options.prefixDir, '-e', 'stderr', '-c', configFile];
  }

  /** Checks a configuration with `nginx -t`; undefined when valid, else nginx's message. */
  test(configFile: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      execFile(this.binary, [...this.baseArgs(configFile), '-t', '-q'], { timeout: 30_000 }, (err, stdout, stderr) => resolve(err ? `${stderr}${stdout}`.trim() || String(err) : undefined));
    });
  }

  /** The running master's PID, if any. */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /**
   * Asks the master to load the configuration file again (graceful: no request is dropped) and
   * resolves true once it has: every worker that still accepts connections was started for the
   * new configuration (the old ones, told to shut down gracefully, have closed their listening
   * sockets and only finish what they were serving). False when that did not happen within
   * `loadTimeoutMs` (the master kept its old workers: it could not load the file). When no
   * master runs, waits for the next one, which starts with the file.
   */
  async reload(): Promise<boolean> {
    const pid = this.pid;
    if (pid === undefined) return this.serving();
    const before = new Set(await acceptingWorkers(pid));
    process.kill(pid, 'SIGHUP');
    return this.waitForWorkers((workers) => workers.every((w) => !before.has(w)));
  }

  /** Resolves true once a master runs with workers accepting connections (false after `loadTimeoutMs`). */
  serving(): Promise<boolean> {
    return this.waitForWorkers(() => true);
  }

  private async waitForWorkers(ready: (accepting: number[]) => boolean): Promise<boolean> {
    const deadline = Date.now() + (this.options.loadTimeoutMs ?? 30_000);
    for (;;) {
      const master = this.pid;
      if (master !== undefined) {
        const accepting = await acceptingWorkers(master);
        if (accepting.length > 0 && ready(accepting)) return true;
      }
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, this.options.loadPollMs ?? 20));
    }
  }

  /** Runs nginx (restarting it when it dies) until `signal` aborts, then stops it; resolves once it has exited. */
  async run(signal: AbortSignal): Promise<void> {
    await this.stopLeftover();
    let backoff = this.options.initialBackoffMs ?? 500;
    while (!signal.aborted) {
      const started = Date.now();
      const child = spawn(this.binary, [...this.baseArgs(this.options.configFile), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.child = child;
      for (const stream of [child.stdout, child.stderr]) {
        let pending = '';
        stream?.setEncoding('utf8').on('data', (d: string) => {
          const lines = (pending + d).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) if (line.trim()) this.options.log(line);
        });
      }
      const exited = new Promise<string>((resolve) => {
        child.once('exit', (code, sig) => resolve(sig ? `signal ${sig}` : `code ${code}`));
        child.once('error', (err) => resolve(err.message));
      });
      const onAbort = (): void => this.stopChild(child);
      signal.addEventListener('abort', onAbort, { once: true });
      // The master's workers, remembered so that they can be stopped if the master dies without them.
      let workers: number[] = [];
      const watch = setInterval(() => {
        if (child.pid) void childrenOf(child.pid).then((pids) => (workers = pids.length > 0 ? pids : workers));
      }, this.options.workerScanMs ?? 1000);
      const how = await exited;
      clearInterval(watch);
      signal.removeEventListener('abort', onAbort);
      this.child = undefined;
      await stopOrphans(workers, (line) => this.options.log(line));
      if (signal.aborted) break;
      if (Date.now() - started > 30_000) backoff = this.options.initialBackoffMs ?? 500;
      this.options.log(`nginx exited (${how}); restarting in ${backoff} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
      backoff = Math.min(backoff * 2, 30_000);
    }
  }

  private stopChild(child: ChildProcess): void {
    if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid, 'SIGQUIT');
    const timer = setTimeout(() => {
      if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    }, this.options.stopTimeoutMs ?? 10_000);
    child.once('exit', () => clearTimeout(timer));
  }

  /** A master a previous run of ours left (its pid file, and its command line names our configuration): stopped first. */
  private async stopLeftover(): Promise<void> {
    const pid = Number((await readFile(this.options.pidFile, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 1) return;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('nginx') || !cmdline.includes(this.options.configFile)) return;
    this.options.log(`stopping nginx ${pid} left by a previous run`);
    process.kill(pid, 'SIGQUIT');
    for (let i = 0; i < 100; i++) {
      if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8').then(() => true, () => false))) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    process.kill(pid, 'SIGKILL');
  }
}

/** The PIDs of a process's children (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter((t) => t !== '').map(Number);
}

/** The master's worker processes that accept connections (not those shutting down after a reload). */
async function acceptingWorkers(master: number): Promise<number[]> {
  const accepting: number[] = [];
  for (const pid of await childrenOf(master)) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.replace(/\0+$/, '').trimEnd() === 'nginx: worker process') accepting.push(pid);
  }
  return accepting;
}

/** SIGKILLs the given PIDs that are still nginx processes whose master is gone (re-parented). */
async function stopOrphans(pids: number[], log: (line: string) => void): Promise<void> {
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!stat || !cmdline.startsWith('nginx: ')) continue;
    log(`stopping nginx process ${pid} left by its master`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      // ESRCH: it ended on its own meanwhile.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}
