/**
 * Test scaffolding for simulated nodes, the scheduler and the node controllers: the shared
 * controller test context (src/controllers/testing.ts) over an in-memory API with a long watch
 * history, where `run` also starts the informers.
 */
import { FakeClock } from '../apimachinery/clock.js';
import { MemoryClient } from './memory-client.js';
import type { ClusterSettings } from '../client/controller.js';
import type { Client } from '../client/client.js';
import { testContext, type TestContext } from './controllers.js';
import { SimulatedNode, type SimulatedNodeOptions } from '../kubelet/simulated/node.js';

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

/** A simulated kubelet for node `name` on the environment's API and clock (start it with `run`); errors go to the environment's unless `options` say otherwise. Any test context will do (e.g. one over an in-process API server). */
export function simulatedNode(env: Pick<TestContext<Client>, 'client' | 'clock' | 'errors'>, name: string, options: SimulatedNodeOptions = {}): SimulatedNode {
  return new SimulatedNode(env.client, name, env.clock, { onError: (err) => env.errors.push(err), ...options });
}
