/**
 * The CRI PodSandboxConfig of a pod, as upstream's kuberuntime generatePodSandboxConfig and
 * generatePodSandboxLinuxConfig build it.
 */
import { createHash } from 'node:crypto';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { LinuxPodSandboxConfig, PodSandboxConfig, PortMapping, Protocol } from '../cri/types.js';
import { canonicalJson } from './canonical-json.js';
import { podNameLabel, podNamespaceLabel, podUidLabel } from './container-config.js';
import type { PodDnsConfig } from '../../apimachinery/pod-dns.js';
import { podHostnameAndDomain, podKernelHostname } from './hostname.js';
import { hasPrivilegedContainer, podNamespaceOptions } from './security-context.js';

/** Options of buildSandboxConfig. */
export interface SandboxConfigOptions {
  /** The CRI metadata attempt: how many sandboxes this pod had before. */
  attempt: number;
  /** Root of pod log directories, e.g. `<dataDir>/agent/pod-logs`. */
  logRoot: string;
  /** The pod's DNS configuration (podDnsConfig); left out of the config when undefined. */
  dnsConfig?: PodDnsConfig;
  /** The cluster domain, for the hostname's FQDN (setHostnameAsFQDN). Default 'cluster.local'. */
  clusterDomain?: string;
  /** Hostname of hostNetwork pods (the node's); default empty, which runtimes take as the node's hostname. */
  nodeHostname?: string;
  /** The pod's cgroup parent; default empty (the runtime's default). */
  cgroupParent?: string;
  /** Extra supplemental groups (e.g. from PV gid annotations). Default none. */
  extraSupplementalGroups?: number[];
  /**
   * Run the sandbox (pause) process under the runtime's default seccomp profile, as upstream
   * always does. Default true.
   */
  seccompRuntimeDefault?: boolean;
}

/** `<logRoot>/<namespace>_<name>_<uid>`, upstream's BuildPodLogsDirectory. */
export function podLogDirectory(logRoot: string, pod: Pod): string {
  const root = logRoot.endsWith('/') ? logRoot.slice(0, -1) : logRoot;
  return `${root}/${pod.metadata?.namespace ?? ''}_${pod.metadata?.name ?? ''}_${pod.metadata?.uid ?? ''}`;
}

function criProtocol(protocol: string | undefined): Protocol {
  return protocol === 'UDP' ? 'UDP' : protocol === 'SCTP' ? 'SCTP' : 'TCP';
}

/**
 * Port mappings of all the pod's containers (upstream's MakePortMappings): every declared port,
 * a port whose name (or family/protocol/hostIP/ports when unnamed) repeats within a container
 * left out. Runtimes only publish those with a hostPort.
 */
export function podPortMappings(pod: Pod): PortMapping[] {
  const mappings: PortMapping[] = [];
  for (const container of pod.spec?.containers ?? []) {
    const seen = new Set<string>();
    for (const port of container.ports ?? []) {
      const hostIp = port.hostIP ?? '';
      const family = hostIp === '' ? 'any' : hostIp.includes(':') ? 'v6' : 'v4';
      const protocol = port.protocol ?? 'TCP';
      const name = port.name || `${family}-${protocol}-${hostIp}:${port.containerPort}:${port.hostPort ?? 0}`;
      if (seen.has(name)) continue;
      seen.add(name);
      mappings.push({ protocol: criProtocol(port.protocol), containerPort: port.containerPort, hostPort: port.hostPort ?? 0, hostIp });
    }
  }
  return mappings;
}

function sandboxLinuxConfig(pod: Pod, options: SandboxConfigOptions): LinuxPodSandboxConfig {
  const podContext = pod.spec?.securityContext;
  const linux: LinuxPodSandboxConfig = {
    cgroupParent: options.cgroupParent ?? '',
    securityContext: {
      namespaceOptions: podNamespaceOptions(pod),
      privileged: hasPrivilegedContainer(pod),
      readonlyRootfs: false,
    },
    sysctls: Object.fromEntries((podContext?.sysctls ?? []).map((s) => [s.name, s.value])),
  };
  const securityContext = linux.securityContext ?? {};
  if (options.seccompRuntimeDefault ?? true) securityContext.seccomp = { profileType: 'RuntimeDefault' };
  if (podContext?.runAsUser !== undefined) securityContext.runAsUser = { value: podContext.runAsUser };
  if (podContext?.runAsGroup !== undefined) securityContext.runAsGroup = { value: podContext.runAsGroup };
  const groups: number[] = [];
  if (podContext?.fsGroup !== undefined) groups.push(podContext.fsGroup);
  groups.push(...(options.extraSupplementalGroups ?? []), ...(podContext?.supplementalGroups ?? []));
  if (groups.length > 0) securityContext.supplementalGroups = groups;
  if (podContext?.seLinuxOptions) {
    const { user, role, type, level } = podContext.seLinuxOptions;
    securityContext.selinuxOptions = { user: user ?? '', role: role ?? '', type: type ?? '', level: level ?? '' };
  }
  return linux;
}

/**
 * The CRI PodSandboxConfig: metadata, hostname (spec.hostname or the pod name, cut to 63
 * characters; the FQDN with setHostnameAsFQDN; options.nodeHostname for hostNetwork pods), log
 * directory `<logRoot>/<ns>_<name>_<uid>`, DNS config, port mappings, labels (the pod's plus
 * io.kubernetes.pod.{name,namespace,uid}), the pod's annotations and the Linux settings
 * (namespaces, run-as user/group, supplemental groups, privileged when any container is,
 * sysctls). Throws when spec.hostname or spec.subdomain is not a DNS label.
 */
export function buildSandboxConfig(pod: Pod, options: SandboxConfigOptions): PodSandboxConfig {
  const config: PodSandboxConfig = {
    metadata: {
      name: pod.metadata?.name ?? '',
      namespace: pod.metadata?.namespace ?? '',
      uid: pod.metadata?.uid ?? '',
      attempt: options.attempt,
    },
    hostname: options.nodeHostname ?? '',
    logDirectory: podLogDirectory(options.logRoot, pod),
    labels: {
      ...pod.metadata?.labels,
      [podNameLabel]: pod.metadata?.name ?? '',
      [podNamespaceLabel]: pod.metadata?.namespace ?? '',
      [podUidLabel]: pod.metadata?.uid ?? '',
    },
    annotations: { ...pod.metadata?.annotations },
    linux: sandboxLinuxConfig(pod, options),
  };
  if (options.dnsConfig) {
    config.dnsConfig = { servers: [...options.dnsConfig.servers], searches: [...options.dnsConfig.searches], options: [...options.dnsConfig.options] };
  }
  if (!pod.spec?.hostNetwork) {
    config.hostname = podKernelHostname(pod, podHostnameAndDomain(pod, options.clusterDomain ?? 'cluster.local'));
  }
  const portMappings = podPortMappings(pod);
  if (portMappings.length > 0) config.portMappings = portMappings;
  return config;
}

/**
 * A hash of what cannot change without a new sandbox (hex): the namespaces (hostNetwork,
 * hostPID, hostIPC, shareProcessNamespace), hostname, subdomain and setHostnameAsFQDN, the
 * published ports (hostPort set), the DNS policy and dnsConfig, sysctls, run-as user/group,
 * supplemental groups and the runtime class. Record it on the sandbox and compare when syncing.
 */
export function sandboxSpecHash(pod: Pod): string {
  const spec = pod.spec;
  const context = spec?.securityContext;
  const relevant = {
    hostNetwork: spec?.hostNetwork === true,
    hostPID: spec?.hostPID === true,
    hostIPC: spec?.hostIPC === true,
    shareProcessNamespace: spec?.shareProcessNamespace === true,
    hostname: spec?.hostname ?? '',
    subdomain: spec?.subdomain ?? '',
    setHostnameAsFQDN: spec?.setHostnameAsFQDN === true,
    hostPorts: podPortMappings(pod).filter((m) => (m.hostPort ?? 0) > 0),
    dnsPolicy: spec?.dnsPolicy ?? 'ClusterFirst',
    dnsConfig: spec?.dnsConfig ?? null,
    sysctls: context?.sysctls ?? [],
    runAsUser: context?.runAsUser ?? null,
    runAsGroup: context?.runAsGroup ?? null,
    fsGroup: context?.fsGroup ?? null,
    supplementalGroups: context?.supplementalGroups ?? [],
    runtimeClassName: spec?.runtimeClassName ?? '',
  };
  return createHash('sha256').update(canonicalJson(relevant)).digest('hex').slice(0, 16);
}
