import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { parseEncryptionConfiguration } from './config.js';
import { prefixTransformer } from './transformer.js';

const key32 = Buffer.alloc(32, 7);
const otherKey32 = Buffer.alloc(32, 9);
const storageKey = '/registry/core/secrets/default/s';

test('aescbc values carry their prefix, a random IV first, and are AES-CBC with PKCS#7 as upstream stores them', () => {
  const transformer = prefixTransformer([{ type: 'aescbc', keys: [{ name: 'key1', secret: key32 }] }]);
  const stored = transformer.toStorage('{"data":{"a":"YQ=="}}', storageKey);
  assert.ok(stored.startsWith('k8s:enc:aescbc:v1:key1:'));
  const sealed = Buffer.from(stored.slice('k8s:enc:aescbc:v1:key1:'.length), 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key32, sealed.subarray(0, 16));
  assert.equal(Buffer.concat([decipher.update(sealed.subarray(16)), decipher.final()]).toString(), '{"data":{"a":"YQ=="}}');
  assert.notEqual(transformer.toStorage('x', storageKey), transformer.toStorage('x', storageKey), 'a fresh IV each time');
  assert.deepEqual(transformer.fromStorage(stored, storageKey), { value: '{"data":{"a":"YQ=="}}', stale: false });
});

test('aesgcm binds the value to its storage key; secretbox round-trips', () => {
  const gcm = prefixTransformer([{ type: 'aesgcm', keys: [{ name: 'k', secret: Buffer.alloc(16, 3) }] }]);
  const stored = gcm.toStorage('hello', storageKey);
  assert.ok(stored.startsWith('k8s:enc:aesgcm:v1:k:'));
  assert.equal(gcm.fromStorage(stored, storageKey).value, 'hello');
  assert.throws(() => gcm.fromStorage(stored, '/registry/core/secrets/default/other'), /unable to transform key/);
  const box = prefixTransformer([{ type: 'secretbox', keys: [{ name: 'b', secret: key32 }] }]);
  const boxed = box.toStorage('héllo', storageKey);
  assert.ok(boxed.startsWith('k8s:enc:secretbox:v1:b:'));
  assert.equal(box.fromStorage(boxed, storageKey).value, 'héllo');
});

test('the first provider and key write, all read; plaintext reads only with identity; values not written by the first key are stale', () => {
  const old = prefixTransformer([{ type: 'aescbc', keys: [{ name: 'old', secret: key32 }] }]);
  const rotated = prefixTransformer([
    { type: 'aescbc', keys: [{ name: 'new', secret: otherKey32 }, { name: 'old', secret: key32 }] },
    { type: 'identity', keys: [] },
  ]);
  const oldValue = old.toStorage('v1', storageKey);
  assert.deepEqual(rotated.fromStorage(oldValue, storageKey), { value: 'v1', stale: true });
  assert.deepEqual(rotated.fromStorage('{"plain":true}', storageKey), { value: '{"plain":true}', stale: true });
  assert.deepEqual(rotated.fromStorage(rotated.toStorage('v2', storageKey), storageKey), { value: 'v2', stale: false });
  assert.throws(() => old.fromStorage('{"plain":true}', storageKey), /identity transformer is not configured/);
  const withoutOld = prefixTransformer([{ type: 'aescbc', keys: [{ name: 'new', secret: otherKey32 }] }, { type: 'identity', keys: [] }]);
  assert.throws(() => withoutOld.fromStorage(oldValue, storageKey), /no matching prefix found/);
  const identityFirst = prefixTransformer([{ type: 'identity', keys: [] }, { type: 'aescbc', keys: [{ name: 'old', secret: key32 }] }]);
  assert.equal(identityFirst.toStorage('plain', storageKey), 'plain');
  assert.deepEqual(identityFirst.fromStorage(oldValue, storageKey), { value: 'v1', stale: true });
});

test('EncryptionConfiguration is read as upstream writes it, and bad ones are refused with every problem named', () => {
  const config = parseEncryptionConfiguration(`
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets, configmaps]
    providers:
      - aesgcm:
          keys:
            - name: key1
              secret: ${Buffer.alloc(32, 1).toString('base64')}
      - identity: {}
`);
  assert.deepEqual(config.resources[0]?.resources, ['secrets', 'configmaps']);
  assert.deepEqual(config.resources[0]?.providers.map((p) => p.type), ['aesgcm', 'identity']);
  assert.throws(
    () =>
      parseEncryptionConfiguration(
        JSON.stringify({
          apiVersion: 'apiserver.config.k8s.io/v1',
          kind: 'EncryptionConfiguration',
          resources: [{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'a', secret: 'c2hvcnQ=' }, { name: 'a', secret: '!!' }] } }, { kms: { name: 'x' } }, { aescbc: {}, identity: {} }] }],
        }),
      ),
    (err: Error) =>
      /got 5, expected one of \[16 24 32\]/.test(err.message) &&
      /keys\[1\]\.name: Duplicate value/.test(err.message) &&
      /secrets must be base64 encoded/.test(err.message) &&
      /KMS providers are not supported/.test(err.message) &&
      /exactly one provider must be specified/.test(err.message),
  );
  assert.throws(() => parseEncryptionConfiguration('kind: Other\n'), /must be EncryptionConfiguration/);
});
