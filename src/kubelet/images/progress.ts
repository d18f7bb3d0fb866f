/** What one progress bar shows. */
export interface ProgressState {
  label: string;
  /** Units done so far (bytes). */
  done: number;
  /** Units in all (bytes); 0 or less when unknown. */
  total: number;
}

/** Options of {@link renderProgressBar}. */
export interface RenderProgressBarOptions extends ProgressState {
  /** Width of the bar between the brackets, in characters. Default 30. */
  width?: number;
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** A byte count with a binary unit and one decimal above bytes: 1536 -> '1.5 KiB'. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * One line showing progress, e.g. `pause.tar [###############---------------]  50% 1.0/2.0 MiB`.
 * With an unknown total the bar is left out: `pause.tar 1.0 MiB`.
 */
export function renderProgressBar(options: RenderProgressBarOptions): string {
  const width = Math.max(1, options.width ?? 30);
  const done = Math.max(0, options.done);
  if (!(options.total > 0)) return `${options.label} ${formatBytes(done)}`;
  const fraction = Math.min(1, done / options.total);
  const filled = Math.floor(fraction * width);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${options.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent} ${formatBytes(done)}/${formatBytes(options.total)}`;
}

/** The part of a writable stream the reporter uses (process.stderr fits). */
export interface ProgressOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link ProgressReporter}. */
export interface ProgressReporterOptions {
  /** Where to draw. Default process.stderr. */
  output?: ProgressOutput;
  /** Smallest time between two redraws on a terminal. Default 100 ms. */
  minIntervalMs?: number;
  /** Bar width. Default 30. */
  width?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

/**
 * Draws a progress bar that redraws in place (`\r`) on a terminal, at most once per
 * `minIntervalMs`; on anything else (a file, a pipe) it prints only the final line of each
 * bar, so logs are not flooded.
 */
export class ProgressReporter {
  private readonly output: ProgressOutput;
  private readonly minIntervalMs: number;
  private readonly width: number;
  private readonly now: () => number;
  private lastDrawAt = -Infinity;
  private lastState: ProgressState | undefined;
  private drawnSinceFinish = false;

  constructor(options: ProgressReporterOptions = {}) {
    this.output = options.output ?? process.stderr;
    this.minIntervalMs = options.minIntervalMs ?? 100;
    this.width = options.width ?? 30;
    this.now = options.now ?? Date.now;
  }

  /** Records new progress; redraws if this is a terminal and the last redraw is old enough. */
  update(state: ProgressState): void {
    this.lastState = state;
    if (!this.output.isTTY) return;
    const now = this.now();
    if (now - this.lastDrawAt < this.minIntervalMs) return;
    this.lastDrawAt = now;
    this.draw(state);
  }

  /** Ends the current bar: draws its last state (or `finalLine`) once and moves to a new line. */
  finish(finalLine?: string): void {
    const line = finalLine ?? (this.lastState ? this.render(this.lastState) : undefined);
    if (line === undefined) return;
    if (this.output.isTTY) this.output.write(`\r${line}\x1b[K\n`);
    else this.output.write(`${line}\n`);
    this.lastState = undefined;
    this.lastDrawAt = -Infinity;
    this.drawnSinceFinish = false;
  }

  private render(state: ProgressState): string {
    const line = renderProgressBar({ ...state, width: this.width });
    const columns = this.output.columns;
    return columns && columns > 1 && line.length >= columns ? line.slice(0, columns - 1) : line;
  }

  private draw(state: ProgressState): void {
    this.output.write(`\r${this.render(state)}\x1b[K`);
    this.drawnSinceFinish = true;
  }

  /** Whether a bar is on screen and not finished yet. */
  get drawing(): boolean {
    return this.drawnSinceFinish;
  }
}
