/**
 * Test scaffolding for the workload controllers in this folder and its siblings: an in-memory
 * API (or a real API server) with a fake clock, a controller context around it, and a kubelet
 * stand-in marking pods Ready.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../apimachinery/errors.js';
import { formatTime, type KubeObject } from '../apimachinery/object.js';
import type { Client } from '../client/client.js';
import { resources } from '../client/client.js';
import type { FakeClock } from '../apimachinery/clock.js';
import type { MemoryClient } from './memory-client.js';
import type { ClusterSettings } from '../client/controller.js';
import { apiServerClient, testContext, type TestContext } from './controllers.js';

/** A controller context over a {@link MemoryClient} (or another client), with its parts exposed. */
export type TestEnvironment<C extends Client = MemoryClient> = TestContext<C>;

/** Builds a {@link TestEnvironment} over a {@link MemoryClient}; `settings` override the defaults (dataDir `/tmp/skiff-test`). */
export function testEnvironment(settings: Partial<ClusterSettings> = {}): TestEnvironment {
  return testContext({ settings });
}

/**
 * Builds a {@link TestEnvironment} over a real API server (SQLite in memory, bootstrapped, with
 * defaulting and validation) reached through the in-process client. `stop` closes it.
 */
export async function apiServerEnvironment(settings: Partial<ClusterSettings> = {}): Promise<TestEnvironment<Client>> {
  const api = await apiServerClient();
  return testContext<Client>({ client: api.client, settings, close: api.close });
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
