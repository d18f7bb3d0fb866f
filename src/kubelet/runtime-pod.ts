/**
 * What the container runtime holds for one pod, read fresh through CRI: its sandboxes and its
 * containers with full status, grouped by the labels the kubelet puts on them (as upstream's
 * kuberuntime GetPodStatus). The runtime is the truth; nothing about containers is cached.
 */
import { isNotFound } from './cri/client.js';
import type { ContainerRuntime } from './cri/runtime.js';
import type { ContainerStatus, PodSandbox } from './cri/types.js';

/** Labels the kubelet sets on sandboxes and containers (upstream's names). */
export const runtimeLabels = {
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  podUID: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
} as const;

/** Annotations the kubelet sets on containers. */
export const runtimeAnnotations = {
  restartCount: 'io.kubernetes.container.restartCount',
  specHash: 'io.kubernetes.container.hash',
  terminationGracePeriod: 'io.kubernetes.pod.terminationGracePeriod',
  terminationMessagePath: 'io.kubernetes.container.terminationMessagePath',
} as const;

/** A container's CRI status and the sandbox it runs in. */
export type RuntimeContainer = ContainerStatus & { podSandboxId: string };

/** One pod's sandboxes and containers in the runtime. */
export interface RuntimePod {
  uid: string;
  /** Newest first. */
  sandboxes: PodSandbox[];
  /** Every container of the pod, newest first, with full status and its sandbox. */
  containers: RuntimeContainer[];
}

/** Reads one pod's runtime state through CRI. */
export async function readRuntimePod(cri: ContainerRuntime, uid: string): Promise<RuntimePod> {
  const selector = { labelSelector: { [runtimeLabels.podUID]: uid } };
  const [sandboxes, listed] = await Promise.all([cri.listPodSandbox(selector), cri.listContainers(selector)]);
  const statuses = await Promise.all(
    listed.map(async (c) => {
      try {
        const status = (await cri.containerStatus(c.id)).status;
        return status ? { ...status, podSandboxId: c.podSandboxId } : undefined;
      } catch (err) {
        // Removed between the list and the status call: it is gone either way.
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }),
  );
  const containers = statuses.filter((s): s is RuntimeContainer => s !== undefined);
  sandboxes.sort((a, b) => b.createdAt - a.createdAt);
  containers.sort((a, b) => b.createdAt - a.createdAt);
  return { uid, sandboxes, containers };
}

/** The container name a runtime container was created for. */
export function containerNameOf(c: { labels?: Record<string, string>; metadata?: { name: string } }): string {
  return c.labels?.[runtimeLabels.containerName] ?? c.metadata?.name ?? '';
}

/** The containers created for `name`, newest first. */
export function attemptsOf(pod: RuntimePod, name: string): RuntimeContainer[] {
  return pod.containers.filter((c) => containerNameOf(c) === name);
}

/** The restart count recorded on a runtime container. */
export function restartCountOf(c: ContainerStatus): number {
  const n = Number(c.annotations?.[runtimeAnnotations.restartCount]);
  return Number.isFinite(n) ? n : (c.metadata?.attempt ?? 0);
}

/** Nanoseconds since the epoch (as CRI reports) to an RFC 3339 time with seconds, as the API shows it. */
export function criTime(ns: number): string | undefined {
  if (!ns) return undefined;
  return new Date(Math.floor(ns / 1e6)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
