import { parseArgs, type ParseArgsConfig } from 'node:util';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The data directory k3s-style: /var/lib/skiff as root, else ~/.skiff. */
export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/skiff' : join(homedir(), '.skiff');
}

/** A flag's spelling, meaning and default, for parsing and for `--help`. */
export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  help: string;
  default?: string | boolean;
  /** A one-letter alias (`-v`). */
  short?: string;
}

/**
 * A mistake on the command line (unknown command or flag, bad flag value): the CLI prints it
 * with a pointer to `--help` and exits 2, as kubectl and k3s do.
 */
export class UsageError extends Error {}

/** Whether `err` is a usage mistake: a {@link UsageError} or one of node's parseArgs errors. */
export function isUsageError(err: unknown): boolean {
  if (err instanceof UsageError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** Parses `--flag value` / `--flag=value` flags; unknown flags are an error. */
export function parseFlags(args: string[], specs: FlagSpec[]): Record<string, string | boolean | undefined> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const s of specs) options[s.name] = s.short ? { type: s.type, short: s.short } : { type: s.type };
  options.help = { type: 'boolean', short: 'h' };
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  const out: Record<string, string | boolean | undefined> = {};
  for (const s of specs) out[s.name] = (values[s.name] as string | boolean | undefined) ?? s.default;
  out.help = values.help as boolean | undefined;
  return out;
}

/** Formats flags for `--help`. */
export function flagHelp(specs: FlagSpec[]): string {
  return specs
    .map((s) => `  ${s.short ? `-${s.short}, ` : ''}--${s.name}${s.type === 'string' ? ' value' : ''}\n      ${s.help}${s.default !== undefined && s.default !== '' ? ` (default ${String(s.default)})` : ''}`)
    .join('\n');
}
