import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../../storage/sqlite.js';
import type { EncryptionConfiguration } from './config.js';
import { EncryptingStore } from './encrypting-store.js';

const oldKey = { name: 'old', secret: Buffer.alloc(32, 1) };
const newKey = { name: 'new', secret: Buffer.alloc(32, 2) };
const secretsWith = (...keys: (typeof oldKey)[]): EncryptionConfiguration => ({
  resources: [{ resources: ['secrets'], providers: [{ type: 'aescbc', keys }, { type: 'identity', keys: [] }] }],
});

test('values of configured resources are sealed in the store below and plaintext above it, on every verb and in watches', async () => {
  const raw = SqliteStore.open(':memory:');
  const store = new EncryptingStore(raw, secretsWith(oldKey));
  const created = await store.create('/registry/core/secrets/ns/a', '{"v":1}');
  assert.equal(created.value, '{"v":1}');
  await store.create('/registry/core/configmaps/ns/a', '{"c":1}');
  assert.match((await raw.get('/registry/core/secrets/ns/a'))!.value, /^k8s:enc:aescbc:v1:old:/);
  assert.equal((await raw.get('/registry/core/configmaps/ns/a'))!.value, '{"c":1}', 'other resources are left as they are');
  assert.equal((await store.get('/registry/core/secrets/ns/a'))!.value, '{"v":1}');
  assert.deepEqual((await store.list('/registry/core/secrets/')).items.map((kv) => kv.value), ['{"v":1}']);
  const stop = new AbortController();
  const events = store.watch('/registry/core/secrets/', 0, stop.signal)[Symbol.asyncIterator]();
  await store.update('/registry/core/secrets/ns/a', '{"v":2}', created.modRevision);
  await assert.rejects(store.update('/registry/core/secrets/ns/a', '{"v":3}', created.modRevision), (err: { current?: { value: string } }) => err.current?.value === '{"v":2}');
  const deleted = await store.delete('/registry/core/secrets/ns/a');
  assert.equal(deleted.value, '{"v":2}');
  const seen = [];
  for (let i = 0; i < 3; i++) seen.push((await events.next()).value);
  stop.abort();
  assert.deepEqual(seen.map((e) => [e.type, e.kv.value, e.prevKv?.value]), [
    ['create', '{"v":1}', undefined],
    ['update', '{"v":2}', '{"v":1}'],
    ['delete', '{"v":2}', '{"v":2}'],
  ]);
  await store.close();
});

test('rewriteStale moves plaintext and old-key values to the writing key, after which the old key can go', async () => {
  const raw = SqliteStore.open(':memory:');
  await raw.create('/registry/core/secrets/ns/plain', '{"p":1}');
  await new EncryptingStore(raw, secretsWith(oldKey)).create('/registry/core/secrets/ns/sealed', '{"s":1}');
  const rotating = new EncryptingStore(raw, secretsWith(newKey, oldKey), { pageSize: 1 });
  assert.equal((await rotating.get('/registry/core/secrets/ns/plain'))!.value, '{"p":1}', 'identity reads what was stored before');
  assert.deepEqual(await rotating.rewriteStale(), { checked: 2, rewritten: 2 });
  assert.deepEqual(await rotating.rewriteStale(), { checked: 2, rewritten: 0 });
  for (const kv of (await raw.list('/registry/core/secrets/')).items) assert.match(kv.value, /^k8s:enc:aescbc:v1:new:/);
  const rotated = new EncryptingStore(raw, secretsWith(newKey));
  assert.deepEqual((await rotated.list('/registry/core/secrets/')).items.map((kv) => kv.value), ['{"p":1}', '{"s":1}']);
  await raw.close();
});

test('resource names match exactly first, then their group wildcard, then *.*', () => {
  const identity = { type: 'identity' as const, keys: [] };
  const store = new EncryptingStore(SqliteStore.open(':memory:'), {
    resources: [
      { resources: ['secrets'], providers: [{ type: 'aescbc', keys: [oldKey] }] },
      { resources: ['*.apps'], providers: [{ type: 'aesgcm', keys: [oldKey] }] },
      { resources: ['*.*'], providers: [identity] },
    ],
  });
  assert.equal(store.transformerFor('/registry/core/secrets/ns/a')?.writePrefix, 'k8s:enc:aescbc:v1:old:');
  assert.equal(store.transformerFor('/registry/apps/deployments/ns/a')?.writePrefix, 'k8s:enc:aesgcm:v1:old:');
  assert.equal(store.transformerFor('/registry/core/configmaps/ns/a')?.writePrefix, '');
  assert.equal(store.transformerFor('/elsewhere/x'), undefined);
});
