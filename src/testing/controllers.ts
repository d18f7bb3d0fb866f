/**
 * Test support shared by the controller, kubelet and scheduler tests: a controller context over
 * an in-memory or in-process API with a fake clock, and running controllers under one abort
 * signal (condition waits are in wait.ts).
 */
import { bootstrapCluster } from '../apiserver/bootstrap.js';
import { ApiServer } from '../apiserver/server.js';
import type { Client } from '../client/client.js';
import { FakeClock } from '../apimachinery/clock.js';
import { MemoryEventRecorder } from '../client/events.js';
import { InformerFactory } from '../client/informer.js';
import { InProcessClient } from '../apiserver/in-process-client.js';
import { MemoryClient } from './memory-client.js';
import { SqliteStore } from '../storage/sqlite.js';
import { runController, type ClusterSettings, type Controller, type ControllerContext } from '../client/controller.js';
import { isStatusError } from '../apimachinery/errors.js';
import { RegistryDiscovery } from '../apiserver/served-resources.js';

/** Options of {@link testContext}. */
export interface TestContextOptions<C extends Client> {
  /** The API the context talks to. Default: a new {@link MemoryClient} on `clock`. */
  client?: C;
  /** The context's clock. Default: a new {@link FakeClock} at its default start. */
  clock?: FakeClock;
  /** Overrides of the default settings (cluster CIDR 10.42.0.0/16, dataDir `/tmp/skiff-test`). */
  settings?: Partial<ClusterSettings>;
  /** Called by {@link TestContext.stop} after everything stopped (e.g. closing a store). Default: nothing. */
  close?: () => Promise<void>;
}

/** A controller context with its parts exposed, and the running tasks it started. */
export interface TestContext<C extends Client = MemoryClient> {
  ctx: ControllerContext;
  client: C;
  clock: FakeClock;
  informers: InformerFactory;
  /** The one recorder every `ctx.recorder(...)` call returns. */
  recorder: MemoryEventRecorder;
  /** Errors reported through `ctx.onError` and by the informers, but write conflicts. */
  errors: unknown[];
  /** Write conflicts (409) reported through `ctx.onError`: the normal race of level-triggered writers, retried by the queue. */
  conflicts: unknown[];
  /** Aborted by {@link TestContext.stop}. */
  signal: AbortSignal;
  /** Starts the informers created so far (again after new ones were made). */
  startInformers(): void;
  /** Runs a controller (with {@link runController}) or any `run(signal)` task until {@link TestContext.stop}; does not start informers. */
  run(task: Controller | ((signal: AbortSignal) => Promise<unknown>)): void;
  /** Starts the informers, then runs each controller given. */
  start(...controllers: (Controller | undefined)[]): void;
  /** Aborts everything, waits for what `run` started, then calls the `close` option. */
  stop(): Promise<void>;
}

/** Builds a {@link TestContext}; see {@link TestContextOptions} for the defaults. */
export function testContext<C extends Client = MemoryClient>(options: TestContextOptions<C> = {}): TestContext<C> {
  const clock = options.clock ?? new FakeClock();
  const client = options.client ?? (new MemoryClient({ clock }) as Client as C);
  const errors: unknown[] = [];
  const conflicts: unknown[] = [];
  const informers = new InformerFactory(client, { clock, onError: (err) => errors.push(err) });
  const recorder = new MemoryEventRecorder();
  const abort = new AbortController();
  const running: Promise<unknown>[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    clock,
    recorder: () => recorder,
    onError: (err) => (isStatusError(err, 409) ? conflicts : errors).push(err),
    discovery: new RegistryDiscovery(),
    settings: {
      clusterCIDR: '10.42.0.0/16',
      serviceCIDR: '10.43.0.0/16',
      clusterDomain: 'cluster.local',
      clusterDNS: '10.43.0.10',
      dataDir: '/tmp/skiff-test',
      ...options.settings,
    },
  };
  const context: TestContext<C> = {
    ctx,
    client,
    clock,
    informers,
    recorder,
    errors,
    conflicts,
    signal: abort.signal,
    startInformers(): void {
      informers.start(abort.signal);
    },
    run(task): void {
      running.push(typeof task === 'function' ? task(abort.signal) : runController(ctx, task, abort.signal));
    },
    start(...controllers): void {
      context.startInformers();
      for (const controller of controllers) if (controller) context.run(controller);
    },
    async stop(): Promise<void> {
      abort.abort();
      await Promise.all(running);
      await options.close?.();
    },
  };
  return context;
}

/** A real API server (SQLite in memory, bootstrapped) reached through the in-process client. */
export interface ApiServerClient {
  client: InProcessClient;
  /** Closes the store. */
  close(): Promise<void>;
}

/** Options of {@link apiServerClient}. */
export interface ApiServerClientOptions {
  /** The API server's clock (timestamps, graceful deletion). Default: the system clock. */
  clock?: FakeClock;
}

/**
 * Starts an {@link ApiServer} over `SqliteStore.open(':memory:')`, bootstraps the cluster objects,
 * and returns an {@link InProcessClient} on it (with defaulting, validation and subresources).
 */
export async function apiServerClient(options: ApiServerClientOptions = {}): Promise<ApiServerClient> {
  const store = SqliteStore.open(':memory:');
  // The in-process client skips authentication, so nobody needs to be recognised.
  const api = new ApiServer({ store, authenticator: { authenticate: () => undefined }, ...(options.clock ? { clock: options.clock } : {}) });
  await bootstrapCluster({ kubernetesServiceIP: '10.43.0.1', endpointAddress: '127.0.0.1', endpointPort: 6443, store: (g, v, p) => api.store(g, v, p) });
  return { client: new InProcessClient(api.operations), close: () => store.close() };
}

