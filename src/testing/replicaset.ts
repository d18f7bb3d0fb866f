/**
 * Test fixtures for the workload controllers: a controller context over a MemoryClient and a
 * FakeClock, a client wrapper that can hold back pod watch events (a slow watch), and a
 * kubelet stand-in that marks pods Ready.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { DeleteOptions } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import {
  resources,
  type Client,
  type ListOptions,
  type ObjectList,
  type PatchOptions,
  type PatchType,
  type ResourceRef,
  type WatchEventOf,
  type WatchOptions,
  type WriteOptions,
} from '../client/client.js';
import { FakeClock, settle } from '../apimachinery/clock.js';
import { MemoryEventRecorder } from '../client/events.js';
import { InformerFactory } from '../client/informer.js';
import { MemoryClient } from './memory-client.js';
import type { ControllerContext } from '../client/controller.js';
import { RegistryDiscovery } from '../apiserver/served-resources.js';

/**
 * A Client delegating to another one, which can hold back pod watch events while `podWatchHeld`
 * is true (released in order when it is set false and {@link release} called) and run a hook
 * before each pod create.
 */
export class GatedClient implements Client {
  /** While true, pod watch events are buffered. */
  podWatchHeld = false;
  /** Called before each pod create with its 1-based ordinal; throw to fail it. */
  beforePodCreate: ((ordinal: number) => void) | undefined;
  private podCreates = 0;
  private readonly waiters = new Set<() => void>();

  constructor(readonly inner: Client) {}

  /** Lets held pod watch events flow (after `podWatchHeld = false`). */
  release(): void {
    for (const wake of [...this.waiters]) wake();
  }

  get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, name: string): Promise<T> {
    return this.inner.get<T>(ref, namespace, name);
  }

  list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, options?: ListOptions): Promise<ObjectList<T>> {
    return this.inner.list<T>(ref, namespace, options);
  }

  watch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, options: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEventOf<T>> {
    const events = this.inner.watch<T>(ref, namespace, options, signal);
    if (ref.resource !== 'pods') return events;
    return this.gated(events, signal);
  }

  private async *gated<T extends KubeObject>(events: AsyncIterable<WatchEventOf<T>>, signal: AbortSignal): AsyncGenerator<WatchEventOf<T>> {
    for await (const event of events) {
      while (this.podWatchHeld && !signal.aborted) {
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            this.waiters.delete(wake);
            resolve();
          };
          this.waiters.add(wake);
          signal.addEventListener('abort', wake, { once: true });
        });
      }
      yield event;
    }
  }

  create<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, options?: WriteOptions): Promise<T> {
    if (ref.resource === 'pods' && !options?.subresource) {
      this.podCreates += 1;
      try {
        this.beforePodCreate?.(this.podCreates);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.inner.create<T>(ref, namespace, obj, options);
  }

  update<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, options?: WriteOptions): Promise<T> {
    return this.inner.update<T>(ref, namespace, obj, options);
  }

  patch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, name: string, type: PatchType, patch: unknown, options?: PatchOptions): Promise<T> {
    return this.inner.patch<T>(ref, namespace, name, type, patch, options);
  }

  delete(ref: ResourceRef, namespace: string, name: string, options?: DeleteOptions & { dryRun?: boolean }): Promise<KubeObject> {
    return this.inner.delete(ref, namespace, name, options);
  }
}

/** What {@link newHarness} builds. */
export interface Harness {
  clock: FakeClock;
  memory: MemoryClient;
  client: GatedClient;
  informers: InformerFactory;
  ctx: ControllerContext;
  /** Events by component. */
  events: (component: string) => MemoryEventRecorder['events'];
  /** Errors reported through ctx.onError. */
  errors: { err: unknown; where: string }[];
}

/** A controller context over a fresh MemoryClient and FakeClock. */
export function newHarness(): Harness {
  const clock = new FakeClock();
  const memory = new MemoryClient({ clock });
  const client = new GatedClient(memory);
  const informers = new InformerFactory(client, { clock });
  const recorders = new Map<string, MemoryEventRecorder>();
  const recorderFor = (component: string): MemoryEventRecorder => {
    let recorder = recorders.get(component);
    if (!recorder) {
      recorder = new MemoryEventRecorder();
      recorders.set(component, recorder);
    }
    return recorder;
  };
  const errors: Harness['errors'] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    clock,
    recorder: recorderFor,
    onError: (err, where) => errors.push({ err, where }),
    discovery: new RegistryDiscovery(),
    settings: { clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', clusterDomain: 'cluster.local', clusterDNS: '10.96.0.10', dataDir: '/tmp' },
  };
  return { clock, memory, client, informers, ctx, events: (component) => recorderFor(component).events, errors };
}

/** Lists pods as the API holds them. */
export async function listPods(client: Client, namespace = 'default'): Promise<Pod[]> {
  return (await client.list<Pod & KubeObject>(resources.pods, namespace)).items;
}

/** Marks a pod Running and Ready (now), as a kubelet would. */
export async function markReady(client: Client, clock: FakeClock, pod: Pod): Promise<void> {
  const now = clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.patch(
    resources.pods,
    pod.metadata?.namespace ?? 'default',
    pod.metadata?.name ?? '',
    'merge',
    { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } },
    { subresource: 'status' },
  );
}

/** Whether the pod is Ready and not being deleted. */
export function readyAndLive(pod: Pod): boolean {
  return !pod.metadata?.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Lets pending promise continuations run for a few macrotasks. */
export async function settleFor(rounds = 5): Promise<void> {
  await settle(rounds);
}
