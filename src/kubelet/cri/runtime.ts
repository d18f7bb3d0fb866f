/**
 * The container runtime as the kubelet sees it: the CRI RuntimeService and ImageService calls
 * it makes (upstream's internalapi.RuntimeService and ImageManagerService, trimmed to what Skiff
 * uses). {@link CriClient} implements it over gRPC; tests use an in-memory runtime.
 */
import type {
  AttachRequest,
  AuthConfig,
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerStatusResponse,
  ExecRequest,
  ExecSyncResponse,
  Image,
  ImageSpec,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatusResponse,
  StatusResponse,
  VersionResponse,
} from './types.js';

/**
 * What the kubelet asks of a container runtime. Calls reject with an error whose `code` is the
 * gRPC status name (see `isNotFound` in client.ts for the NOT_FOUND check).
 */
export interface ContainerRuntime {
  /** The runtime's name and version, and the CRI version it speaks. */
  version(): Promise<VersionResponse>;
  /** The runtime's conditions (RuntimeReady, NetworkReady). */
  status(): Promise<StatusResponse>;

  /** Creates and starts a pod sandbox; resolves to its id. */
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** Stops a sandbox and its containers (idempotent). */
  stopPodSandbox(podSandboxId: string): Promise<void>;
  /** Removes a sandbox and its containers (idempotent). */
  removePodSandbox(podSandboxId: string): Promise<void>;
  /** One sandbox's status (network, state); NOT_FOUND when it does not exist. */
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatusResponse>;
  /** Sandboxes matching `filter` (all fields ANDed). */
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  /** Creates a container in a sandbox run with `sandboxConfig`; resolves to its id. */
  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  /** Starts a created container. */
  startContainer(containerId: string): Promise<void>;
  /** Sends the stop signal, then SIGKILL after `timeoutSeconds` (idempotent). */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  /** Removes a container, killing it first if needed (idempotent). */
  removeContainer(containerId: string): Promise<void>;
  /** Containers matching `filter` (all fields ANDed). */
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  /** One container's status; NOT_FOUND when it does not exist. */
  containerStatus(containerId: string): Promise<ContainerStatusResponse>;

  /** Runs `cmd` in a container and collects its output; `timeoutSeconds` 0 means no limit. */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse>;
  /** Prepares an exec streaming session; resolves to its URL. */
  exec(request: ExecRequest): Promise<string>;
  /** Prepares an attach streaming session; resolves to its URL. */
  attach(request: AttachRequest): Promise<string>;
  /** Prepares a port-forward streaming session into a sandbox; resolves to its URL. */
  portForward(podSandboxId: string, ports: number[]): Promise<string>;

  /** The image named `image` (reference or id), or undefined when the runtime does not have it. */
  imageStatus(image: string | ImageSpec): Promise<Image | undefined>;
  /** Pulls an image; resolves to its reference (id). */
  pullImage(image: string | ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string>;
}

/** A {@link ContainerRuntime} the node agent connected to: it waits for it to answer and closes it when it stops. */
export interface RuntimeConnection extends ContainerRuntime {
  /** Resolves once the runtime answers; rejects when `signal` aborts or after `timeoutMs`. */
  waitUntilReady(signal: AbortSignal, timeoutMs: number): Promise<unknown>;
  /** Ends the connection; calls in flight fail. */
  close(): void;
}
