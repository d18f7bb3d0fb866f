import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../apimachinery/clock.js';
import { waitFor } from '../testing/wait.js';
import { queueMappedKeys, queueObjectKeys, runController, type Controller, type KeyQueue, type SyncedCache } from './controller.js';
import type { SyncResult } from './work-queue.js';
import { errorMessage } from '../apimachinery/errors.js';

/** A cache that reports synced when told to. */
class ManualCache implements SyncedCache {
  private synced = false;
  private readonly waiters: ((synced: boolean) => void)[] = [];

  markSynced(): void {
    this.synced = true;
    for (const wake of this.waiters.splice(0)) wake(true);
  }

  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(false), { once: true });
    });
  }
}

/** A controller whose "events" are keys the test emits, and whose sync answers as scripted. */
class ScriptedController implements Controller {
  readonly name = 'scripted';
  readonly workers = 2;
  readonly cache = new ManualCache();
  readonly synced: string[] = [];
  readonly leftovers: string[] = [];
  /** Per key, how many syncs still throw. */
  readonly failures = new Map<string, number>();
  /** Per key, the requeue delay its first successful sync asks for. */
  readonly requeue = new Map<string, number>();
  private emit: ((key: string) => void) | undefined;

  get caches(): SyncedCache[] {
    return [this.cache];
  }

  watch(queue: KeyQueue): void {
    this.emit = (key) => queue.add(key);
  }

  cachesSynced(queue: KeyQueue): void {
    for (const key of this.leftovers) queue.add(key);
  }

  event(key: string): void {
    this.emit?.(key);
  }

  async sync(key: string): Promise<SyncResult> {
    this.synced.push(key);
    const failures = this.failures.get(key) ?? 0;
    if (failures > 0) {
      this.failures.set(key, failures - 1);
      throw new Error(`sync of ${key} failed`);
    }
    const after = this.requeue.get(key);
    this.requeue.delete(key);
    return after !== undefined ? { requeueAfter: after } : {};
  }
}

function context(clock: FakeClock): { clock: FakeClock; errors: string[]; onError: (err: unknown, where: string) => void } {
  const errors: string[] = [];
  return { clock, errors, onError: (err, where) => errors.push(`${where}: ${errorMessage(err)}`) };
}

describe('runController', () => {
  test('syncs queued keys only once the caches synced, starting with the leftovers', async () => {
    const clock = new FakeClock();
    const ctx = context(clock);
    const controller = new ScriptedController();
    controller.leftovers.push('ns/leftover');
    const stop = new AbortController();
    const running = runController(ctx, controller, stop.signal);
    controller.event('ns/a');
    controller.event('ns/a');
    await waitFor('handlers registered', () => true, { clock });
    assert.deepEqual(controller.synced, []);
    controller.cache.markSynced();
    await waitFor('both keys synced', () => controller.synced.length === 2, { clock });
    assert.deepEqual([...controller.synced].sort(), ['ns/a', 'ns/leftover']);
    stop.abort();
    await running;
  });

  test('a failing key is retried with back-off and reported under the controller name; requeueAfter brings a key back', async () => {
    const clock = new FakeClock();
    const ctx = context(clock);
    const controller = new ScriptedController();
    controller.cache.markSynced();
    controller.failures.set('ns/flaky', 2);
    controller.requeue.set('ns/later', 60_000);
    const stop = new AbortController();
    const running = runController(ctx, controller, stop.signal);
    controller.event('ns/flaky');
    controller.event('ns/later');
    await waitFor('the flaky key to succeed', () => controller.synced.filter((k) => k === 'ns/flaky').length === 3, { clock });
    assert.deepEqual(ctx.errors, ['scripted ns/flaky: sync of ns/flaky failed', 'scripted ns/flaky: sync of ns/flaky failed']);
    await waitFor('the requeued key to come back', () => controller.synced.filter((k) => k === 'ns/later').length === 2, { clock, stepMs: 1000 });
    stop.abort();
    await running;
  });

  test('stops without syncing when aborted before the caches synced', async () => {
    const controller = new ScriptedController();
    const stop = new AbortController();
    const running = runController(context(new FakeClock()), controller, stop.signal);
    controller.event('ns/a');
    stop.abort();
    await running;
    assert.deepEqual(controller.synced, []);
  });
});

describe('watch handlers', () => {
  const recorder = () => {
    const keys: string[] = [];
    const queue: KeyQueue = { add: (k) => keys.push(k), addAfter: (k) => keys.push(`later ${k}`) };
    return { keys, queue };
  };

  test('queueObjectKeys queues the namespace/name of each added, changed or deleted object', () => {
    const { keys, queue } = recorder();
    const handlers = queueObjectKeys(queue);
    handlers.onAdd?.({ metadata: { namespace: 'ns', name: 'a' } });
    handlers.onUpdate?.({ metadata: { namespace: 'ns', name: 'old' } }, { metadata: { namespace: 'ns', name: 'b' } });
    handlers.onDelete?.({ metadata: { name: 'cluster-scoped' } });
    assert.deepEqual(keys, ['ns/a', 'ns/b', 'cluster-scoped']);
  });

  test('queueMappedKeys queues the keys of both the old and the new object on a change', () => {
    const { keys, queue } = recorder();
    const handlers = queueMappedKeys(queue, (label: string) => (label === 'none' ? [] : [`svc-${label}`]));
    handlers.onAdd?.('a');
    handlers.onUpdate?.('a', 'b');
    handlers.onUpdate?.('none', 'c');
    handlers.onDelete?.('d');
    assert.deepEqual(keys, ['svc-a', 'svc-a', 'svc-b', 'svc-c', 'svc-d']);
  });
});

