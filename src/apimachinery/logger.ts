/** Log levels, most severe first; a logger writes its level and every more severe one. */
export const logLevels = ['error', 'warn', 'info', 'debug'] as const;

/** One of {@link logLevels}. */
export type LogLevel = (typeof logLevels)[number];

/** Options of {@link Logger}. */
export interface LoggerOptions {
  /** The most verbose level written. Default 'info'. */
  level?: LogLevel;
  /** Where lines go (without a trailing newline). Default: process.stderr. */
  write?: (line: string) => void;
  /** The time source. Default: `() => new Date()`. */
  now?: () => Date;
  /** The component name written in each line. Default '-' (the process itself). */
  component?: string;
}

/**
 * Writes `time level component message` lines (RFC 3339 time, in UTC) for one component;
 * `child(name)` gives another component the same level and output. Passed to components,
 * never global.
 */
export class Logger {
  private readonly level: LogLevel;
  private readonly write: (line: string) => void;
  private readonly now: () => Date;
  private readonly component: string;

  constructor(options: LoggerOptions = {}) {
    this.level = options.level ?? 'info';
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.now = options.now ?? (() => new Date());
    this.component = options.component ?? '-';
  }

  /** A logger for `component`, writing at this logger's level to the same output. */
  child(component: string): Logger {
    return new Logger({ level: this.level, write: this.write, now: this.now, component });
  }

  /** Whether lines at `level` are written. */
  enabled(level: LogLevel): boolean {
    return logLevels.indexOf(level) <= logLevels.indexOf(this.level);
  }

  /** Writes `message` at `level` when enabled. */
  log(level: LogLevel, message: string): void {
    if (this.enabled(level)) this.write(`${this.now().toISOString()} ${level} ${this.component} ${message}`);
  }

  /** A failure that needs attention. Bound, so it can be passed as a `(msg) => void` callback. */
  readonly error = (message: string): void => this.log('error', message);
  /** Something unexpected the component recovered from. Bound. */
  readonly warn = (message: string): void => this.log('warn', message);
  /** What an operator wants to see. Bound. */
  readonly info = (message: string): void => this.log('info', message);
  /** Detail for debugging, e.g. conflicts a work queue retries. Bound. */
  readonly debug = (message: string): void => this.log('debug', message);
}

/** Parses a `--log-level` value; throws naming the valid levels. */
export function parseLogLevel(value: string): LogLevel {
  const level = logLevels.find((l) => l === value);
  if (!level) throw new Error(`invalid log level ${JSON.stringify(value)} (one of ${logLevels.join(', ')})`);
  return level;
}

/** klog's verbosity `-v N` as a level: 4 and above is debug, as klog's convention for debug detail. */
export function levelForVerbosity(verbosity: number): LogLevel {
  return verbosity >= 4 ? 'debug' : 'info';
}
