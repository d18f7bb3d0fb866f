/**
 * The shapes of the node's preflight checks (k3s's `check-config`): what each check reports and
 * the side effects the checks read the machine through, injected so fixtures can stand in.
 */

/** ok: fine; warning: an optional part is missing (a feature will not work); failed: the node cannot run pods. */
export type PreflightStatus = 'ok' | 'warning' | 'failed';

/** One check's outcome. */
export interface PreflightCheck {
  /** What was checked, e.g. 'cgroups', 'binary runc', 'port 10250'. */
  name: string;
  status: PreflightStatus;
  /** One line: what was found and, unless ok, how to fix it. */
  message: string;
}

/** What a command printed and how it exited. */
export interface CommandResult {
  /** The exit code; -1 when the command could not be started (e.g. not installed). */
  code: number;
  stdout: string;
  stderr: string;
}

/** The machine as the checks see it. */
export interface PreflightHost {
  /** A file's text (gzip-compressed files, e.g. /proc/config.gz, decompressed); undefined when it does not exist or cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  /** The names in a directory; undefined when it does not exist. */
  readDir(path: string): Promise<string[] | undefined>;
  /** Whether `path` is an executable file. */
  isExecutable(path: string): Promise<boolean>;
  /** Runs a command (no shell) and reports how it ended. */
  run(command: string, args: string[]): Promise<CommandResult>;
  /** Whether a TCP port can be bound on all addresses. */
  portFree(port: number): Promise<boolean>;
  /**
   * Whether the current user may create and write files in `path`: the directory itself when it
   * exists, else the nearest existing parent. `existing` is the directory that was tested.
   */
  writable(path: string): Promise<{ writable: boolean; existing: string; mode?: number }>;
  /** The directories searched for binaries (PATH plus /usr/sbin and /sbin). */
  searchPath: string[];
}
