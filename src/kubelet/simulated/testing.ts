/**
 * Test scaffolding for simulated nodes, the scheduler and the node controllers: an in-memory
 * API with a fake clock, a controller context around it, and condition waits with deadlines.
 */
import { FakeClock, settle } from '../../client/clock.js';
import { MemoryEventRecorder } from '../../client/events.js';
import { InformerFactory } from '../../client/informer.js';
import { MemoryClient } from '../../client/memory-client.js';
import type { ClusterSettings, ControllerContext } from '../../controllers/controller.js';

/** A controller context over a {@link MemoryClient}, with its parts exposed. */
export interface SimulationEnvironment {
  clock: FakeClock;
  client: MemoryClient;
  informers: InformerFactory;
  recorder: MemoryEventRecorder;
  errors: unknown[];
  ctx: ControllerContext;
  signal: AbortSignal;
  /** Starts `run(signal)` (a controller's run, a node's start) and the informers created so far. */
  run(task: (signal: AbortSignal) => Promise<void>): void;
  /** Aborts everything `run` started and waits for it. */
  stop(): Promise<void>;
}

/** Builds a {@link SimulationEnvironment}; `settings` override the defaults (cluster CIDR 10.42.0.0/16). */
export function simulationEnvironment(settings: Partial<ClusterSettings> = {}): SimulationEnvironment {
  const clock = new FakeClock();
  const client = new MemoryClient({ clock, historyLimit: 100_000 });
  const errors: unknown[] = [];
  const informers = new InformerFactory(client, { clock, onError: (err) => errors.push(err) });
  const recorder = new MemoryEventRecorder();
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
    signal: abort.signal,
    run(task): void {
      running.push(task(abort.signal));
      informers.start(abort.signal);
    },
    async stop(): Promise<void> {
      abort.abort();
      await Promise.all(running);
    },
  };
}

/**
 * Waits until `condition` returns a truthy value (which is returned), letting promises run and
 * moving the fake clock `stepMs` (default 10) a round; fails after 10 s of real time.
 */
export async function waitFor<T>(clock: FakeClock, condition: () => T | Promise<T>, what: string, stepMs = 10): Promise<NonNullable<T>> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await settle();
    await clock.advanceAsync(stepMs);
  }
}
