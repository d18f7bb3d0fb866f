/**
 * The API objects a pod reads on its node: ConfigMaps and Secrets (volumes, projected sources,
 * env and envFrom of every container) and PersistentVolumeClaims (persistentVolumeClaim and
 * generic ephemeral volumes), as upstream's podutil.VisitPodConfigmapNames / VisitPodSecretNames.
 */
import type { Container, EphemeralContainer, Pod } from 'kubernetes-types/core/v1.js';

/** Names of the objects a pod references, each in the pod's namespace. */
export interface PodReferences {
  configMaps: string[];
  secrets: string[];
  persistentVolumeClaims: string[];
}

/** What `pod` references, without duplicates (optional references included: they are read when present). */
export function podReferences(pod: Pod): PodReferences {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const claims = new Set<string>();
  const add = (set: Set<string>, name: string | undefined) => {
    if (name) set.add(name);
  };
  for (const volume of pod.spec?.volumes ?? []) {
    add(configMaps, volume.configMap?.name);
    add(secrets, volume.secret?.secretName);
    for (const source of volume.projected?.sources ?? []) {
      add(configMaps, source.configMap?.name);
      add(secrets, source.secret?.name);
    }
    add(claims, volume.persistentVolumeClaim?.claimName);
    // A generic ephemeral volume's claim is named <pod>-<volume> (upstream's ephemeral.VolumeClaimName).
    if (volume.ephemeral) add(claims, `${pod.metadata?.name ?? ''}-${volume.name}`);
  }
  const containers: (Container | EphemeralContainer)[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
  for (const container of containers) {
    for (const from of container.envFrom ?? []) {
      add(configMaps, from.configMapRef?.name);
      add(secrets, from.secretRef?.name);
    }
    for (const env of container.env ?? []) {
      add(configMaps, env.valueFrom?.configMapKeyRef?.name);
      add(secrets, env.valueFrom?.secretKeyRef?.name);
    }
  }
  return { configMaps: [...configMaps], secrets: [...secrets], persistentVolumeClaims: [...claims] };
}

/**
 * A pod reduced to the references {@link podReferences} finds in it, as volumes naming each
 * ConfigMap, Secret and claim (in the same order): `podReferences` of the result equals
 * `podReferences(pod)`. Only the name and namespace of `metadata` are kept, and nothing else of
 * `spec` (a cache that only needs a pod's references keeps a few strings per pod instead of it).
 */
export function podReferencesOnly(pod: Pod): Pod {
  const refs = podReferences(pod);
  const { name, namespace } = pod.metadata ?? {};
  const volumes = [
    ...refs.configMaps.map((n) => ({ name: '', configMap: { name: n } })),
    ...refs.secrets.map((n) => ({ name: '', secret: { secretName: n } })),
    ...refs.persistentVolumeClaims.map((n) => ({ name: '', persistentVolumeClaim: { claimName: n } })),
  ];
  return { metadata: { name, namespace }, spec: { containers: [], ...(volumes.length ? { volumes } : {}) } };
}
