/**
 * The pod statuses a simulated kubelet reports, shaped as a real kubelet's (containerd)
 * reports are: Running and ready with every container started, or Succeeded with every
 * container terminated with exit code 0.
 */
import { createHash } from 'node:crypto';
import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../../apimachinery/object.js';

/** The annotation making a Never/OnFailure pod succeed after this many seconds (e.g. `"2.5"`); without it pods run until deleted. */
export const simulatedDurationAnnotation = 'skiff.dev/simulated-duration';

/** The containerID of a simulated container: `simulated://<pod uid>-<container name>`. */
export function simulatedContainerID(pod: Pod, container: Container): string {
  return `simulated://${pod.metadata?.uid ?? ''}-${container.name}`;
}

/** A content-addressed image ID as a runtime reports it: `docker.io/library/nginx@sha256:<hex>` (the digest is made up). */
export function simulatedImageID(image: string): string {
  let repository = image.split('@')[0] ?? image;
  const slash = repository.lastIndexOf('/');
  const colon = repository.lastIndexOf(':');
  if (colon > slash) repository = repository.slice(0, colon);
  const parts = repository.split('/');
  const first = parts[0] ?? '';
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) repository = parts.length === 1 ? `docker.io/library/${repository}` : `docker.io/${repository}`;
  return `${repository}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

/** Seconds a pod is to run before succeeding, or undefined when it runs until deleted (restartPolicy Always, or no valid annotation). */
export function simulatedDurationSeconds(pod: Pod): number | undefined {
  const restartPolicy = pod.spec?.restartPolicy ?? 'Always';
  if (restartPolicy === 'Always') return undefined;
  const text = pod.metadata?.annotations?.[simulatedDurationAnnotation];
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text.trim())) return undefined;
  return Number(text);
}

function condition(type: string, status: 'True' | 'False', at: string, reason?: string): PodCondition {
  return { type, status, lastTransitionTime: at, ...(reason ? { reason } : {}) };
}

function isSidecar(container: Container): boolean {
  return container.restartPolicy === 'Always';
}

/** Where a simulated pod runs. */
export interface PodPlacement {
  hostIP: string;
  podIP: string;
  now: Date;
}

/** The status of a pod whose containers all run and are ready (init containers completed, sidecars running). */
export function runningPodStatus(pod: Pod, placement: PodPlacement): PodStatus {
  const at = formatTime(placement.now);
  const startTime = pod.status?.startTime ?? at;
  const running = (container: Container): ContainerStatus => ({
    name: container.name,
    image: container.image ?? '',
    imageID: simulatedImageID(container.image ?? ''),
    containerID: simulatedContainerID(pod, container),
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: at } },
    lastState: {},
  });
  const initContainerStatuses = (pod.spec?.initContainers ?? []).map((container): ContainerStatus => {
    if (isSidecar(container)) return running(container);
    return {
      name: container.name,
      image: container.image ?? '',
      imageID: simulatedImageID(container.image ?? ''),
      containerID: simulatedContainerID(pod, container),
      ready: true,
      started: false,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at, containerID: simulatedContainerID(pod, container) } },
      lastState: {},
    };
  });
  return {
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers', 'True', at),
      condition('Initialized', 'True', at),
      condition('Ready', 'True', at),
      condition('ContainersReady', 'True', at),
      condition('PodScheduled', 'True', at),
    ],
    hostIP: placement.hostIP,
    hostIPs: [{ ip: placement.hostIP }],
    podIP: placement.podIP,
    podIPs: [{ ip: placement.podIP }],
    startTime,
    ...(initContainerStatuses.length > 0 ? { initContainerStatuses } : {}),
    containerStatuses: (pod.spec?.containers ?? []).map(running),
  };
}

/** The status of a pod whose containers all exited 0 (phase Succeeded, reason Completed). */
export function succeededPodStatus(pod: Pod, now: Date): PodStatus {
  const at = formatTime(now);
  const status = pod.status ?? {};
  const previous = new Map((status.containerStatuses ?? []).map((s) => [s.name, s]));
  const terminated = (container: Container): ContainerStatus => {
    const startedAt = previous.get(container.name)?.state?.running?.startedAt ?? status.startTime ?? at;
    const containerID = simulatedContainerID(pod, container);
    return {
      name: container.name,
      image: container.image ?? '',
      imageID: simulatedImageID(container.image ?? ''),
      containerID,
      ready: false,
      started: false,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: at, containerID } },
      lastState: {},
    };
  };
  const keep = (type: string): PodCondition =>
    (status.conditions ?? []).find((c) => c.type === type) ?? condition(type, 'True', at);
  return {
    ...status,
    phase: 'Succeeded',
    conditions: [
      condition('PodReadyToStartContainers', 'False', at),
      keep('Initialized'),
      condition('Ready', 'False', at, 'PodCompleted'),
      condition('ContainersReady', 'False', at, 'PodCompleted'),
      keep('PodScheduled'),
    ],
    ...((pod.spec?.initContainers ?? []).length > 0 ? { initContainerStatuses: (pod.spec?.initContainers ?? []).map(terminated) } : {}),
    containerStatuses: (pod.spec?.containers ?? []).map(terminated),
  };
}
