import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../apiserver/errors.js';
import { resources } from '../../client/client.js';
import { FakeClock, settle } from '../../client/clock.js';
import { MemoryEventRecorder } from '../../client/events.js';
import { InformerFactory } from '../../client/informer.js';
import { MemoryClient } from '../../client/memory-client.js';
import type { ControllerContext } from '../controller.js';
import { ServiceAccountController } from './controller.js';

async function harness() {
  const clock = new FakeClock();
  const client = new MemoryClient({ clock });
  const informers = new InformerFactory(client, { clock });
  const errors: unknown[] = [];
  const ctx: ControllerContext = {
    client,
    informers,
    clock,
    recorder: () => new MemoryEventRecorder(),
    onError: (err) => errors.push(err),
    settings: { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16', clusterDomain: 'cluster.local', clusterDNS: '10.43.0.10', dataDir: '/tmp' },
  };
  const controller = new ServiceAccountController(ctx);
  const abort = new AbortController();
  informers.start(abort.signal);
  const running = controller.run(abort.signal);
  async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; errors: ${errors.map(String).join('; ')}`);
      await settle();
    }
  }
  const exists = async (namespace: string, name: string): Promise<boolean> => {
    try {
      await client.get(resources.serviceaccounts, namespace, name);
      return true;
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return false;
      throw err;
    }
  };
  async function stop(): Promise<void> {
    abort.abort();
    await running;
    assert.deepEqual(errors, []);
  }
  return { client, controller, eventually, exists, stop };
}

describe('ServiceAccountController', () => {
  test('every active namespace gets the default ServiceAccount, again when it is deleted', async () => {
    const h = await harness();
    try {
      await h.client.create(resources.namespaces, '', { metadata: { name: 'default' }, status: { phase: 'Active' } });
      await h.client.create(resources.namespaces, '', { metadata: { name: 'team-a' } });
      await h.eventually('default ServiceAccounts', async () => (await h.exists('default', 'default')) && (await h.exists('team-a', 'default')));
      await h.client.delete(resources.serviceaccounts, 'team-a', 'default');
      await h.eventually('the ServiceAccount to come back', () => h.exists('team-a', 'default'));
    } finally {
      await h.stop();
    }
  });

  test('a terminating namespace gets none', async () => {
    const h = await harness();
    try {
      await h.client.create(resources.namespaces, '', { metadata: { name: 'going' }, status: { phase: 'Terminating' } });
      await h.controller.sync('going');
      assert.equal(await h.exists('going', 'default'), false);
    } finally {
      await h.stop();
    }
  });
});
