/**
 * The downward API's values, once for environment variables and volume files: upstream's
 * fieldpath.ExtractFieldPathAsString, the kubelet's podFieldSelectorRuntimeValue and
 * resource.ExtractResourceValueByContainerNameAndNodeAllocatable.
 */
import type { Container, ObjectFieldSelector, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import { isQualifiedName } from './names.js';
import { Quantity, parseQuantity } from './quantity.js';

/** A downward API reference that cannot be resolved; the message is upstream's. */
export class DownwardAPIError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownwardAPIError';
  }
}

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
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Formats labels or annotations as upstream's fieldpath.FormatMap: `key="value"` lines (Go quoting), sorted by key. */
export function formatMap(map: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(map ?? {})
    .sort(compareBytes)
    .map((key) => `${key}=${goQuote(map![key]!)}`)
    .join('\n');
}

/** Splits `metadata.labels['key']` into path and subscript (upstream's SplitMaybeSubscriptedPath). */
function splitSubscriptedPath(fieldPath: string): { path: string; subscript: string } | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const inner = fieldPath.slice(0, -2);
  const open = inner.indexOf("['");
  if (open <= 0) return undefined;
  return { path: inner.slice(0, open), subscript: inner.slice(open + 2) };
}

/**
 * The value of a metadata field path of `pod` (upstream's ExtractFieldPathAsString, all that
 * volume files offer): metadata.name, .namespace, .uid, .labels, .annotations and the subscripted
 * `metadata.labels['key']` / `metadata.annotations['key']`. Throws DownwardAPIError otherwise.
 */
export function podMetadataFieldValue(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const subscripted = splitSubscriptedPath(fieldPath);
  if (subscripted) {
    const { path, subscript } = subscripted;
    if (path !== 'metadata.annotations' && path !== 'metadata.labels') {
      throw new DownwardAPIError(`fieldPath ${JSON.stringify(fieldPath)} does not support subscript`);
    }
    const errors = isQualifiedName(path === 'metadata.annotations' ? subscript.toLowerCase() : subscript);
    if (errors.length > 0) throw new DownwardAPIError(`invalid key subscript in ${fieldPath}: ${errors.join(';')}`);
    return (path === 'metadata.annotations' ? meta.annotations : meta.labels)?.[subscript] ?? '';
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
  throw new DownwardAPIError(`unsupported fieldPath: ${fieldPath}`);
}

/** What the node knows about a running pod, for the spec and status fields environment variables may read. */
export interface PodRuntimeFields {
  /** The node's name (spec.nodeName when the pod does not carry it). */
  nodeName: string;
  /** The node's primary IP (status.hostIP). */
  hostIP: string;
  /** All node IPs (status.hostIPs); default [hostIP]. */
  hostIPs?: readonly string[];
  /** The pod's IPs, primary first (status.podIP is the first). */
  podIPs: readonly string[];
  /** spec.serviceAccountName when the pod does not carry it. */
  serviceAccountName?: string;
}

/** Field labels upstream's ConvertDownwardAPIFieldLabel accepts for pods (v1). */
const podFieldLabels = new Set([
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid',
  'spec.nodeName', 'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName',
  'status.phase', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
]);

/** The internal field path of a v1 field selector (upstream's ConvertDownwardAPIFieldLabel). */
function internalFieldPath(selector: ObjectFieldSelector): string {
  const apiVersion = selector.apiVersion || 'v1';
  if (apiVersion !== 'v1') throw new DownwardAPIError(`unsupported pod version: ${apiVersion}`);
  const fieldPath = selector.fieldPath;
  const subscripted = splitSubscriptedPath(fieldPath);
  if (subscripted) {
    if (subscripted.path === 'metadata.annotations' || subscripted.path === 'metadata.labels') return fieldPath;
    throw new DownwardAPIError(`field label does not support subscript: ${fieldPath}`);
  }
  // Old v1 clients send spec.host.
  if (fieldPath === 'spec.host') return 'spec.nodeName';
  if (!podFieldLabels.has(fieldPath)) throw new DownwardAPIError(`field label not supported: ${fieldPath}`);
  return fieldPath;
}

/**
 * The value of a fieldRef as the kubelet resolves it for an environment variable (upstream's
 * podFieldSelectorRuntimeValue): node and IP fields from `runtime`, metadata from the pod.
 * Throws DownwardAPIError with upstream's message for unsupported paths or versions.
 */
export function podFieldSelectorValue(pod: Pod, selector: ObjectFieldSelector, runtime: PodRuntimeFields): string {
  const fieldPath = internalFieldPath(selector);
  switch (fieldPath) {
    case 'spec.nodeName':
      return pod.spec?.nodeName || runtime.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName || runtime.serviceAccountName || '';
    case 'status.hostIP':
      return runtime.hostIP;
    case 'status.hostIPs':
      return (runtime.hostIPs ?? [runtime.hostIP]).join(',');
    case 'status.podIP':
      return runtime.podIPs[0] ?? '';
    case 'status.podIPs':
      return runtime.podIPs.join(',');
  }
  return podMetadataFieldValue(pod, fieldPath);
}

/** Resources whose unset (or zero) limit is the node's allocatable (upstream's MergeContainerResourceLimits). */
const limitsFromAllocatable = ['cpu', 'memory', 'ephemeral-storage'];

/** Where containerResourceValue finds the container and the node's allocatable. */
export interface ContainerResourceOptions {
  /**
   * The container whose resources are read when the selector names none (an environment
   * variable's own container). Default none: the selector must name one.
   */
  container?: Container;
  /** The node's allocatable (cpu, memory, ephemeral-storage) that unset limits default to. Default none. */
  nodeAllocatable?: Readonly<Record<string, string>>;
}

function findContainer(pod: Pod, name: string): Container {
  const found = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((candidate) => candidate.name === name);
  if (!found) throw new DownwardAPIError(`container ${name} not found`);
  return found;
}

/** The resource name of a `limits.<name>` / `requests.<name>` selector that upstream supports, else undefined. */
function selectedResource(resource: string): { list: 'limits' | 'requests'; name: string } | undefined {
  const dot = resource.indexOf('.');
  const list = resource.slice(0, dot);
  const name = resource.slice(dot + 1);
  if (dot < 0 || (list !== 'limits' && list !== 'requests')) return undefined;
  if (name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage' && !name.startsWith('hugepages-')) return undefined;
  return { list, name };
}

/** ceil(numerator / denominator) for integers. */
function ceilDivide(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const inexact = quotient * denominator !== numerator;
  return inexact && numerator < 0n === denominator < 0n ? quotient + 1n : quotient;
}

/**
 * The value of a resourceFieldRef (limits.cpu, requests.memory, limits.ephemeral-storage,
 * limits.hugepages-2Mi, ...) as upstream's ExtractResourceValueByContainerNameAndNodeAllocatable:
 * cpu as ceil(milliValue / divisor's milliValue), the others as ceil(value / divisor's value),
 * the divisor defaulting to 1 when absent or zero; unset or zero cpu, memory and
 * ephemeral-storage limits are the node's allocatable. Exact integer arithmetic (upstream
 * divides float64s, which gives the same results below 2^53). Throws DownwardAPIError with
 * upstream's message for an unknown container or resource.
 */
export function containerResourceValue(pod: Pod, selector: ResourceFieldSelector, options: ContainerResourceOptions = {}): string {
  const container = selector.containerName || !options.container ? findContainer(pod, selector.containerName ?? '') : options.container;
  const selected = selectedResource(selector.resource);
  if (!selected) throw new DownwardAPIError(`unsupported container resource : ${selector.resource}`);
  const list = (selected.list === 'limits' ? container.resources?.limits : container.resources?.requests) ?? {};
  let quantity = parseQuantity(list[selected.name]) ?? Quantity.fromInteger(0);
  if (selected.list === 'limits' && limitsFromAllocatable.includes(selected.name) && quantity.isZero()) {
    quantity = parseQuantity(options.nodeAllocatable?.[selected.name]) ?? quantity;
  }
  const given = parseQuantity(selector.divisor);
  const divisor = given === undefined || given.isZero() ? Quantity.fromInteger(1) : given;
  const scale = selected.name === 'cpu' ? -3 : 0;
  return ceilDivide(quantity.scaledValue(scale), divisor.scaledValue(scale)).toString();
}
