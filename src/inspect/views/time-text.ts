/** Times and durations as the time-drawing views write them: short, UTC, and the same on every machine. */

/** An instant (ms since the epoch) as `HH:MM:SS` in UTC. */
export function utcClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/** An instant as `YYYY-MM-DD HH:MM:SS UTC`. */
export function utcDateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** A duration in whole seconds, largest units first: `45s`, `2m05s`, `1h02m`, `3d4h`. */
export function durationText(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const seconds = Math.floor(Math.abs(ms) / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (seconds < 60) return `${sign}${seconds}s`;
  if (seconds < 3600) return `${sign}${Math.floor(seconds / 60)}m${pad(seconds % 60)}s`;
  if (seconds < 86_400) return `${sign}${Math.floor(seconds / 3600)}h${pad(Math.floor((seconds % 3600) / 60))}m`;
  return `${sign}${Math.floor(seconds / 86_400)}d${Math.floor((seconds % 86_400) / 3600)}h`;
}
