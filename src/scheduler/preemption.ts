/**
 * Upstream's default preemption (DefaultPreemption), simplified: on each node where the pod
 * does not fit, remove every pod of lower priority; if the pod then fits, give back as many of
 * them as still let it fit, highest priority first (the reprieve); the rest are the victims.
 * The chosen node has the lowest highest-victim priority, then the fewest victims, then the
 * lowest sum of victim priorities.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from './filters.js';

/** A node and the pods to evict from it so that the preemptor fits. */
export interface PreemptionCandidate {
  nodeName: string;
  victims: Pod[];
}

/** A pod's priority (spec.priority, 0 when unset). */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** Whether a pod may preempt at all (its preemptionPolicy is not Never). */
export function mayPreempt(pod: Pod): boolean {
  return pod.spec?.preemptionPolicy !== 'Never';
}

/**
 * The fewest victims of lower priority on `info`'s node that let `pod` fit, or undefined when
 * even evicting all of them does not. `fits` runs the filters on a node with some pods.
 */
export function victimsOnNode(pod: Pod, info: NodeInfo, fits: (pod: Pod, info: NodeInfo) => boolean): Pod[] | undefined {
  const priority = podPriority(pod);
  const lower = info.pods.filter((p) => podPriority(p) < priority && !p.metadata?.deletionTimestamp);
  if (lower.length === 0) return undefined;
  const remaining = info.pods.filter((p) => !lower.includes(p));
  if (!fits(pod, { node: info.node, pods: remaining })) return undefined;
  // Reprieve the most important first; earlier-started pods first among equals, as upstream's MoreImportantPod.
  const byImportance = [...lower].sort((a, b) => podPriority(b) - podPriority(a) || startTime(a) - startTime(b));
  const victims: Pod[] = [];
  for (const candidate of byImportance) {
    remaining.push(candidate);
    if (!fits(pod, { node: info.node, pods: remaining })) {
      remaining.pop();
      victims.push(candidate);
    }
  }
  return victims;
}

function startTime(pod: Pod): number {
  const t = Date.parse(pod.status?.startTime ?? pod.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}

/** The best node to preempt on among `nodes` (those where the pod did not fit), or undefined when none helps. */
export function selectPreemptionCandidate(pod: Pod, nodes: readonly NodeInfo[], fits: (pod: Pod, info: NodeInfo) => boolean): PreemptionCandidate | undefined {
  let best: { candidate: PreemptionCandidate; key: number[] } | undefined;
  for (const info of nodes) {
    const victims = victimsOnNode(pod, info, fits);
    if (!victims || victims.length === 0) continue;
    const priorities = victims.map(podPriority);
    const key = [Math.max(...priorities), victims.length, priorities.reduce((a, b) => a + b, 0)];
    if (!best || compareKeys(key, best.key) < 0) best = { candidate: { nodeName: info.node.metadata?.name ?? '', victims }, key };
  }
  return best?.candidate;
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}
