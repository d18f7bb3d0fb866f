/**
 * A long-lived `nft -i` for {@link NftablesSyncer}'s partial syncs. Each `nft -f` process pays
 * its start and, after element deletes, its netlink socket's close waits for the kernel to
 * release them (about 15–25 ms a sync); a process kept open pays neither, so a partial sync
 * costs about a millisecond. `nft -i` runs each input line as one transaction, so a partial
 * sync is one line; after it the session asks for `describe meta mark`, whose fixed output
 * (learnt at start) marks where nft's answer to the line ends. Errors go to the same pipe, so
 * anything before the marker is nft's error message.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * Starts a long-lived program with piped standard streams (injected so that tests can run it
 * elsewhere, e.g. in a network namespace through nsenter).
 */
export type ProcessStarter = (program: string, args: string[]) => ChildProcessWithoutNullStreams;

/** Starts a real process. */
export const spawnProcess: ProcessStarter = (program, args) => spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });

/** Options of {@link NftSession}. */
export interface NftSessionOptions {
  /** The nft binary. Default `nft`. */
  nft?: string;
  /** Default: {@link spawnProcess}. */
  start?: ProcessStarter;
  /**
   * Transactions before the process is replaced by a fresh one at the next use (nft keeps each
   * input line in its history, so memory grows with use). Default 1000.
   */
  maxTransactions?: number;
  /** How long one transaction may take before the process is killed and it fails. Default 30000 ms. */
  timeoutMs?: number;
}

/** A command the session's input can carry: one line, no comment (which would hide what follows). */
const lineSafe = /^[^\n#\\]*$/;

/** The running `nft -i` and what it has printed since the last transaction ended. */
interface Running {
  child: ChildProcessWithoutNullStreams;
  output: string;
  /** What `describe meta mark` prints (set once the first one answered). */
  marker: string | undefined;
  /** Told when output arrives or the process ends. */
  wake: (() => void) | undefined;
  exited: string | undefined;
  transactions: number;
}

/**
 * One `nft -i` process, started at first use, restarted after a failure or after
 * `maxTransactions`. Transactions run one at a time in call order.
 */
export class NftSession {
  private readonly nft: string;
  private readonly start: ProcessStarter;
  private readonly maxTransactions: number;
  private readonly timeoutMs: number;
  private running: Running | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: NftSessionOptions = {}) {
    this.nft = options.nft ?? 'nft';
    this.start = options.start ?? spawnProcess;
    this.maxTransactions = options.maxTransactions ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Whether `commands` (nft commands, one a line) can go through the session as one transaction. */
  static accepts(commands: string): boolean {
    return commands.split('\n').every((line) => lineSafe.test(line));
  }

  /**
   * Runs `commands` (nft commands, one a line, as {@link accepts} allows) as one transaction.
   * @throws Error with nft's message when it fails (nothing of it applied), or when the process
   * ends or does not answer in time (then what the kernel holds is unknown).
   */
  transaction(commands: string): Promise<void> {
    const line = commands
      .split('\n')
      .map((command) => command.trim())
      .filter((command) => command !== '')
      .join('; ');
    const next = this.queue.then(() => this.runLine(line));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Starts the process now, if none runs, so that the next transaction does not wait for it.
   * Never fails: a start that fails is tried again, and reported, by the next transaction.
   */
  prepare(): void {
    const started = this.queue.then(async () => {
      if (!this.running) await this.launch();
    });
    this.queue = started.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Ends the process (its input closed; killed if it lingers). */
  close(): void {
    const running = this.running;
    this.running = undefined;
    if (!running || running.exited !== undefined) return;
    running.child.stdin.end();
    const killer = setTimeout(() => running.child.kill('SIGKILL'), 2_000);
    killer.unref();
    running.child.once('close', () => clearTimeout(killer));
  }

  private async runLine(line: string): Promise<void> {
    if (line === '') return;
    if (!lineSafe.test(line)) throw new Error('nft -i: a command with a newline, comment or backslash cannot go through the session');
    if (this.running && (this.running.exited !== undefined || this.running.transactions >= this.maxTransactions)) this.close();
    const running = this.running ?? (await this.launch());
    running.transactions++;
    const output = await this.exchange(running, `${line}\n`);
    if (output !== '') throw new Error(`nft -i: ${output.trim()}`);
  }

  private async launch(): Promise<Running> {
    // Standard error joins standard output so an error arrives before the marker that follows
    // it; HOME=/dev/null keeps nft from reading or writing a history file.
    const child = this.start('sh', ['-c', 'exec env HOME=/dev/null "$0" -i 2>&1', this.nft]);
    const running: Running = { child, output: '', marker: undefined, wake: undefined, exited: undefined, transactions: 0 };
    // An idle session does not keep this process alive (the timer of a transaction under way does).
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr] as { unref?: () => void }[]) stream.unref?.();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      running.output += chunk;
      running.wake?.();
    });
    child.stdin.on('error', (error: Error) => {
      running.exited ??= `its input failed: ${error.message}`;
      running.wake?.();
    });
    child.on('error', (error: Error) => {
      running.exited ??= error.message;
      running.wake?.();
    });
    child.on('close', (code, signal) => {
      running.exited ??= `exited ${code ?? signal}`;
      running.wake?.();
    });
    this.running = running;
    await this.exchange(running, '');
    return running;
  }

  /** Writes `input` and the marker's command; what nft printed before the marker. */
  private async exchange(running: Running, input: string): Promise<string> {
    running.output = '';
    running.child.stdin.write(`${input}describe meta mark\n`);
    const deadline = setTimeout(() => {
      running.exited ??= `no answer within ${this.timeoutMs} ms`;
      running.child.kill('SIGKILL');
      running.wake?.();
    }, this.timeoutMs);
    try {
      for (;;) {
        const { marker, output } = running;
        if (marker === undefined && output.endsWith('\n')) {
          // The first exchange has no input: all it printed is the marker.
          running.marker = output;
          running.output = '';
          return '';
        }
        if (marker !== undefined && output.endsWith(marker)) {
          running.output = '';
          return output.slice(0, output.length - marker.length);
        }
        if (running.exited !== undefined) {
          if (this.running === running) this.running = undefined;
          throw new Error(`nft -i ${running.exited}${output.trim() ? `: ${output.trim()}` : ''}`);
        }
        await new Promise<void>((resolve) => (running.wake = resolve));
        running.wake = undefined;
      }
    } finally {
      clearTimeout(deadline);
    }
  }
}
