import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Probe } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../apimachinery/clock.js';
import { ProbeManager, ProbeWorker, type ProbeWorkerResult } from './probe-worker.js';
import type { ExecResult, ProbeTarget } from './probe.js';

/** Exec probes whose outcome the test sets per check name; calls are recorded with the fake time. */
class FakeContainer {
  readonly healthy = new Map<string, boolean>();
  readonly calls: Array<{ at: number; containerID: string; check: string }> = [];
  constructor(private readonly clock: FakeClock) {}

  exec = async (containerID: string, command: string[]): Promise<ExecResult> => {
    const check = command[1] ?? '';
    this.calls.push({ at: this.clock.now().getTime(), containerID, check });
    const ok = this.healthy.get(check) ?? false;
    return { exitCode: ok ? 0 : 1, output: ok ? `${check} ok` : `${check} bad` };
  };

  target(containerID = 'c1'): ProbeTarget {
    return { podIP: '127.0.0.1', container: { name: 'app' }, exec: (command) => this.exec(containerID, command) };
  }

  callTimes(check: string, start: number): number[] {
    return this.calls.filter((c) => c.check === check).map((c) => (c.at - start) / 1000);
  }
}

const check = (name: string, extra: Partial<Probe> = {}): Probe => ({ exec: { command: ['check', name] }, ...extra });

describe('ProbeWorker', () => {
  test('readiness starts not ready and flips only after the thresholds', async () => {
    const clock = new FakeClock();
    const container = new FakeContainer(clock);
    const results: ProbeWorkerResult[] = [];
    const worker = new ProbeWorker({
      kind: 'readiness',
      probe: check('ready', { periodSeconds: 1, successThreshold: 2, failureThreshold: 3 }),
      target: container.target(),
      clock,
      containerStartedAt: clock.now(),
      onResult: (r) => results.push(r),
    });
    assert.equal(worker.result, false);
    void worker.start();
    container.healthy.set('ready', true);
    await clock.advanceAsync(0); // probe 1: one success is below successThreshold
    assert.equal(worker.result, false);
    await clock.advanceAsync(1000); // probe 2
    assert.equal(worker.result, true);
    assert.deepEqual(results, [{ success: true, output: 'ready ok', changed: true }]);
    container.healthy.set('ready', false);
    await clock.advanceAsync(2000); // probes 3, 4: two failures
    assert.equal(worker.result, true);
    await clock.advanceAsync(1000); // probe 5: third failure
    assert.equal(worker.result, false);
    await clock.advanceAsync(5000); // more failures: no new report for readiness
    assert.deepEqual(results.slice(1), [{ success: false, output: 'ready bad', changed: true }]);
    worker.stop();
    await clock.advanceAsync(10_000);
    assert.equal(clock.pendingTimers, 0);
  });

  test('waits initialDelaySeconds after the container started, then probes every periodSeconds', async () => {
    const clock = new FakeClock();
    const start = clock.now().getTime();
    const container = new FakeContainer(clock);
    container.healthy.set('live', true);
    const worker = new ProbeWorker({
      kind: 'liveness',
      probe: check('live', { initialDelaySeconds: 15 }),
      target: container.target(),
      clock,
      containerStartedAt: new Date(start - 5000), // started 5s before the worker
      onResult: () => undefined,
    });
    void worker.start();
    await clock.advanceAsync(9_999);
    assert.deepEqual(container.callTimes('live', start), []);
    await clock.advanceAsync(30_001);
    assert.deepEqual(container.callTimes('live', start), [10, 20, 30, 40]);
    worker.stop();
  });

  test('liveness failure is reported once per threshold crossing', async () => {
    const clock = new FakeClock();
    const start = clock.now().getTime();
    const container = new FakeContainer(clock);
    const reports: Array<ProbeWorkerResult & { at: number }> = [];
    const worker = new ProbeWorker({
      kind: 'liveness',
      probe: check('live'), // period 10s, failureThreshold 3
      target: container.target(),
      clock,
      containerStartedAt: clock.now(),
      onResult: (r) => reports.push({ ...r, at: (clock.now().getTime() - start) / 1000 }),
    });
    assert.equal(worker.result, true, 'liveness starts as live');
    void worker.start();
    await clock.advanceAsync(65_000);
    assert.deepEqual(reports, [
      { success: false, output: 'live bad', changed: true, at: 20 },
      { success: false, output: 'live bad', changed: false, at: 50 },
    ]);
    worker.stop();
  });

  test('a startup worker stops once it succeeded', async () => {
    const clock = new FakeClock();
    const container = new FakeContainer(clock);
    const results: ProbeWorkerResult[] = [];
    const worker = new ProbeWorker({
      kind: 'startup',
      probe: check('startup', { periodSeconds: 1, failureThreshold: 30 }),
      target: container.target(),
      clock,
      containerStartedAt: clock.now(),
      onResult: (r) => results.push(r),
    });
    assert.equal(worker.result, undefined);
    const loop = worker.start();
    await clock.advanceAsync(2000);
    container.healthy.set('startup', true);
    await clock.advanceAsync(1000);
    await loop;
    assert.equal(worker.done, true);
    assert.deepEqual(results, [{ success: true, output: 'startup ok', changed: true }]);
    const calls = container.calls.length;
    await clock.advanceAsync(10_000);
    assert.equal(container.calls.length, calls);
  });
});

function pod(uid: string, probes: { startup?: Probe; liveness?: Probe; readiness?: Probe }): Pod {
  return {
    metadata: { name: 'web', namespace: 'default', uid },
    spec: {
      containers: [
        { name: 'app', startupProbe: probes.startup, livenessProbe: probes.liveness, readinessProbe: probes.readiness },
        { name: 'plain' },
      ],
    },
    status: { podIP: '10.0.0.5' },
  };
}

describe('ProbeManager', () => {
  test('startup gates liveness and readiness; readiness drives isReady and onChange', async () => {
    const clock = new FakeClock();
    const start = clock.now().getTime();
    const container = new FakeContainer(clock);
    const manager = new ProbeManager({ clock, exec: container.exec });
    const changes: string[] = [];
    manager.onChange((uid) => changes.push(uid));
    const p = pod('u1', {
      startup: check('startup', { periodSeconds: 1, failureThreshold: 60 }),
      liveness: check('live', { periodSeconds: 5 }),
      readiness: check('ready', { periodSeconds: 5 }),
    });
    manager.update({
      pod: p,
      containers: [
        { name: 'app', containerID: 'c1', running: true, startedAt: clock.now() },
        { name: 'plain', containerID: 'p1', running: true, startedAt: clock.now() },
      ],
    });
    assert.equal(manager.isStarted('u1', 'plain', 'p1'), true, 'no probes: started and ready');
    assert.equal(manager.isReady('u1', 'plain', 'p1'), true);
    container.healthy.set('live', true);
    container.healthy.set('ready', true);
    await clock.advanceAsync(3000);
    assert.equal(manager.isStarted('u1', 'app', 'c1'), false);
    assert.equal(manager.isReady('u1', 'app', 'c1'), false);
    assert.deepEqual(container.callTimes('live', start), [], 'liveness waits for startup');
    assert.deepEqual(container.callTimes('ready', start), [], 'readiness waits for startup');

    container.healthy.set('startup', true);
    await clock.advanceAsync(1000);
    assert.equal(manager.isStarted('u1', 'app', 'c1'), true);
    assert.deepEqual(container.callTimes('ready', start), [4]);
    assert.deepEqual(container.callTimes('live', start), [4]);
    assert.equal(manager.isReady('u1', 'app', 'c1'), true);
    assert.deepEqual(changes, ['u1', 'u1'], 'started, then ready');
    assert.equal(manager.workerCount('u1'), 2, 'the startup worker has stopped');

    container.healthy.set('ready', false);
    await clock.advanceAsync(15_000);
    assert.equal(manager.isReady('u1', 'app', 'c1'), false);
    assert.deepEqual(changes, ['u1', 'u1', 'u1']);
    manager.stop();
  });

  test('liveness failures reach the listener, with Unhealthy events per failed run', async () => {
    const clock = new FakeClock();
    const container = new FakeContainer(clock);
    const manager = new ProbeManager({ clock, exec: container.exec });
    const failures: unknown[][] = [];
    const events: string[] = [];
    manager.onLivenessFailure((...args) => failures.push(args));
    manager.onProbeEvent((e) => events.push(`${e.reason}: ${e.message}`));
    manager.update({
      pod: pod('u1', { liveness: check('live', { periodSeconds: 1, failureThreshold: 2 }) }),
      containers: [{ name: 'app', containerID: 'c1', running: true, startedAt: clock.now() }],
    });
    await clock.advanceAsync(1000);
    assert.deepEqual(failures, [['u1', 'app', 'c1', 'live bad', 'liveness']]);
    assert.equal(manager.isLive('u1', 'app', 'c1'), false);
    assert.deepEqual(events, ['Unhealthy: Liveness probe failed: live bad', 'Unhealthy: Liveness probe failed: live bad']);
    manager.stop();
  });

  test('probes that cannot run are thrown away and reported as errored', async () => {
    const clock = new FakeClock();
    const container = new FakeContainer(clock);
    const manager = new ProbeManager({ clock, exec: container.exec });
    const events: string[] = [];
    const changes: string[] = [];
    manager.onProbeEvent((e) => events.push(`${e.reason}: ${e.message}`));
    manager.onChange((uid) => changes.push(uid));
    manager.update({
      pod: pod('u1', { readiness: { grpc: { port: 9000 }, periodSeconds: 1 }, liveness: { grpc: { port: 9000 }, periodSeconds: 1 } }),
      containers: [{ name: 'app', containerID: 'c1', running: true, startedAt: clock.now() }],
    });
    await clock.advanceAsync(5000);
    assert.equal(manager.isReady('u1', 'app', 'c1'), false);
    assert.equal(manager.isLive('u1', 'app', 'c1'), true);
    assert.deepEqual(changes, []);
    assert.ok(events.includes('Unhealthy: Readiness probe errored: grpc probes are not supported'));
    manager.stop();
  });

  test('a restarted container gets fresh workers; the old ones stop', async () => {
    const clock = new FakeClock();
    const container = new FakeContainer(clock);
    const manager = new ProbeManager({ clock, exec: container.exec });
    const p = pod('u1', { readiness: check('ready', { periodSeconds: 1 }) });
    container.healthy.set('ready', true);
    manager.update({ pod: p, containers: [{ name: 'app', containerID: 'c1', running: true, startedAt: clock.now() }] });
    await clock.advanceAsync(2000);
    assert.equal(manager.isReady('u1', 'app', 'c1'), true);

    // The container exits: its workers stop and it is not ready.
    manager.update({ pod: p, containers: [{ name: 'app', containerID: 'c1', running: false, startedAt: clock.now() }] });
    assert.equal(manager.workerCount('u1'), 0);
    assert.equal(manager.isReady('u1', 'app', 'c1'), false);

    // It is restarted as c2: readiness starts over from "not ready".
    manager.update({ pod: p, containers: [{ name: 'app', containerID: 'c2', running: true, startedAt: clock.now() }] });
    assert.equal(manager.isReady('u1', 'app', 'c2'), false);
    assert.equal(manager.isReady('u1', 'app', 'c1'), false, 'the old ID is no longer known');
    const before = container.calls.length;
    await clock.advanceAsync(3000);
    assert.ok(container.calls.slice(before).every((c) => c.containerID === 'c2'));
    assert.ok(container.calls.length > before);
    assert.equal(manager.isReady('u1', 'app', 'c2'), true);

    // Gone from the pod: workers stop.
    manager.update({ pod: p, containers: [] });
    assert.equal(manager.workerCount('u1'), 0);
    const after = container.calls.length;
    await clock.advanceAsync(5000);
    assert.equal(container.calls.length, after);
    assert.equal(clock.pendingTimers, 0);
  });
});
