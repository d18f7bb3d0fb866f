/**
 * The pods and claims of a StatefulSet, after upstream's stateful_set_utils.go: identity
 * (`<set>-<ordinal>`, hostname, subdomain, labels) and stable storage
 * (`<claim template>-<set>-<ordinal>`).
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1.js';
import { cloneJSON, type KubeObject } from '../../apimachinery/object.js';
import { newControllerRef, type GroupVersionKind } from '../../apimachinery/owner.js';

/** The kind of StatefulSets, as their controller references name it. */
export const statefulSetKind: GroupVersionKind = { group: 'apps', version: 'v1', kind: 'StatefulSet' };

/** Label naming the pod (upstream's apps.StatefulSetPodNameLabel). */
export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
/** Label holding the pod's ordinal (upstream's apps.PodIndexLabel). */
export const podIndexLabel = 'apps.kubernetes.io/pod-index';
/** Label holding the name of the pod's ControllerRevision (upstream's apps.ControllerRevisionHashLabelKey). */
export const revisionLabel = 'controller-revision-hash';

/** The ordinal of `pod` if it is named `<setName>-<ordinal>`, else -1 (getParentNameAndOrdinal). */
export function ordinalOf(pod: Pod, setName: string): number {
  const match = /^(.*)-(\d+)$/.exec(pod.metadata?.name ?? '');
  if (!match || match[1] !== setName) return -1;
  const ordinal = Number(match[2]);
  return Number.isSafeInteger(ordinal) ? ordinal : -1;
}

/** `<set>-<ordinal>`. */
export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata?.name ?? ''}-${ordinal}`;
}

/** `<claim template>-<set>-<ordinal>` (getPersistentVolumeClaimName). */
export function claimName(set: StatefulSet, templateName: string, ordinal: number): string {
  return `${templateName}-${podName(set, ordinal)}`;
}

/**
 * The claims a pod of `set` with `ordinal` uses, keyed by claim template name: each template's
 * metadata and spec, named per {@link claimName}, labelled with the set's selector matchLabels on
 * top of the template's labels (getPersistentVolumeClaims).
 */
export function claimsFor(set: StatefulSet, ordinal: number): Map<string, PersistentVolumeClaim> {
  const claims = new Map<string, PersistentVolumeClaim>();
  for (const template of set.spec?.volumeClaimTemplates ?? []) {
    const templateName = template.metadata?.name ?? '';
    const meta = template.metadata ?? {};
    claims.set(templateName, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName(set, templateName, ordinal),
        namespace: set.metadata?.namespace,
        labels: { ...(meta.labels ?? {}), ...(set.spec?.selector.matchLabels ?? {}) },
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      },
      spec: cloneJSON(template.spec ?? {}),
    });
  }
  return claims;
}

/** The pod's volumes with one per claim template pointing at its claim (updateStorage). */
function volumesWithClaims(set: StatefulSet, ordinal: number, volumes: readonly Volume[] | undefined): Volume[] {
  const claims = claimsFor(set, ordinal);
  const out: Volume[] = [];
  for (const [templateName, claim] of claims) {
    out.push({ name: templateName, persistentVolumeClaim: { claimName: claim.metadata?.name ?? '' } });
  }
  for (const volume of volumes ?? []) if (!claims.has(volume.name)) out.push(volume);
  return out;
}

/**
 * The pod of `set` with `ordinal` built from `template` (the template of revision `revision`):
 * upstream's newVersionedStatefulSetPod — template labels, annotations and finalizers, the
 * controller reference, the identity labels, hostname = pod name, subdomain = serviceName, and
 * a volume per claim template.
 */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplateSpec | undefined, ordinal: number, revision: string): Pod {
  const name = podName(set, ordinal);
  const templateMeta = template?.metadata ?? {};
  const spec = cloneJSON(template?.spec ?? { containers: [] });
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  spec.volumes = volumesWithClaims(set, ordinal, spec.volumes);
  if (spec.volumes.length === 0) delete spec.volumes;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata?.namespace,
      labels: { ...(templateMeta.labels ?? {}), [podNameLabel]: name, [podIndexLabel]: String(ordinal), [revisionLabel]: revision },
      ...(templateMeta.annotations ? { annotations: { ...templateMeta.annotations } } : {}),
      ...(templateMeta.finalizers ? { finalizers: [...templateMeta.finalizers] } : {}),
      ownerReferences: [newControllerRef(set as KubeObject, statefulSetKind)],
    },
    spec,
  };
}

/** Whether the pod carries its identity labels (part of upstream's identityMatches). */
export function identityLabelsMatch(pod: Pod, ordinal: number): boolean {
  const labels = pod.metadata?.labels ?? {};
  return labels[podNameLabel] === pod.metadata?.name && labels[podIndexLabel] === String(ordinal);
}
