import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { conflict, StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type Client } from './client.js';
import { FakeClock, settle } from '../apimachinery/clock.js';
import { formatMicroTime, LeaderElector, type LeaderElectorOptions } from './leader-election.js';
import { MemoryClient } from '../testing/memory-client.js';

type LeaseObject = Lease & KubeObject;

/** A view of `inner` whose writes fail while `state.failing` is set (a leader cut off from the API). */
function cutOff(inner: MemoryClient, state: { failing: boolean }): Client {
  return new Proxy(inner, {
    get(target, prop) {
      if ((prop === 'update' || prop === 'get') && state.failing) {
        return () => Promise.reject(new StatusError(503, 'ServiceUnavailable', 'unreachable'));
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

interface Candidate {
  elector: LeaderElector;
  events: string[];
  leaderSignal?: AbortSignal;
  run: Promise<void>;
  stop: AbortController;
}

function candidate(clock: FakeClock, options: Omit<LeaderElectorOptions, 'clock' | 'name'>): Candidate {
  const elector = new LeaderElector({ clock, name: 'controller-manager', ...options });
  const stop = new AbortController();
  const c: Candidate = { elector, events: [], stop, run: Promise.resolve() };
  c.run = elector.run(stop.signal, {
    onStartedLeading: (signal) => {
      c.leaderSignal = signal;
      c.events.push(`started ${clock.now().toISOString()}`);
    },
    onStoppedLeading: () => c.events.push(`stopped ${clock.now().toISOString()}`),
  });
  return c;
}

async function lease(client: MemoryClient): Promise<NonNullable<Lease['spec']>> {
  const l = await client.get<LeaseObject>(resources.leases, 'kube-system', 'controller-manager');
  return l.spec ?? {};
}

describe('formatMicroTime', () => {
  test('RFC 3339 with microseconds', () => {
    assert.equal(formatMicroTime(new Date('2026-01-01T00:00:00Z')), '2026-01-01T00:00:00.000000Z');
    assert.equal(formatMicroTime(new Date('2026-01-01T00:00:01.234Z')), '2026-01-01T00:00:01.234000Z');
  });
});

describe('LeaderElector', () => {
  test('rejects inconsistent timings', () => {
    const client = new MemoryClient();
    assert.throws(() => new LeaderElector({ client, name: 'x', identity: 'a', leaseDurationSeconds: 10, renewDeadlineSeconds: 10 }));
    assert.throws(() => new LeaderElector({ client, name: 'x', identity: 'a', renewDeadlineSeconds: 2, retryPeriodSeconds: 2 }));
    assert.throws(() => new LeaderElector({ client, name: 'x', identity: '' }));
  });

  test('two candidates: one leads; cut off, it steps down after renewDeadline and the other takes over once the lease expires', async () => {
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const client = new MemoryClient({ clock });
    const cut = { failing: false };
    const a = candidate(clock, { client: cutOff(client, cut), identity: 'a' });
    await settle();
    const b = candidate(clock, { client, identity: 'b' });
    await settle();

    assert.ok(a.elector.isLeader());
    assert.ok(!b.elector.isLeader());
    assert.equal(b.elector.getLeader(), 'a');
    assert.deepEqual(a.events, ['started 2026-01-01T00:00:00.000Z']);
    let spec = await lease(client);
    assert.equal(spec.holderIdentity, 'a');
    assert.equal(spec.leaseDurationSeconds, 15);
    assert.equal(spec.leaseTransitions, 0);
    assert.equal(spec.acquireTime, '2026-01-01T00:00:00.000000Z');
    assert.equal(spec.renewTime, '2026-01-01T00:00:00.000000Z');

    await clock.advanceAsync(6000);
    spec = await lease(client);
    assert.equal(spec.renewTime, '2026-01-01T00:00:06.000000Z', 'renewed every retry period');
    assert.equal(spec.acquireTime, '2026-01-01T00:00:00.000000Z');
    assert.ok(!b.elector.isLeader());

    // a can no longer reach the API: its last renewal was at 6 s.
    cut.failing = true;
    await clock.advanceAsync(2000); // first failed attempt at 8 s: deadline 18 s
    await clock.advanceAsync(9000);
    assert.ok(a.elector.isLeader(), 'still within renewDeadline at 17 s');
    assert.ok(!b.elector.isLeader(), 'lease valid until 21 s');
    await clock.advanceAsync(1000);
    await a.run;
    assert.ok(!a.elector.isLeader());
    assert.equal(a.leaderSignal?.aborted, true);
    assert.deepEqual(a.events, ['started 2026-01-01T00:00:00.000Z', 'stopped 2026-01-01T00:00:18.000Z']);

    await clock.advanceAsync(4000); // b tries every 2 s: at 22 s the lease (renewed at 6 s) has expired
    assert.ok(b.elector.isLeader());
    assert.deepEqual(b.events, ['started 2026-01-01T00:00:22.000Z']);
    spec = await lease(client);
    assert.equal(spec.holderIdentity, 'b');
    assert.equal(spec.leaseTransitions, 1);
    assert.equal(spec.acquireTime, '2026-01-01T00:00:22.000000Z');

    b.stop.abort();
    await b.run;
    assert.equal(b.leaderSignal?.aborted, true);
    assert.equal(b.events.length, 2);
  });

  test('a stopped leader that does not release is replaced only after the lease expires; releaseOnCancel hands over at once', async () => {
    const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
    const client = new MemoryClient({ clock });
    const a = candidate(clock, { client, identity: 'a' });
    await settle();
    const b = candidate(clock, { client, identity: 'b', releaseOnCancel: true });
    await settle();
    a.stop.abort();
    await a.run;
    assert.deepEqual(a.events, ['started 2026-01-01T00:00:00.000Z', 'stopped 2026-01-01T00:00:00.000Z']);
    await clock.advanceAsync(14_000);
    assert.ok(!b.elector.isLeader());
    await clock.advanceAsync(2_000);
    assert.ok(b.elector.isLeader(), 'taken over at 16 s');

    const c = candidate(clock, { client, identity: 'c' });
    await settle();
    assert.ok(!c.elector.isLeader());
    b.stop.abort();
    await b.run;
    assert.equal((await lease(client)).holderIdentity, '');
    await clock.advanceAsync(2_000);
    assert.ok(c.elector.isLeader(), 'released lease taken at the next retry');
    assert.equal((await lease(client)).leaseTransitions, 2);
    c.stop.abort();
    await c.run;
  });

  test('takes over an expired lease at once; a 409 on update is retried after the retry period', async () => {
    const clock = new FakeClock(new Date('2026-01-01T00:01:00Z'));
    const client = new MemoryClient({ clock });
    await client.create<LeaseObject>(resources.leases, 'kube-system', {
      metadata: { name: 'controller-manager' },
      spec: { holderIdentity: 'old', leaseDurationSeconds: 15, renewTime: '2026-01-01T00:00:00.000000Z', leaseTransitions: 4 },
    });
    client.failNext('update', conflict({ resource: 'leases', group: 'coordination.k8s.io', name: 'controller-manager' }, 'stale'));
    const a = candidate(clock, { client, identity: 'a' });
    await settle();
    assert.ok(!a.elector.isLeader());
    await clock.advanceAsync(2000);
    assert.ok(a.elector.isLeader());
    const spec = await lease(client);
    assert.equal(spec.leaseTransitions, 5);
    assert.equal(spec.holderIdentity, 'a');
    a.stop.abort();
    await a.run;
  });

  test('aborting before leadership returns without callbacks', async () => {
    const clock = new FakeClock();
    const client = new MemoryClient({ clock });
    const a = candidate(clock, { client, identity: 'a' });
    await settle();
    const b = candidate(clock, { client, identity: 'b' });
    await settle();
    b.stop.abort();
    await b.run;
    assert.deepEqual(b.events, []);
    a.stop.abort();
    await a.run;
  });
});
