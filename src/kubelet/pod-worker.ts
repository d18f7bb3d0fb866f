/**
 * Converges one pod on this node with what the runtime runs, as upstream's kubelet SyncPod
 * does: a sandbox with the pod's network, init containers in order, then the containers, each
 * restarted per restartPolicy with back-off; and the pod's status written back. Termination
 * runs preStop hooks, stops containers within the grace period, removes the sandbox and
 * volumes, and only then deletes the pod object.
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { ConfigMap, Container, ContainerStatus as ApiContainerStatus, Pod, PodCondition, PodStatus, Secret, Service } from 'kubernetes-types/core/v1.js';
import { isStatusError, errorMessage } from '../apimachinery/errors.js';
import { formatTime, type KubeObject } from '../apimachinery/object.js';
import { resources, type Client } from '../client/client.js';
import type { Clock } from '../apimachinery/clock.js';
import type { EventRecorder } from '../client/events.js';
import type { SyncResult } from '../client/work-queue.js';
import { isNotFound } from './cri/client.js';
import type { ContainerRuntime } from './cri/runtime.js';
import type { ContainerStatus, PodSandboxConfig } from './cri/types.js';
import { ImageNotReadyError, type ImageManager } from './image-manager.js';
import { attemptsOf, containerNameOf, criTime, readRuntimePod, restartCountOf, runtimeAnnotations, type RuntimeContainer, type RuntimePod } from './runtime-pod.js';
import { buildSandboxConfig } from './pod/sandbox-config.js';
import { podDnsConfig, type ResolvConf } from '../apimachinery/pod-dns.js';
import { renderEtcHosts } from './pod/hosts.js';
import { ContainerConfigError, resolveContainerEnv } from './pod/env.js';
import { serviceEnvironment } from './pod/service-env.js';
import { buildContainerConfig, containerSpecHash, containerTerminationMessagePolicyAnnotation, podQOSClass } from './pod/container-config.js';
import { readContainerLog } from './logs/cri-log.js';
import { podConditions, podPhase, type ContainerStateInput } from './pod/status.js';
import type { PodVolumes } from './volumes/volumes.js';
import { containerMounts } from './volumes/mounts.js';
import type { ProbeManager } from './prober/probe-worker.js';
import { CrashLoopBackOff, formatBackOffEventMessage, formatBackOffMessage, type BackOffPodRef } from './prober/backoff.js';
import { runLifecycleHandler, type LifecycleTarget } from './prober/lifecycle.js';

type PodObject = Pod & KubeObject;

/** Where the node keeps per-pod files, and what it tells pods about the cluster. */
export interface PodWorkerSettings {
  nodeName: string;
  /** The node's InternalIP: pods' hostIP. */
  nodeIP: string;
  /** `<dataDir>/agent/pods`: volumes, /etc/hosts files, termination messages. */
  podsDir: string;
  /** `<dataDir>/agent/pod-logs`: container logs, one directory per pod. */
  logRoot: string;
  clusterDNS: string[];
  clusterDomain: string;
  /** The host's resolver settings (dnsPolicy Default). */
  hostResolvConf: ResolvConf;
  /** For resourceFieldRef defaults and oom_score_adj. */
  nodeAllocatable: Record<string, string>;
  nodeMemoryCapacityBytes: number;
}

/** What a {@link PodWorker} reads from the API caches. */
export interface PodWorkerSources {
  configMap(ns: string, name: string): ConfigMap | undefined;
  secret(ns: string, name: string): Secret | undefined;
  /**
   * Every Service the node knows (its Service cache), for the pods' Service environment
   * variables. Default: none (a node without an API server's Services sets no such variables).
   */
  services?(): Service[];
}

/** The pieces a {@link PodWorker} drives. */
export interface PodWorkerDeps {
  client: Client;
  cri: ContainerRuntime;
  images: ImageManager;
  volumes: PodVolumes;
  probes: ProbeManager;
  recorder: EventRecorder;
  clock: Clock;
  sources: PodWorkerSources;
  settings: PodWorkerSettings;
}

/** The sandbox a pod's containers start in, and what their configs are built from. */
interface PodSandboxContext {
  id: string;
  /** The config the sandbox was run with (CreateContainer wants it again). */
  config: PodSandboxConfig;
  podIPs: string[];
  /** Host paths of the pod's volumes, by volume name. */
  volumePaths: Map<string, string>;
}

/** One container to (re)start in a sync. */
interface ContainerStart {
  pod: PodObject;
  container: Container;
  kind: 'init' | 'regular';
  sandbox: PodSandboxContext;
}

/** A running container to stop: preStop first, then the stop signal, SIGKILL after the grace period. */
interface ContainerKill {
  pod: PodObject;
  /** Its spec, for the preStop hook; undefined when the pod no longer has it. */
  spec: Container | undefined;
  running: ContainerStatus;
  /** The Killing event's message. */
  message: string;
  graceSeconds: number;
}

/** What a container's API status is built from. */
interface ContainerStatusInput {
  pod: Pod;
  spec: Container;
  runtime: RuntimePod;
  kind: 'init' | 'regular';
  /** Every init container has succeeded (a regular container not created yet waits for PodInitializing otherwise). */
  initDone: boolean;
}

/** A container that cannot start (yet): its waiting reason and message. */
interface Waiting {
  reason: string;
  message: string;
}

/** How often a running pod is synced even when nothing is reported (upstream's 1 min resync, shorter). */
const resyncMs = 10_000;

/** Syncs and terminates pods; one call per pod at a time (the agent's work queue sees to that). */
export class PodWorker {
  private readonly waiting = new Map<string, Waiting>();
  private readonly backOff: CrashLoopBackOff;
  /** Containers whose liveness probe failed, by container ID: killed and restarted at the next sync. */
  private readonly livenessFailed = new Map<string, string>();

  constructor(private readonly deps: PodWorkerDeps) {
    this.backOff = new CrashLoopBackOff({ clock: deps.clock });
  }

  /** Marks a container for restart after a failed liveness probe. */
  livenessFailure(containerID: string, output: string): void {
    this.livenessFailed.set(containerID, output);
  }

  /** Converges a pod bound to this node that is not being deleted. */
  async sync(pod: PodObject): Promise<SyncResult> {
    const uid = pod.metadata?.uid ?? '';
    if (pod.metadata?.deletionTimestamp) return this.terminate(pod);
    const phase = pod.status?.phase;
    let runtime = await readRuntimePod(this.deps.cri, uid);
    if (phase === 'Succeeded' || phase === 'Failed') {
      await this.stopSandboxes(runtime);
      this.deps.probes.removePod(uid);
      return {};
    }
    let requeueAfter = resyncMs;
    const later = (ms: number) => (requeueAfter = Math.min(requeueAfter, Math.max(ms, 100)));
    const ready = runtime.sandboxes.find((s) => s.state === 'SANDBOX_READY');
    let sandboxId = ready?.id;
    let podIPs: string[] = [];
    let sandboxConfig: PodSandboxConfig | undefined;
    const volumePaths = await this.setUpVolumes(pod);
    if (!volumePaths) {
      later(2000);
    } else {
      if (!sandboxId && !this.finishedForGood(pod, runtime)) {
        sandboxId = await this.createSandbox(pod, runtime);
        runtime = await readRuntimePod(this.deps.cri, uid);
      }
      if (sandboxId) {
        sandboxConfig = this.sandboxConfig(pod, runtime.sandboxes.find((s) => s.id === sandboxId)?.metadata?.attempt ?? 0);
        podIPs = await this.podIPs(sandboxId, pod);
        await this.writeEtcHosts(pod, podIPs);
        const result = await this.syncContainers(pod, runtime, { id: sandboxId, config: sandboxConfig, podIPs, volumePaths });
        if (result.requeueAfter !== undefined) later(result.requeueAfter);
        if (result.changed) runtime = await readRuntimePod(this.deps.cri, uid);
      } else {
        later(2000);
      }
    }
    await this.writeStatus(pod, runtime, podIPs);
    this.deps.probes.update({
      pod,
      podIP: podIPs[0] ?? '',
      containers: this.runningContainers(pod, runtime),
    });
    return { requeueAfter };
  }

  /** Whether a pod whose sandbox is gone must not get a new one: restartPolicy Never (or OnFailure) and every container done. */
  private finishedForGood(pod: Pod, runtime: RuntimePod): boolean {
    if (runtime.sandboxes.length === 0) return false;
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (policy === 'Always') return false;
    return (pod.spec?.containers ?? []).every((c) => {
      const last = attemptsOf(runtime, c.name)[0];
      if (!last || last.state !== 'CONTAINER_EXITED') return false;
      return policy === 'Never' || last.exitCode === 0;
    });
  }

  private async setUpVolumes(pod: PodObject): Promise<Map<string, string> | undefined> {
    try {
      const paths = await this.deps.volumes.setUp(pod);
      await this.deps.volumes.refresh(pod);
      return paths;
    } catch (err) {
      const message = errorMessage(err);
      this.deps.recorder.event(pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed: ${message}`);
      return undefined;
    }
  }

  private sandboxConfig(pod: PodObject, attempt: number): PodSandboxConfig {
    const { settings } = this.deps;
    const dnsConfig = podDnsConfig(pod, { clusterDNS: settings.clusterDNS, clusterDomain: settings.clusterDomain, hostResolvConf: settings.hostResolvConf });
    // hostNetwork pods get no hostname: the runtime keeps the node's (upstream leaves it empty too).
    return buildSandboxConfig(pod, { attempt, logRoot: settings.logRoot, dnsConfig, clusterDomain: settings.clusterDomain });
  }

  private async createSandbox(pod: PodObject, runtime: RuntimePod): Promise<string | undefined> {
    const attempt = runtime.sandboxes.length === 0 ? 0 : Math.max(...runtime.sandboxes.map((s) => s.metadata?.attempt ?? 0)) + 1;
    // A new sandbox means new containers: stop what ran in the old ones.
    await this.stopSandboxes(runtime);
    const config = this.sandboxConfig(pod, attempt);
    if (config.logDirectory) await mkdir(config.logDirectory, { recursive: true });
    try {
      const id = await this.deps.cri.runPodSandbox(config);
      if (attempt > 0) this.deps.recorder.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      return id;
    } catch (err) {
      const message = errorMessage(err);
      this.deps.recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${message}`);
      for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
        this.waiting.set(waitKey(pod, c.name), { reason: 'ContainerCreating', message: '' });
      }
      return undefined;
    }
  }

  private async podIPs(sandboxId: string, pod: Pod): Promise<string[]> {
    if (pod.spec?.hostNetwork) return [this.deps.settings.nodeIP];
    const status = (await this.deps.cri.podSandboxStatus(sandboxId)).status;
    const ips = [status?.network?.ip, ...(status?.network?.additionalIps ?? []).map((i) => i.ip)].filter((ip): ip is string => !!ip);
    return ips;
  }

  private podDir(pod: Pod): string {
    return join(this.deps.settings.podsDir, pod.metadata?.uid ?? '');
  }

  private etcHostsPath(pod: Pod): string {
    return join(this.podDir(pod), 'etc-hosts');
  }

  private async writeEtcHosts(pod: Pod, podIPs: string[]): Promise<void> {
    const text = renderEtcHosts(pod, podIPs, { clusterDomain: this.deps.settings.clusterDomain });
    if (text === undefined) return;
    await mkdir(this.podDir(pod), { recursive: true });
    const path = this.etcHostsPath(pod);
    const current = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (current !== text) await writeFile(path, text, { mode: 0o644 });
  }

  /** Init containers in order, then the containers; returns when to look again. */
  private async syncContainers(pod: PodObject, runtime: RuntimePod, sandbox: PodSandboxContext): Promise<{ changed: boolean; requeueAfter?: number }> {
    const policy = pod.spec?.restartPolicy ?? 'Always';
    let changed = false;
    let requeueAfter: number | undefined;
    const inSandbox = (c: RuntimeContainer) => c.podSandboxId === sandbox.id;
    for (const init of pod.spec?.initContainers ?? []) {
      const last = attemptsOf(runtime, init.name).find(inSandbox);
      if (last?.state === 'CONTAINER_EXITED' && last.exitCode === 0) continue;
      if (last?.state === 'CONTAINER_RUNNING' || last?.state === 'CONTAINER_CREATED') return { changed };
      if (last?.state === 'CONTAINER_EXITED' && policy === 'Never') return { changed }; // the pod has failed
      const r = await this.startWithBackOff({ pod, container: init, kind: 'init', sandbox }, runtime, last);
      return { changed: r.started, requeueAfter: r.requeueAfter };
    }
    for (const container of pod.spec?.containers ?? []) {
      const last = attemptsOf(runtime, container.name).find(inSandbox);
      if (last?.state === 'CONTAINER_RUNNING') {
        const why = this.killReason(container, last);
        if (!why) continue;
        await this.killContainer({ pod, spec: container, running: last, message: why, graceSeconds: this.gracePeriodSeconds(pod) });
        changed = true;
        if (policy === 'Never') continue;
        // Restarted below in this sync, through back-off like any exit.
        const fresh = { ...last, state: 'CONTAINER_EXITED' as const, finishedAt: this.deps.clock.now().getTime() * 1e6 };
        const r = await this.startWithBackOff({ pod, container, kind: 'regular', sandbox }, runtime, fresh);
        if (r.requeueAfter !== undefined) requeueAfter = Math.min(requeueAfter ?? Infinity, r.requeueAfter);
        continue;
      }
      if (last?.state === 'CONTAINER_CREATED') {
        // Created but never started (the agent stopped in between): start it now.
        await this.startCreated(pod, container, last.id);
        changed = true;
        continue;
      }
      if (last?.state === 'CONTAINER_EXITED') {
        const restart = policy === 'Always' || (policy === 'OnFailure' && last.exitCode !== 0);
        if (!restart) continue;
      }
      const r = await this.startWithBackOff({ pod, container, kind: 'regular', sandbox }, runtime, last);
      changed ||= r.started;
      if (r.requeueAfter !== undefined) requeueAfter = Math.min(requeueAfter ?? Infinity, r.requeueAfter);
    }
    return { changed, requeueAfter };
  }

  /** Why a running container must be killed now (liveness failure, changed spec), if it must. */
  private killReason(container: Container, running: ContainerStatus): string | undefined {
    const liveness = this.livenessFailed.get(running.id);
    if (liveness !== undefined) {
      this.livenessFailed.delete(running.id);
      return `Container ${container.name} failed liveness probe, will be restarted`;
    }
    const hash = running.annotations?.['io.kubernetes.container.hash'];
    if (hash && hash !== containerSpecHash(container)) {
      return `Container ${container.name} definition changed, will be restarted`;
    }
    return undefined;
  }

  /** Starts `start.container` unless its last exit (`last`) is still backing off. */
  private async startWithBackOff(start: ContainerStart, runtime: RuntimePod, last: ContainerStatus | undefined): Promise<{ started: boolean; requeueAfter?: number }> {
    const { pod, container } = start;
    const key = waitKey(pod, container.name);
    const previous = attemptsOf(runtime, container.name)[0];
    if (last?.state === 'CONTAINER_EXITED') {
      const finishedAt = new Date(Math.floor(last.finishedAt / 1e6));
      const state = this.backOff.inBackOff(key, finishedAt);
      if (state.waiting) {
        const message = formatBackOffMessage(state.delayMs, container.name, podRef(pod));
        this.waiting.set(key, { reason: 'CrashLoopBackOff', message });
        this.deps.recorder.event(pod, 'Warning', 'BackOff', formatBackOffEventMessage(container.name, podRef(pod)));
        return { started: false, requeueAfter: state.remainingMs };
      }
      this.backOff.next(key, finishedAt);
    }
    const restartCount = previous ? restartCountOf(previous) + 1 : 0;
    const started = await this.startContainer(start, restartCount);
    if (!started) {
      const imageWait = this.deps.images.backOffRemainingMs(container.image ?? '');
      return { started: false, requeueAfter: imageWait > 0 ? imageWait : 2000 };
    }
    return { started: true };
  }

  private async startContainer(start: ContainerStart, restartCount: number): Promise<boolean> {
    const { pod, container, kind, sandbox } = start;
    const key = waitKey(pod, container.name);
    const { cri, images, recorder, settings, sources } = this.deps;
    let imageRef: string;
    try {
      imageRef = await images.ensure(pod, container, sandbox.config);
    } catch (err) {
      if (!(err instanceof ImageNotReadyError)) throw err;
      this.waiting.set(key, { reason: err.reason, message: err.message });
      return false;
    }
    let env: { key: string; value: string }[];
    try {
      env = resolveContainerEnv(pod, container, {
        configMap: (ns, name) => sources.configMap(ns, name),
        secret: (ns, name) => sources.secret(ns, name),
        nodeName: settings.nodeName,
        hostIP: settings.nodeIP,
        podIPs: sandbox.podIPs,
        nodeAllocatable: settings.nodeAllocatable,
        serviceEnv: serviceEnvironment(sources.services?.() ?? [], {
          namespace: pod.metadata?.namespace ?? 'default',
          enableServiceLinks: pod.spec?.enableServiceLinks,
        }),
      }).env;
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      this.waiting.set(key, { reason: 'CreateContainerConfigError', message: err.message });
      recorder.event(pod, 'Warning', 'Failed', `Error: ${err.message}`);
      return false;
    }
    const mounts = await containerMounts(pod, container, sandbox.volumePaths, {
      podDir: this.podDir(pod),
      etcHostsPath: pod.spec?.hostNetwork ? undefined : this.etcHostsPath(pod),
      env,
      subPathMounter: this.deps.volumes.mounter,
    });
    const config = buildContainerConfig(pod, container, {
      attempt: restartCount,
      imageRef,
      env,
      mounts,
      restartCount,
      containerType: kind,
      nodeMemoryCapacityBytes: settings.nodeMemoryCapacityBytes,
    });
    let id: string;
    try {
      id = await cri.createContainer(sandbox.id, config, sandbox.config);
    } catch (err) {
      const message = errorMessage(err);
      this.waiting.set(key, { reason: 'CreateContainerError', message });
      recorder.event(pod, 'Warning', 'Failed', `Error: ${message}`);
      return false;
    }
    recorder.event(pod, 'Normal', 'Created', `Created container ${container.name}`);
    return this.startCreated(pod, container, id);
  }

  private async startCreated(pod: PodObject, container: Container, id: string): Promise<boolean> {
    const key = waitKey(pod, container.name);
    const { cri, recorder } = this.deps;
    try {
      await cri.startContainer(id);
    } catch (err) {
      const message = errorMessage(err);
      this.waiting.set(key, { reason: 'RunContainerError', message });
      recorder.event(pod, 'Warning', 'Failed', `Error: ${message}`);
      return false;
    }
    this.waiting.delete(key);
    recorder.event(pod, 'Normal', 'Started', `Started container ${container.name}`);
    const postStart = container.lifecycle?.postStart;
    if (postStart) {
      const result = await runLifecycleHandler(postStart, this.hookTarget(pod, container, id), AbortSignal.timeout(this.gracePeriodSeconds(pod) * 1000 || 30_000));
      if (!result.ok) {
        recorder.event(pod, 'Warning', 'FailedPostStartHook', result.message);
        await this.stopContainer(id, this.gracePeriodSeconds(pod));
      }
    }
    return true;
  }

  private hookTarget(pod: Pod, container: Container, id: string): LifecycleTarget {
    return {
      pod: podRef(pod),
      podIP: pod.status?.podIP ?? '',
      container,
      exec: async (command: string[], timeoutSeconds: number) => {
        const r = await this.deps.cri.execSync(id, command, timeoutSeconds);
        return { exitCode: r.exitCode, output: Buffer.concat([r.stdout, r.stderr]).toString('utf8') };
      },
    };
  }

  private gracePeriodSeconds(pod: Pod): number {
    return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  }

  /** preStop, then stop within what is left of the grace period. */
  private async killContainer({ pod, spec: container, running: c, message, graceSeconds }: ContainerKill): Promise<void> {
    this.deps.recorder.event(pod, 'Normal', 'Killing', message);
    const started = this.deps.clock.now().getTime();
    const preStop = container?.lifecycle?.preStop;
    if (preStop && graceSeconds > 0) {
      const result = await runLifecycleHandler(preStop, this.hookTarget(pod, container, c.id), AbortSignal.timeout(graceSeconds * 1000));
      if (!result.ok) this.deps.recorder.event(pod, 'Warning', 'FailedPreStopHook', result.message);
    }
    const left = Math.max(graceSeconds - Math.floor((this.deps.clock.now().getTime() - started) / 1000), 2);
    await this.stopContainer(c.id, graceSeconds === 0 ? 0 : left);
  }

  private async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.deps.cri.stopContainer(id, timeoutSeconds).catch(ignoreNotFound);
  }

  private async stopSandboxes(runtime: RuntimePod): Promise<void> {
    for (const s of runtime.sandboxes) {
      if (s.state === 'SANDBOX_READY') {
        await this.deps.cri.stopPodSandbox(s.id).catch(ignoreNotFound);
      }
    }
  }

  /**
   * Terminates a pod being deleted: containers stopped within the grace period (preStop
   * first), sandbox and volumes removed, then the pod object deleted for good.
   */
  async terminate(pod: PodObject): Promise<SyncResult> {
    const uid = pod.metadata?.uid ?? '';
    this.deps.probes.removePod(uid);
    await this.killPod(uid, pod, this.gracePeriodSeconds(pod));
    try {
      await this.deps.client.delete(resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', {
        gracePeriodSeconds: 0,
        preconditions: { uid },
      });
    } catch (err) {
      // 409: a precondition failed; look again at whatever the pod is now.
      if (isStatusError(err, 409)) return { requeueAfter: 1000 };
      if (!isStatusError(err, 404)) throw err;
    }
    return {};
  }

  /** Stops and removes everything the runtime holds for `uid`, and its volumes. `pod` may be gone from the API. */
  async killPod(uid: string, pod: PodObject | undefined, graceSeconds: number): Promise<void> {
    const runtime = await readRuntimePod(this.deps.cri, uid);
    await Promise.all(
      runtime.containers
        .filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED')
        .map((c) => {
          const spec = pod?.spec?.containers?.find((x) => x.name === containerNameOf(c)) ?? pod?.spec?.initContainers?.find((x) => x.name === containerNameOf(c));
          return pod ? this.killContainer({ pod, spec, running: c, message: `Stopping container ${containerNameOf(c)}`, graceSeconds }) : this.stopContainer(c.id, graceSeconds);
        }),
    );
    await this.stopSandboxes(runtime);
    for (const c of runtime.containers) {
      await this.deps.cri.removeContainer(c.id).catch(ignoreNotFound);
    }
    for (const s of runtime.sandboxes) {
      await this.deps.cri.removePodSandbox(s.id).catch(ignoreNotFound);
    }
    await this.deps.volumes.tearDown(uid);
    for (const key of [...this.waiting.keys()]) {
      if (key.startsWith(`${uid}/`)) {
        this.waiting.delete(key);
        this.backOff.reset(key);
      }
    }
  }

  /** The running containers, as the probe manager wants them. */
  private runningContainers(pod: Pod, runtime: RuntimePod): { name: string; containerID: string; running: boolean; startedAt: Date }[] {
    return (pod.spec?.containers ?? []).flatMap((c) => {
      const last = attemptsOf(runtime, c.name)[0];
      if (!last) return [];
      return [{ name: c.name, containerID: last.id, running: last.state === 'CONTAINER_RUNNING', startedAt: new Date(Math.floor(last.startedAt / 1e6)) }];
    });
  }

  private async containerStatus({ pod, spec, runtime, kind, initDone }: ContainerStatusInput): Promise<ApiContainerStatus> {
    const uid = pod.metadata?.uid ?? '';
    const attempts = attemptsOf(runtime, spec.name);
    const [last, before] = attempts;
    const waiting = this.waiting.get(waitKey(pod, spec.name));
    const base = { name: spec.name, image: spec.image ?? '', imageID: last?.imageRef ?? '', restartCount: last ? restartCountOf(last) : 0 };
    if (!last) {
      const reason = waiting?.reason ?? (kind === 'regular' && !initDone ? 'PodInitializing' : 'ContainerCreating');
      return { ...base, ready: false, started: false, state: { waiting: { reason, ...(waiting?.message ? { message: waiting.message } : {}) } } };
    }
    const containerID = `containerd://${last.id}`;
    const terminated = async (c: ContainerStatus) => ({
      exitCode: c.exitCode,
      reason: c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(await terminationMessageOf(c)),
      startedAt: criTime(c.startedAt),
      finishedAt: criTime(c.finishedAt),
      containerID: `containerd://${c.id}`,
    });
    const lastState = before?.state === 'CONTAINER_EXITED' ? { terminated: await terminated(before) } : {};
    if (last.state === 'CONTAINER_RUNNING') {
      const started = spec.startupProbe ? this.deps.probes.isStarted(uid, spec.name, last.id) : true;
      const ready = kind === 'init' ? false : started && (spec.readinessProbe ? this.deps.probes.isReady(uid, spec.name, last.id) : true);
      return { ...base, containerID, ready, started, state: { running: { startedAt: criTime(last.startedAt) } }, lastState };
    }
    if (last.state === 'CONTAINER_EXITED') {
      if (waiting && (waiting.reason === 'CrashLoopBackOff' || this.willRestart(pod, kind, last))) {
        return { ...base, containerID, ready: false, started: false, state: { waiting: waiting }, lastState: { terminated: await terminated(last) } };
      }
      return { ...base, containerID, ready: false, started: false, state: { terminated: await terminated(last) }, lastState };
    }
    return { ...base, containerID, ready: false, started: false, state: { waiting: waiting ?? { reason: 'ContainerCreating' } }, lastState };
  }

  private willRestart(pod: Pod, kind: 'init' | 'regular', c: ContainerStatus): boolean {
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (kind === 'init') return c.exitCode !== 0 && policy !== 'Never';
    return policy === 'Always' || (policy === 'OnFailure' && c.exitCode !== 0);
  }

  private async writeStatus(pod: PodObject, runtime: RuntimePod, podIPs: string[]): Promise<void> {
    const inits = pod.spec?.initContainers ?? [];
    const initStatuses: ApiContainerStatus[] = [];
    for (const c of inits) initStatuses.push(await this.containerStatus({ pod, spec: c, runtime, kind: 'init', initDone: false }));
    const initDone = initStatuses.every((s) => s.state?.terminated?.exitCode === 0);
    const statuses: ApiContainerStatus[] = [];
    for (const c of pod.spec?.containers ?? []) statuses.push(await this.containerStatus({ pod, spec: c, runtime, kind: 'regular', initDone }));
    const states = (list: ApiContainerStatus[]): ContainerStateInput[] =>
      list.map((s) => ({
        name: s.name,
        state: s.state?.running ? 'running' : s.state?.terminated ? 'terminated' : 'waiting',
        reason: s.state?.waiting?.reason ?? s.state?.terminated?.reason,
        exitCode: s.state?.terminated?.exitCode ?? s.lastState?.terminated?.exitCode,
        ready: s.ready,
        started: s.started,
        restarting: !!s.state?.waiting && !!s.lastState?.terminated,
      }));
    const now = formatTime(this.deps.clock.now());
    const phase = podPhase(pod, states(initStatuses), states(statuses));
    const conditions = podConditions(pod, states(initStatuses), states(statuses), phase, now);
    const status: PodStatus = {
      phase,
      conditions: mergeConditions(pod.status?.conditions ?? [], conditions),
      hostIP: this.deps.settings.nodeIP,
      hostIPs: [{ ip: this.deps.settings.nodeIP }],
      ...(podIPs.length > 0 ? { podIP: podIPs[0], podIPs: podIPs.map((ip) => ({ ip })) } : pod.status?.podIP ? { podIP: pod.status.podIP, podIPs: pod.status.podIPs } : {}),
      startTime: pod.status?.startTime ?? now,
      ...(inits.length > 0 ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: statuses,
      qosClass: pod.status?.qosClass ?? podQOSClass(pod),
    };
    if (sameStatus(pod.status ?? {}, status)) return;
    try {
      await this.deps.client.patch(resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'merge', { status }, { subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err, 404)) throw err;
    }
  }
}

/** Upstream's caps: the last 4 KiB of the termination message file; the last 80 log lines, at most 2 KiB. */
const maxTerminationMessageBytes = 4096;
const maxTerminationLogLines = 80;
const maxTerminationLogBytes = 2048;

/**
 * An exited container's message as upstream's kubelet builds it: the runtime's message (e.g.
 * why it could not start), then what the container wrote to its terminationMessagePath or,
 * with FallbackToLogsOnError and a failure, the end of its log.
 */
async function terminationMessageOf(c: ContainerStatus): Promise<{ message?: string }> {
  const path = c.annotations?.[runtimeAnnotations.terminationMessagePath];
  const fallbackToLogs = c.annotations?.[containerTerminationMessagePolicyAnnotation] === 'FallbackToLogsOnError' && c.exitCode !== 0 && c.reason !== 'ContainerCannotRun';
  const mount = path ? c.mounts?.find((m) => m.containerPath === path) : undefined;
  let written = mount ? await readTail(mount.hostPath, maxTerminationMessageBytes) : undefined;
  if (!written && fallbackToLogs && c.logPath) written = await lastLogLines(c.logPath);
  const parts = [c.message, written].filter((x): x is string => !!x);
  return parts.length > 0 ? { message: parts.join(': ') } : {};
}

/** The last `max` bytes of a file, or undefined when it does not exist. */
async function readTail(path: string, max: number): Promise<string | undefined> {
  try {
    const data = await readFile(path);
    return data.subarray(Math.max(0, data.length - max)).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `Error on reading termination log ${path}: ${errorMessage(err)}`;
  }
}

/** The end of a container's CRI log, as upstream's readLastStringFromContainerLogs. */
async function lastLogLines(logPath: string): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  try {
    await readContainerLog(logPath, { tailLines: maxTerminationLogLines }, sink);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `Error on reading termination message from logs: ${errorMessage(err)}`;
  }
  const all = Buffer.concat(chunks);
  return all.subarray(Math.max(0, all.length - maxTerminationLogBytes)).toString('utf8') || undefined;
}

/** For `.catch`: what is already gone needs no stopping or removing. */
function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

function podRef(pod: Pod): BackOffPodRef {
  return { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', uid: pod.metadata?.uid ?? '' };
}

function waitKey(pod: Pod, container: string): string {
  return `${pod.metadata?.uid}/${container}`;
}

/** Ours replace theirs by type; conditions others own (DisruptionTarget, readiness gates) stay. */
function mergeConditions(current: PodCondition[], ours: PodCondition[]): PodCondition[] {
  const types = new Set(ours.map((c) => c.type));
  return [...current.filter((c) => !types.has(c.type)), ...ours];
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function sameStatus(current: PodStatus, wanted: PodStatus): boolean {
  for (const [k, v] of Object.entries(wanted)) {
    if (canonical(v) !== canonical((current as Record<string, unknown>)[k])) return false;
  }
  return true;
}
