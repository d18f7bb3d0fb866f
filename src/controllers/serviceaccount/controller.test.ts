import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../apimachinery/errors.js';
import { resources } from '../../client/client.js';
import { testContext } from '../../testing/controllers.js';
import { waitFor } from '../../testing/wait.js';
import { ServiceAccountController } from './controller.js';

async function harness() {
  const t = testContext();
  const { client, errors } = t;
  const controller = new ServiceAccountController(t.ctx);
  t.start(controller);
  const eventually = async <T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> => (await waitFor(what, probe, { errors })) as T;
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
    await t.stop();
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
