/**
 * Quality of service of a pod (upstream's apis/core/v1/helper/qos) and the OOM score adjustment
 * the kubelet derives from it (upstream's kubelet/qos policy).
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { computePodQOS, type PodQOSClass } from '../../apimachinery/qos.js';
import { parseQuantity } from '../../apimachinery/quantity.js';

export type { PodQOSClass } from '../../apimachinery/qos.js';

/** oom_score_adj of Guaranteed pods' containers (and node-critical pods). */
export const guaranteedOOMScoreAdj = -997;
/** oom_score_adj of BestEffort pods' containers. */
export const bestEffortOOMScoreAdj = 1000;

/** Priority from which a pod counts as critical (upstream's scheduling.SystemCriticalPriority). */
const systemCriticalPriority = 2_000_000_000;

/** The pod's QoS class as the kubelet reads it (upstream's GetPodQOS): status.qosClass when set, else computed. */
export function podQOSClass(pod: Pod): PodQOSClass {
  const recorded = pod.status?.qosClass;
  if (recorded === 'Guaranteed' || recorded === 'Burstable' || recorded === 'BestEffort') return recorded;
  return computePodQOS(pod);
}

function isNodeCriticalPod(pod: Pod): boolean {
  return (pod.spec?.priority ?? 0) >= systemCriticalPriority && pod.spec?.priorityClassName === 'system-node-critical';
}

/**
 * The container's oom_score_adj: -997 for Guaranteed (and system-node-critical) pods, 1000 for
 * BestEffort, else `1000 - 1000*memoryRequest/memoryCapacity` kept within [3, 999] so Burstable
 * containers die after BestEffort and before Guaranteed ones.
 */
export function containerOOMScoreAdj(pod: Pod, container: Container, memoryCapacityBytes: number): number {
  if (isNodeCriticalPod(pod)) return guaranteedOOMScoreAdj;
  const qos = podQOSClass(pod);
  if (qos === 'Guaranteed') return guaranteedOOMScoreAdj;
  if (qos === 'BestEffort') return bestEffortOOMScoreAdj;
  const memoryRequest = parseQuantity(container.resources?.requests?.memory)?.value() ?? 0;
  const adjust = memoryCapacityBytes > 0 ? 1000 - Math.trunc((1000 * memoryRequest) / memoryCapacityBytes) : 1000;
  if (adjust < 1000 + guaranteedOOMScoreAdj) return 1000 + guaranteedOOMScoreAdj;
  if (adjust === bestEffortOOMScoreAdj) return adjust - 1;
  return adjust;
}
