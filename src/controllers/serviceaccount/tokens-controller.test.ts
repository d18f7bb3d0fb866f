import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { testContext } from '../../testing/controllers.js';
import { waitFor } from '../../testing/wait.js';
import { TokensController } from './tokens-controller.js';

const ca = 'CA-PEM';
type SecretObject = Secret & KubeObject;

test('a legacy token Secret is filled; it is deleted with its ServiceAccount', async () => {
  const t = testContext();
  const signed: string[] = [];
  const sign = (ns: string, sa: { name: string; uid: string }, secret: string) => {
    signed.push(`${ns}/${sa.name}/${sa.uid}/${secret}`);
    return `token-for-${secret}`;
  };
  t.start(new TokensController(t.ctx, sign, ca));
  try {
    const sa = await t.client.create<KubeObject>(resources.serviceaccounts, 'ns', { metadata: { name: 'build', namespace: 'ns' } });
    await t.client.create<SecretObject>(resources.secrets, 'ns', {
      metadata: { name: 'build-token', namespace: 'ns', annotations: { 'kubernetes.io/service-account.name': 'build' } },
      type: 'kubernetes.io/service-account-token',
    });
    await t.client.create<SecretObject>(resources.secrets, 'ns', { metadata: { name: 'plain', namespace: 'ns' }, type: 'Opaque' });
    const filled = await waitFor('the token', async () => {
      const s = await t.client.get<SecretObject>(resources.secrets, 'ns', 'build-token');
      return s.data?.token ? s : undefined;
    }, { errors: t.errors });
    const text = (v: string | undefined) => Buffer.from(v ?? '', 'base64').toString('utf8');
    assert.equal(text(filled.data?.token), 'token-for-build-token');
    assert.equal(text(filled.data?.['ca.crt']), ca);
    assert.equal(text(filled.data?.namespace), 'ns');
    assert.equal(filled.metadata?.annotations?.['kubernetes.io/service-account.uid'], sa.metadata?.uid);
    assert.deepEqual(signed, [`ns/build/${sa.metadata?.uid}/build-token`]);
    assert.equal((await t.client.get<SecretObject>(resources.secrets, 'ns', 'plain')).data, undefined);

    await t.client.delete(resources.serviceaccounts, 'ns', 'build');
    await waitFor('the Secret deleted', async () => (await t.client.list(resources.secrets, 'ns')).items.every((s) => s.metadata?.name !== 'build-token'), { errors: t.errors });
  } finally {
    await t.stop();
  }
  assert.deepEqual(t.errors, []);
});
