/**
 * A pod's quality of service class by upstream's rule (apis/core/v1/helper/qos ComputePodQOS),
 * shared by the API server (status.qosClass on create) and the kubelet (cgroups, OOM scores).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Quantity, parseQuantity } from './quantity.js';

/** A pod's QoS class. */
export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** The resources QoS looks at. */
const qosComputeResources = ['cpu', 'memory'];

function addPositive(totals: Map<string, Quantity>, name: string, quantity: Quantity | undefined): boolean {
  if (quantity === undefined || quantity.sign() <= 0) return false;
  const total = totals.get(name);
  totals.set(name, total === undefined ? quantity : quantity.add(total));
  return true;
}

/**
 * The QoS class computed from the pod's containers (init containers included; status.qosClass is
 * not read): BestEffort without any positive cpu/memory request or limit; Guaranteed when every
 * container has positive cpu and memory limits and, per resource, the summed requests equal the
 * summed limits (exact quantity arithmetic); Burstable otherwise. Requests are not defaulted
 * from limits here: the API server's defaulting does that before.
 */
export function computePodQOS(pod: Pod): PodQOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const container of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const name of qosComputeResources) addPositive(requests, name, parseQuantity(container.resources?.requests?.[name]));
    let limitsFound = 0;
    for (const name of qosComputeResources) {
      if (addPositive(limits, name, parseQuantity(container.resources?.limits?.[name]))) limitsFound++;
    }
    if (limitsFound !== qosComputeResources.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, request] of requests) {
      const limit = limits.get(name);
      if (limit === undefined || limit.cmp(request) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
