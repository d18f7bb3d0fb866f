/**
 * Periodic probing of containers (pkg/kubelet/prober/{worker.go,prober_manager.go}): a
 * {@link ProbeWorker} per (container, probe kind) applies the thresholds; the
 * {@link ProbeManager} runs the workers of a node's pods and answers ready/started/live.
 */
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../apimachinery/clock.js';
import { runProbe as defaultRunProbe, type ExecResult, type ProbeRunResult, type ProbeTarget, type RunProbeOptions } from './probe.js';
import { errorMessage } from '../../apimachinery/errors.js';

/** Which probe of a container a worker runs. */
export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** A thresholded result change (or a repeated liveness/startup failure) of a worker. */
export interface ProbeWorkerResult {
  success: boolean;
  /** Output of the probe run that completed the threshold. */
  output: string;
  /** Whether the thresholded result differs from the one before. */
  changed: boolean;
}

/** Runs one probe; {@link runProbe} of ./probe.js unless a test substitutes it. */
export type ProbeRunner = (probe: Probe, target: ProbeTarget, signal?: AbortSignal, options?: RunProbeOptions) => Promise<ProbeRunResult>;

/** Options of {@link ProbeWorker}. */
export interface ProbeWorkerOptions {
  kind: ProbeKind;
  probe: Probe;
  target: ProbeTarget;
  clock: Clock;
  /** When the container started: the initial delay counts from here. */
  containerStartedAt: Date;
  /**
   * Called when the thresholded result changes, and for liveness/startup each time failures
   * reach failureThreshold again (the container should then be restarted).
   */
  onResult(result: ProbeWorkerResult): void;
  /** Called after every probe run that was not cancelled (for Unhealthy / ProbeWarning events). */
  onProbe?(result: ProbeRunResult): void;
  /** Probe implementation (default {@link defaultRunProbe}). */
  runProbe?: ProbeRunner;
}

/** Upstream's API defaults for probe timing and thresholds. */
export const probeDefaults = { periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } as const;

/**
 * Probes one container with one probe: waits `initialDelaySeconds` after the container started,
 * then probes every `periodSeconds` (a slow probe delays the next tick, never overlaps it).
 * The thresholded result starts as "not ready" for readiness, "live" for liveness and unknown
 * (undefined) for startup, and flips only after `successThreshold` consecutive successes
 * (forced to 1 for liveness and startup) or `failureThreshold` consecutive failures. 'unknown'
 * probe results (probe errors) are thrown away, as upstream does. A startup worker stops once it
 * succeeded.
 */
export class ProbeWorker {
  readonly kind: ProbeKind;
  private readonly options: ProbeWorkerOptions;
  private readonly controller = new AbortController();
  private readonly periodMs: number;
  private readonly successThreshold: number;
  private readonly failureThreshold: number;
  private thresholded: boolean | undefined;
  private lastRun: boolean | undefined;
  private runLength = 0;
  private running: Promise<void> | undefined;

  constructor(options: ProbeWorkerOptions) {
    this.options = options;
    this.kind = options.kind;
    const probe = options.probe;
    this.periodMs = positive(probe.periodSeconds, probeDefaults.periodSeconds) * 1000;
    this.successThreshold = options.kind === 'readiness' ? positive(probe.successThreshold, probeDefaults.successThreshold) : 1;
    this.failureThreshold = positive(probe.failureThreshold, probeDefaults.failureThreshold);
    this.thresholded = options.kind === 'readiness' ? false : options.kind === 'liveness' ? true : undefined;
  }

  /** The thresholded result: true success, false failure, undefined not known yet (startup only). */
  get result(): boolean | undefined {
    return this.thresholded;
  }

  /** Whether the worker's loop has ended (stopped, or a startup probe that succeeded). */
  get done(): boolean {
    return this.controller.signal.aborted;
  }

  /** Starts probing; the promise resolves when the loop ends. Starting twice returns the same loop. */
  start(signal?: AbortSignal): Promise<void> {
    if (signal) {
      if (signal.aborted) this.controller.abort();
      else signal.addEventListener('abort', () => this.controller.abort(), { once: true });
    }
    this.running ??= this.loop();
    return this.running;
  }

  /** Stops probing; a probe in flight is cancelled and its result dropped. */
  stop(): void {
    this.controller.abort();
  }

  private async loop(): Promise<void> {
    const { clock, containerStartedAt, probe } = this.options;
    const signal = this.controller.signal;
    const initialDelayMs = positive(probe.initialDelaySeconds, 0) * 1000;
    await clock.sleep(containerStartedAt.getTime() + initialDelayMs - clock.now().getTime(), signal);
    let nextTick = clock.now().getTime();
    while (!signal.aborted) {
      await this.probeOnce();
      if (signal.aborted) break;
      nextTick += this.periodMs;
      const now = clock.now().getTime();
      if (nextTick < now) nextTick = now;
      await clock.sleep(nextTick - now, signal);
    }
  }

  private async probeOnce(): Promise<void> {
    const { probe, target, clock, kind } = this.options;
    const signal = this.controller.signal;
    const run = this.options.runProbe ?? defaultRunProbe;
    let outcome: ProbeRunResult;
    try {
      outcome = await run(probe, target, signal, { clock });
    } catch (err) {
      outcome = { result: 'unknown', output: errorMessage(err) };
    }
    if (signal.aborted) return;
    this.options.onProbe?.(outcome);
    if (outcome.result === 'unknown') return;

    const success = outcome.result === 'success';
    if (this.lastRun === success) this.runLength++;
    else {
      this.lastRun = success;
      this.runLength = 1;
    }
    if (this.runLength < (success ? this.successThreshold : this.failureThreshold)) return;

    const changed = this.thresholded !== success;
    this.thresholded = success;
    if (!success && kind !== 'readiness') {
      // The container is due for a restart; count a fresh run of failures before reporting again.
      this.runLength = 0;
    }
    if (kind === 'startup' && success) this.controller.abort();
    if (changed || (!success && kind !== 'readiness')) {
      this.options.onResult({ success, output: outcome.output, changed });
    }
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && value > 0 ? value : fallback;
}

/** One container of a pod as the pod worker last saw it (input of {@link ProbeManager.update}). */
export interface ProbedContainerState {
  name: string;
  /** The runtime's container ID (any stable form, e.g. `containerd://abc`). */
  containerID: string;
  running: boolean;
  startedAt: Date;
}

/** Input of {@link ProbeManager.update}: the pod (spec for the probes) and its containers' state. */
export interface ProbeUpdate {
  pod: Pod;
  containers: ProbedContainerState[];
  /** Pod IP for httpGet/tcpSocket probes; default `pod.status.podIP`. */
  podIP?: string;
}

/** A probe event the pod worker may record on the pod (reason Unhealthy or ProbeWarning, type Warning). */
export interface ProbeEvent {
  podUID: string;
  containerName: string;
  containerID: string;
  kind: ProbeKind;
  reason: 'Unhealthy' | 'ProbeWarning';
  /**
   * e.g. `Readiness probe failed: HTTP probe failed with statuscode: 500`, `Liveness probe warning:
   * Probe terminated redirects, ...`, or for a probe that could not run `Readiness probe errored: <error>`.
   */
  message: string;
}

/** Options of {@link ProbeManager}. */
export interface ProbeManagerOptions {
  clock: Clock;
  /** Runs a command in a container (CRI ExecSync); see {@link ProbeTarget.exec} for timeouts. */
  exec(containerID: string, command: string[], timeoutSeconds: number): Promise<ExecResult>;
  /** Probe implementation (default {@link defaultRunProbe}). */
  runProbe?: ProbeRunner;
}

interface TrackedContainer {
  containerID: string;
  spec: Container;
  running: boolean;
  startedAt: Date;
  startup?: ProbeWorker;
  liveness?: ProbeWorker;
  readiness?: ProbeWorker;
  /** A startup probe (or none) let the container count as started. */
  started: boolean;
  /** Liveness or startup failures reached the threshold and no success came since. */
  unhealthy: boolean;
}

interface TrackedPod {
  podIP: string;
  pod: Pod;
  containers: Map<string, TrackedContainer>;
}

type LivenessFailureListener = (podUID: string, containerName: string, containerID: string, output: string, kind: 'liveness' | 'startup') => void;

const kindTitle: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/**
 * The probe workers of a node's pods. The pod worker calls {@link update} after each sync; the
 * manager starts the startup worker of a running container first and its liveness and
 * readiness workers once it started (at once when it has no startup probe), and stops the
 * workers of containers that exited, restarted (new container ID) or are gone. Listeners hear of
 * liveness/startup failures (restart the container) and of changes of readiness or started
 * (re-sync the pod's status).
 */
export class ProbeManager {
  private readonly options: ProbeManagerOptions;
  private readonly pods = new Map<string, TrackedPod>();
  private readonly livenessListeners: LivenessFailureListener[] = [];
  private readonly changeListeners: Array<(podUID: string) => void> = [];
  private readonly eventListeners: Array<(event: ProbeEvent) => void> = [];

  constructor(options: ProbeManagerOptions) {
    this.options = options;
  }

  /**
   * Brings the pod's workers in line with its containers. Containers whose spec has no probe are
   * tracked too (they are started/ready while running). A pod being deleted keeps only readiness
   * probing (as upstream); a pod in phase Succeeded/Failed is removed.
   */
  update(input: ProbeUpdate): void {
    const uid = input.pod.metadata?.uid ?? '';
    const phase = input.pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.removePod(uid);
      return;
    }
    let tracked = this.pods.get(uid);
    if (!tracked) {
      tracked = { podIP: '', pod: input.pod, containers: new Map() };
      this.pods.set(uid, tracked);
    }
    tracked.pod = input.pod;
    tracked.podIP = input.podIP ?? input.pod.status?.podIP ?? tracked.podIP;
    const terminating = input.pod.metadata?.deletionTimestamp !== undefined;

    const seen = new Set<string>();
    for (const state of input.containers) {
      seen.add(state.name);
      const spec = findContainerSpec(input.pod, state.name);
      let entry = tracked.containers.get(state.name);
      if (entry && entry.containerID !== state.containerID) {
        stopWorkers(entry);
        tracked.containers.delete(state.name);
        entry = undefined;
      }
      if (!spec) continue;
      if (!entry) {
        entry = {
          containerID: state.containerID,
          spec,
          running: state.running,
          startedAt: state.startedAt,
          started: !spec.startupProbe,
          unhealthy: false,
        };
        tracked.containers.set(state.name, entry);
        if (state.running) this.startWorkers(uid, tracked, entry);
      } else if (entry.running && !state.running) {
        entry.running = false;
        stopWorkers(entry);
      } else if (!entry.running && state.running && !entry.startup && !entry.liveness && !entry.readiness) {
        // Reported as created first, now started (same container ID).
        entry.running = true;
        entry.startedAt = state.startedAt;
        this.startWorkers(uid, tracked, entry);
      }
      if (terminating && (entry.startup || entry.liveness || entry.unhealthy)) {
        // Upstream ends liveness/startup probing of a pod being deleted with a quiet success.
        entry.liveness?.stop();
        entry.liveness = undefined;
        entry.unhealthy = false;
        if (entry.startup) {
          entry.startup.stop();
          entry.startup = undefined;
          entry.started = true;
          if (entry.running) this.startWorkers(uid, tracked, entry);
        }
      }
    }
    for (const [name, entry] of tracked.containers) {
      if (!seen.has(name)) {
        stopWorkers(entry);
        tracked.containers.delete(name);
      }
    }
  }

  /** Stops and forgets the pod's workers. */
  removePod(podUID: string): void {
    const tracked = this.pods.get(podUID);
    if (!tracked) return;
    for (const entry of tracked.containers.values()) stopWorkers(entry);
    this.pods.delete(podUID);
  }

  /** Stops every worker. */
  stop(): void {
    for (const uid of [...this.pods.keys()]) this.removePod(uid);
  }

  /**
   * Whether the container counts as started: running, and its startup probe (if any) succeeded.
   * False for containers {@link update} has not reported with this ID.
   */
  isStarted(podUID: string, containerName: string, containerID: string): boolean {
    const entry = this.entry(podUID, containerName, containerID);
    return entry !== undefined && entry.running && entry.started;
  }

  /** Whether the container is ready: started, and its readiness probe (if any) has succeeded. */
  isReady(podUID: string, containerName: string, containerID: string): boolean {
    const entry = this.entry(podUID, containerName, containerID);
    if (!entry || !entry.running || !entry.started) return false;
    if (!entry.spec.readinessProbe) return true;
    return entry.readiness?.result === true;
  }

  /** False once the container's liveness or startup failures reached the threshold (it needs a restart). */
  isLive(podUID: string, containerName: string, containerID: string): boolean {
    const entry = this.entry(podUID, containerName, containerID);
    return entry === undefined || !entry.unhealthy;
  }

  /**
   * Registers a listener for liveness (and startup) failures reaching the threshold: the pod
   * worker kills the container (`Container <name> failed liveness probe, will be restarted`).
   */
  onLivenessFailure(listener: LivenessFailureListener): void {
    this.livenessListeners.push(listener);
  }

  /** Registers a listener for changes that alter the pod's status (ready, started, unhealthy). */
  onChange(listener: (podUID: string) => void): void {
    this.changeListeners.push(listener);
  }

  /** Registers a listener for per-run probe events (failed probes, redirect warnings). */
  onProbeEvent(listener: (event: ProbeEvent) => void): void {
    this.eventListeners.push(listener);
  }

  /** Number of live workers of a pod (for tests and debugging). */
  workerCount(podUID: string): number {
    let count = 0;
    for (const entry of this.pods.get(podUID)?.containers.values() ?? []) {
      for (const worker of [entry.startup, entry.liveness, entry.readiness]) if (worker && !worker.done) count++;
    }
    return count;
  }

  private entry(podUID: string, containerName: string, containerID: string): TrackedContainer | undefined {
    const entry = this.pods.get(podUID)?.containers.get(containerName);
    return entry && entry.containerID === containerID ? entry : undefined;
  }

  private startWorkers(uid: string, tracked: TrackedPod, entry: TrackedContainer): void {
    const spec = entry.spec;
    const terminating = tracked.pod.metadata?.deletionTimestamp !== undefined;
    if (spec.startupProbe && !entry.started) {
      if (!terminating) {
        entry.startup ??= this.newWorker(uid, tracked, entry, 'startup', spec.startupProbe);
        return;
      }
      entry.started = true;
    }
    if (spec.livenessProbe && !terminating) {
      entry.liveness ??= this.newWorker(uid, tracked, entry, 'liveness', spec.livenessProbe);
    }
    if (spec.readinessProbe) entry.readiness ??= this.newWorker(uid, tracked, entry, 'readiness', spec.readinessProbe);
  }

  private newWorker(uid: string, tracked: TrackedPod, entry: TrackedContainer, kind: ProbeKind, probe: Probe): ProbeWorker {
    const exec = this.options.exec;
    const target: ProbeTarget = {
      get podIP(): string {
        return tracked.podIP;
      },
      container: entry.spec,
      exec: (command, timeoutSeconds) => exec(entry.containerID, command, timeoutSeconds),
    };
    const isCurrent = (): boolean => this.pods.get(uid)?.containers.get(entry.spec.name) === entry;
    const worker = new ProbeWorker({
      kind,
      probe,
      target,
      clock: this.options.clock,
      containerStartedAt: entry.startedAt,
      runProbe: this.options.runProbe,
      onProbe: (result) => {
        if (!isCurrent()) return;
        const verb = result.result === 'failure' ? 'failed' : result.result === 'unknown' ? 'errored' : result.warning ? 'warning' : undefined;
        if (verb === undefined) return;
        this.emitEvent({
          podUID: uid,
          containerName: entry.spec.name,
          containerID: entry.containerID,
          kind,
          reason: verb === 'warning' ? 'ProbeWarning' : 'Unhealthy',
          message: `${kindTitle[kind]} probe ${verb}: ${result.output}`,
        });
      },
      onResult: (result) => {
        if (!isCurrent()) return;
        this.handleResult(uid, tracked, entry, kind, result);
      },
    });
    void worker.start();
    return worker;
  }

  private handleResult(uid: string, tracked: TrackedPod, entry: TrackedContainer, kind: ProbeKind, result: ProbeWorkerResult): void {
    if (kind === 'startup' && result.success) {
      entry.started = true;
      entry.startup = undefined;
      if (entry.running) this.startWorkers(uid, tracked, entry);
    }
    if (kind !== 'readiness') {
      const wasUnhealthy = entry.unhealthy;
      entry.unhealthy = !result.success;
      if (!result.success) {
        for (const listener of this.livenessListeners) listener(uid, entry.spec.name, entry.containerID, result.output, kind);
      }
      const startedNow = kind === 'startup' && result.success;
      if (!startedNow && wasUnhealthy === entry.unhealthy) return;
    }
    for (const listener of this.changeListeners) listener(uid);
  }

  private emitEvent(event: ProbeEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }
}

function stopWorkers(entry: TrackedContainer): void {
  entry.startup?.stop();
  entry.liveness?.stop();
  entry.readiness?.stop();
}

/** The spec of a container of the pod (sidecar init containers included: they may have probes). */
function findContainerSpec(pod: Pod, name: string): Container | undefined {
  return pod.spec?.containers.find((c) => c.name === name) ?? pod.spec?.initContainers?.find((c) => c.name === name);
}
