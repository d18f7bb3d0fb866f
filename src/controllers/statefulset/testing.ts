/**
 * Test scaffolding for the workload controllers in this folder and its siblings: an in-memory
 * API with a fake clock, a controller context around it, and condition waits with deadlines.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../apiserver/errors.js';
import { formatTime, type KubeObject } from '../../apiserver/object.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertAndTokenAuthenticator } from '../../apiserver/auth.js';
import { bootstrapCluster } from '../../apiserver/bootstrap.js';
import { ApiServer } from '../../apiserver/server.js';
import { resources, type Client } from '../../client/client.js';
import { InProcessClient } from '../../client/in-process.js';
import { createTokenAuthenticator, ensureServerCredentials } from '../../pki/bootstrap.js';
import { SqliteStore } from '../../storage/sqlite.js';
import { FakeClock, settle } from '../../client/clock.js';
import { MemoryEventRecorder } from '../../client/events.js';
import { InformerFactory } from '../../client/informer.js';
import { MemoryClient } from '../../client/memory-client.js';
import type { ClusterSettings, Controller, ControllerContext } from '../controller.js';

/** A controller context over a {@link MemoryClient}, with its parts exposed. */
export interface TestEnvironment<C extends Client = MemoryClient> {
  clock: FakeClock;
  client: C;
  informers: InformerFactory;
  recorder: MemoryEventRecorder;
  errors: unknown[];
  ctx: ControllerContext;
  /** Starts the informers and runs `controller` until {@link TestEnvironment.stop}. */
  start(controller: Controller): void;
  /** Stops what `start` started and waits for it. */
  stop(): Promise<void>;
}

/** Builds a {@link TestEnvironment} over a {@link MemoryClient}; `settings` override the defaults (dataDir `/tmp/skiff-test`). */
export function testEnvironment(settings: Partial<ClusterSettings> = {}): TestEnvironment {
  const clock = new FakeClock();
  return environmentOver(new MemoryClient({ clock }), clock, settings, async () => {});
}

/**
 * Builds a {@link TestEnvironment} over a real API server (SQLite in memory, bootstrapped, with
 * defaulting and validation) reached through the in-process client. `stop` closes it.
 */
export async function apiServerEnvironment(settings: Partial<ClusterSettings> = {}): Promise<TestEnvironment<Client>> {
  const store = SqliteStore.open(':memory:');
  const pkiDir = await mkdtemp(join(tmpdir(), 'skiff-controllers-'));
  const creds = await ensureServerCredentials({
    dataDir: pkiDir,
    bindAddress: '127.0.0.1',
    advertiseAddresses: ['127.0.0.1'],
    httpsPort: 0,
    serviceCIDR: '10.43.0.0/16',
    clusterDomain: 'cluster.local',
  });
  const api = new ApiServer({ store, authenticator: new CertAndTokenAuthenticator(await createTokenAuthenticator(creds)) });
  await bootstrapCluster({ kubernetesServiceIP: '10.43.0.1', endpointAddress: '127.0.0.1', endpointPort: 6443, store: (g, v, p) => api.store(g, v, p) });
  return environmentOver(new InProcessClient(api.operations), new FakeClock(), settings, async () => {
    await store.close();
    await rm(pkiDir, { recursive: true, force: true });
  });
}

function environmentOver<C extends Client>(client: C, clock: FakeClock, settings: Partial<ClusterSettings>, close: () => Promise<void>): TestEnvironment<C> {
  const informers = new InformerFactory(client, { clock, onError: (err) => errors.push(err) });
  const recorder = new MemoryEventRecorder();
  const errors: unknown[] = [];
  const abort = new AbortController();
  const running: Promise<void>[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    clock,
    recorder: () => recorder,
    onError: (err) => errors.push(err),
    settings: {
      clusterCIDR: '10.42.0.0/16',
      serviceCIDR: '10.43.0.0/16',
      clusterDomain: 'cluster.local',
      clusterDNS: '10.43.0.10',
      dataDir: '/tmp/skiff-test',
      ...settings,
    },
  };
  return {
    clock,
    client,
    informers,
    recorder,
    errors,
    ctx,
    start(controller: Controller): void {
      informers.start(abort.signal);
      running.push(controller.run(abort.signal));
    },
    async stop(): Promise<void> {
      abort.abort();
      await Promise.all(running);
      await close();
    },
  };
}

/**
 * Waits until `condition` returns a truthy value (which is returned), letting promises run and
 * moving the fake clock 10 ms a round so back-off retries happen; fails after 5 s of real time.
 */
export async function waitFor<T>(clock: FakeClock, condition: () => T | Promise<T>, what: string): Promise<NonNullable<T>> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await settle();
    await clock.advanceAsync(10);
  }
}

/** The pod, or undefined when it does not exist. */
export async function getPod(client: Client, namespace: string, name: string): Promise<Pod | undefined> {
  try {
    return await client.get<Pod & KubeObject>(resources.pods, namespace, name);
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return undefined;
    throw err;
  }
}

/** Plays kubelet: marks the pod Running with Ready True (or False). */
export async function setPodReady(client: Client, clock: FakeClock, namespace: string, name: string, ready = true): Promise<void> {
  const pod = await client.get<Pod & KubeObject>(resources.pods, namespace, name);
  const now = formatTime(clock.now());
  const updated: Pod & KubeObject = {
    ...pod,
    status: { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] },
  };
  await client.update(resources.pods, namespace, updated, { subresource: 'status' });
}
