/**
 * ResourceQuota usage as upstream's quota evaluators: what one object uses (pods, object
 * counts, requests and limits of cpu and memory, storage of claims), resource lists added and
 * compared exactly, and the texts of upstream's quota messages. Shared by the quota controller
 * and the ResourceQuota admission plugin.
 */
import { Quantity, parseQuantity } from './quantity.js';

/** A ResourceList (name → quantity string), as in spec.hard and status.used. */
export type ResourceList = Record<string, string>;

/** Container resources in the shape the evaluators read. */
interface ContainerLike {
  name?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

/** The parts of a pod the pod evaluator reads. */
export interface PodLike {
  spec?: { containers?: ContainerLike[]; initContainers?: ContainerLike[]; overhead?: Record<string, string>; activeDeadlineSeconds?: number };
  status?: { phase?: string };
  metadata?: { deletionTimestamp?: string };
}

/** Resources that must be set on each container when a quota limits them (upstream's validationSet). */
const podComputeResources = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/** The object-count resource names of the core kinds (`pods`, `services`...) besides `count/<plural>`. */
const legacyCounts: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** `count/<plural>` for the core group, `count/<plural>.<group>` otherwise. */
export function countResourceName(group: string, plural: string): string {
  return group ? `count/${plural}.${group}` : `count/${plural}`;
}

function q(value: string | undefined): Quantity {
  return parseQuantity(value ?? '0') ?? Quantity.fromInteger(0);
}

/** a + b, name by name. */
export function addResources(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [name, value] of Object.entries(b)) out[name] = a[name] === undefined ? q(value).toString() : q(a[name]).add(q(value)).toString();
  return out;
}

/** a - b, name by name (names of a only). */
export function subtractResources(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [name, value] of Object.entries(b)) if (a[name] !== undefined) out[name] = q(a[name]).sub(q(value)).toString();
  return out;
}

/** Only the names in `names`. */
export function maskResources(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const name of names) if (list[name] !== undefined) out[name] = list[name];
  return out;
}

/** Names of `a` whose value exceeds the one in `limit` (names `limit` lacks are not limited). */
export function exceededResources(a: ResourceList, limit: ResourceList): string[] {
  return Object.keys(a)
    .filter((name) => limit[name] !== undefined && q(a[name]).cmp(q(limit[name])) > 0)
    .sort();
}

/** Upstream's prettyPrint: `name=value` sorted by name, joined by `,`. */
export function formatResources(list: ResourceList): string {
  return Object.keys(list)
    .sort()
    .map((name) => `${name}=${q(list[name]).toString()}`)
    .join(',');
}

function isTerminal(pod: PodLike): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Sum of the containers' values of `resource` in `part`, max with each init container (upstream's PodRequests/PodLimits). */
function podResource(pod: PodLike, part: 'requests' | 'limits', resource: string): Quantity | undefined {
  let sum: Quantity | undefined;
  for (const c of pod.spec?.containers ?? []) {
    const v = c.resources?.[part]?.[resource];
    if (v !== undefined) sum = sum ? sum.add(q(v)) : q(v);
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const v = c.resources?.[part]?.[resource];
    if (v !== undefined) sum = sum ? sum.max(q(v)) : q(v);
  }
  const overhead = pod.spec?.overhead?.[resource];
  if (sum && overhead !== undefined) sum = sum.add(q(overhead));
  return sum;
}

/** What a pod uses (upstream's PodUsageFunc): nothing once finished; else its count and compute resources. */
export function podUsage(pod: PodLike): ResourceList {
  if (isTerminal(pod)) return {};
  const usage: ResourceList = { pods: '1', 'count/pods': '1' };
  for (const resource of ['cpu', 'memory', 'ephemeral-storage']) {
    const request = podResource(pod, 'requests', resource);
    const limit = podResource(pod, 'limits', resource);
    if (request) {
      usage[`requests.${resource}`] = request.toString();
      if (resource !== 'ephemeral-storage') usage[resource] = request.toString();
    }
    if (limit) usage[`limits.${resource}`] = limit.toString();
  }
  return usage;
}

/** What one object of a type uses: its object counts, plus a pod's resources, a claim's storage, a Service's NodePorts and load balancers. */
export function objectUsage(group: string, plural: string, obj: unknown): ResourceList {
  if (group === '' && plural === 'pods') return podUsage(obj as PodLike);
  const usage: ResourceList = { [countResourceName(group, plural)]: '1' };
  if (group === '' && legacyCounts[plural]) usage[legacyCounts[plural]] = '1';
  if (group === '' && plural === 'persistentvolumeclaims') {
    const storage = (obj as { spec?: { resources?: { requests?: Record<string, string> } } }).spec?.resources?.requests?.storage;
    if (storage !== undefined) usage['requests.storage'] = q(storage).toString();
  }
  if (group === '' && plural === 'services') {
    const spec = (obj as { spec?: { type?: string; ports?: unknown[] } }).spec;
    if (spec?.type === 'NodePort' || spec?.type === 'LoadBalancer') usage['services.nodeports'] = String(spec.ports?.length ?? 0);
    if (spec?.type === 'LoadBalancer') usage['services.loadbalancers'] = '1';
  }
  return usage;
}

/** Whether an object of a type is counted against a quota's `hard` names at all. */
export function quotaCovers(hard: ResourceList, usage: ResourceList): boolean {
  return Object.keys(usage).some((name) => hard[name] !== undefined);
}

/**
 * Upstream's pod Constraints: when a quota limits cpu or memory requests or limits, each
 * container must set them. Returns `must specify ...` or undefined.
 */
export function podConstraintsError(pod: PodLike, hard: ResourceList): string | undefined {
  const required = podComputeResources.filter((name) => hard[name] !== undefined);
  if (required.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const name of required) {
      const [part, resource] = name.includes('.') ? (name.split('.') as ['requests' | 'limits', string]) : (['requests', name] as const);
      if (c.resources?.[part]?.[resource] !== undefined) continue;
      const names = missing.get(name) ?? new Set<string>();
      names.add(c.name ?? '');
      missing.set(name, names);
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((name) => `${name} for: ${[...missing.get(name)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

/** Usage of a namespace's objects restricted to the names a quota tracks (upstream's CalculateUsage), zero for names nothing uses. */
export function quotaUsage(hard: ResourceList, usages: Iterable<ResourceList>): ResourceList {
  const names = Object.keys(hard);
  let used: ResourceList = {};
  for (const name of names) used[name] = '0';
  for (const usage of usages) used = addResources(used, maskResources(usage, names));
  return used;
}
