/**
 * The CRI ContainerConfig of a pod's container, as upstream's kuberuntime generateContainerConfig
 * and generateLinuxContainerConfig build it.
 */
import { createHash } from 'node:crypto';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type {
  ContainerConfig, LinuxContainerResources, LinuxContainerSecurityContext, Mount,
} from '../cri/types.js';
import { parseQuantity } from '../../apimachinery/quantity.js';
import { canonicalJson } from './canonical-json.js';
import { expandContainerCommand, type EnvVar } from './env.js';
import { containerOOMScoreAdj } from './qos.js';
import {
  criSeccompProfile, defaultMaskedPaths, defaultReadonlyPaths, effectiveSecurityContext, podNamespaceOptions,
} from './security-context.js';

export { podQOSClass, type PodQOSClass } from './qos.js';

/** Labels the kubelet puts on every sandbox and container. */
export const podNameLabel = 'io.kubernetes.pod.name';
export const podNamespaceLabel = 'io.kubernetes.pod.namespace';
export const podUidLabel = 'io.kubernetes.pod.uid';
export const containerNameLabel = 'io.kubernetes.container.name';

/** Annotations the kubelet puts on containers (read back when the agent restarts). */
export const containerHashAnnotation = 'io.kubernetes.container.hash';
export const containerRestartCountAnnotation = 'io.kubernetes.container.restartCount';
export const containerTerminationMessagePathAnnotation = 'io.kubernetes.container.terminationMessagePath';
export const containerTerminationMessagePolicyAnnotation = 'io.kubernetes.container.terminationMessagePolicy';
export const containerPreStopHandlerAnnotation = 'io.kubernetes.container.preStopHandler';
export const containerPortsAnnotation = 'io.kubernetes.container.ports';
export const containerTypeAnnotation = 'io.kubernetes.container.type';
export const podTerminationGracePeriodAnnotation = 'io.kubernetes.pod.terminationGracePeriod';
export const podDeletionGracePeriodAnnotation = 'io.kubernetes.pod.deletionGracePeriod';

/** CFS period the kubelet uses (100 ms, in microseconds). */
export const cpuQuotaPeriod = 100_000;
const minCpuShares = 2;
const maxCpuShares = 262_144;
const minCpuQuota = 1000;

/** cgroup cpu.shares for a CPU amount in millicores (upstream's milliCPUToShares). */
export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return minCpuShares;
  const shares = Math.trunc((milliCPU * 1024) / 1000);
  return Math.min(Math.max(shares, minCpuShares), maxCpuShares);
}

/** CFS quota for a CPU limit in millicores over `period` microseconds; 0 (no quota) without a limit. */
export function milliCPUToQuota(milliCPU: number, period: number): number {
  if (milliCPU === 0) return 0;
  return Math.max(Math.trunc((milliCPU * period) / 1000), minCpuQuota);
}

/**
 * A stable hash of the container's spec (hex), stored in the io.kubernetes.container.hash
 * annotation: the agent restarts a container whose running hash differs from its spec's.
 * Covers the whole spec except resources and resizePolicy (which change in place), so key
 * order and absent fields do not matter. Upstream hashes only name and image, the fields a
 * pod update may change; hashing more is safe as the API server keeps the rest immutable.
 */
export function containerSpecHash(container: Container): string {
  const { resources: _resources, resizePolicy: _resizePolicy, ...rest } = container;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 16);
}

/** Options of buildContainerConfig. */
export interface ContainerConfigOptions {
  /** The CRI metadata attempt (upstream uses the restart count). */
  attempt: number;
  /** The image reference to run (the resolved image id or name). */
  imageRef: string;
  /** The resolved environment (resolveContainerEnv). */
  env: EnvVar[];
  /** Volume mounts and the /etc/hosts mount, in CRI form. */
  mounts: Mount[];
  /** How many times the container restarted: names the log file and goes into an annotation. */
  restartCount: number;
  /** Whether this is an init container; default: looked up in the pod spec. */
  containerType?: 'init' | 'regular';
  /** The node's memory capacity in bytes, for Burstable oom_score_adj. Default 0 (Burstable then gets 999). */
  nodeMemoryCapacityBytes?: number;
  /** The image's user, when known: used when neither pod nor container sets runAsUser. */
  imageUser?: { uid?: number; username?: string };
  /** Extra supplemental groups (e.g. from PV gid annotations). Default none. */
  extraSupplementalGroups?: number[];
  /** Directory holding Localhost seccomp profiles. Default '/var/lib/kubelet/seccomp'. */
  seccompProfileRoot?: string;
  /** The kubelet's seccompDefault: RuntimeDefault for containers without a profile. Default false (Unconfined), as upstream. */
  seccompDefault?: boolean;
}

function containerTypeOf(pod: Pod, container: Container, given: 'init' | 'regular' | undefined): string | undefined {
  if (given === 'init') return 'init';
  if (given === 'regular') return 'container';
  if (pod.spec?.initContainers?.some((c) => c.name === container.name)) return 'init';
  if (pod.spec?.containers?.some((c) => c.name === container.name)) return 'container';
  if (pod.spec?.ephemeralContainers?.some((c) => c.name === container.name)) return 'ephemeral';
  return undefined;
}

function containerAnnotations(pod: Pod, container: Container, options: ContainerConfigOptions): Record<string, string> {
  const annotations: Record<string, string> = {
    [containerHashAnnotation]: containerSpecHash(container),
    [containerRestartCountAnnotation]: String(options.restartCount),
    [containerTerminationMessagePathAnnotation]: container.terminationMessagePath ?? '',
    [containerTerminationMessagePolicyAnnotation]: container.terminationMessagePolicy ?? '',
  };
  if (pod.metadata?.deletionGracePeriodSeconds !== undefined) {
    annotations[podDeletionGracePeriodAnnotation] = String(pod.metadata.deletionGracePeriodSeconds);
  }
  if (pod.spec?.terminationGracePeriodSeconds !== undefined) {
    annotations[podTerminationGracePeriodAnnotation] = String(pod.spec.terminationGracePeriodSeconds);
  }
  if (container.lifecycle?.preStop) annotations[containerPreStopHandlerAnnotation] = JSON.stringify(container.lifecycle.preStop);
  if (container.ports && container.ports.length > 0) annotations[containerPortsAnnotation] = JSON.stringify(container.ports);
  const type = containerTypeOf(pod, container, options.containerType);
  if (type) annotations[containerTypeAnnotation] = type;
  return annotations;
}

/**
 * cgroup resources from requests and limits: cpu.shares from the cpu request (or the limit when
 * only a limit is set; minimum 2), a CFS quota of limit*period/1000 (minimum 1000, none without a
 * limit) over a 100 ms period, the memory limit, and oom_score_adj by QoS class.
 */
export function containerResources(pod: Pod, container: Container, nodeMemoryCapacityBytes: number): LinuxContainerResources {
  const requests = container.resources?.requests;
  const limits = container.resources?.limits;
  const cpuRequest = parseQuantity(requests?.cpu)?.milliValue() ?? 0;
  const cpuLimit = parseQuantity(limits?.cpu)?.milliValue() ?? 0;
  const resources: LinuxContainerResources = {
    cpuShares: milliCPUToShares(cpuRequest === 0 && cpuLimit !== 0 ? cpuLimit : cpuRequest),
    cpuPeriod: cpuQuotaPeriod,
    cpuQuota: milliCPUToQuota(cpuLimit, cpuQuotaPeriod),
    oomScoreAdj: containerOOMScoreAdj(pod, container, nodeMemoryCapacityBytes),
  };
  const memoryLimit = parseQuantity(limits?.memory)?.value() ?? 0;
  if (memoryLimit !== 0) resources.memoryLimitInBytes = memoryLimit;
  return resources;
}

/** The container's CRI security context: its effective security context plus the pod's namespaces and groups. */
export function containerSecurityContext(pod: Pod, container: Container, options: ContainerConfigOptions): LinuxContainerSecurityContext {
  const effective = effectiveSecurityContext(pod, container);
  const context: LinuxContainerSecurityContext = {
    privileged: effective.privileged === true,
    readonlyRootfs: effective.readOnlyRootFilesystem === true,
    namespaceOptions: podNamespaceOptions(pod),
    noNewPrivs: effective.allowPrivilegeEscalation === false,
    seccomp: criSeccompProfile(effective.seccompProfile, options.seccompProfileRoot ?? '/var/lib/kubelet/seccomp', options.seccompDefault ?? false),
  };
  if (effective.capabilities) {
    context.capabilities = { addCapabilities: [...(effective.capabilities.add ?? [])], dropCapabilities: [...(effective.capabilities.drop ?? [])] };
  }
  if (effective.seLinuxOptions) {
    const { user, role, type, level } = effective.seLinuxOptions;
    context.selinuxOptions = { user: user ?? '', role: role ?? '', type: type ?? '', level: level ?? '' };
  }
  if (effective.runAsUser !== undefined) {
    context.runAsUser = { value: effective.runAsUser };
  } else {
    if (options.imageUser?.uid !== undefined) context.runAsUser = { value: options.imageUser.uid };
    if (options.imageUser?.username) context.runAsUsername = options.imageUser.username;
  }
  if (effective.runAsGroup !== undefined) context.runAsGroup = { value: effective.runAsGroup };
  const podContext = pod.spec?.securityContext;
  const groups: number[] = [];
  if (podContext?.fsGroup !== undefined) groups.push(podContext.fsGroup);
  groups.push(...(podContext?.supplementalGroups ?? []), ...(options.extraSupplementalGroups ?? []));
  if (groups.length > 0) context.supplementalGroups = groups;
  const unmasked = effective.procMount === 'Unmasked';
  context.maskedPaths = unmasked ? [] : [...defaultMaskedPaths];
  context.readonlyPaths = unmasked ? [] : [...defaultReadonlyPaths];
  return context;
}

/**
 * The CRI ContainerConfig for `container` of `pod`: metadata, image, command and args with
 * `$(VAR)` expanded from the environment, working directory, environment, mounts, log path
 * `<name>/<restartCount>.log` (relative to the sandbox's logDirectory), stdin/tty, the kubelet's
 * labels and annotations, and Linux resources and security context.
 */
export function buildContainerConfig(pod: Pod, container: Container, options: ContainerConfigOptions): ContainerConfig {
  const { command, args } = expandContainerCommand(container, options.env);
  const config: ContainerConfig = {
    metadata: { name: container.name, attempt: options.attempt },
    image: { image: options.imageRef, userSpecifiedImage: container.image ?? '' },
    command: command ?? [],
    args: args ?? [],
    workingDir: container.workingDir ?? '',
    envs: options.env.map(({ key, value }) => ({ key, value })),
    mounts: options.mounts,
    labels: {
      [podNameLabel]: pod.metadata?.name ?? '',
      [podNamespaceLabel]: pod.metadata?.namespace ?? '',
      [podUidLabel]: pod.metadata?.uid ?? '',
      [containerNameLabel]: container.name,
    },
    annotations: containerAnnotations(pod, container, options),
    logPath: `${container.name}/${options.restartCount}.log`,
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    tty: container.tty === true,
    linux: {
      resources: containerResources(pod, container, options.nodeMemoryCapacityBytes ?? 0),
      securityContext: containerSecurityContext(pod, container, options),
    },
  };
  return config;
}
