/**
 * Pod phase and kubelet-owned conditions from container states, as upstream's kubelet getPhase
 * and status.Generate*Condition compute them.
 */
import type { Container, Pod, PodCondition } from 'kubernetes-types/core/v1.js';

/** What the pod worker knows about one container (init or regular). */
export interface ContainerStateInput {
  name: string;
  state: 'waiting' | 'running' | 'terminated';
  /** Reason of the current state (e.g. ContainerCreating, CrashLoopBackOff, Completed, Error). */
  reason?: string;
  /** Exit code when terminated; for a container waiting to restart, the exit code of its last run. */
  exitCode?: number;
  ready: boolean;
  /** Whether the startup probe (if any) passed and the container runs. */
  started?: boolean;
  /** Waiting after having terminated at least once (upstream: lastState.terminated is set). Default false. */
  restarting?: boolean;
}

/** A pod's phase. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** Options of podPhase. */
export interface PodPhaseOptions {
  /** The pod is being terminated: its containers will not restart, whatever the restart policy. Default false. */
  podIsTerminal?: boolean;
  /** The pod is a static pod (never given a terminal phase by termination). Default false. */
  staticPod?: boolean;
}

function isRestartableInitContainer(container: Container): boolean {
  return container.restartPolicy === 'Always';
}

function stateOf(states: readonly ContainerStateInput[], name: string): ContainerStateInput | undefined {
  return states.find((s) => s.name === name);
}

/** Whether a regular container has run (upstream's HasAnyRegularContainerStarted). */
function hasAnyRegularContainerStarted(pod: Pod, states: readonly ContainerStateInput[]): boolean {
  const regular = new Set((pod.spec?.containers ?? []).map((c) => c.name));
  return states.some((s) => regular.has(s.name) && (s.state === 'running' || s.state === 'terminated'));
}

/**
 * The pod's phase by upstream's getPhase: Failed when an init container failed and restartPolicy
 * is Never; Pending while initialising or while a container waits for its first start; Running
 * when all containers started and one runs; when all stopped, Succeeded if all exited 0, else
 * Failed (Never) or Running (OnFailure restarts; Always restarts regardless of exit codes).
 */
export function podPhase(
  pod: Pod,
  initStates: readonly ContainerStateInput[],
  regularStates: readonly ContainerStateInput[],
  options: PodPhaseOptions = {},
): PodPhase {
  const states = [...initStates, ...regularStates];
  const spec = pod.spec;
  const restartPolicy = spec?.restartPolicy ?? 'Always';
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const container of spec?.initContainers ?? []) {
    if (isRestartableInitContainer(container)) continue;
    const status = stateOf(states, container.name);
    if (!status) {
      pendingInitialization++;
      continue;
    }
    if (status.state === 'running') pendingInitialization++;
    else if (status.state === 'terminated') {
      if ((status.exitCode ?? 0) !== 0) failedInitialization++;
    } else if (status.restarting) {
      if ((status.exitCode ?? 0) !== 0) failedInitialization++;
    } else pendingInitialization++;
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const container of spec?.initContainers ?? []) {
    if (!isRestartableInitContainer(container)) continue;
    const status = stateOf(states, container.name);
    if (!status) {
      unknown++;
      continue;
    }
    if (status.state === 'running') {
      if (status.started !== true) pendingInitialization++;
      running++;
    } else if (status.state === 'waiting' && !status.restarting) {
      pendingInitialization++;
      waiting++;
    }
  }
  for (const container of spec?.containers ?? []) {
    const status = stateOf(states, container.name);
    if (!status) {
      unknown++;
      continue;
    }
    if (status.state === 'running') running++;
    else if (status.state === 'terminated') {
      stopped++;
      if ((status.exitCode ?? 0) === 0) succeeded++;
    } else if (status.restarting) stopped++;
    else waiting++;
  }

  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';
  if ((pendingInitialization > 0 && !hasAnyRegularContainerStarted(pod, states)) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (options.podIsTerminal && !options.staticPod) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** Condition types the kubelet owns (it recomputes them; others are kept). */
const kubeletConditionTypes = new Set(['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers']);

type GeneratedCondition = Omit<PodCondition, 'lastTransitionTime'>;

function listText(names: readonly string[]): string {
  return `[${names.join(' ')}]`;
}

function containersReadyCondition(pod: Pod, states: readonly ContainerStateInput[], phase: PodPhase): GeneratedCondition {
  const unknown: string[] = [];
  const unready: string[] = [];
  const containers = [...(pod.spec?.initContainers ?? []).filter(isRestartableInitContainer), ...(pod.spec?.containers ?? [])];
  for (const container of containers) {
    const status = stateOf(states, container.name);
    if (!status) unknown.push(container.name);
    else if (!status.ready) unready.push(container.name);
  }
  if ((phase === 'Succeeded' && unknown.length === 0) || phase === 'Failed') {
    return { type: 'ContainersReady', status: 'False', reason: phase === 'Failed' ? 'PodFailed' : 'PodCompleted' };
  }
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${listText(unknown)}`);
  if (unready.length > 0) messages.push(`containers with unready status: ${listText(unready)}`);
  if (messages.length > 0) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: messages.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

function readyCondition(pod: Pod, containersReady: GeneratedCondition, otherConditions: readonly PodCondition[]): GeneratedCondition {
  if (containersReady.status !== 'True') {
    const ready: GeneratedCondition = { type: 'Ready', status: containersReady.status };
    if (containersReady.reason !== undefined) ready.reason = containersReady.reason;
    if (containersReady.message !== undefined) ready.message = containersReady.message;
    return ready;
  }
  const messages: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const condition = otherConditions.find((c) => c.type === gate.conditionType);
    if (!condition) messages.push(`corresponding condition of pod readiness gate ${JSON.stringify(gate.conditionType)} does not exist.`);
    else if (condition.status !== 'True') {
      messages.push(`the status of pod readiness gate ${JSON.stringify(gate.conditionType)} is not "True", but ${condition.status}`);
    }
  }
  if (messages.length > 0) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: messages.join(', ') };
  return { type: 'Ready', status: 'True' };
}

function initializedCondition(pod: Pod, states: readonly ContainerStateInput[], phase: PodPhase): GeneratedCondition {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const container of pod.spec?.initContainers ?? []) {
    const status = stateOf(states, container.name);
    if (!status) {
      unknown.push(container.name);
      continue;
    }
    const initialized = isRestartableInitContainer(container) ? status.started === true : status.ready;
    if (!initialized) incomplete.push(container.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  if (hasAnyRegularContainerStarted(pod, states)) return { type: 'Initialized', status: 'True' };
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${listText(unknown)}`);
  if (incomplete.length > 0) messages.push(`containers with incomplete status: ${listText(incomplete)}`);
  if (messages.length > 0) return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: messages.join(', ') };
  return { type: 'Initialized', status: 'True' };
}

/** Options of podConditions. */
export interface PodConditionsOptions {
  /** The conditions last reported; default pod.status.conditions. */
  previous?: readonly PodCondition[];
  /** Whether the pod has a ready sandbox with networking: adds PodReadyToStartContainers when given. */
  sandboxReady?: boolean;
}

/**
 * The pod's conditions: those the kubelet does not own kept as they are, then
 * PodReadyToStartContainers (when options.sandboxReady is given), Initialized, Ready,
 * ContainersReady and PodScheduled (kept as it is, True when absent). Reasons and messages are
 * upstream's (ContainersNotReady "containers with unready status: [a b]",
 * ContainersNotInitialized, PodCompleted, PodFailed, ReadinessGatesNotReady). A condition keeps
 * its lastTransitionTime while its status does not change; a changed one gets `now` (RFC 3339).
 */
export function podConditions(
  pod: Pod,
  initStates: readonly ContainerStateInput[],
  regularStates: readonly ContainerStateInput[],
  phase: PodPhase,
  now: string,
  options: PodConditionsOptions = {},
): PodCondition[] {
  const states = [...initStates, ...regularStates];
  const previous = options.previous ?? pod.status?.conditions ?? [];
  const kept = previous.filter((c) => !kubeletConditionTypes.has(c.type));
  const stamp = (condition: GeneratedCondition): PodCondition => {
    const old = previous.find((c) => c.type === condition.type);
    const lastTransitionTime = old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : now;
    return { ...condition, lastTransitionTime };
  };
  const result: PodCondition[] = [...kept];
  if (options.sandboxReady !== undefined) {
    result.push(stamp({ type: 'PodReadyToStartContainers', status: options.sandboxReady ? 'True' : 'False' }));
  }
  const containersReady = containersReadyCondition(pod, states, phase);
  result.push(stamp(initializedCondition(pod, states, phase)));
  result.push(stamp(readyCondition(pod, containersReady, kept)));
  result.push(stamp(containersReady));
  const scheduled = previous.find((c) => c.type === 'PodScheduled');
  result.push(scheduled ?? { type: 'PodScheduled', status: 'True', lastTransitionTime: now });
  return result;
}
