import { Logger, levelForVerbosity, parseLogLevel, type LogLevel } from '../apimachinery/logger.js';
import { errorMessage } from '../apimachinery/errors.js';
import { UsageError } from './flags.js';
import type { ParsedFlags } from './config-file.js';

/** The log level `--log-level` and `-v N` ask for: verbosity 4 and above is debug, as klog's. */
export function logLevelOf(flags: ParsedFlags): LogLevel {
  let level: LogLevel;
  try {
    level = parseLogLevel(String(flags['log-level'] ?? 'info'));
  } catch (err) {
    throw new UsageError(`--log-level: ${errorMessage(err)}`);
  }
  const v = flags.v;
  if (typeof v === 'string' && v !== '') {
    const verbosity = Number(v);
    if (!Number.isInteger(verbosity) || verbosity < 0) throw new UsageError(`-v: not a verbosity: ${JSON.stringify(v)}`);
    if (levelForVerbosity(verbosity) === 'debug') level = 'debug';
  }
  return level;
}

/** The process's root logger, at the level the flags ask for, writing to stderr. */
export function loggerFromFlags(flags: ParsedFlags): Logger {
  return new Logger({ level: logLevelOf(flags) });
}
