/**
 * Security settings shared by the sandbox and container configs: the effective security context
 * of a container (upstream's securitycontext.DetermineEffectiveSecurityContext) and the pod's
 * namespace modes (upstream's kuberuntime util NamespacesForPod).
 */
import type { Container, Pod, SeccompProfile, SecurityContext } from 'kubernetes-types/core/v1.js';
import type { NamespaceOption, SecurityProfile } from '../cri/types.js';

/** Paths the runtime masks in /proc and /sys unless procMount is Unmasked (upstream's defaults). */
export const defaultMaskedPaths = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
/** Paths the runtime makes read-only unless procMount is Unmasked (upstream's defaults). */
export const defaultReadonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * The container's security context with the pod-level fields it does not set filled in from the
 * pod's securityContext (seLinuxOptions, windowsOptions, runAsUser, runAsGroup, runAsNonRoot,
 * seccompProfile, appArmorProfile); the container's own fields win.
 */
export function effectiveSecurityContext(pod: Pod, container: Container): SecurityContext {
  const podContext = pod.spec?.securityContext;
  const fromPod: SecurityContext = {};
  if (podContext) {
    if (podContext.seLinuxOptions) fromPod.seLinuxOptions = podContext.seLinuxOptions;
    if (podContext.windowsOptions) fromPod.windowsOptions = podContext.windowsOptions;
    if (podContext.runAsUser !== undefined) fromPod.runAsUser = podContext.runAsUser;
    if (podContext.runAsGroup !== undefined) fromPod.runAsGroup = podContext.runAsGroup;
    if (podContext.runAsNonRoot !== undefined) fromPod.runAsNonRoot = podContext.runAsNonRoot;
    if (podContext.seccompProfile) fromPod.seccompProfile = podContext.seccompProfile;
    if (podContext.appArmorProfile) fromPod.appArmorProfile = podContext.appArmorProfile;
  }
  const own = Object.fromEntries(
    Object.entries(container.securityContext ?? {}).filter(([, value]) => value !== undefined && value !== null),
  ) as SecurityContext;
  return { ...fromPod, ...own };
}

/** The pod's namespaces: network and IPC are the pod's or the node's, PID is the node's, the pod's (shareProcessNamespace) or the container's own. */
export function podNamespaceOptions(pod: Pod): NamespaceOption {
  const spec = pod.spec;
  return {
    network: spec?.hostNetwork ? 'NODE' : 'POD',
    pid: spec?.hostPID ? 'NODE' : spec?.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: spec?.hostIPC ? 'NODE' : 'POD',
  };
}

/**
 * The CRI seccomp profile for a profile of the API: RuntimeDefault, Unconfined, or Localhost with
 * `<profileRoot>/<localhostProfile>`. Without a profile: RuntimeDefault when `fallbackToRuntimeDefault`
 * (the kubelet's seccompDefault), else Unconfined.
 */
export function criSeccompProfile(profile: SeccompProfile | undefined, profileRoot: string, fallbackToRuntimeDefault: boolean): SecurityProfile {
  if (!profile) return { profileType: fallbackToRuntimeDefault ? 'RuntimeDefault' : 'Unconfined' };
  if (profile.type === 'Localhost') {
    const root = profileRoot.endsWith('/') ? profileRoot.slice(0, -1) : profileRoot;
    return { profileType: 'Localhost', localhostRef: `${root}/${profile.localhostProfile ?? ''}` };
  }
  return { profileType: profile.type === 'RuntimeDefault' ? 'RuntimeDefault' : 'Unconfined' };
}

/** Pod and container security settings that make a container privileged. */
export function hasPrivilegedContainer(pod: Pod): boolean {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
  return all.some((c) => c.securityContext?.privileged === true);
}

/** `name_namespace(uid)`, upstream's format.Pod. */
export function formatPod(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}

/**
 * Upstream's verifyRunAsNonRoot: with runAsNonRoot set, a runAsUser of 0, an image running as uid 0,
 * or an image user that is a name (cannot be checked) is refused. Returns the error message, or
 * undefined when the container may run.
 */
export function runAsNonRootViolation(pod: Pod, container: Container, imageUid: number | undefined, imageUsername: string | undefined): string | undefined {
  const effective = effectiveSecurityContext(pod, container);
  if (effective.runAsNonRoot !== true) return undefined;
  const where = `(pod: ${JSON.stringify(formatPod(pod))}, container: ${container.name})`;
  if (effective.runAsUser !== undefined) {
    return effective.runAsUser === 0 ? `container's runAsUser breaks non-root policy ${where}` : undefined;
  }
  if (imageUid === 0) return `container has runAsNonRoot and image will run as root ${where}`;
  if (imageUid === undefined && imageUsername) {
    return `container has runAsNonRoot and image has non-numeric user (${imageUsername}), cannot verify user is non-root ${where}`;
  }
  return undefined;
}
