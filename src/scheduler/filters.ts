/**
 * Scheduler filter plugins as pure functions, following upstream's
 * pkg/scheduler/framework/plugins (NodeUnschedulable, NodeName, TaintToleration,
 * NodeAffinity, NodePorts, NodeResourcesFit) with their reason strings.
 */
import type { Container, Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../apimachinery/quantity.js';
import { findUntoleratedTaint, isTaintTolerated, requiredNodeAffinityMatches } from '../apimachinery/scheduling.js';

/** A node together with the pods already bound to it. */
export interface NodeInfo {
  node: Node;
  pods: readonly Pod[];
}

/** A failed filter. `unresolvable` marks upstream's UnschedulableAndUnresolvable (preemption cannot help). */
export interface FilterFailure {
  fit: false;
  /** All reasons joined with ", " (a node can be short of several resources). */
  reason: string;
  reasons: string[];
  unresolvable: boolean;
}

/** A filter's verdict for one node. */
export type FilterResult = { fit: true } | FilterFailure;

const fits: FilterResult = { fit: true };

function fail(reasons: string[], unresolvable: boolean): FilterFailure {
  return { fit: false, reason: reasons.join(', '), reasons, unresolvable };
}

/** Upstream reason strings. */
export const FilterReasons = {
  nodeName: "node(s) didn't match the requested node name",
  nodeAffinity: "node(s) didn't match Pod's node affinity/selector",
  unschedulable: 'node(s) were unschedulable',
  nodePorts: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: 'Too many pods',
  untoleratedTaint: (taint: Taint): string => `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`,
  insufficient: (resource: string): string => `Insufficient ${resource}`,
  podAffinity: "node(s) didn't match pod affinity rules",
  podAntiAffinity: "node(s) didn't match pod anti-affinity rules",
  existingPodsAntiAffinity: "node(s) didn't satisfy existing pods anti-affinity rules",
  topologySpread: "node(s) didn't match pod topology spread constraints",
  topologySpreadMissingLabel: "node(s) didn't match pod topology spread constraints (missing required label)",
} as const;

/** NodeName: a pod with spec.nodeName only fits that node. */
export function nodeNameFilter(pod: Pod, node: Node): FilterResult {
  const wanted = pod.spec?.nodeName;
  if (!wanted || wanted === node.metadata?.name) return fits;
  return fail([FilterReasons.nodeName], true);
}

/** NodeUnschedulable: spec.unschedulable nodes only take pods tolerating node.kubernetes.io/unschedulable:NoSchedule. */
export function nodeUnschedulableFilter(pod: Pod, node: Node): FilterResult {
  if (!node.spec?.unschedulable) return fits;
  if (isTaintTolerated(pod.spec?.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) return fits;
  return fail([FilterReasons.unschedulable], true);
}

/** TaintToleration: every NoSchedule and NoExecute taint must be tolerated (PreferNoSchedule only scores). */
export function taintTolerationFilter(pod: Pod, node: Node): FilterResult {
  const taint = findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  return taint ? fail([FilterReasons.untoleratedTaint(taint)], true) : fits;
}

/** NodeAffinity: spec.nodeSelector (every label equal) and requiredDuringSchedulingIgnoredDuringExecution. */
export function nodeAffinityFilter(pod: Pod, node: Node): FilterResult {
  return requiredNodeAffinityMatches(pod, node) ? fits : fail([FilterReasons.nodeAffinity], true);
}

interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

function hostPorts(pod: Pod): HostPort[] {
  const ports: HostPort[] = [];
  for (const container of pod.spec?.containers ?? []) {
    for (const port of container.ports ?? []) {
      if (!port.hostPort || port.hostPort <= 0) continue;
      ports.push({ ip: port.hostIP || '0.0.0.0', protocol: port.protocol || 'TCP', port: port.hostPort });
    }
  }
  return ports;
}

function portsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0';
}

/** Succeeded and Failed pods hold no resources or ports. */
export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

const livePodCountCache = new WeakMap<NodeInfo, number>();

/** Bound pods that still count against the node (not Succeeded or Failed), memoised per NodeInfo. */
export function livePodCount(nodeInfo: NodeInfo): number {
  let count = livePodCountCache.get(nodeInfo);
  if (count === undefined) {
    count = 0;
    for (const bound of nodeInfo.pods) if (!isTerminal(bound)) count++;
    livePodCountCache.set(nodeInfo, count);
  }
  return count;
}

/** NodePorts: each wanted hostPort (protocol, hostIP, port) must be free; 0.0.0.0 conflicts with every IP. */
export function nodePortsFilter(pod: Pod, nodeInfo: NodeInfo): FilterResult {
  const wanted = hostPorts(pod);
  if (wanted.length === 0) return fits;
  const used = nodeInfo.pods.filter((bound) => !isTerminal(bound)).flatMap(hostPorts);
  if (wanted.some((port) => used.some((taken) => portsConflict(port, taken)))) return fail([FilterReasons.nodePorts], false);
  return fits;
}

/** Resource amounts: cpu in millicores, everything else (memory, ephemeral-storage, pods, extended) in units. */
export type ResourceAmounts = Map<string, number>;

/**
 * A quantity in the unit the scheduler counts the resource in, as upstream's framework.Resource:
 * cpu as MilliValue, everything else as Value (both exact and rounded up); 0 when malformed.
 */
export function resourceAmount(resource: string, quantity: unknown): number {
  const parsed = parseQuantity(quantity);
  if (parsed === undefined) return 0;
  return resource === 'cpu' ? parsed.milliValue() : parsed.value();
}

/** Options of podRequests. */
export interface PodRequestsOptions {
  /** Defaults for containers that do not request cpu / memory at all (the scorers' non-zero requests). Default none. */
  nonMissingDefaults?: Readonly<Record<string, number>>;
}

/** Upstream's non-zero defaults for scoring: 100m cpu and 200Mi memory. */
export const nonZeroDefaults: Readonly<Record<string, number>> = { cpu: 100, memory: 200 * 1024 * 1024 };

function containerRequests(container: Container, options: PodRequestsOptions): ResourceAmounts {
  const amounts: ResourceAmounts = new Map();
  const requests = container.resources?.requests ?? {};
  for (const [resource, quantity] of Object.entries(requests)) amounts.set(resource, resourceAmount(resource, quantity));
  for (const [resource, amount] of Object.entries(options.nonMissingDefaults ?? {})) {
    if (!Object.hasOwn(requests, resource)) amounts.set(resource, amount);
  }
  return amounts;
}

function addInto(target: ResourceAmounts, source: ResourceAmounts): void {
  for (const [resource, amount] of source) target.set(resource, (target.get(resource) ?? 0) + amount);
}

function maxInto(target: ResourceAmounts, source: ResourceAmounts): void {
  for (const [resource, amount] of source) target.set(resource, Math.max(target.get(resource) ?? 0, amount));
}

/**
 * Upstream's PodRequests: the sum over containers, raised to each init container's request
 * (plus the sidecars started before it; sidecars, restartPolicy Always, also add to the
 * total), plus spec.overhead.
 */
export function podRequests(pod: Pod, options: PodRequestsOptions = {}): ResourceAmounts {
  // Pods and nodes are immutable snapshots from the informer cache (a change is a new object),
  // so their sums are computed once per object, not once per pod scheduled.
  const cache = options.nonMissingDefaults ? podRequestsNonZeroCache : podRequestsCache;
  let cached = cache.get(pod);
  if (!cached || cached.defaults !== options.nonMissingDefaults) {
    cached = { defaults: options.nonMissingDefaults, amounts: computePodRequests(pod, options) };
    cache.set(pod, cached);
  }
  return cached.amounts;
}

type CachedAmounts = { defaults?: Readonly<Record<string, number>>; amounts: ResourceAmounts };
const podRequestsCache = new WeakMap<Pod, CachedAmounts>();
const podRequestsNonZeroCache = new WeakMap<Pod, CachedAmounts>();
const requestedCache = new WeakMap<NodeInfo, CachedAmounts>();
const requestedNonZeroCache = new WeakMap<NodeInfo, CachedAmounts>();
const allocatableCache = new WeakMap<Node, ResourceAmounts>();

function computePodRequests(pod: Pod, options: PodRequestsOptions): ResourceAmounts {
  const total: ResourceAmounts = new Map();
  for (const container of pod.spec?.containers ?? []) addInto(total, containerRequests(container, options));
  const sidecars: ResourceAmounts = new Map();
  const initPeak: ResourceAmounts = new Map();
  for (const container of pod.spec?.initContainers ?? []) {
    const requests = containerRequests(container, options);
    if (container.restartPolicy === 'Always') {
      addInto(total, requests);
      addInto(sidecars, requests);
      maxInto(initPeak, sidecars);
    } else {
      const withSidecars = new Map(sidecars);
      addInto(withSidecars, requests);
      maxInto(initPeak, withSidecars);
    }
  }
  maxInto(total, initPeak);
  for (const [resource, quantity] of Object.entries(pod.spec?.overhead ?? {})) {
    total.set(resource, (total.get(resource) ?? 0) + resourceAmount(resource, quantity));
  }
  return total;
}

/** The summed requests of a node's non-terminal bound pods. */
export function requestedOnNode(nodeInfo: NodeInfo, options: PodRequestsOptions = {}): ResourceAmounts {
  const cache = options.nonMissingDefaults ? requestedNonZeroCache : requestedCache;
  const cached = cache.get(nodeInfo);
  if (cached && cached.defaults === options.nonMissingDefaults) return cached.amounts;
  const total: ResourceAmounts = new Map();
  for (const pod of nodeInfo.pods) if (!isTerminal(pod)) addInto(total, podRequests(pod, options));
  cache.set(nodeInfo, { defaults: options.nonMissingDefaults, amounts: total });
  return total;
}

/** A node's allocatable amounts (status.allocatable, falling back to status.capacity). */
export function allocatable(node: Node): ResourceAmounts {
  const cached = allocatableCache.get(node);
  if (cached) return cached;
  const amounts: ResourceAmounts = new Map();
  const source = node.status?.allocatable ?? node.status?.capacity ?? {};
  for (const [resource, quantity] of Object.entries(source)) amounts.set(resource, resourceAmount(resource, quantity));
  allocatableCache.set(node, amounts);
  return amounts;
}

const orderedResources = ['cpu', 'memory', 'ephemeral-storage'];

/**
 * NodeResourcesFit: the pod count stays within allocatable pods, and each requested resource
 * fits in allocatable minus what bound pods request. A node that reports no `pods`
 * allocatable is treated as unlimited (kubelets always report it).
 */
export function nodeResourcesFitFilter(pod: Pod, nodeInfo: NodeInfo): FilterResult {
  const available = allocatable(nodeInfo.node);
  const reasons: string[] = [];
  const podLimit = available.get('pods');
  const boundPods = livePodCount(nodeInfo);
  if (podLimit !== undefined && boundPods + 1 > podLimit) reasons.push(FilterReasons.tooManyPods);
  const wanted = podRequests(pod);
  const requested = requestedOnNode(nodeInfo);
  const extended = [...wanted.keys()].filter((resource) => !orderedResources.includes(resource) && resource !== 'pods').sort();
  for (const resource of [...orderedResources, ...extended]) {
    const amount = wanted.get(resource) ?? 0;
    if (amount <= 0) continue;
    if (amount > (available.get(resource) ?? 0) - (requested.get(resource) ?? 0)) reasons.push(FilterReasons.insufficient(resource));
  }
  return reasons.length === 0 ? fits : fail(reasons, false);
}

/** The filters in upstream's default order; a node is rejected by the first that fails. */
export const defaultFilters: ReadonlyArray<{ name: string; filter: (pod: Pod, nodeInfo: NodeInfo) => FilterResult }> = [
  { name: 'NodeUnschedulable', filter: (pod, info) => nodeUnschedulableFilter(pod, info.node) },
  { name: 'NodeName', filter: (pod, info) => nodeNameFilter(pod, info.node) },
  { name: 'TaintToleration', filter: (pod, info) => taintTolerationFilter(pod, info.node) },
  { name: 'NodeAffinity', filter: (pod, info) => nodeAffinityFilter(pod, info.node) },
  { name: 'NodePorts', filter: nodePortsFilter },
  { name: 'NodeResourcesFit', filter: nodeResourcesFitFilter },
];

/** Runs the default filters in order and returns the first failure, or fit. */
export function runFilters(pod: Pod, nodeInfo: NodeInfo): FilterResult {
  for (const { filter } of defaultFilters) {
    const result = filter(pod, nodeInfo);
    if (!result.fit) return result;
  }
  return fits;
}

function histogram(entries: Iterable<string>): string[] {
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(entry, (counts.get(entry) ?? 0) + 1);
  return [...counts].map(([text, count]) => `${count} ${text}`).sort();
}

/**
 * Upstream's FitError message for a pod no node fits, including the preemption summary
 * (preemption is not simulated: nodes failing only resolvable filters report that no
 * victims were found):
 * `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}.
 * preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod,
 * 2 Preemption is not helpful for scheduling.`
 * With no nodes at all it is upstream's ErrNoNodesAvailable text.
 */
export function failedSchedulingMessage(totalNodes: number, failures: readonly FilterFailure[]): string {
  if (totalNodes === 0) return 'no nodes available to schedule pods';
  const reasons = histogram(failures.flatMap((failure) => failure.reasons));
  const preemption = histogram(
    failures.map((failure) => (failure.unresolvable ? 'Preemption is not helpful for scheduling' : 'No preemption victims found for incoming pod')),
  );
  let message = `0/${totalNodes} nodes are available:`;
  if (reasons.length > 0) message += ` ${reasons.join(', ')}.`;
  message += ` preemption: 0/${totalNodes} nodes are available:`;
  if (preemption.length > 0) message += ` ${preemption.join(', ')}.`;
  return message;
}
