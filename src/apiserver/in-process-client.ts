import type { DeleteOptions } from 'kubernetes-types/meta/v1.js';
import type { StatusError } from '../apimachinery/errors.js';
import { cloneJSON, type KubeObject } from '../apimachinery/object.js';
import type { ResourceOperations } from './operations.js';
import { metricsGroup, type MetricsAPI } from './metrics-api.js';
import type { Client, ListOptions, ObjectList, PatchOptions, PatchType, ResourceRef, WatchEventOf, WatchOptions, WriteOptions } from '../client/client.js';
import type { UserInfo } from './auth.js';
import { nameSelectedBy } from './authorization/attributes.js';
import { forbiddenError } from './authorization/forbidden.js';
import type { RequestAttributes } from './authorization/rules.js';

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

/** What decides an in-process request of a user: the server's authorizer chain (`authorizeAttributes`). */
export interface AttributesAuthorizer {
  authorizeAttributes(user: UserInfo, attributes: RequestAttributes): { allowed: boolean; reason?: string };
}

/** Options of {@link InProcessClient}. */
export interface InProcessClientOptions {
  /** The field manager writes are recorded under (default `skiff`). */
  fieldManager?: string;
  /**
   * The user this client acts as: each call is authorized as that user would be over HTTPS.
   * Default: none, every call is allowed (bootstrap steps that run before RBAC is ready).
   */
  user?: UserInfo;
  /** Decides the calls of {@link user} and of clients made with {@link InProcessClient.as}. Required for either. */
  authorizer?: AttributesAuthorizer;
  /**
   * Runs a write as a request of a user, so admission sees who writes (ApiServer.runAsUser).
   * Default: the write runs without a user (admission trusts it).
   */
  runAsUser?: <T>(user: UserInfo, write: () => Promise<T>) => Promise<T>;
  /** Told about each refused call (e.g. to log it). Default: nothing. */
  onForbidden?: (error: StatusError) => void;
  /** Where metrics.k8s.io reads go (the API server's {@link MetricsAPI}). Default: none, and they are 404. */
  metrics?: Pick<MetricsAPI, 'get' | 'list'>;
}

/**
 * The {@link Client} of components that run inside `skiff server`: it calls the API server's
 * resource operations directly, with the same defaulting, validation, admission and errors
 * as HTTPS clients get, but no sockets, TLS or JSON on the way. Made with a `user` (or with
 * {@link as}) it acts as that user: each call is authorized by the same chain, from the same
 * in-memory indexes, and a refused one fails with the same 403 Status as over HTTPS.
 */
export class InProcessClient implements Client {
  private readonly fieldManager: string;
  private readonly metrics?: Pick<MetricsAPI, 'get' | 'list'>;
  private lastYield = performance.now();

  constructor(
    private readonly ops: ResourceOperations,
    private readonly options: InProcessClientOptions = {},
  ) {
    this.fieldManager = options.fieldManager ?? 'skiff';
    this.metrics = options.metrics;
    if (options.user && !options.authorizer) throw new Error('InProcessClient: a user needs an authorizer');
  }

  /** A client on the same server acting as `user` (authorized by this client's authorizer). */
  as(user: UserInfo, options: Pick<InProcessClientOptions, 'fieldManager'> = {}): InProcessClient {
    return new InProcessClient(this.ops, { ...this.options, ...options, user });
  }

  /** Throws upstream's 403 when this client's user may not do what `attributes` ask. */
  private authorize(verb: string, ref: ResourceRef, namespace: string, name: string, subresource = ''): void {
    const { user, authorizer } = this.options;
    if (!user || !authorizer) return;
    const attributes: RequestAttributes = { isResourceRequest: true, verb, apiGroup: ref.group, namespace, resource: ref.resource, subresource, name, path: '' };
    const decision = authorizer.authorizeAttributes(user, attributes);
    if (decision.allowed) return;
    const error = forbiddenError(user, attributes, decision.reason);
    this.options.onForbidden?.(error);
    throw error;
  }

  /** Runs a write as this client's user, so admission sees it. */
  private asUser<T>(write: () => Promise<T>): Promise<T> {
    const { user, runAsUser } = this.options;
    return user && runAsUser ? runAsUser(user, write) : write();
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
    this.authorize('get', ref, namespace, name);
    if (ref.group === metricsGroup && this.metrics) return (await this.metrics.get(ref.resource, namespace, name)) as T;
    return (await this.ops.get(this.store(ref), namespace, name)) as T;
  }

  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, options: ListOptions = {}): Promise<ObjectList<T>> {
    await this.yieldToEventLoop();
    this.authorize('list', ref, namespace, nameSelectedBy(options.fieldSelector) ?? '');
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
    this.authorize('watch', ref, namespace, nameSelectedBy(options.fieldSelector) ?? '');
    for await (const ev of this.ops.watch(this.store(ref), namespace, options, signal)) {
      // Objects are shared with other watchers: each receiver gets its own copy.
      yield { type: ev.type, object: cloneJSON(ev.object) as T };
    }
  }

  async create<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, options?: WriteOptions): Promise<T> {
    await this.yieldToEventLoop();
    // A subresource create (a pod's binding or eviction) names its parent in the body.
    const sub = options?.subresource ?? '';
    const name = sub ? (obj.metadata?.name ?? '') : '';
    this.authorize('create', ref, namespace, name, sub);
    const r = await this.asUser(() => this.ops.create(this.store(ref), namespace, name, sub, obj, this.write(options)));
    return r.object as T;
  }

  async update<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: T, options?: WriteOptions): Promise<T> {
    await this.yieldToEventLoop();
    const name = obj.metadata?.name ?? '';
    const sub = options?.subresource ?? '';
    this.authorize('update', ref, namespace, name, sub);
    const r = await this.asUser(() => this.ops.update(this.store(ref), namespace, name, sub, obj, this.write(options)));
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
    const sub = options?.subresource ?? '';
    this.authorize('patch', ref, namespace, name, sub);
    const r = await this.asUser(() =>
      this.ops.patch(this.store(ref), namespace, name, sub, body, patchMediaTypes[type], {
        ...this.write(options),
        force: options?.force,
      }),
    );
    return r.object as T;
  }

  async delete(ref: ResourceRef, namespace: string, name: string, options: DeleteOptions & { dryRun?: boolean } = {}): Promise<KubeObject> {
    await this.yieldToEventLoop();
    const { dryRun, ...opts } = options;
    this.authorize('delete', ref, namespace, name);
    return (await this.asUser(() => this.ops.delete(this.store(ref), namespace, name, '', opts, !!dryRun))).object;
  }
}
