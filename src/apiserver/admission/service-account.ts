/**
 * Upstream's ServiceAccount admission plugin, its token-volume part: a pod created with
 * automounting on (the pod's `automountServiceAccountToken`, else its ServiceAccount's, else
 * true) gets the projected volume `kube-api-access-<5 random>` (a bound token, the cluster CA
 * from ConfigMap `kube-root-ca.crt`, the namespace) mounted read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount in every container that mounts nothing there.
 */
import { randomInt } from 'node:crypto';
import type { Container, Pod, ServiceAccount, Volume } from 'kubernetes-types/core/v1.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin } from './admission.js';

/** Where containers find the token, as upstream's DefaultAPITokenMountPath. */
export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The prefix of the volume's name. */
export const tokenVolumePrefix = 'kube-api-access-';
/** The ConfigMap every namespace gets with the cluster's CA (`ca.crt`). */
export const rootCAConfigMapName = 'kube-root-ca.crt';
/** The token lifetime upstream asks for (3607 s, so that an extended token can be told apart). */
export const projectedTokenExpirationSeconds = 3607;
/** The annotation of mirror pods, which never get a token. */
const mirrorPodAnnotation = 'kubernetes.io/config.mirror';

/** The characters of upstream's utilrand.String (no vowels, no confusable digits). */
const randomAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += randomAlphabet[randomInt(randomAlphabet.length)];
  return out;
}

/** The projected volume upstream adds, with every default already set (admission runs after defaulting). */
export function serviceAccountTokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: projectedTokenExpirationSeconds, path: 'token' } },
        { configMap: { name: rootCAConfigMapName, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** Whether the token is mounted: the pod's setting, else the ServiceAccount's, else yes. */
export function shouldAutomount(pod: Pod, serviceAccount: ServiceAccount | undefined): boolean {
  return pod.spec?.automountServiceAccountToken ?? serviceAccount?.automountServiceAccountToken ?? true;
}

/** Adds the service-account token volume to pods being created. */
export class ServiceAccountAdmission implements MutatingAdmissionPlugin {
  readonly name = 'ServiceAccount';

  /** @param getServiceAccount reads a ServiceAccount, undefined when there is none. */
  constructor(private readonly getServiceAccount: (namespace: string, name: string) => Promise<ServiceAccount | undefined>) {}

  /** Pods being created. */
  handles(a: AdmissionAttributes): boolean {
    return a.operation === 'CREATE' && a.subresource === '' && a.type.group === '' && a.type.kind === 'Pod';
  }

  /** Adds the volume and the mounts (a pod that already has such a volume keeps it). */
  async admit(a: AdmissionAttributes): Promise<void> {
    const pod = a.object as Pod;
    if (pod.metadata?.annotations?.[mirrorPodAnnotation] !== undefined) return;
    const spec = pod.spec;
    if (!spec) return;
    const serviceAccount = await this.getServiceAccount(a.namespace, spec.serviceAccountName || 'default');
    if (!shouldAutomount(pod, serviceAccount)) return;
    const volumes = (spec.volumes ??= []);
    let volumeName = volumes.find((v) => v.name.startsWith(tokenVolumePrefix))?.name;
    if (volumeName === undefined) {
      const taken = new Set(volumes.map((v) => v.name));
      do volumeName = tokenVolumePrefix + randomSuffix(5);
      while (taken.has(volumeName));
      volumes.push(serviceAccountTokenVolume(volumeName));
    }
    const mount = (containers: Container[] | undefined) => {
      for (const container of containers ?? []) {
        if ((container.volumeMounts ?? []).some((m) => m.mountPath === serviceAccountMountPath)) continue;
        (container.volumeMounts ??= []).push({ name: volumeName, readOnly: true, mountPath: serviceAccountMountPath });
      }
    };
    mount(spec.initContainers);
    mount(spec.containers);
  }
}
