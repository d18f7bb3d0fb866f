import type { Container, DownwardAPIVolumeFile, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import { posix } from 'node:path';
import { parseQuantity } from '../../apimachinery/quantity.js';
import type { Payload } from './atomic-writer.js';
import { VolumeSetupError, aggregateErrors } from './errors.js';

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const shortEscapes: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

/** Quotes a string as Go's `%q` (strconv.Quote) does: printable runes kept, others escaped. */
export function goQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (printable.test(char)) out += char;
    else if (shortEscapes[char] !== undefined) out += shortEscapes[char];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** Byte-wise (Go) string order, so that sorting matches upstream for any Unicode. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Formats labels or annotations as upstream's fieldpath.FormatMap: `key="value"` lines, sorted by key. */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort(compareBytes)
    .map((key) => `${key}=${goQuote(map![key]!)}`)
    .join('\n');
}

const subscripted = /^(metadata\.(?:labels|annotations))\['([^']*)'\]$/;

/**
 * The value of a downward API field of `pod` for volumes: metadata.name, metadata.namespace,
 * metadata.uid, metadata.labels, metadata.annotations and the subscripted forms
 * `metadata.labels['key']` / `metadata.annotations['key']`.
 */
export function podFieldValue(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const match = subscripted.exec(fieldPath);
  if (match) {
    const map = match[1] === 'metadata.labels' ? meta.labels : meta.annotations;
    return map?.[match[2]!] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
  }
  throw new VolumeSetupError(`unsupported fieldPath: ${fieldPath}`);
}

/** Resources whose unset limit is taken from the node's allocatable, as upstream does. */
const limitsFromAllocatable = ['cpu', 'memory', 'ephemeral-storage'];

/**
 * The value of a container resource field (limits.cpu, requests.memory, limits.ephemeral-storage,
 * limits.hugepages-2Mi, ...) divided by `selector.divisor` (default 1) and rounded up, as
 * upstream's ExtractResourceValueByContainerNameAndNodeAllocatable. Unset limits of cpu, memory
 * and ephemeral-storage fall back to `nodeAllocatable`.
 */
export function containerResourceValue(pod: Pod, selector: ResourceFieldSelector, nodeAllocatable: Record<string, string> = {}): string {
  const containerName = selector.containerName ?? '';
  const containers: Container[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const container = containers.find((candidate) => candidate.name === containerName);
  if (!container) throw new VolumeSetupError(`container ${containerName} not found`);
  const [kind, resource] = splitResource(selector.resource);
  if (kind === undefined || resource === undefined || !isSupportedResource(resource)) {
    throw new VolumeSetupError(`unsupported container resource : ${selector.resource}`);
  }
  let raw = (kind === 'limits' ? container.resources?.limits : container.resources?.requests)?.[resource];
  if (kind === 'limits' && limitsFromAllocatable.includes(resource) && (raw === undefined || quantityValue(raw) === 0)) {
    raw = nodeAllocatable[resource] ?? raw;
  }
  const value = raw === undefined ? 0 : quantityValue(raw);
  const divisor = selector.divisor === undefined || quantityValue(selector.divisor) === 0 ? 1 : quantityValue(selector.divisor);
  if (resource === 'cpu') {
    // upstream divides milli-values: ceil(cpu.MilliValue / divisor.MilliValue)
    return String(Math.ceil(Math.ceil(value * 1000 - 1e-9) / Math.ceil(divisor * 1000 - 1e-9)));
  }
  return String(Math.ceil(Math.ceil(value - 1e-9) / divisor - 1e-9));
}

function splitResource(resource: string): [string | undefined, string | undefined] {
  const dot = resource.indexOf('.');
  if (dot < 0) return [undefined, undefined];
  const kind = resource.slice(0, dot);
  if (kind !== 'limits' && kind !== 'requests') return [undefined, undefined];
  return [kind, resource.slice(dot + 1)];
}

function isSupportedResource(resource: string): boolean {
  return resource === 'cpu' || resource === 'memory' || resource === 'ephemeral-storage' || resource.startsWith('hugepages-');
}

function quantityValue(quantity: string | number): number {
  const parsed = parseQuantity(quantity);
  if (!parsed) throw new VolumeSetupError(`invalid quantity ${String(quantity)}`);
  return parsed.value;
}

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
      if (item.fieldRef) content = sortLines(podFieldValue(pod, item.fieldRef.fieldPath));
      else if (item.resourceFieldRef) content = sortLines(containerResourceValue(pod, item.resourceFieldRef, nodeAllocatable));
    } catch (error) {
      errors.push(error instanceof Error ? error : new Error(String(error)));
    }
    payload.set(path, { data: Buffer.from(content), mode });
  }
  const failure = aggregateErrors(errors);
  if (failure) throw failure;
  return payload;
}
