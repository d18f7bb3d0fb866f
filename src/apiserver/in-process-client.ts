import type { DeleteOptions } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { ResourceOperations } from './operations.js';
import { metricsGroup, type MetricsAPI } from './metrics-api.js';
import type { Client, ListOptions, ObjectList, PatchOptions, PatchType, ResourceRef, WatchEventOf, WatchOptions, WriteOptions } from '../client/client.js';

const patchMediaTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/**
 * How long in-process calls may run back to back before letting the event loop take a turn.
 * In-process calls never wait on a socket (SQLite answers synchronously), so a busy controller
 * would otherwise run promise after promise while HTTPS requests, TLS handshakes and watch
 * writes wait; a turn every few milliseconds keeps them interleaved without a turn per call.
 */
const maxRunWithoutYieldMs = 4;

/** Options of {@link InProcessClient}. */
export interface InProcessClientOptions {
  /** The field manager writes are recorded under (default `skiff`). */
  fieldManager?: string;
  /** Where metrics.k8s.io reads go (the API server's {@link MetricsAPI}). Default: none, and they are 404. */
  metrics?: Pick<MetricsAPI, 'get' | 'list'>;
}

/**
 * The {@link Client} of components that run inside `skiff server`: it calls the API server's
 * resource operations directly, with the same defaulting, validation, admission and errors
 * as HTTPS clients get, but no sockets, TLS or JSON on the way.
 */
export class InProcessClient implements Client {
  private readonly fieldManager: string;
  private readonly metrics?: Pick<MetricsAPI, 'get' | 'list'>;
  private lastYield = performance.now();

  constructor(
    private readonly ops: ResourceOperations,
    options: InProcessClientOptions = {},
  ) {
    this.fieldManager = options.fieldManager ?? 'skiff';
    this.metrics = options.metrics;
  }

  /** Takes an event loop turn when calls have run for {@link maxRunWithoutYieldMs} without one. */
  private async yieldToEventLoop(): Promise<void> {
    if (performance.now() - this.lastYield < maxRunWithoutYieldMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
  }

  private store(ref: ResourceRef) {
    return this.ops.storeFor(ref.group, ref.version, ref.resource);
  }

  private write(o: WriteOptions | undefined) {
    return {
      dryRun: o?.dryRun,
      fieldManager: o?.fieldManager ?? this.fieldManager,
      explicitManager: true,
      fieldValidation: 'Ignore',
    };
  }

  async get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, name: string): Promise<T> {
    await this.yieldToEventLoop();
    if (ref.group === metricsGroup && this.metrics) return (await this.metrics.get(ref.resource, namespace, name)) as T;
    return (await this.ops.get(this.store(ref), namespace, name)) as T;
  }

  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, options: ListOptions = {}): Promise<ObjectList<T>> {
    await this.yieldToEventLoop();
    if (ref.group === metricsGroup && this.metrics) {
      const list = await this.metrics.list(ref.resource, namespace, options.labelSelector ?? '');
      return { items: list.items as T[], resourceVersion: '' };
    }
    const r = await this.ops.list(this.store(ref), namespace, options);
    return { items: r.items as T[], resourceVersion: r.resourceVersion, continue: r.continueToken };
  }

  async *watch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    namespace: string,
    options: WatchOptions,
    signal: AbortSignal,
  ): AsyncIterable<WatchEventOf<T>> {
    for await (const ev of this.ops.watch(this.store(ref), namespace, options, signal)) {
      // Objects are shared with other watchers: each receiver gets its own copy.
      yield { type: ev.type, object: structuredClone(ev.object) as T };
    }
  }

  async create<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, options?: WriteOptions): Promise<T> {
    await this.yieldToEventLoop();
    // A subresource create (a pod's binding or eviction) names its parent in the body.
    const sub = options?.subresource ?? '';
    const r = await this.ops.create(this.store(ref), namespace, sub ? (obj.metadata?.name ?? '') : '', sub, obj, this.write(options));
    return r.object as T;
  }

  async update<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, options?: WriteOptions): Promise<T> {
    await this.yieldToEventLoop();
    const name = obj.metadata?.name ?? '';
    const r = await this.ops.update(this.store(ref), namespace, name, options?.subresource ?? '', obj, this.write(options));
    return r.object as T;
  }

  async patch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    namespace: string,
    name: string,
    type: PatchType,
    patch: unknown,
    options?: PatchOptions,
  ): Promise<T> {
    await this.yieldToEventLoop();
    const body = Buffer.from(JSON.stringify(patch));
    const r = await this.ops.patch(this.store(ref), namespace, name, options?.subresource ?? '', body, patchMediaTypes[type], {
      ...this.write(options),
      force: options?.force,
    });
    return r.object as T;
  }

  async delete(ref: ResourceRef, namespace: string, name: string, options: DeleteOptions & { dryRun?: boolean } = {}): Promise<KubeObject> {
    await this.yieldToEventLoop();
    const { dryRun, ...opts } = options;
    return (await this.ops.delete(this.store(ref), namespace, name, '', opts, !!dryRun)).object;
  }
}
