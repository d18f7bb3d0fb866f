/**
 * The node agent (Skiff's kubelet): registers the Node, runs containerd as a supervised child
 * (or uses a given CRI socket), and turns the pods bound to this node into containers. The
 * same agent runs inside `skiff server` (in-process client) and as `skiff agent` (HTTPS).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigMap, Node, PersistentVolume, PersistentVolumeClaim, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { firstAddressInCIDR } from '../apimachinery/net.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type Client } from '../client/client.js';
import { systemClock, type Clock } from '../apimachinery/clock.js';
import { ApiEventRecorder } from '../client/events.js';
import { Informer, objectKey, splitKey } from '../client/informer.js';
import { runWorkers, WorkQueue } from '../client/work-queue.js';
import { CriClient } from './cri/client.js';
import { containerdPaths, renderContainerdConfig } from './containerd/config.js';
import { cniConflistFileName, renderCniConflist } from './containerd/cni.js';
import { ContainerdSupervisor } from './containerd/supervisor.js';
import { buildPauseImageTar, pauseImageName } from './images/pause.js';
import { importImageTars, importImagesDir } from './images/import.js';
import { ImageManager } from './image-manager.js';
import { defaultNodeIP, readMachineInfo, type MachineInfo } from './machine-info.js';
import { NodeRegistration, type NodeDescription } from './node-registration.js';
import { parseResolvConf } from './pod/dns.js';
import { PodWorker } from './pod-worker.js';
import { PodRoutes } from './network/pod-routes.js';
import { ProbeManager } from './prober/probe-worker.js';
import { runtimeLabels } from './runtime-pod.js';
import { PodVolumes } from './volumes/volumes.js';
import { NodeServer } from './server/node-server.js';
import { CriStreamingBackend } from './streaming-backend.js';
import { loadOrCreateNodeServingCert } from './serving-cert.js';
import { Registry } from '../apimachinery/metrics.js';
import { KubeletMetrics } from './kubelet-metrics.js';

type PodObject = Pod & KubeObject;

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
  /** The port of the node's HTTPS endpoint (logs, exec, port-forward). Default 10250. */
  kubeletPort?: number;
  /** Client certificates signed by this CA may use the node's endpoint (the API server's). */
  trustedClientCAPem: string;
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
  /** The process's metrics (the agent's go there, served at the node's /metrics). Default: a registry of the agent's own. */
  metrics?: Registry;
}

/** Runs a real node until its signal aborts. */
export class NodeAgent {
  readonly nodeName: string;
  readonly nodeIP: string;
  private readonly agentDir: string;
  private readonly clock: Clock;
  private readonly log: (message: string) => void;
  private machine: MachineInfo | undefined;
  private runtimeVersion = 'containerd://unknown';
  private runtimeReady = { ready: false, reason: 'KubeletNotReady', message: 'container runtime is starting' };
  private podCIDR: string | undefined;
  private kubeletPort: number;

  constructor(private readonly options: NodeAgentOptions) {
    this.nodeName = options.nodeName;
    this.nodeIP = options.nodeIP || defaultNodeIP();
    this.agentDir = join(options.dataDir, 'agent');
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? ((m) => console.error(m));
    this.kubeletPort = options.kubeletPort ?? 10250;
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
    const { client } = this.options;
    const paths = containerdPaths(join(this.agentDir, 'containerd'));
    const dirs = {
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

    // The runtime: our own containerd, or the one given.
    let endpoint = this.options.containerRuntimeEndpoint;
    const running: Promise<void>[] = [];
    let containerdAddress: string | undefined;
    if (!endpoint) {
      containerdAddress = paths.address;
      await writeFile(paths.configFile, renderContainerdConfig({ dataDir: dirs.containerd, sandboxImage: pauseImageName }));
      const supervisor = new ContainerdSupervisor({
        dataDir: dirs.containerd,
        configFile: paths.configFile,
        address: paths.address,
        logFile: paths.logFile,
        clock: this.clock,
        onError: (err) => this.log(`containerd: ${err.message}`),
      });
      await supervisor.start(signal);
      running.push(supervisor.stopped());
      endpoint = `unix://${paths.address}`;
    }
    const metrics = new KubeletMetrics({ registry: this.options.metrics ?? new Registry(), clock: this.clock });
    const cri = CriClient.connect(endpoint, { onCall: metrics.observeRuntimeCall });
    const untrackRuntime = metrics.trackRuntime(async () => ({ sandboxes: await cri.listPodSandbox(), containers: await cri.listContainers() }));
    try {
      await cri.waitUntilReady(signal, 60_000);
      const version = await cri.version();
      this.runtimeVersion = `${version.runtimeName}://${version.runtimeVersion}`;
      if (containerdAddress) await this.importImages(containerdAddress, dirs.images, signal);

      // The node's endpoint first, so the registered port answers as soon as the Node exists.
      let podCache: Informer<PodObject> | undefined;
      const tls = await loadOrCreateNodeServingCert(dirs.tls, this.nodeName, [this.nodeIP]);
      const server = new NodeServer({
        tls,
        clientCAPem: this.options.trustedClientCAPem,
        backend: new CriStreamingBackend(cri, (ns, name) => podCache?.get(ns, name)),
        host: this.nodeIP,
        port: this.kubeletPort,
        metrics: metrics.registry,
      });
      const address = await server.start(signal);
      this.kubeletPort = address.port;
      const registration = new NodeRegistration(client, this.nodeName, this.clock, () => this.describe());
      if (!(await registration.registerUntilDone(signal, (err) => this.log(`register: ${String(err)}`)))) return;
      await this.pollRuntimeStatus(cri);

      const onError = (where: string) => (err: unknown) => this.log(`${where}: ${err instanceof Error ? err.message : String(err)}`);
      const pods = new Informer<PodObject>(client, resources.pods, {
        fieldSelector: `spec.nodeName=${this.nodeName}`,
        clock: this.clock,
        onError: onError('pod watch'),
        indexers: { uid: (p) => [p.metadata?.uid ?? ''] },
      });
      podCache = pods;
      const configMaps = new Informer<ConfigMap & KubeObject>(client, resources.configmaps, { clock: this.clock, onError: onError('configmap watch') });
      const secrets = new Informer<Secret & KubeObject>(client, resources.secrets, { clock: this.clock, onError: onError('secret watch') });
      const claims = new Informer<PersistentVolumeClaim & KubeObject>(client, resources.persistentvolumeclaims, { clock: this.clock, onError: onError('pvc watch') });
      const volumesInformer = new Informer<PersistentVolume & KubeObject>(client, resources.persistentvolumes, { clock: this.clock, onError: onError('pv watch') });
      // Every Node: this one's podCIDR and Ready, the others' for the routes to their pods.
      const clusterNodes = new Informer<Node & KubeObject>(client, resources.nodes, { clock: this.clock, onError: onError('nodes watch') });

      const queue = new WorkQueue<string>({ clock: this.clock });
      const statusQueue = new WorkQueue<string>({ clock: this.clock });
      const recorder = new ApiEventRecorder({ client, clock: this.clock, component: 'kubelet', host: this.nodeName, onError: onError('event') });
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
      const volumes = new PodVolumes({
        podsDir: dirs.pods,
        nodeName: this.nodeName,
        sources: {
          configMap: (ns, name) => configMaps.get(ns, name),
          secret: (ns, name) => secrets.get(ns, name),
          persistentVolumeClaim: (ns, name) => claims.get(ns, name),
          persistentVolume: (name) => volumesInformer.get('', name),
          nodeAllocatable: this.machine.capacity,
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
        sources: { configMap: (ns, name) => configMaps.get(ns, name), secret: (ns, name) => secrets.get(ns, name) },
        settings: {
          nodeName: this.nodeName,
          nodeIP: this.nodeIP,
          podsDir: dirs.pods,
          logRoot: dirs.logs,
          clusterDNS: this.options.clusterDNS ?? ['10.43.0.10'],
          clusterDomain: this.options.clusterDomain ?? 'cluster.local',
          hostResolvConf: await hostResolvConf(),
          nodeAllocatable: this.machine.capacity,
          nodeMemoryCapacityBytes: Number.parseInt(this.machine.capacity.memory ?? '0', 10) * 1024,
        },
      });
      const keyOfUID = (uid: string): string | undefined => {
        const pod = pods.byIndex('uid', uid)[0];
        return pod ? objectKey(pod) : undefined;
      };
      probes.onChange((uid) => {
        const key = keyOfUID(uid);
        if (key) queue.add(key);
      });
      probes.onLivenessFailure((uid, _name, containerID, output) => {
        worker.livenessFailure(containerID, output);
        const key = keyOfUID(uid);
        if (key) queue.add(key);
      });
      pods.addEventHandler({
        onAdd: (p) => queue.add(objectKey(p)),
        onUpdate: (_o, p) => queue.add(objectKey(p)),
        onDelete: (p) => queue.add(objectKey(p)),
      });
      pods.addEventHandler({ onAdd: (p) => metrics.podSeen(p), onUpdate: (_o, p) => metrics.podSeen(p), onDelete: (p) => metrics.podGone(p) });
      // A changed ConfigMap or Secret may feed volumes or env of pods in its namespace.
      const touchNamespace = (obj: KubeObject) => {
        for (const p of pods.list(obj.metadata?.namespace)) queue.add(objectKey(p));
      };
      configMaps.addEventHandler({ onAdd: touchNamespace, onUpdate: (_o, n) => touchNamespace(n) });
      secrets.addEventHandler({ onAdd: touchNamespace, onUpdate: (_o, n) => touchNamespace(n) });
      claims.addEventHandler({ onUpdate: (_o, n) => touchNamespace(n) });
      const ownNode = (n: Node) => n.metadata?.name === this.nodeName && this.observeNode(n, registration, dirs, statusQueue, signal);
      clusterNodes.addEventHandler({ onAdd: ownNode, onUpdate: (_o, n) => ownNode(n) });
      const informers = [pods, configMaps, secrets, claims, volumesInformer, clusterNodes];
      running.push(...informers.map((i) => i.start(signal)));
      for (const i of informers) await i.waitForSync(signal);

      this.log(`node ${this.nodeName} (${this.nodeIP}) serving on :${address.port}, runtime ${this.runtimeVersion}`);

      const sync = async (key: string) => {
        const { namespace, name } = splitKey(key);
        const pod = pods.get(namespace, name);
        if (!pod) return {};
        return worker.sync(pod);
      };
      running.push(
        runWorkers(queue, 8, sync, signal, (err, key) => this.log(`pod ${key}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)),
        runWorkers(statusQueue, 1, () => registration.postStatus(), signal, onError('node status')),
        this.every(10_000, signal, () => registration.renewLease(), onError('lease')),
        this.every(10_000, signal, async () => {
          await this.pollRuntimeStatus(cri);
          if (registration.statusDue()) statusQueue.add(this.nodeName);
        }, onError('runtime status')),
        this.relistLoop(cri, pods, worker, queue, signal, onError('relist')),
      );
      if (this.options.podRoutes ?? true) {
        running.push(new PodRoutes({ nodes: clusterNodes, nodeName: this.nodeName, clock: this.clock, log: this.log }).start(signal));
      }
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      await Promise.allSettled(running);
    } finally {
      untrackRuntime();
      cri.close();
    }
  }

  /** Imports the project's pause image and every tar in `<dataDir>/agent/images` (air-gapped installs). */
  private async importImages(address: string, imagesDir: string, signal: AbortSignal): Promise<void> {
    const pauseTar = join(this.agentDir, 'containerd', 'pause.tar');
    await writeFile(pauseTar, await buildPauseImageTar());
    await importImageTars([pauseTar], { address, signal });
    const imported = await importImagesDir(imagesDir, { address, signal });
    if (imported.length > 0) this.log(`imported ${imported.length} images from ${imagesDir}`);
  }

  private async pollRuntimeStatus(cri: CriClient): Promise<void> {
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
      this.runtimeReady = { ready: false, reason: 'KubeletNotReady', message: `container runtime is down: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private observeNode(
    node: Node,
    registration: NodeRegistration,
    dirs: { cniConf: string; cniData: string },
    statusQueue: WorkQueue<string>,
    signal: AbortSignal,
  ): void {
    const cidr = node.spec?.podCIDR;
    if (cidr && cidr !== this.podCIDR) {
      this.podCIDR = cidr;
      const conflist = renderCniConflist({ podCIDR: cidr, ipamDataDir: dirs.cniData });
      void writeFile(join(dirs.cniConf, cniConflistFileName), conflist).then(
        () => this.log(`pod network ${cidr} (gateway ${firstAddressInCIDR(cidr)})`),
        (err: unknown) => this.log(`writing the CNI config: ${String(err)}`),
      );
    }
    if (registration.observe(node) && !signal.aborted) statusQueue.add(this.nodeName);
  }

  /** PLEG in upstream's manner: relists the runtime every second and wakes pods whose containers changed; kills containers of pods no longer here. */
  private async relistLoop(cri: CriClient, pods: Informer<PodObject>, worker: PodWorker, queue: WorkQueue<string>, signal: AbortSignal, onError: (err: unknown) => void): Promise<void> {
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


async function hostResolvConf(): Promise<{ servers: string[]; searches: string[]; options: string[] }> {
  try {
    return parseResolvConf(await readFile('/etc/resolv.conf', 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { servers: [], searches: [], options: [] };
    throw err;
  }
}
