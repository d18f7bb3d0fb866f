/**
 * Quality of service of a pod (upstream's apis/core/v1/helper/qos) and the OOM score adjustment
 * the kubelet derives from it (upstream's kubelet/qos policy).
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantityNanos, quantityValue } from './quantity.js';

/** A pod's QoS class. */
export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const qosComputeResources = ['cpu', 'memory'];

/** oom_score_adj of Guaranteed pods' containers (and node-critical pods). */
export const guaranteedOOMScoreAdj = -997;
/** oom_score_adj of BestEffort pods' containers. */
export const bestEffortOOMScoreAdj = 1000;

/** Priority from which a pod counts as critical (upstream's scheduling.SystemCriticalPriority). */
const systemCriticalPriority = 2_000_000_000;

/**
 * The pod's QoS class by upstream's rules: status.qosClass when set; else BestEffort without any
 * positive cpu/memory request or limit; Guaranteed when every container (init included) has
 * positive cpu and memory limits and the summed requests equal the summed limits; else Burstable.
 */
export function podQOSClass(pod: Pod): PodQOSClass {
  const recorded = pod.status?.qosClass;
  if (recorded === 'Guaranteed' || recorded === 'Burstable' || recorded === 'BestEffort') return recorded;
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  for (const container of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const name of qosComputeResources) {
      const request = parseQuantityNanos(container.resources?.requests?.[name]) ?? 0n;
      if (request > 0n) requests.set(name, (requests.get(name) ?? 0n) + request);
    }
    let limitsFound = 0;
    for (const name of qosComputeResources) {
      const limit = parseQuantityNanos(container.resources?.limits?.[name]) ?? 0n;
      if (limit > 0n) {
        limitsFound++;
        limits.set(name, (limits.get(name) ?? 0n) + limit);
      }
    }
    if (limitsFound !== qosComputeResources.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, request] of requests) {
      if (limits.get(name) !== request) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
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
  const memoryRequest = quantityValue(container.resources?.requests?.memory);
  const adjust = memoryCapacityBytes > 0 ? 1000 - Math.trunc((1000 * memoryRequest) / memoryCapacityBytes) : 1000;
  if (adjust < 1000 + guaranteedOOMScoreAdj) return 1000 + guaranteedOOMScoreAdj;
  if (adjust === bestEffortOOMScoreAdj) return adjust - 1;
  return adjust;
}
