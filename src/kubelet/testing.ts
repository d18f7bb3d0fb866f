/**
 * Test support for the kubelet: {@link FakeRuntime}, a container runtime in memory whose
 * containers run, exit and answer exec as the test says, on the test's clock.
 */
import type { Clock } from '../apimachinery/clock.js';
import { CriError } from './cri/client.js';
import type { RuntimeConnection } from './cri/runtime.js';
import type {
  AttachRequest,
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerStatus,
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
} from './cri/types.js';

/** A sandbox the fake runtime holds. */
export interface FakeSandbox {
  id: string;
  config: PodSandboxConfig;
  state: PodSandbox['state'];
  /** Nanoseconds since the epoch, as CRI reports. */
  createdAt: number;
  ip: string;
}

/** A container the fake runtime holds: its CRI status, its sandbox and the config it was created with. */
export interface FakeContainer {
  status: ContainerStatus;
  podSandboxId: string;
  config: ContainerConfig;
}

/** What an exec in a fake container answers. */
export interface FakeExecResult {
  exitCode: number;
  stdout?: string;
}

/** One runtime call, as {@link FakeRuntime.calls} records it. */
export interface FakeRuntimeCall {
  /** The CRI RPC name, e.g. 'RunPodSandbox', 'StopContainer'. */
  rpc: string;
  /** The sandbox or container the call was about ('' for lists and images). */
  id: string;
  /** The container's name for container calls, the pod's for sandbox calls. */
  name: string;
  /** StopContainer's timeout. */
  timeoutSeconds?: number;
}

/** Options of {@link FakeRuntime}. */
export interface FakeRuntimeOptions {
  /** Timestamps and grace periods. */
  clock: Clock;
  /** Images present from the start. Default none. */
  images?: string[];
}

/**
 * A container runtime in memory. Sandboxes get IPs 10.42.0.1, .2, ...; containers run when
 * started and stay running until the test calls {@link exitContainer} or the kubelet stops them. A
 * stopped container exits 0 at once, unless its name is in {@link ignoringStopSignal}: then it is
 * killed (137) after the stop's timeout on the clock. Unknown ids give NOT_FOUND as containerd does.
 */
export class FakeRuntime implements RuntimeConnection {
  /** Every sandbox, by id (removed ones are gone). */
  readonly sandboxes = new Map<string, FakeSandbox>();
  /** Every container, by id (removed ones are gone). */
  readonly containers = new Map<string, FakeContainer>();
  /** The runtime calls that changed something, in order. */
  readonly calls: FakeRuntimeCall[] = [];
  /** Names of containers that ignore SIGTERM: a stop kills them when its timeout runs out. */
  readonly ignoringStopSignal = new Set<string>();
  /** Whether Status reports NetworkReady (false: as containerd before its CNI config exists). Default true. */
  networkReady = true;
  /** Answers ExecSync. Default: exit 0, no output. */
  execHandler: (container: FakeContainer, cmd: string[]) => FakeExecResult = () => ({ exitCode: 0 });
  private readonly clock: Clock;
  private readonly images = new Set<string>();
  private nextId = 1;
  private lastTimestamp = 0;

  constructor(options: FakeRuntimeOptions) {
    this.clock = options.clock;
    for (const image of options.images ?? []) this.images.add(image);
  }

  /** Containers of the pod with this UID (and container name, when given), newest first. */
  containersOf(podUID: string, name?: string): FakeContainer[] {
    return [...this.containers.values()]
      .filter((c) => c.status.labels['io.kubernetes.pod.uid'] === podUID && (name === undefined || c.status.metadata?.name === name))
      .sort((a, b) => b.status.createdAt - a.status.createdAt || b.status.id.localeCompare(a.status.id));
  }

  /** Makes a running container exit with `exitCode` now (as if its process ended). */
  exitContainer(id: string, exitCode: number): void {
    const c = this.containerOrThrow('ExitContainer', id);
    if (c.status.state !== 'CONTAINER_RUNNING') throw new Error(`container ${id} is ${c.status.state}, not running`);
    this.finish(c, exitCode);
  }

  /**
   * The clock in nanoseconds, strictly increasing so that newer objects sort first as in a real
   * runtime (by a microsecond: doubles this large have no nanoseconds).
   */
  private now(): number {
    this.lastTimestamp = Math.max(this.clock.now().getTime() * 1e6, this.lastTimestamp + 1000);
    return this.lastTimestamp;
  }

  private newId(kind: string): string {
    return `${kind}-${this.nextId++}`;
  }

  private record(rpc: string, id: string, name: string, timeoutSeconds?: number): void {
    this.calls.push({ rpc, id, name, ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) });
  }

  private sandboxOrThrow(rpc: string, id: string): FakeSandbox {
    const s = this.sandboxes.get(id);
    if (!s) throw new CriError('NOT_FOUND', rpc, `CRI ${rpc}: NOT_FOUND: an error occurred when try to find sandbox "${id}": not found`);
    return s;
  }

  private containerOrThrow(rpc: string, id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new CriError('NOT_FOUND', rpc, `CRI ${rpc}: NOT_FOUND: an error occurred when try to find container "${id}": not found`);
    return c;
  }

  private finish(c: FakeContainer, exitCode: number): void {
    c.status = { ...c.status, state: 'CONTAINER_EXITED', exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: this.now() };
  }

  /** Whether {@link close} was called. */
  closed = false;

  async waitUntilReady(): Promise<VersionResponse> {
    return this.version();
  }

  close(): void {
    this.closed = true;
  }

  async version(): Promise<VersionResponse> {
    return { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '1.0.0', runtimeApiVersion: 'v1' };
  }

  async status(): Promise<StatusResponse> {
    const ready = (type: string) => ({ type, status: true, reason: '', message: '' });
    const network = this.networkReady ? ready('NetworkReady') : { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni plugin not initialized' };
    return { status: { conditions: [ready('RuntimeReady'), network] }, info: {} };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = this.newId('sandbox');
    this.sandboxes.set(id, { id, config, state: 'SANDBOX_READY', createdAt: this.now(), ip: `10.42.0.${this.sandboxes.size + 1}` });
    this.record('RunPodSandbox', id, config.metadata.name);
    return id;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    const s = this.sandboxOrThrow('StopPodSandbox', podSandboxId);
    for (const c of this.containers.values()) {
      if (c.podSandboxId === podSandboxId && c.status.state === 'CONTAINER_RUNNING') this.finish(c, 137);
    }
    s.state = 'SANDBOX_NOTREADY';
    this.record('StopPodSandbox', podSandboxId, s.config.metadata.name);
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    const s = this.sandboxOrThrow('RemovePodSandbox', podSandboxId);
    for (const [id, c] of this.containers) if (c.podSandboxId === podSandboxId) this.containers.delete(id);
    this.sandboxes.delete(podSandboxId);
    this.record('RemovePodSandbox', podSandboxId, s.config.metadata.name);
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatusResponse> {
    const s = this.sandboxOrThrow('PodSandboxStatus', podSandboxId);
    return {
      status: {
        ...this.listed(s),
        network: { ip: s.state === 'SANDBOX_READY' ? s.ip : '', additionalIps: [] },
      },
      info: {},
      containersStatuses: [],
      timestamp: this.now(),
    };
  }

  private listed(s: FakeSandbox): PodSandbox {
    return { id: s.id, metadata: s.config.metadata, state: s.state, createdAt: s.createdAt, labels: s.config.labels ?? {}, annotations: s.config.annotations ?? {}, runtimeHandler: '' };
  }

  async listPodSandbox(filter: PodSandboxFilter = {}): Promise<PodSandbox[]> {
    return [...this.sandboxes.values()]
      .map((s) => this.listed(s))
      .filter((s) => (!filter.id || s.id === filter.id) && (!filter.state || s.state === filter.state.state) && matchesLabels(s.labels, filter.labelSelector));
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const s = this.sandboxOrThrow('CreateContainer', podSandboxId);
    if (s.state !== 'SANDBOX_READY') throw new CriError('UNKNOWN', 'CreateContainer', `CRI CreateContainer: sandbox ${podSandboxId} is not ready`);
    const id = this.newId('container');
    const imageRef = config.image.image.startsWith('sha256:') ? config.image.image : `sha256:${config.image.image}`;
    this.containers.set(id, {
      podSandboxId,
      config,
      status: {
        id,
        metadata: config.metadata,
        state: 'CONTAINER_CREATED',
        createdAt: this.now(),
        startedAt: 0,
        finishedAt: 0,
        exitCode: 0,
        image: config.image,
        imageRef,
        imageId: imageRef,
        reason: '',
        message: '',
        labels: config.labels ?? {},
        annotations: config.annotations ?? {},
        mounts: config.mounts ?? [],
        logPath: config.logPath ? `${sandboxConfig.logDirectory ?? ''}/${config.logPath}` : '',
      },
    });
    this.record('CreateContainer', id, config.metadata.name);
    return id;
  }

  async startContainer(containerId: string): Promise<void> {
    const c = this.containerOrThrow('StartContainer', containerId);
    if (c.status.state !== 'CONTAINER_CREATED') throw new CriError('UNKNOWN', 'StartContainer', `CRI StartContainer: container ${containerId} is ${c.status.state}`);
    c.status = { ...c.status, state: 'CONTAINER_RUNNING', startedAt: this.now() };
    this.record('StartContainer', containerId, c.config.metadata.name);
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    const c = this.containerOrThrow('StopContainer', containerId);
    this.record('StopContainer', containerId, c.config.metadata.name, timeoutSeconds);
    if (c.status.state !== 'CONTAINER_RUNNING') return;
    if (this.ignoringStopSignal.has(c.config.metadata.name)) {
      await this.clock.sleep(timeoutSeconds * 1000);
      if (c.status.state === 'CONTAINER_RUNNING') this.finish(c, 137);
      return;
    }
    this.finish(c, 0);
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = this.containerOrThrow('RemoveContainer', containerId);
    this.containers.delete(containerId);
    this.record('RemoveContainer', containerId, c.config.metadata.name);
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    return [...this.containers.values()]
      .filter(
        (c) =>
          (!filter.id || c.status.id === filter.id) &&
          (!filter.podSandboxId || c.podSandboxId === filter.podSandboxId) &&
          (!filter.state || c.status.state === filter.state.state) &&
          matchesLabels(c.status.labels, filter.labelSelector),
      )
      .map((c) => {
        const { id, metadata, image, imageRef, imageId, state, createdAt, labels, annotations } = c.status;
        return { id, podSandboxId: c.podSandboxId, metadata, image, imageRef, imageId, state, createdAt, labels, annotations };
      });
  }

  async containerStatus(containerId: string): Promise<ContainerStatusResponse> {
    return { status: structuredClone(this.containerOrThrow('ContainerStatus', containerId).status), info: {} };
  }

  async execSync(containerId: string, cmd: string[], _timeoutSeconds = 0): Promise<ExecSyncResponse> {
    const c = this.containerOrThrow('ExecSync', containerId);
    if (c.status.state !== 'CONTAINER_RUNNING') throw new CriError('UNKNOWN', 'ExecSync', `CRI ExecSync: container ${containerId} is not running`);
    const result = this.execHandler(c, cmd);
    return { exitCode: result.exitCode, stdout: Buffer.from(result.stdout ?? ''), stderr: Buffer.alloc(0) };
  }

  async exec(request: ExecRequest): Promise<string> {
    this.containerOrThrow('Exec', request.containerId);
    return `http://127.0.0.1:0/exec/${request.containerId}`;
  }

  async attach(request: AttachRequest): Promise<string> {
    this.containerOrThrow('Attach', request.containerId);
    return `http://127.0.0.1:0/attach/${request.containerId}`;
  }

  async portForward(podSandboxId: string): Promise<string> {
    this.sandboxOrThrow('PortForward', podSandboxId);
    return `http://127.0.0.1:0/portforward/${podSandboxId}`;
  }

  async imageStatus(image: string | ImageSpec): Promise<Image | undefined> {
    const name = typeof image === 'string' ? image : image.image;
    if (!this.images.has(name)) return undefined;
    return { id: `sha256:${name}`, repoTags: [name], repoDigests: [], size: 0, username: '', pinned: false };
  }

  async pullImage(image: string | ImageSpec): Promise<string> {
    const name = typeof image === 'string' ? image : image.image;
    this.images.add(name);
    this.record('PullImage', '', name);
    return `sha256:${name}`;
  }
}

function matchesLabels(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}
