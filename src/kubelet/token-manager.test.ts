import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../apimachinery/clock.js';
import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { Client, ResourceRef, WriteOptions } from '../client/client.js';
import { ServiceAccountTokenManager } from './token-manager.js';

interface Call {
  ref: ResourceRef;
  namespace: string;
  body: KubeObject;
  options?: WriteOptions;
}

function fakeClient(clock: FakeClock) {
  const calls: Call[] = [];
  let failing = false;
  const client = {
    async create(ref: ResourceRef, namespace: string, body: KubeObject, options?: WriteOptions) {
      calls.push({ ref, namespace, body, options });
      if (failing) throw new StatusError(503, 'ServiceUnavailable', 'down');
      const expirationSeconds = (body.spec as { expirationSeconds: number }).expirationSeconds;
      return { ...body, status: { token: `token-${calls.length}`, expirationTimestamp: new Date(clock.now().getTime() + expirationSeconds * 1000).toISOString() } };
    },
  } as unknown as Client;
  return { client, calls, fail: (v: boolean) => (failing = v) };
}

const pod: Pod = { metadata: { name: 'web', namespace: 'ns', uid: 'pod-uid' }, spec: { serviceAccountName: 'builder', containers: [] } };

test('a bound token is requested once and refreshed past 80% of its lifetime', async () => {
  const clock = new FakeClock();
  const api = fakeClient(clock);
  const tokens = new ServiceAccountTokenManager({ client: api.client, clock });
  const projection = { path: 'token', expirationSeconds: 3607 };
  assert.equal(await tokens.token(pod, projection), 'token-1');
  assert.deepEqual(api.calls[0]?.options, { subresource: 'token' });
  assert.equal(api.calls[0]?.namespace, 'ns');
  assert.deepEqual(api.calls[0]?.body.metadata, { name: 'builder', namespace: 'ns' });
  assert.deepEqual(api.calls[0]?.body.spec, { audiences: [], expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'pod-uid' } });
  clock.advance(2880_000);
  assert.equal(await tokens.token(pod, projection), 'token-1', 'still under 80%');
  clock.advance(10_000);
  assert.equal(await tokens.token(pod, projection), 'token-2', 'past 80%');
  assert.equal(await tokens.token(pod, { path: 'vault', audience: 'vault', expirationSeconds: 600 }), 'token-3');
  assert.deepEqual((api.calls[2]?.body.spec as { audiences: string[] }).audiences, ['vault']);
  // The API down: a token still valid serves; none at all is an error the volume reports.
  clock.advance(2900_000);
  api.fail(true);
  assert.equal(await tokens.token(pod, projection), 'token-2');
  tokens.forgetPod('pod-uid');
  await assert.rejects(tokens.token(pod, projection), /failed to fetch token: down/);
});
