/**
 * A count from a stored spec (replicas, parallelism, completions, ordinals.start) as a
 * controller may act on it: a whole number of at least 0. API validation keeps these in range,
 * but an object may have reached the store another way (an older server, a restore); whatever is
 * there, a controller must meet it with a bounded action, never with string arithmetic or NaN.
 */
export function specCount(value: unknown, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.max(0, Math.floor(value));
}
