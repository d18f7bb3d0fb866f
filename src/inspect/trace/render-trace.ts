import type { TraceStep } from './trace-step.js';

/** Options of {@link renderTrace}. */
export interface RenderTraceOptions {
  /** Whether each step's details follow it, indented. Default true. */
  details?: boolean;
}

const marks: Record<TraceStep['outcome'], string> = { pass: '✓', warn: '!', stop: '✗' };

/**
 * A trace in words, for a terminal: one line per step (`✓` goes on, `!` goes on with a caveat,
 * `✗` stops here) with its details indented under it, then the verdict alone on the last line.
 */
export function renderTrace(steps: readonly TraceStep[], options: RenderTraceOptions = {}): string {
  const lines: string[] = [];
  const width = Math.max(0, ...steps.filter((s) => s.kind !== 'verdict').map((s) => s.kind.length));
  for (const step of steps) {
    if (step.kind === 'verdict') continue;
    lines.push(`${marks[step.outcome]} ${`${step.kind}:`.padEnd(width + 1)} ${step.text}`);
    if (options.details ?? true) for (const detail of step.details) lines.push(`${' '.repeat(width + 4)}· ${detail}`);
  }
  const verdict = steps.find((s) => s.kind === 'verdict');
  if (verdict) lines.push(verdict.text);
  return `${lines.join('\n')}\n`;
}
