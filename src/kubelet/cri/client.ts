/**
 * Skiff's CRI v1 client: RuntimeService and ImageService over a unix socket, with typed
 * requests/responses (types.ts), per-call deadlines and errors mapped to {@link CriError}.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
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
  ImageFilter,
  ImageFsInfoResponse,
  ImageSpec,
  LinuxContainerResources,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatusResponse,
  StatusResponse,
  VersionResponse,
} from './types.js';
import type { ContainerRuntime } from './runtime.js';

/** The CRI API version the kubelet announces in VersionRequest. */
export const criApiVersion = 'v1';

/** Decoding options shared by the client and test servers (see types.ts for what they imply). */
export const criLoaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

/**
 * Builds the gRPC package definition of Skiff's CRI subset from the embedded proto text
 * (services `runtime.v1.RuntimeService` and `runtime.v1.ImageService`).
 */
/** The CRI subset: the build copies src/kubelet/cri/api.proto beside this module. */
export const criProtoFile = fileURLToPath(new URL('./api.proto', import.meta.url));

/** Parses {@link criProtoFile} into a gRPC package definition. */
export function loadCriPackageDefinition(): protoLoader.PackageDefinition {
  // keepCase:false at parse time gives the lowerCamelCase names types.ts uses; field numbers,
  // not names, go on the wire.
  const parsed = protobuf.parse(readFileSync(criProtoFile, 'utf8'), { keepCase: false });
  return protoLoader.fromJSON(parsed.root.toJSON(), criLoaderOptions);
}

const runtimeService = 'runtime.v1.RuntimeService';
const imageService = 'runtime.v1.ImageService';
type ServiceName = typeof runtimeService | typeof imageService;

/** Default per-call deadline, as the kubelet's remote runtime (2 minutes). */
const defaultCallTimeoutMs = 2 * 60_000;
/** Image pulls have their own, longer deadline. */
const pullImageTimeoutMs = 10 * 60_000;
/** Largest message accepted either way: ExecSync may return 16 MiB per stream. */
const maxMessageBytes = 64 * 1024 * 1024;

/** An error from a CRI call, carrying the gRPC status code name (e.g. 'NOT_FOUND'). */
export class CriError extends Error {
  override readonly name = 'CriError';

  constructor(
    /** The gRPC status code name: 'NOT_FOUND', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', ... */
    readonly code: string,
    /** The RPC that failed, e.g. 'RunPodSandbox'. */
    readonly rpc: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a CRI NOT_FOUND error (the container, sandbox or image does not exist). */
export function isNotFound(err: unknown): boolean {
  return err instanceof CriError && err.code === 'NOT_FOUND';
}

function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number';
}

function toCriError(rpc: string, err: unknown): CriError {
  if (isServiceError(err)) {
    const code = grpc.status[err.code] ?? `CODE_${err.code}`;
    return new CriError(code, rpc, `CRI ${rpc}: ${code}: ${err.details || err.message}`, { cause: err });
  }
  return new CriError('UNKNOWN', rpc, `CRI ${rpc}: ${String(err)}`, { cause: err });
}

/** Turns the decoder's null (unset sub-message) into a missing key, recursively. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && v !== undefined) out[k] = dropNulls(v);
  }
  return out;
}

/** `unix:///run/x.sock` stays; a bare path `/run/x.sock` becomes a unix: target. */
function toGrpcTarget(endpoint: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(endpoint)) return endpoint;
  return endpoint.startsWith('/') ? `unix://${endpoint}` : `unix:${endpoint}`;
}

/** Options of {@link CriClient.connect}. */
export interface CriClientOptions {
  /** Deadline of each call, in ms (default 2 minutes, as the kubelet). */
  callTimeoutMs?: number;
  /** Told of every finished call: the RPC, how long it took and its error (for metrics). Default: nobody. */
  onCall?: (rpc: string, seconds: number, error: CriError | undefined) => void;
}

/**
 * A CRI v1 client over one gRPC channel. Methods reject with {@link CriError}. The channel
 * reconnects by itself when the runtime restarts (back-off capped at 2 s).
 */
export class CriClient implements ContainerRuntime {
  private readonly methods: protoLoader.PackageDefinition;

  private constructor(
    private readonly client: grpc.Client,
    private readonly callTimeoutMs: number,
    private readonly onCall?: CriClientOptions['onCall'],
  ) {
    this.methods = loadCriPackageDefinition();
  }

  /** Opens a channel to `endpoint` (`unix:///run/x.sock` or a bare socket path). Connects lazily. */
  static connect(endpoint: string, options: CriClientOptions = {}): CriClient {
    const client = new grpc.Client(toGrpcTarget(endpoint), grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': maxMessageBytes,
      'grpc.max_send_message_length': maxMessageBytes,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
    });
    return new CriClient(client, options.callTimeoutMs ?? defaultCallTimeoutMs, options.onCall);
  }

  /** Closes the channel; calls in flight fail with CANCELLED. */
  close(): void {
    this.client.close();
  }

  private call<Res>(service: ServiceName, rpc: string, request: object, timeoutMs: number | undefined = this.callTimeoutMs): Promise<Res> {
    const serviceDef = this.methods[service];
    const method = serviceDef && rpc in serviceDef ? (serviceDef as protoLoader.ServiceDefinition)[rpc] : undefined;
    if (!method || typeof method.path !== 'string') {
      return Promise.reject(new CriError('UNIMPLEMENTED', rpc, `CRI ${rpc}: not in Skiff's CRI proto`));
    }
    const callOptions: grpc.CallOptions = timeoutMs === undefined ? {} : { deadline: new Date(Date.now() + timeoutMs) };
    const started = performance.now();
    return new Promise<Res>((resolve, reject) => {
      this.client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        new grpc.Metadata(),
        callOptions,
        (err, response) => {
          const error = err ? toCriError(rpc, err) : undefined;
          this.onCall?.(rpc, (performance.now() - started) / 1000, error);
          if (error) reject(error);
          else resolve(dropNulls(response) as Res);
        },
      );
    });
  }

  /** Version: runtime name/version and the CRI API version it speaks. */
  version(timeoutMs?: number): Promise<VersionResponse> {
    return this.call<VersionResponse>(runtimeService, 'Version', { version: criApiVersion }, timeoutMs);
  }

  /** Status: runtime conditions (RuntimeReady, NetworkReady); `info` only when verbose. */
  status(verbose = false): Promise<StatusResponse> {
    return this.call<StatusResponse>(runtimeService, 'Status', { verbose });
  }

  /** Creates and starts a pod sandbox; resolves to its id. */
  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ''): Promise<string> {
    const res = await this.call<{ podSandboxId: string }>(runtimeService, 'RunPodSandbox', { config, runtimeHandler });
    return res.podSandboxId;
  }

  /** Stops a sandbox and its containers, releasing its network (idempotent). */
  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await this.call(runtimeService, 'StopPodSandbox', { podSandboxId });
  }

  /** Removes a sandbox and its containers (idempotent). */
  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.call(runtimeService, 'RemovePodSandbox', { podSandboxId });
  }

  /** Status of one sandbox (network.ip, state, ...); NOT_FOUND when it does not exist. */
  podSandboxStatus(podSandboxId: string, verbose = false): Promise<PodSandboxStatusResponse> {
    return this.call<PodSandboxStatusResponse>(runtimeService, 'PodSandboxStatus', { podSandboxId, verbose });
  }

  /** Lists sandboxes matching `filter` (all fields ANDed). */
  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    const res = await this.call<{ items: PodSandbox[] }>(runtimeService, 'ListPodSandbox', { filter });
    return res.items;
  }

  /** Creates a container in a sandbox; `sandboxConfig` is the one the sandbox was run with. Resolves to its id. */
  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const res = await this.call<{ containerId: string }>(runtimeService, 'CreateContainer', { podSandboxId, config, sandboxConfig });
    return res.containerId;
  }

  /** Starts a created container. */
  async startContainer(containerId: string): Promise<void> {
    await this.call(runtimeService, 'StartContainer', { containerId });
  }

  /** Stops a container: its stop signal, then SIGKILL after `timeoutSeconds` (idempotent). */
  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    // The runtime waits up to the grace period, so the deadline must outlast it.
    await this.call(runtimeService, 'StopContainer', { containerId, timeout: timeoutSeconds }, this.callTimeoutMs + timeoutSeconds * 1000);
  }

  /** Removes a container, killing it first if needed (idempotent). */
  async removeContainer(containerId: string): Promise<void> {
    await this.call(runtimeService, 'RemoveContainer', { containerId });
  }

  /** Lists containers matching `filter` (all fields ANDed). */
  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    const res = await this.call<{ containers: Container[] }>(runtimeService, 'ListContainers', { filter });
    return res.containers;
  }

  /** Status of one container; NOT_FOUND when it does not exist. */
  containerStatus(containerId: string, verbose = false): Promise<ContainerStatusResponse> {
    return this.call<ContainerStatusResponse>(runtimeService, 'ContainerStatus', { containerId, verbose });
  }

  /** Changes a running container's cgroup resources. */
  async updateContainerResources(containerId: string, linux: LinuxContainerResources): Promise<void> {
    await this.call(runtimeService, 'UpdateContainerResources', { containerId, linux });
  }

  /** Asks the runtime to reopen the container's log file (after rotation). */
  async reopenContainerLog(containerId: string): Promise<void> {
    await this.call(runtimeService, 'ReopenContainerLog', { containerId });
  }

  /**
   * Runs `cmd` in the container and collects its output. `timeoutSeconds` 0 means no limit (and
   * no deadline); otherwise the call's deadline is the timeout plus the usual call timeout, so
   * the runtime has time to report the timeout itself.
   */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    const deadlineMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 + this.callTimeoutMs : undefined;
    return this.call<ExecSyncResponse>(runtimeService, 'ExecSync', { containerId, cmd, timeout: timeoutSeconds }, deadlineMs);
  }

  /** Prepares an exec streaming session; resolves to the runtime's streaming URL. */
  async exec(request: ExecRequest): Promise<string> {
    const res = await this.call<{ url: string }>(runtimeService, 'Exec', request);
    return res.url;
  }

  /** Prepares an attach streaming session; resolves to the runtime's streaming URL. */
  async attach(request: AttachRequest): Promise<string> {
    const res = await this.call<{ url: string }>(runtimeService, 'Attach', request);
    return res.url;
  }

  /** Prepares a port-forward streaming session into a sandbox; resolves to the streaming URL. */
  async portForward(podSandboxId: string, ports: number[]): Promise<string> {
    const res = await this.call<{ url: string }>(runtimeService, 'PortForward', { podSandboxId, port: ports });
    return res.url;
  }

  /** Lists images known to the runtime. */
  async listImages(filter?: ImageFilter): Promise<Image[]> {
    const res = await this.call<{ images: Image[] }>(imageService, 'ListImages', { filter });
    return res.images;
  }

  /** The image named `image` (reference or id), or undefined when the runtime does not have it. */
  async imageStatus(image: string | ImageSpec): Promise<Image | undefined> {
    const spec = typeof image === 'string' ? { image } : image;
    const res = await this.call<{ image?: Image }>(imageService, 'ImageStatus', { image: spec, verbose: false });
    return res.image;
  }

  /** Pulls an image (deadline 10 minutes); resolves to the image ref (its id). */
  async pullImage(image: string | ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    const spec = typeof image === 'string' ? { image } : image;
    const res = await this.call<{ imageRef: string }>(imageService, 'PullImage', { image: spec, auth, sandboxConfig }, Math.max(pullImageTimeoutMs, this.callTimeoutMs));
    return res.imageRef;
  }

  /** Removes an image (idempotent). */
  async removeImage(image: string | ImageSpec): Promise<void> {
    const spec = typeof image === 'string' ? { image } : image;
    await this.call(imageService, 'RemoveImage', { image: spec });
  }

  /** Usage of the image (and container) filesystems. */
  imageFsInfo(): Promise<ImageFsInfoResponse> {
    return this.call<ImageFsInfoResponse>(imageService, 'ImageFsInfo', {});
  }

  /**
   * Calls Version until the runtime answers, then resolves to its answer. Rejects when `signal`
   * aborts or after `timeoutMs` (with the last error as cause).
   */
  async waitUntilReady(signal: AbortSignal, timeoutMs: number): Promise<VersionResponse> {
    const deadline = Date.now() + timeoutMs;
    let pauseMs = 50;
    let lastError: unknown;
    for (;;) {
      signal.throwIfAborted();
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new CriError('DEADLINE_EXCEEDED', 'Version', `CRI runtime did not answer within ${timeoutMs} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`, { cause: lastError });
      }
      try {
        return await this.version(Math.min(remaining, 2000));
      } catch (err) {
        lastError = err;
      }
      // Retry pacing, not synchronisation: the socket may not exist yet.
      await delay(Math.min(pauseMs, Math.max(0, deadline - Date.now())), undefined, { signal }).catch(() => undefined);
      pauseMs = Math.min(pauseMs * 2, 500);
    }
  }
}
