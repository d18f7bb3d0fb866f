import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { errorMessage } from '../apimachinery/errors.js';
import { parseFlags, UsageError, type FlagSpec } from './flags.js';

/** The config file k3s-style: /etc/skiff/config.yaml as root, else ~/.skiff/config.yaml. */
export function defaultConfigFile(): string {
  return process.getuid?.() === 0 ? '/etc/skiff/config.yaml' : join(homedir(), '.skiff', 'config.yaml');
}

/** The flags every command that reads the config file has. */
export const configFlags: FlagSpec[] = [
  { name: 'config', type: 'string', help: `read flags from this YAML file (keys are flag names without dashes; flags given here win) (default ${defaultConfigFile()})` },
  { name: 'log-level', type: 'string', help: 'the most verbose log level written: error, warn, info or debug', default: 'info' },
  { name: 'v', short: 'v', type: 'string', help: "klog's verbosity: 4 and above logs at debug", default: '' },
];

/** Parsed flags: a value (or undefined) for each flag name, and `help`. */
export type ParsedFlags = Record<string, string | boolean | undefined>;

/** Options of {@link parseFlagsWithConfig}. */
export interface ConfigFileOptions {
  /** The config file read when `--config` is not given; a missing one is no error. Default {@link defaultConfigFile}. */
  defaultPath?: string;
  /** Reads a file; undefined when it does not exist. Default: the file system. */
  readFile?: (path: string) => string | undefined;
  /** Skip keys that name none of the command's flags (a command reading only part of a server's file). Default false: they are usage errors. */
  ignoreUnknownKeys?: boolean;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The flag values of a config file's text: every key must name one of `specs` (a
 * {@link UsageError} names an unknown key, unless `ignoreUnknownKeys`, or a value of the wrong type). Numbers are
 * accepted for string flags (`https-port: 6443`).
 */
export function parseConfigFile(text: string, path: string, specs: FlagSpec[], ignoreUnknownKeys = false): Record<string, string | boolean> {
  let doc: unknown;
  try {
    doc = load(text);
  } catch (err) {
    throw new UsageError(`${path}: not YAML: ${errorMessage(err)}`);
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${path}: expected a mapping of flag names to values`);
  const values: Record<string, string | boolean> = {};
  for (const [key, value] of Object.entries(doc)) {
    const spec = specs.find((s) => s.name === key && s.name !== 'config');
    if (!spec && ignoreUnknownKeys) continue;
    if (!spec) throw new UsageError(`${path}: unknown key ${JSON.stringify(key)} (keys are flag names without dashes)`);
    if (spec.type === 'boolean') {
      if (typeof value !== 'boolean') throw new UsageError(`${path}: ${key}: expected true or false, got ${JSON.stringify(value)}`);
      values[key] = value;
    } else {
      if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`${path}: ${key}: expected a string, got ${JSON.stringify(value)}`);
      values[key] = String(value);
    }
  }
  return values;
}

/**
 * Parses `args` for `specs` plus {@link configFlags}, as k3s does: a flag on the command line
 * wins over the config file (`--config FILE`, else the default one if it exists), which wins
 * over the flag's default. Unknown flags and keys are {@link UsageError}s.
 */
export function parseFlagsWithConfig(args: string[], specs: FlagSpec[], options: ConfigFileOptions = {}): ParsedFlags {
  const all = [...specs, ...configFlags];
  const given = parseFlags(
    args,
    all.map((s) => ({ ...s, default: undefined })),
  );
  const explicit = typeof given.config === 'string' ? given.config : undefined;
  const path = explicit ?? options.defaultPath ?? defaultConfigFile();
  const text = (options.readFile ?? readIfExists)(path);
  if (text === undefined && explicit !== undefined) throw new UsageError(`--config: ${explicit}: no such file`);
  const fromFile = text === undefined ? {} : parseConfigFile(text, path, all, options.ignoreUnknownKeys);
  const flags: ParsedFlags = {};
  for (const s of all) flags[s.name] = given[s.name] ?? fromFile[s.name] ?? s.default;
  flags.config = text === undefined ? undefined : path;
  flags.help = given.help;
  return flags;
}
