/**
 * Upstream's ResourceQuota admission plugin (validating, the last of the chain): a new object
 * is admitted only if every quota of its namespace that tracks what it uses stays within
 * status.hard, and the usage is recorded in the quota's status.used at once (compare-and-swap),
 * so writes racing ahead of the quota controller are counted too. Refusals are 403 with
 * upstream's messages.
 */
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import {
  addResources,
  exceededResources,
  formatResources,
  maskResources,
  objectUsage,
  podConstraintsError,
  quotaCovers,
  type PodLike,
  type ResourceList,
} from '../../apimachinery/quota.js';
import { admissionForbidden, type AdmissionAttributes, type ValidatingAdmissionPlugin } from './admission.js';

/** How the plugin reads and charges quotas. */
export interface QuotaAccess {
  /** The ResourceQuotas of a namespace. */
  list(namespace: string): Promise<ResourceQuota[]>;
  /** Rewrites a quota's status with compare-and-swap, calling `transform` on each attempt (it may throw to refuse). */
  updateStatus(namespace: string, name: string, transform: (quota: ResourceQuota) => ResourceQuota): Promise<void>;
}

/** Types whose creation is never charged (high-volume records nobody quotas here). */
const uncharged = new Set(['/events', 'events.k8s.io/events', 'coordination.k8s.io/leases']);

/** The reason a quota refuses `usage`, or undefined when it fits (upstream's checkRequest for one quota). */
export function quotaRefusal(quota: ResourceQuota, usage: ResourceList, pod?: PodLike): string | undefined {
  const name = quota.metadata?.name ?? '';
  const hardSpec = quota.spec?.hard ?? {};
  if (pod) {
    const constraint = podConstraintsError(pod, hardSpec);
    if (constraint) return `failed quota: ${name}: ${constraint}`;
  }
  const interesting = Object.keys(usage).filter((r) => hardSpec[r] !== undefined).sort();
  const hard = quota.status?.hard ?? {};
  const used = quota.status?.used ?? {};
  const unknown = interesting.filter((r) => hard[r] === undefined || used[r] === undefined);
  if (unknown.length) return `status unknown for quota: ${name}, resources: ${unknown.join(',')}`;
  const requested = maskResources(usage, interesting);
  const next = maskResources(addResources(used, requested), interesting);
  const exceeded = exceededResources(next, hard);
  if (exceeded.length === 0) return undefined;
  return `exceeded quota: ${name}, requested: ${formatResources(maskResources(requested, exceeded))}, used: ${formatResources(
    maskResources(used, exceeded),
  )}, limited: ${formatResources(maskResources(hard, exceeded))}`;
}

/** Charges new objects to their namespace's quotas; refuses what would exceed one. */
export class ResourceQuotaAdmission implements ValidatingAdmissionPlugin {
  readonly name = 'ResourceQuota';

  constructor(private readonly quotas: QuotaAccess) {}

  /** Creations of namespaced objects. */
  handles(a: AdmissionAttributes): boolean {
    return a.operation === 'CREATE' && a.subresource === '' && a.type.namespaced && !uncharged.has(`${a.type.group}/${a.type.plural}`);
  }

  /** Checks every quota that tracks what the object uses, then records the usage. */
  async validate(a: AdmissionAttributes): Promise<void> {
    const quotas = await this.quotas.list(a.namespace);
    if (quotas.length === 0) return;
    const usage = objectUsage(a.type.group, a.type.plural, a.object);
    const pod = a.type.group === '' && a.type.kind === 'Pod' ? (a.object as KubeObject & PodLike) : undefined;
    const applicable = quotas.filter((q) => quotaCovers(q.spec?.hard ?? {}, usage) || (pod && podConstraintsError(pod, q.spec?.hard ?? {})));
    for (const quota of applicable) {
      const refusal = quotaRefusal(quota, usage, pod);
      if (refusal) throw admissionForbidden(a, refusal);
    }
    if (a.dryRun) return;
    for (const quota of applicable) {
      await this.quotas.updateStatus(a.namespace, quota.metadata?.name ?? '', (current) => {
        const refusal = quotaRefusal(current, usage, pod);
        if (refusal) throw admissionForbidden(a, refusal);
        const names = Object.keys(current.spec?.hard ?? {});
        const used = addResources(current.status?.used ?? {}, maskResources(usage, names));
        return { ...current, status: { ...current.status, used } };
      });
    }
  }
}
