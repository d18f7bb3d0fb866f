/**
 * TypeScript shapes of the CRI v1 messages in api.proto, as @grpc/proto-loader presents them
 * with keepCase:false, enums:String, longs:Number, bytes:Buffer, defaults:true.
 *
 * Requests: every field may be left out (proto3 default). Responses: scalar, repeated and map
 * fields are always present (defaults); an unset sub-message is absent (the client turns the
 * decoder's null into a missing key). int64 values are JavaScript numbers: nanosecond
 * timestamps (about 1.7e18) lose precision below about 256 ns.
 */

/** Transport protocol of a port mapping. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
/** Mount propagation mode (rprivate, rslave, rshared). */
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
/** Which namespace a sandbox/container uses. */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
/** State of a pod sandbox. */
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
/** State of a container. */
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
/** Seccomp/AppArmor profile type. */
export type SecurityProfileType = 'RuntimeDefault' | 'Unconfined' | 'Localhost';
/** String to string map (proto `map<string, string>`). */
export type StringMap = Record<string, string>;

/** runtime.v1.VersionResponse */
export interface VersionResponse {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

/** runtime.v1.DNSConfig */
export interface DNSConfig {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

/** runtime.v1.PortMapping */
export interface PortMapping {
  protocol?: Protocol;
  containerPort?: number;
  hostPort?: number;
  hostIp?: string;
}

/** runtime.v1.Mount */
export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  selinuxRelabel?: boolean;
  propagation?: MountPropagation;
  recursiveReadOnly?: boolean;
}

/** runtime.v1.NamespaceOption */
export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  targetId?: string;
}

/** runtime.v1.Int64Value (wrapper that tells "0" from "unset"). */
export interface Int64Value {
  value: number;
}

/** runtime.v1.SELinuxOption */
export interface SELinuxOption {
  user?: string;
  role?: string;
  type?: string;
  level?: string;
}

/** runtime.v1.SecurityProfile */
export interface SecurityProfile {
  profileType?: SecurityProfileType;
  localhostRef?: string;
}

/** runtime.v1.LinuxSandboxSecurityContext */
export interface LinuxSandboxSecurityContext {
  namespaceOptions?: NamespaceOption;
  selinuxOptions?: SELinuxOption;
  runAsUser?: Int64Value;
  runAsGroup?: Int64Value;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  privileged?: boolean;
  seccomp?: SecurityProfile;
  apparmor?: SecurityProfile;
}

/** runtime.v1.HugepageLimit */
export interface HugepageLimit {
  pageSize: string;
  limit: number;
}

/** runtime.v1.LinuxContainerResources */
export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  hugepageLimits?: HugepageLimit[];
  unified?: StringMap;
  memorySwapLimitInBytes?: number;
}

/** runtime.v1.LinuxPodSandboxConfig */
export interface LinuxPodSandboxConfig {
  cgroupParent?: string;
  securityContext?: LinuxSandboxSecurityContext;
  sysctls?: StringMap;
  overhead?: LinuxContainerResources;
  resources?: LinuxContainerResources;
}

/** runtime.v1.PodSandboxMetadata */
export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt?: number;
}

/** runtime.v1.PodSandboxConfig */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  logDirectory?: string;
  dnsConfig?: DNSConfig;
  portMappings?: PortMapping[];
  labels?: StringMap;
  annotations?: StringMap;
  linux?: LinuxPodSandboxConfig;
}

/** runtime.v1.PodIP */
export interface PodIP {
  ip: string;
}

/** runtime.v1.PodSandboxNetworkStatus */
export interface PodSandboxNetworkStatus {
  ip: string;
  additionalIps: PodIP[];
}

/** runtime.v1.LinuxPodSandboxStatus */
export interface LinuxPodSandboxStatus {
  namespaces?: { options?: NamespaceOption };
}

/** runtime.v1.PodSandboxStatus */
export interface PodSandboxStatus {
  id: string;
  metadata?: PodSandboxMetadata;
  state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  network?: PodSandboxNetworkStatus;
  linux?: LinuxPodSandboxStatus;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}

/** runtime.v1.PodSandboxStatusResponse */
export interface PodSandboxStatusResponse {
  status?: PodSandboxStatus;
  info: StringMap;
  containersStatuses: ContainerStatus[];
  timestamp: number;
}

/** runtime.v1.PodSandboxFilter */
export interface PodSandboxFilter {
  id?: string;
  state?: { state: PodSandboxState };
  labelSelector?: StringMap;
}

/** runtime.v1.PodSandbox */
export interface PodSandbox {
  id: string;
  metadata?: PodSandboxMetadata;
  state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}

/** runtime.v1.ImageSpec */
export interface ImageSpec {
  image: string;
  annotations?: StringMap;
  userSpecifiedImage?: string;
  runtimeHandler?: string;
}

/** runtime.v1.KeyValue */
export interface KeyValue {
  key: string;
  value: string;
}

/** runtime.v1.Capability */
export interface Capability {
  addCapabilities?: string[];
  dropCapabilities?: string[];
  addAmbientCapabilities?: string[];
}

/** runtime.v1.LinuxContainerSecurityContext */
export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged?: boolean;
  namespaceOptions?: NamespaceOption;
  selinuxOptions?: SELinuxOption;
  runAsUser?: Int64Value;
  runAsGroup?: Int64Value;
  runAsUsername?: string;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  noNewPrivs?: boolean;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccomp?: SecurityProfile;
  apparmor?: SecurityProfile;
}

/** runtime.v1.LinuxContainerConfig */
export interface LinuxContainerConfig {
  resources?: LinuxContainerResources;
  securityContext?: LinuxContainerSecurityContext;
}

/** runtime.v1.ContainerMetadata */
export interface ContainerMetadata {
  name: string;
  attempt?: number;
}

/** runtime.v1.Device */
export interface Device {
  containerPath: string;
  hostPath: string;
  permissions?: string;
}

/** runtime.v1.ContainerConfig */
export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  devices?: Device[];
  labels?: StringMap;
  annotations?: StringMap;
  /** Relative to PodSandboxConfig.logDirectory. */
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: LinuxContainerConfig;
}

/** runtime.v1.ContainerFilter */
export interface ContainerFilter {
  id?: string;
  state?: { state: ContainerState };
  podSandboxId?: string;
  labelSelector?: StringMap;
}

/** runtime.v1.Container */
export interface Container {
  id: string;
  podSandboxId: string;
  metadata?: ContainerMetadata;
  image?: ImageSpec;
  imageRef: string;
  state: ContainerState;
  /** Nanoseconds since the epoch. */
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
  imageId: string;
}

/** runtime.v1.ContainerStatus */
export interface ContainerStatus {
  id: string;
  metadata?: ContainerMetadata;
  state: ContainerState;
  /** Nanoseconds since the epoch; 0 when unknown. */
  createdAt: number;
  /** Nanoseconds since the epoch; 0 when not started. */
  startedAt: number;
  /** Nanoseconds since the epoch; 0 when not finished. */
  finishedAt: number;
  exitCode: number;
  image?: ImageSpec;
  imageRef: string;
  /** CamelCase reason, e.g. "OOMKilled", "Completed", "Error". */
  reason: string;
  message: string;
  labels: StringMap;
  annotations: StringMap;
  mounts: Mount[];
  logPath: string;
  resources?: { linux?: LinuxContainerResources };
  imageId: string;
}

/** runtime.v1.ContainerStatusResponse */
export interface ContainerStatusResponse {
  status?: ContainerStatus;
  info: StringMap;
}

/** runtime.v1.ExecSyncResponse */
export interface ExecSyncResponse {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/** runtime.v1.ExecRequest */
export interface ExecRequest {
  containerId: string;
  cmd: string[];
  tty?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

/** runtime.v1.AttachRequest */
export interface AttachRequest {
  containerId: string;
  stdin?: boolean;
  tty?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

/** runtime.v1.ImageFilter */
export interface ImageFilter {
  image?: ImageSpec;
}

/** runtime.v1.Image */
export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid?: Int64Value;
  username: string;
  spec?: ImageSpec;
  pinned: boolean;
}

/** runtime.v1.AuthConfig */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

/** runtime.v1.RuntimeCondition: types "RuntimeReady" and "NetworkReady" are the required ones. */
export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

/** runtime.v1.StatusResponse */
export interface StatusResponse {
  status?: { conditions: RuntimeCondition[] };
  info: StringMap;
}

/** runtime.v1.FilesystemUsage */
export interface FilesystemUsage {
  timestamp: number;
  fsId?: { mountpoint: string };
  usedBytes?: { value: number };
  inodesUsed?: { value: number };
}

/** runtime.v1.ImageFsInfoResponse */
export interface ImageFsInfoResponse {
  imageFilesystems: FilesystemUsage[];
  containerFilesystems: FilesystemUsage[];
}
