import type { DownwardAPIVolumeFile, Pod } from 'kubernetes-types/core/v1.js';
import { posix } from 'node:path';
import { DownwardAPIError, compareBytes, containerResourceValue, podMetadataFieldValue } from '../../apimachinery/downward-api.js';
import type { Payload } from './atomic-writer.js';
import { VolumeSetupError, aggregateErrors } from './errors.js';

/** Sorts the lines of a value, as upstream does for every downward API file. */
function sortLines(value: string): string {
  return value.split('\n').sort(compareBytes).join('\n');
}

/**
 * Builds the payload of a downwardAPI volume (or projection) from its items, as upstream's
 * downwardapi.CollectData: one file per item, mode from the item or `defaultMode`, content the
 * field's value with its lines sorted. Errors of all items are joined.
 */
export function downwardAPIPayload(
  items: readonly DownwardAPIVolumeFile[] | undefined,
  pod: Pod,
  defaultMode: number,
  nodeAllocatable?: Record<string, string>,
): Payload {
  const payload: Payload = new Map();
  const errors: Error[] = [];
  for (const item of items ?? []) {
    const path = posix.normalize(item.path);
    const mode = item.mode ?? defaultMode;
    let content = '';
    try {
      if (item.fieldRef) content = sortLines(podMetadataFieldValue(pod, item.fieldRef.fieldPath));
      else if (item.resourceFieldRef) content = sortLines(containerResourceValue(pod, item.resourceFieldRef, { nodeAllocatable }));
    } catch (error) {
      if (!(error instanceof DownwardAPIError)) throw error;
      errors.push(new VolumeSetupError(error.message));
    }
    payload.set(path, { data: Buffer.from(content), mode });
  }
  const failure = aggregateErrors(errors);
  if (failure) throw failure;
  return payload;
}
