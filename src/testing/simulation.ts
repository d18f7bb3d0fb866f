/**
 * Test scaffolding for simulated nodes, the scheduler and the node controllers: the shared
 * controller test context (src/controllers/testing.ts) over an in-memory API with a long watch
 * history, where `run` also starts the informers.
 */
import { FakeClock } from '../apimachinery/clock.js';
import { MemoryClient } from './memory-client.js';
import type { ClusterSettings } from '../client/controller.js';
import { testContext, waitFor as waitUntil, type TestContext } from './controllers.js';

/** A controller context over a {@link MemoryClient}, with its parts exposed. */
export interface SimulationEnvironment extends Omit<TestContext, 'run'> {
  /** Starts a controller or a `run(signal)` task (a node's start), and the informers created so far. */
  run(task: Parameters<TestContext['run']>[0]): void;
}

/** Builds a {@link SimulationEnvironment}; `settings` override the defaults (cluster CIDR 10.42.0.0/16). */
export function simulationEnvironment(settings: Partial<ClusterSettings> = {}): SimulationEnvironment {
  const clock = new FakeClock();
  const context = testContext({ clock, client: new MemoryClient({ clock, historyLimit: 100_000 }), settings });
  return {
    ...context,
    run(task): void {
      context.run(task);
      context.startInformers();
    },
  };
}

/**
 * Waits until `condition` returns a truthy value (which is returned), letting promises run and
 * moving the fake clock `stepMs` (default 10) a round; fails after 10 s of real time.
 */
export async function waitFor<T>(clock: FakeClock, condition: () => T | Promise<T>, what: string, stepMs = 10): Promise<NonNullable<T>> {
  return (await waitUntil(what, condition, { clock, stepMs, timeoutMs: 10_000 })) as NonNullable<T>;
}
