/**
 * Completion indexes of Indexed Jobs, as upstream's indexed_job_utils.go: the index a pod
 * carries in its annotation, and status.completedIndexes as ordered intervals ("0-2,5").
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** The annotation (and, since PodIndexLabel, label) carrying a pod's completion index. */
export const completionIndexAnnotation = 'batch.kubernetes.io/job-completion-index';

/** The index in a pod's annotation, or undefined when absent or not a non-negative integer. */
export function completionIndexOf(pod: Pod): number | undefined {
  const value = pod.metadata?.annotations?.[completionIndexAnnotation];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const index = Number(value);
  return Number.isSafeInteger(index) ? index : undefined;
}

/**
 * Most indexes {@link parseIndexes} expands: a stored completedIndexes such as "0-2000000000"
 * must not allocate two billion entries (Indexed jobs run at most 100,000 pods at once).
 */
export const maxTrackedIndexes = 1_000_000;

/**
 * Parses status.completedIndexes ("1,3-5") into a set, keeping only indexes below
 * `completions` (upstream ignores the rest) and at most {@link maxTrackedIndexes} of them;
 * malformed parts are skipped.
 */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const indexes = new Set<number>();
  if (!text) return indexes;
  for (const part of text.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) continue;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let i = first; i <= last && i < completions && indexes.size < maxTrackedIndexes; i++) indexes.add(i);
  }
  return indexes;
}

/** Formats indexes as upstream's orderedIntervals.String: ascending, runs as "first-last". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i] as number;
    let last = first;
    while (i + 1 < sorted.length && sorted[i + 1] === last + 1) last = sorted[++i] as number;
    parts.push(first === last ? String(first) : `${first}-${last}`);
    i++;
  }
  return parts.join(',');
}

/**
 * The lowest `count` indexes below `completions` that neither succeeded nor have an active
 * pod, as upstream's firstPendingIndexes.
 */
export function firstPendingIndexes(succeeded: Set<number>, active: Set<number>, count: number, completions: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!succeeded.has(i) && !active.has(i)) out.push(i);
  }
  return out;
}
