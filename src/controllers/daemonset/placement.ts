/**
 * Where DaemonSet pods go, after upstream's pkg/controller/daemon/util and
 * NodeShouldRunDaemonPod: the tolerations every daemon pod gets, the node-name affinity that
 * pins a pod to its node for the scheduler, and the node eligibility checks.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Affinity, Node, Pod, PodTemplateSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { cloneJSON, type KubeObject } from '../../apimachinery/object.js';
import { findUntoleratedTaint, requiredNodeAffinityMatches } from '../../apimachinery/scheduling.js';
import { newControllerRef, type GroupVersionKind } from '../../apimachinery/owner.js';

/** The kind of DaemonSets, as the controller references of their pods name it. */
export const daemonSetKind: GroupVersionKind = { group: 'apps', version: 'v1', kind: 'DaemonSet' };

/** Label holding the template hash of the pod's revision (apps.DefaultDaemonSetUniqueLabelKey). */
export const daemonSetHashLabel = 'controller-revision-hash';
/** Deprecated label holding the DaemonSet generation the pod was made from (still set upstream). */
export const templateGenerationLabel = 'pod-template-generation';

/** The tolerations upstream's AddOrUpdateDaemonPodTolerations adds to every daemon pod. */
export function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const tolerations: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) tolerations.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return tolerations;
}

/** `existing` plus `added`, a toleration with the same key, operator, value and effect replacing the old one (v1helper.AddOrUpdateTolerationInPodSpec). */
function addOrUpdateTolerations(existing: readonly Toleration[] | undefined, added: readonly Toleration[]): Toleration[] {
  const out = [...(existing ?? [])];
  for (const toleration of added) {
    const same = (t: Toleration): boolean =>
      t.key === toleration.key && (t.operator ?? 'Equal') === toleration.operator && (t.value ?? '') === (toleration.value ?? '') && t.effect === toleration.effect;
    const index = out.findIndex(same);
    if (index >= 0) out[index] = toleration;
    else out.push(toleration);
  }
  return out;
}

/**
 * The affinity pinning a pod to `nodeName` through a required matchFields term on metadata.name,
 * replacing any required node selector terms (ReplaceDaemonSetPodNodeNameNodeAffinity).
 */
export function nodeNameAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  const copy = cloneJSON(affinity ?? {});
  return { ...copy, nodeAffinity: { ...(copy.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required } };
}

/** The template daemon pods of revision `hash` are made from: hash and generation labels and the daemon tolerations (CreatePodTemplate). */
export function daemonPodTemplate(ds: DaemonSet, hash: string): PodTemplateSpec {
  const template = cloneJSON(ds.spec?.template ?? { spec: { containers: [] } });
  const spec = template.spec ?? { containers: [] };
  template.metadata = {
    ...(template.metadata ?? {}),
    labels: { ...(template.metadata?.labels ?? {}), [templateGenerationLabel]: String(ds.metadata?.generation ?? 0), [daemonSetHashLabel]: hash },
  };
  template.spec = { ...spec, tolerations: addOrUpdateTolerations(spec.tolerations, daemonPodTolerations(Boolean(spec.hostNetwork))) };
  return template;
}

/** The pod to create on `nodeName`: generateName `<ds>-`, the controller reference, pinned by node affinity for the scheduler. */
export function newDaemonPod(ds: DaemonSet, template: PodTemplateSpec, nodeName: string): Pod {
  const meta = template.metadata ?? {};
  const spec = cloneJSON(template.spec ?? { containers: [] });
  spec.affinity = nodeNameAffinity(spec.affinity, nodeName);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata?.name ?? ''}-`,
      namespace: ds.metadata?.namespace,
      labels: { ...(meta.labels ?? {}) },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [newControllerRef(ds as KubeObject, daemonSetKind)],
    },
    spec,
  };
}

/**
 * The node a daemon pod is meant for: spec.nodeName, else the single metadata.name value of its
 * required node affinity (util.GetTargetNodeName); undefined when neither says.
 */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const field of term.matchFields ?? []) {
      if (field.key === 'metadata.name' && field.operator === 'In' && field.values?.length === 1) return field.values[0];
    }
  }
  return undefined;
}

/** Whether a daemon pod should be started on a node, and whether one already there may keep running. */
export interface NodeVerdict {
  shouldRun: boolean;
  shouldContinueRunning: boolean;
}

/**
 * Upstream's NodeShouldRunDaemonPod: the template (with the daemon tolerations) must fit the node's
 * name, node selector and required affinity, and tolerate its NoSchedule/NoExecute taints; a pod
 * already there keeps running while it tolerates the NoExecute ones.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeVerdict {
  const nodeName = node.metadata?.name ?? '';
  const template = daemonPodTemplate(ds, '');
  const wantedNode = template.spec?.nodeName;
  if (wantedNode && wantedNode !== nodeName) return { shouldRun: false, shouldContinueRunning: false };
  const pod: Pod = { metadata: template.metadata, spec: { ...(template.spec ?? { containers: [] }), nodeName } };
  if (!requiredNodeAffinityMatches(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints;
  const tolerations = pod.spec?.tolerations;
  const blocksScheduling = (taint: Taint): boolean => taint.effect === 'NoSchedule' || taint.effect === 'NoExecute';
  if (!findUntoleratedTaint(taints, tolerations, blocksScheduling)) return { shouldRun: true, shouldContinueRunning: true };
  const untoleratedNoExecute = findUntoleratedTaint(taints, tolerations, (taint) => taint.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: !untoleratedNoExecute };
}
