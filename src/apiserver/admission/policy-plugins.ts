/**
 * The policy admission plugins in upstream's order (LimitRanger, Priority, ResourceQuota last),
 * reading LimitRanges, PriorityClasses and ResourceQuotas through the API server's stores (from
 * memory while those did not change: every create of a namespaced object reads its quotas).
 */
import type { LimitRange, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { RestStore } from '../rest-store.js';
import type { AdmissionPlugin } from './admission.js';
import { LimitRangerAdmission } from './limit-ranger.js';
import { PriorityAdmission } from './priority.js';
import { ResourceQuotaAdmission } from './resource-quota.js';

/** The plugins, given the store of a v1 type by group and plural. */
export function policyAdmissionPlugins(storeOf: (group: string, plural: string) => RestStore): AdmissionPlugin[] {
  return [
    new LimitRangerAdmission(async (namespace) => (await storeOf('', 'limitranges').listShared(namespace)) as unknown as LimitRange[]),
    new PriorityAdmission(async () => (await storeOf('scheduling.k8s.io', 'priorityclasses').listShared('')) as unknown as PriorityClass[]),
    new ResourceQuotaAdmission({
      list: async (namespace) => (await storeOf('', 'resourcequotas').listShared(namespace)) as unknown as ResourceQuota[],
      updateStatus: async (namespace, name, transform) => {
        await storeOf('', 'resourcequotas').guaranteedUpdate(namespace, name, (current) => transform(current as ResourceQuota) as never, 'status');
      },
    }),
  ];
}
