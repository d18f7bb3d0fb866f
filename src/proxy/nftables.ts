/**
 * The only place that runs `nft` on the proxy's table (with its {@link NftSession}; the
 * connection counters' own table is connection-counters.ts's): loads a {@link Ruleset} into
 * the kernel, fully (delete and recreate our table in one transaction, `nft -f`) or partially
 * (element adds and deletes only, one transaction, through a long-lived `nft -i`). After any
 * failure the next sync is full.
 */
import { spawn } from 'node:child_process';
import { NftSession, spawnProcess, type ProcessStarter } from './nft-session.js';
import { renderRuleset, type Ruleset } from './ruleset.js';
import { renderChanges, rulesetDelta, type RulesetChanges } from './ruleset-delta.js';

/** What a command printed and how it ended. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with arguments and standard input (injected so the syncer is unit-testable). */
export type CommandRunner = (program: string, args: string[], stdin: string) => Promise<CommandResult>;

/** Runs a real process. */
export const spawnCommand: CommandRunner = (program, args, stdin) =>
  new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }),
    );
    // A program that exits without reading its input closes the pipe: its exit status tells.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(stdin);
  });

/** Options of {@link NftablesSyncer}. */
export interface NftablesSyncerOptions {
  /** Default: {@link spawnCommand}. */
  run?: CommandRunner;
  /** The nft binary. Default `nft`. */
  nft?: string;
  /**
   * Starts the long-lived `nft -i` that partial syncs go through. Default: a real process when
   * `run` is not given; without either, partial syncs run `nft -f` through `run` too.
   */
  startSession?: ProcessStarter;
  /**
   * Partial syncs with more text than this go through `nft -f` (nft reads a long interactive
   * line slower than a file). Default 65536 characters.
   */
  sessionMaxText?: number;
}

/** What one {@link NftablesSyncer.sync} did. */
export interface SyncOutcome {
  mode: 'full' | 'partial' | 'unchanged';
  /** The text given to `nft -f` ('' when unchanged). */
  text: string;
}

/**
 * Keeps our table in the kernel equal to the models it is given: either whole models through
 * {@link sync} (it diffs them), or a live model and its changes through {@link syncChanges}.
 */
export class NftablesSyncer {
  private readonly run: CommandRunner;
  private readonly nft: string;
  /** Whether the kernel holds what the last successful load said (false at start and after a failure). */
  private known = false;
  /** The model {@link sync} last loaded, for its diff. */
  private applied: Ruleset | undefined;
  private readonly session: NftSession | undefined;
  private readonly sessionMaxText: number;

  constructor(options: NftablesSyncerOptions = {}) {
    this.run = options.run ?? spawnCommand;
    this.nft = options.nft ?? 'nft';
    const start = options.startSession ?? (options.run ? undefined : spawnProcess);
    this.session = start ? new NftSession({ nft: this.nft, start }) : undefined;
    this.sessionMaxText = options.sessionMaxText ?? 65_536;
  }

  /** Ends the long-lived `nft -i`, if one runs (a later partial sync starts another). */
  close(): void {
    this.session?.close();
  }

  /** Whether the next sync must be full (nothing loaded yet, or the last load failed). */
  get needsFullSync(): boolean {
    return !this.known;
  }

  /** Makes the next sync a full one. */
  forceFullSync(): void {
    this.known = false;
    this.applied = undefined;
  }

  /**
   * Loads `desired`: partially when the kernel's state is known and only elements (or new
   * declarations) differ, else fully. @throws Error with nft's message when `nft -f` fails.
   */
  async sync(desired: Ruleset, options: { full?: boolean } = {}): Promise<SyncOutcome> {
    const delta = this.known && this.applied && !options.full ? rulesetDelta(this.applied, desired) : undefined;
    if (delta && delta.text === '') {
      this.applied = delta.applied;
      return { mode: 'unchanged', text: '' };
    }
    this.applied = undefined;
    const outcome = await this.load(delta ? delta.text : renderRuleset(desired), delta ? 'partial' : 'full');
    this.applied = delta ? delta.applied : desired;
    return outcome;
  }

  /**
   * Loads `changes` to the live model `model` as a partial sync, or all of `model` when the
   * kernel's state is unknown or `full` is set. @throws Error with nft's message when `nft -f` fails.
   */
  async syncChanges(model: Ruleset, changes: RulesetChanges, options: { full?: boolean } = {}): Promise<SyncOutcome> {
    this.applied = undefined;
    if (!this.known || options.full) return this.load(renderRuleset(model), 'full');
    const { text } = renderChanges(model.family, model.table, changes);
    if (text === '') return { mode: 'unchanged', text };
    return this.load(text, 'partial');
  }

  private async load(text: string, mode: 'full' | 'partial'): Promise<SyncOutcome> {
    this.known = false;
    if (mode === 'partial' && this.session && text.length <= this.sessionMaxText && NftSession.accepts(text)) {
      await this.session.transaction(text);
      this.known = true;
      return { mode, text };
    }
    const result = await this.run(this.nft, ['-f', '-'], text);
    if (result.code !== 0) throw new Error(`nft -f (${mode} sync) exited ${result.code}: ${result.stderr.trim()}`);
    this.known = true;
    // The partial syncs that follow should not wait for the session's start.
    if (mode === 'full') this.session?.prepare();
    return { mode, text };
  }
}
