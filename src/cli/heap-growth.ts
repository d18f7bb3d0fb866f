import { setFlagsFromString } from 'node:v8';

/**
 * The heap growing factor `skiff server` gives V8, as a percentage over the live heap: after
 * each full collection, the heap may grow to (1 + percent/100) times what survived before the
 * next one. V8's own factor goes up to 4 for a process that allocates fast (capped halfway to
 * the heap limit), so a server holding 1 GiB of caches sat on up to 1.5 GiB of garbage:
 * bench/scale's resident memory was about three times its live heap at 20,000 pods, and 3.2 GiB
 * at 100,000. With 1.5, full collections come more often and the garbage stays below half the
 * live heap (bench/scale, docs/perf/issue-16-scale.md: at 100,000 pods a factor of 2 still
 * reached about 3 GiB).
 */
export const serverHeapGrowingPercent = 50;

/** What {@link boundHeapGrowth} reads and calls (the process's, by default). */
export interface HeapGrowthEnvironment {
  setFlags(flags: string): void;
  /** Node's own flags (process.execArgv). */
  execArgv: readonly string[];
  /** The NODE_OPTIONS environment variable. */
  nodeOptions: string;
}

const processEnvironment = (): HeapGrowthEnvironment => ({ setFlags: setFlagsFromString, execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS ?? '' });

/**
 * Sets V8's heap growing factor to `percent` unless the process was started with one of its own
 * (`--heap-growing-percent` on node's command line or in NODE_OPTIONS), which is kept. V8 reads
 * the factor at each collection, so setting it after start takes effect. Returns whether it set it.
 */
export function boundHeapGrowth(percent: number, env: HeapGrowthEnvironment = processEnvironment()): boolean {
  const given = (text: string) => /--heap[-_]growing[-_]percent\b/.test(text);
  if (env.execArgv.some(given) || given(env.nodeOptions)) return false;
  env.setFlags(`--heap-growing-percent=${percent}`);
  return true;
}
