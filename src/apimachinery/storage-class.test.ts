import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { defaultStorageClass, isDefaultClass } from './storage-class.js';

const sc = (name: string, created: string, annotations: Record<string, string> = {}): StorageClass => ({
  metadata: { name, creationTimestamp: created, annotations },
  provisioner: 'example.com/p',
});

test('the default class is the newest one marked default, by either annotation', () => {
  const old = sc('old', '2026-01-01T00:00:00Z', { 'storageclass.kubernetes.io/is-default-class': 'true' });
  const beta = sc('beta', '2026-02-01T00:00:00Z', { 'storageclass.beta.kubernetes.io/is-default-class': 'true' });
  const plain = sc('plain', '2026-03-01T00:00:00Z');
  const off = sc('off', '2026-04-01T00:00:00Z', { 'storageclass.kubernetes.io/is-default-class': 'false' });
  assert.equal(isDefaultClass(beta), true);
  assert.equal(isDefaultClass(off), false);
  assert.equal(defaultStorageClass([old, beta, plain, off])?.metadata?.name, 'beta');
  assert.equal(defaultStorageClass([old, plain])?.metadata?.name, 'old');
  assert.equal(defaultStorageClass([plain, off]), undefined);
  const twin = sc('a-twin', '2026-02-01T00:00:00Z', { 'storageclass.kubernetes.io/is-default-class': 'true' });
  assert.equal(defaultStorageClass([beta, twin])?.metadata?.name, 'a-twin', 'same time: by name');
});
