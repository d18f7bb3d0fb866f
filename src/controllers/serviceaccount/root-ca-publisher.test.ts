import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';

type ConfigMapObject = ConfigMap & KubeObject;
import { resources } from '../../client/client.js';
import { testContext } from '../../testing/controllers.js';
import { waitFor } from '../../testing/wait.js';
import { RootCAPublisher, rootCADescription } from './root-ca-publisher.js';

const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('every active namespace gets kube-root-ca.crt, put back after an edit or a delete', async () => {
  const t = testContext();
  t.start(new RootCAPublisher(t.ctx, ca));
  try {
    const get = async (ns: string) => (await t.client.get<ConfigMapObject>(resources.configmaps, ns, 'kube-root-ca.crt').catch(() => undefined)) as ConfigMapObject | undefined;
    await t.client.create(resources.namespaces, '', { metadata: { name: 'team-a' } });
    await t.client.create(resources.namespaces, '', { metadata: { name: 'going' }, status: { phase: 'Terminating' } });
    const cm = await waitFor('the ConfigMap', () => get('team-a'), { errors: t.errors });
    assert.deepEqual(cm.data, { 'ca.crt': ca });
    assert.equal(cm.metadata?.annotations?.['kubernetes.io/description'], rootCADescription);
    await t.client.update(resources.configmaps, 'team-a', { ...cm, data: { 'ca.crt': 'tampered', extra: 'x' } });
    await waitFor('the CA restored', async () => JSON.stringify((await get('team-a'))?.data) === JSON.stringify({ 'ca.crt': ca }), { errors: t.errors });
    await t.client.delete(resources.configmaps, 'team-a', 'kube-root-ca.crt');
    await waitFor('the ConfigMap recreated', () => get('team-a'), { errors: t.errors });
    assert.equal(await get('going'), undefined);
  } finally {
    await t.stop();
  }
  assert.deepEqual(t.errors, []);
});
