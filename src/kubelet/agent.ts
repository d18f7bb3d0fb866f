/**
 * The node agent (Skiff's kubelet): registers the Node, runs containerd as a supervised child
 * (or uses a given CRI socket), and turns the pods bound to this node into containers. The
 * same agent runs inside `skiff server` (in-process client) and as `skiff agent` (HTTPS).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import { firstAddressInCIDR } from '../apimachinery/net.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type Client } from '../client/client.js';
import { ServiceAccountTokenManager } from './token-manager.js';
import { systemClock, type Clock } from '../apimachinery/clock.js';
import { ApiEventRecorder } from '../client/events.js';
import { Informer, objectKey, splitKey } from '../client/informer.js';
import { runWorkers, WorkQueue, type SyncResult } from '../client/work-queue.js';
import { CriClient } from './cri/client.js';
import type { ContainerRuntime, RuntimeConnection } from './cri/runtime.js';
import { containerdPaths, renderContainerdConfig } from './containerd/config.js';
import { cniConflistFileName, renderCniConflist } from './containerd/cni.js';
import { ContainerdSupervisor } from './containerd/supervisor.js';
import { buildPauseImageTar, pauseImageName } from './images/pause.js';
import { importImageTars, importImagesDir } from './images/import.js';
import { ImageManager } from './image-manager.js';
import { defaultNodeIP, readMachineInfo, type MachineInfo } from './machine-info.js';
import { NodeRegistration, type NodeDescription } from './node-registration.js';
import { parseResolvConf, type ResolvConf } from '../apimachinery/pod-dns.js';
import { PodWorker } from './pod-worker.js';
import { PodRoutes } from './network/pod-routes.js';
import { ProbeManager } from './prober/probe-worker.js';
import { runtimeLabels } from './runtime-pod.js';
import { PodVolumes } from './volumes/volumes.js';
import { ReferencedObjects } from './referenced-objects.js';
import { ReadinessPoller } from './readiness-poller.js';
import { NodeServer } from './server/node-server.js';
import { CgroupSummaryProvider, readStatsFileFromDisk } from './stats/cgroup-summary.js';
import { containerNameLabel, podNameLabel, podNamespaceLabel, podUidLabel } from './pod/container-config.js';
import { CriStreamingBackend } from './streaming-backend.js';
import { loadOrIssueNodeServingCert, type NodeServingCertSource } from './serving-cert.js';
import { Registry } from '../apimachinery/metrics.js';
import { KubeletMetrics } from './kubelet-metrics.js';
import { parseQuantity } from '../apimachinery/quantity.js';
import { errorMessage, isExpectedWriteRace } from '../apimachinery/errors.js';

type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;
type ServiceObject = Service & KubeObject;

/** The agent's directories under `<dataDir>/agent`. */
interface AgentDirs {
  containerd: string;
  cniConf: string;
  cniData: string;
  pods: string;
  logs: string;
  images: string;
  tls: string;
}

/** One run of {@link NodeAgent.start}: what its steps share. */
interface AgentRun {
  signal: AbortSignal;
  dirs: AgentDirs;
  /** Tasks that settle after `signal` aborts; `start` waits for them before it returns. */
  running: Promise<unknown>[];
  /** The host's resolver settings, for pods with dnsPolicy Default. */
  hostResolvConf: ResolvConf;
}

/** A change of this Node and what reacting to it needs. */
interface ObservedNode {
  node: Node;
  registration: NodeRegistration;
  dirs: Pick<AgentDirs, 'cniConf' | 'cniData'>;
  statusQueue: WorkQueue<string>;
  signal: AbortSignal;
}

/** The pods' work queue, what its workers run per key, and the worker behind it. */
interface PodPipeline {
  queue: WorkQueue<string>;
  sync: (key: string) => Promise<SyncResult>;
  worker: PodWorker;
}

/** What the relist loop compares and wakes. */
interface RelistInput {
  cri: ContainerRuntime;
  pods: Informer<PodObject>;
  worker: PodWorker;
  queue: WorkQueue<string>;
  signal: AbortSignal;
}

/** The version this agent reports as kubeletVersion and kubeProxyVersion. */
export const agentVersion = 'v1.32.0-skiff';

/** Options of {@link NodeAgent}. */
export interface NodeAgentOptions {
  client: Client;
  nodeName: string;
  /** The node's InternalIP. Default: the first non-loopback IPv4 address. */
  nodeIP?: string;
  /** The agent keeps its files under `<dataDir>/agent`. */
  dataDir: string;
  /** The cluster DNS Service IPs written into pods' resolv.conf. Default ['10.43.0.10']. */
  clusterDNS?: string[];
  /** Default 'cluster.local'. */
  clusterDomain?: string;
  /** An existing CRI socket (unix:///...) to use instead of running containerd. */
  containerRuntimeEndpoint?: string;
  /** Opens the connection to the runtime at a CRI endpoint. Default: {@link CriClient.connect} (gRPC). */
  connectRuntime?: (endpoint: string) => RuntimeConnection;
  /** The port of the node's HTTPS endpoint (logs, exec, port-forward). Default 10250. */
  kubeletPort?: number;
  /** Client certificates signed by this CA may use the node's endpoint (the API server's). */
  trustedClientCAPem: string;
  /**
   * Where the node endpoint's serving certificate comes from: the cluster CA (directly in
   * `skiff server`, by a CertificateSigningRequest in `skiff agent`), so that the API server can
   * verify it against the CA and the node's name.
   */
  servingCertificate: NodeServingCertSource;
  /** Labels besides the well-known ones (e.g. node-role.kubernetes.io/control-plane). */
  labels?: Record<string, string>;
  /**
   * Route other nodes' pod CIDRs via their InternalIPs (host-gw), set net.ipv4.ip_forward=1 and keep
   * pod-to-pod traffic unmasqueraded (see network/pod-routes.ts). Default true.
   */
  podRoutes?: boolean;
  /** Default: the system clock. */
  clock?: Clock;
  /** Progress and errors. Default console.error. */
  log?: (message: string) => void;
  /** Expected races (conflicts, events in a namespace being deleted). Default: not logged. */
  debug?: (message: string) => void;
  /** The process's metrics (the agent's go there, served at the node's /metrics). Default: a registry of the agent's own. */
  metrics?: Registry;
}

/** Runs a real node until its signal aborts. */
export class NodeAgent {
  readonly nodeName: string;
  private readonly metrics: KubeletMetrics;
  readonly nodeIP: string;
  private readonly agentDir: string;
  private readonly clock: Clock;
  private readonly log: (message: string) => void;
  private readonly debug: (message: string) => void;
  private machine: MachineInfo | undefined;
  private runtimeVersion = 'containerd://unknown';
  private runtimeReady = { ready: false, reason: 'KubeletNotReady', message: 'container runtime is starting' };
  private podCIDR: string | undefined;
  private kubeletPort: number;
  /** Polls the runtime fast until it is first ready (the CNI config write wakes it). */
  private readinessPoller: ReadinessPoller | undefined;

  constructor(private readonly options: NodeAgentOptions) {
    this.nodeName = options.nodeName;
    this.nodeIP = options.nodeIP || defaultNodeIP();
    this.agentDir = join(options.dataDir, 'agent');
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? ((m) => console.error(m));
    this.debug = options.debug ?? (() => undefined);
    this.kubeletPort = options.kubeletPort ?? 10250;
    this.metrics = new KubeletMetrics({ registry: options.metrics ?? new Registry(), clock: this.clock });
  }

  private describe(): NodeDescription {
    const machine = this.machine;
    return {
      labels: {
        ...this.options.labels,
        'kubernetes.io/hostname': this.nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': machine?.nodeInfo.architecture ?? 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': machine?.nodeInfo.architecture ?? 'amd64',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
      capacity: machine?.capacity ?? {},
      addresses: [
        { type: 'InternalIP', address: this.nodeIP },
        { type: 'Hostname', address: this.nodeName },
      ],
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '',
        osImage: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
        ...machine?.nodeInfo,
        containerRuntimeVersion: this.runtimeVersion,
        kubeletVersion: agentVersion,
        kubeProxyVersion: agentVersion,
      },
      kubeletPort: this.kubeletPort,
      ready: this.runtimeReady.ready
        ? { ready: true, reason: 'KubeletReady', message: 'kubelet is posting ready status' }
        : this.runtimeReady,
    };
  }

  /** Runs the node: resolves after `signal` aborts and everything has stopped. Containers keep running. */
  async start(signal: AbortSignal): Promise<void> {
    const run: AgentRun = { signal, dirs: await this.prepareDirectories(), running: [], hostResolvConf: await hostResolvConf() };
    const cri = await this.startRuntime(run);
    const untrackRuntime = this.metrics.trackRuntime(async () => ({ sandboxes: await cri.listPodSandbox(), containers: await cri.listContainers() }));
    try {
      const pods = this.podInformer();
      const port = await this.serveNodeEndpoint(run, cri, pods);
      const registration = new NodeRegistration(this.options.client, this.nodeName, this.clock, () => this.describe());
      if (!(await registration.registerUntilDone(signal, (err) => this.log(`register: ${String(err)}`)))) return;
      await this.pollRuntimeStatus(cri);
      const statusQueue = new WorkQueue<string>({ clock: this.clock });
      const { ownNode, clusterNodes } = this.watchNodes(run, registration, statusQueue);
      const pipeline = this.podPipeline(run, cri, pods);
      await this.startInformers(run, clusterNodes ? [pods, ownNode, clusterNodes] : [pods, ownNode]);
      this.log(`node ${this.nodeName} (${this.nodeIP}) serving on :${port}, runtime ${this.runtimeVersion}`);
      this.runNodeLoops(run, cri, registration, statusQueue);
      this.readinessPoller = new ReadinessPoller({
        clock: this.clock,
        check: async () => {
          await this.pollRuntimeStatus(cri);
          return this.runtimeReady.ready;
        },
        onReady: () => statusQueue.add(this.nodeName),
      });
      run.running.push(this.readinessPoller.run(signal));
      run.running.push(
        runWorkers(pipeline.queue, 8, pipeline.sync, signal, (err, key) => this.log(`pod ${key}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)),
        this.relistLoop({ cri, pods, worker: pipeline.worker, queue: pipeline.queue, signal }),
      );
      // Routes once every Node is known: reconciling an empty list would drop the routes to other nodes.
      if (clusterNodes) run.running.push(new PodRoutes({ nodes: clusterNodes, nodeName: this.nodeName, clock: this.clock, log: this.log }).start(signal));
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      await Promise.allSettled(run.running);
    } finally {
      untrackRuntime();
      cri.close();
    }
  }

  /** Creates the agent's directories and reads the machine's capacity. */
  private async prepareDirectories(): Promise<AgentDirs> {
    const paths = containerdPaths(join(this.agentDir, 'containerd'));
    const dirs: AgentDirs = {
      containerd: join(this.agentDir, 'containerd'),
      cniConf: paths.cniConfDir,
      cniData: paths.cniIpamDir,
      pods: join(this.agentDir, 'pods'),
      logs: join(this.agentDir, 'pod-logs'),
      images: join(this.agentDir, 'images'),
      tls: join(this.agentDir, 'tls'),
    };
    for (const d of Object.values(dirs)) await mkdir(d, { recursive: true, mode: 0o700 });
    this.machine = await readMachineInfo(this.agentDir);
    return dirs;
  }

  /**
   * The runtime: our own containerd (supervised, with the pause image and the images directory
   * imported), or the CRI endpoint given. Resolves once it answers.
   */
  private async startRuntime(run: AgentRun): Promise<RuntimeConnection> {
    let endpoint = this.options.containerRuntimeEndpoint;
    let containerdAddress: string | undefined;
    if (!endpoint) {
      const paths = containerdPaths(run.dirs.containerd);
      containerdAddress = paths.address;
      await writeFile(paths.configFile, renderContainerdConfig({ dataDir: run.dirs.containerd, sandboxImage: pauseImageName }), { mode: 0o600 });
      const supervisor = new ContainerdSupervisor({
        dataDir: run.dirs.containerd,
        configFile: paths.configFile,
        address: paths.address,
        logFile: paths.logFile,
        clock: this.clock,
        onError: (err) => this.log(`containerd: ${err.message}`),
      });
      await supervisor.start(run.signal);
      run.running.push(supervisor.stopped());
      endpoint = `unix://${paths.address}`;
    }
    const cri = (this.options.connectRuntime ?? ((e: string) => CriClient.connect(e, { onCall: this.metrics.observeRuntimeCall })))(endpoint);
    try {
      await cri.waitUntilReady(run.signal, 60_000);
      const version = await cri.version();
      this.runtimeVersion = `${version.runtimeName}://${version.runtimeVersion}`;
      if (containerdAddress) await this.importImages(containerdAddress, run.dirs.images, run.signal);
    } catch (err) {
      cri.close();
      throw err;
    }
    return cri;
  }

  /** The pods bound to this node (started with the other informers). */
  private podInformer(): Informer<PodObject> {
    return new Informer<PodObject>(this.options.client, resources.pods, {
      fieldSelector: `spec.nodeName=${this.nodeName}`,
      clock: this.clock,
      onError: this.onError('pod watch'),
      indexers: { uid: (p) => [p.metadata?.uid ?? ''] },
    });
  }

  /** The node's HTTPS endpoint (logs, exec, attach, port-forward), first, so the port registered answers as soon as the Node exists. */
  private async serveNodeEndpoint(run: AgentRun, cri: ContainerRuntime, pods: Informer<PodObject>): Promise<number> {
    const tls = await loadOrIssueNodeServingCert(run.dirs.tls, this.nodeName, [this.nodeIP, '127.0.0.1'], this.options.servingCertificate);
    const stats = new CgroupSummaryProvider({
      nodeName: this.nodeName,
      clock: this.clock,
      readFile: readStatsFileFromDisk,
      containers: async () =>
        (await cri.listContainers({ state: { state: 'CONTAINER_RUNNING' } })).map((c) => ({
          id: c.id,
          name: c.labels[containerNameLabel] ?? c.metadata?.name ?? '',
          podName: c.labels[podNameLabel] ?? '',
          podNamespace: c.labels[podNamespaceLabel] ?? '',
          podUid: c.labels[podUidLabel] ?? '',
          startTime: new Date(Math.floor(c.createdAt / 1e6)),
        })),
    });
    const server = new NodeServer({
      tls,
      clientCAPem: this.options.trustedClientCAPem,
      backend: new CriStreamingBackend(cri, (ns, name) => pods.get(ns, name)),
      host: this.nodeIP,
      port: this.kubeletPort,
      metrics: this.metrics.registry,
      statsSummary: () => stats.summary(),
    });
    const address = await server.start(run.signal);
    this.kubeletPort = address.port;
    return address.port;
  }

  /**
   * This Node (its podCIDR and Ready), watched by name, then, when the agent routes pods, every
   * Node: the one cluster-wide watch the agent keeps, because the pod routes go to the other
   * nodes' podCIDRs via their InternalIPs (network/pod-routes.ts).
   */
  private watchNodes(run: AgentRun, registration: NodeRegistration, statusQueue: WorkQueue<string>): { ownNode: Informer<NodeObject>; clusterNodes?: Informer<NodeObject> } {
    const { client } = this.options;
    const ownNode = new Informer<NodeObject>(client, resources.nodes, { fieldSelector: `metadata.name=${this.nodeName}`, clock: this.clock, onError: this.onError('node watch') });
    const observe = (n: Node) => this.observeNode({ node: n, registration, dirs: run.dirs, statusQueue, signal: run.signal });
    ownNode.addEventHandler({ onAdd: observe, onUpdate: (_o, n) => observe(n) });
    if (!(this.options.podRoutes ?? true)) return { ownNode };
    return { ownNode, clusterNodes: new Informer<NodeObject>(client, resources.nodes, { clock: this.clock, onError: this.onError('nodes watch') }) };
  }

  /**
   * The pod pipeline: pod events, probe results and changes of the objects pods reference wake a
   * work queue whose workers converge each pod through the {@link PodWorker}.
   */
  private podPipeline(run: AgentRun, cri: ContainerRuntime, pods: Informer<PodObject>): PodPipeline {
    const { client } = this.options;
    const machine = this.machineInfo();
    const queue = new WorkQueue<string>({ clock: this.clock });
    const wakeUID = (uid: string) => {
      const pod = pods.byIndex('uid', uid)[0];
      if (pod) queue.add(objectKey(pod));
    };
    const recorder = new ApiEventRecorder({ client, clock: this.clock, component: 'kubelet', host: this.nodeName, onError: this.onError('event') });
    const referenced = new ReferencedObjects({
      client,
      signal: run.signal,
      clock: this.clock,
      onError: (resource, err) => this.onError(`${resource} watch`)(err),
      onChange: (uids) => uids.forEach(wakeUID),
    });
    run.running.push(referenced.stopped());
    // Every Service, for the pods' Service environment variables (upstream's serviceLister).
    const services = new Informer<ServiceObject>(client, resources.services, { clock: this.clock, onError: this.onError('service watch') });
    run.running.push(services.start(run.signal));
    const probes = new ProbeManager({
      clock: this.clock,
      exec: async (containerID, command, timeoutSeconds) => {
        const r = await cri.execSync(containerID, command, timeoutSeconds);
        return { exitCode: r.exitCode, output: Buffer.concat([r.stdout, r.stderr]).toString('utf8') };
      },
    });
    probes.onProbeEvent((e) => {
      const pod = pods.byIndex('uid', e.podUID)[0];
      if (pod) recorder.event(pod, 'Warning', e.reason, e.message);
    });
    const tokens = new ServiceAccountTokenManager({ client, clock: this.clock });
    const volumes = new PodVolumes({
      podsDir: run.dirs.pods,
      nodeName: this.nodeName,
      sources: {
        serviceAccountToken: (pod, projection) => tokens.token(pod, projection),
        configMap: (ns, name) => referenced.configMap(ns, name),
        secret: (ns, name) => referenced.secret(ns, name),
        persistentVolumeClaim: (ns, name) => referenced.persistentVolumeClaim(ns, name),
        persistentVolume: (name) => referenced.persistentVolume(name),
        nodeAllocatable: machine.capacity,
      },
    });
    const worker = new PodWorker({
      client,
      cri,
      images: new ImageManager(cri, recorder, this.clock),
      volumes,
      probes,
      recorder,
      clock: this.clock,
      sources: {
        configMap: (ns, name) => referenced.configMap(ns, name),
        secret: (ns, name) => referenced.secret(ns, name),
        services: () => services.list(),
      },
      settings: {
        nodeName: this.nodeName,
        nodeIP: this.nodeIP,
        podsDir: run.dirs.pods,
        logRoot: run.dirs.logs,
        clusterDNS: this.options.clusterDNS ?? ['10.43.0.10'],
        clusterDomain: this.options.clusterDomain ?? 'cluster.local',
        hostResolvConf: run.hostResolvConf,
        nodeAllocatable: machine.capacity,
        nodeMemoryCapacityBytes: parseQuantity(machine.capacity.memory)?.value() ?? 0,
      },
    });
    probes.onChange(wakeUID);
    probes.onLivenessFailure((uid, _name, containerID, output) => {
      worker.livenessFailure(containerID, output);
      wakeUID(uid);
    });
    pods.addEventHandler({ onAdd: (p) => this.metrics.podSeen(p), onUpdate: (_o, p) => this.metrics.podSeen(p), onDelete: (p) => this.metrics.podGone(p) });
    pods.addEventHandler({
      onAdd: (p) => queue.add(objectKey(p)),
      onUpdate: (_o, p) => queue.add(objectKey(p)),
      onDelete: (p) => {
        referenced.unregister(p.metadata?.uid ?? '');
        tokens.forgetPod(p.metadata?.uid ?? '');
        queue.add(objectKey(p));
      },
    });
    const sync = async (key: string) => {
      const { namespace, name } = splitKey(key);
      const pod = pods.get(namespace, name);
      if (!pod) return {};
      // A pod being deleted reads nothing more; the watches go with the pod object.
      if (!pod.metadata?.deletionTimestamp) {
        await referenced.register(pod, run.signal);
        // Containers start with the Service variables (KUBERNETES_SERVICE_HOST, ...): not before the Services are listed once.
        if (!(await services.waitForSync(run.signal))) return {};
      }
      return worker.sync(pod);
    };
    return { worker, queue, sync };
  }

  /** Starts the informers and waits for their first lists. */
  private async startInformers(run: AgentRun, informers: Pick<Informer, 'start' | 'waitForSync'>[]): Promise<void> {
    run.running.push(...informers.map((i) => i.start(run.signal)));
    for (const i of informers) await i.waitForSync(run.signal);
  }

  /** Node status posts, the Lease, and the runtime's health. */
  private runNodeLoops(run: AgentRun, cri: ContainerRuntime, registration: NodeRegistration, statusQueue: WorkQueue<string>): void {
    const { signal } = run;
    run.running.push(
      runWorkers(statusQueue, 1, () => registration.postStatus(), signal, this.onError('node status')),
      this.every(10_000, signal, () => registration.renewLease(), this.onError('lease')),
      this.every(10_000, signal, async () => {
        await this.pollRuntimeStatus(cri);
        if (registration.statusDue()) statusQueue.add(this.nodeName);
      }, this.onError('runtime status')),
    );
  }

  private onError(where: string): (err: unknown) => void {
    return (err) => (isExpectedWriteRace(err) ? this.debug : this.log)(`${where}: ${errorMessage(err)}`);
  }

  private machineInfo(): MachineInfo {
    if (!this.machine) throw new Error('the machine info is read when the agent starts');
    return this.machine;
  }

  /** Imports the project's pause image and every tar in `<dataDir>/agent/images` (air-gapped installs). */
  private async importImages(address: string, imagesDir: string, signal: AbortSignal): Promise<void> {
    const pauseTar = join(this.agentDir, 'containerd', 'pause.tar');
    await writeFile(pauseTar, await buildPauseImageTar(), { mode: 0o600 });
    await importImageTars([pauseTar], { address, signal });
    const imported = await importImagesDir(imagesDir, { address, signal });
    if (imported.length > 0) this.log(`imported ${imported.length} images from ${imagesDir}`);
  }

  private async pollRuntimeStatus(cri: ContainerRuntime): Promise<void> {
    try {
      const conditions = (await cri.status()).status?.conditions ?? [];
      const failing = conditions.filter((c) => !c.status);
      this.runtimeReady = failing.length === 0
        ? { ready: true, reason: 'KubeletReady', message: '' }
        : {
            ready: false,
            reason: 'KubeletNotReady',
            message: `container runtime network not ready: ${failing.map((c) => `${c.type}=false reason:${c.reason} message:${c.message}`).join(', ')}`,
          };
    } catch (err) {
      this.runtimeReady = { ready: false, reason: 'KubeletNotReady', message: `container runtime is down: ${errorMessage(err)}` };
    }
  }

  /** Writes the CNI config when this Node's podCIDR appears or changes; posts status when Ready changed elsewhere. */
  private observeNode({ node, registration, dirs, statusQueue, signal }: ObservedNode): void {
    const cidr = node.spec?.podCIDR;
    if (cidr && cidr !== this.podCIDR) {
      this.podCIDR = cidr;
      const conflist = renderCniConflist({ podCIDR: cidr, ipamDataDir: dirs.cniData });
      void writeFile(join(dirs.cniConf, cniConflistFileName), conflist, { mode: 0o600 }).then(
        () => {
          this.log(`pod network ${cidr} (gateway ${firstAddressInCIDR(cidr)})`);
          // containerd turns NetworkReady once it loads the conflist: look now, not at the next poll.
          this.readinessPoller?.wake();
        },
        (err: unknown) => this.log(`writing the CNI config: ${String(err)}`),
      );
    }
    if (registration.observe(node) && !signal.aborted) statusQueue.add(this.nodeName);
  }

  /** PLEG in upstream's manner: relists the runtime every second and wakes pods whose containers changed; kills containers of pods no longer here. */
  private async relistLoop({ cri, pods, worker, queue, signal }: RelistInput): Promise<void> {
    const onError = this.onError('relist');
    let previous = new Map<string, string>();
    const killing = new Set<string>();
    while (!signal.aborted) {
      try {
        const [sandboxes, containers] = await Promise.all([cri.listPodSandbox(), cri.listContainers()]);
        const current = new Map<string, string>();
        const add = (uid: string | undefined, part: string) => {
          if (uid) current.set(uid, `${current.get(uid) ?? ''}${part};`);
        };
        for (const s of sandboxes) add(s.labels?.[runtimeLabels.podUID], `${s.id}:${s.state}`);
        for (const c of containers) add(c.labels?.[runtimeLabels.podUID], `${c.id}:${c.state}`);
        for (const [uid, sig] of current) {
          const pod = pods.byIndex('uid', uid)[0];
          if (pod) {
            if (previous.get(uid) !== sig) queue.add(objectKey(pod));
          } else if (!killing.has(uid) && pods.hasSynced()) {
            killing.add(uid);
            void worker
              .killPod(uid, undefined, 2)
              .catch(onError)
              .finally(() => killing.delete(uid));
          }
        }
        previous = current;
      } catch (err) {
        onError(err);
      }
      await this.clock.sleep(1000, signal);
    }
  }

  private async every(ms: number, signal: AbortSignal, fn: () => Promise<void>, onError: (err: unknown) => void): Promise<void> {
    while (!signal.aborted) {
      await this.clock.sleep(ms, signal);
      if (signal.aborted) return;
      try {
        await fn();
      } catch (err) {
        onError(err);
      }
    }
  }
}


async function hostResolvConf(): Promise<ResolvConf> {
  try {
    return parseResolvConf(await readFile('/etc/resolv.conf', 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { servers: [], searches: [], options: [] };
    throw err;
  }
}
