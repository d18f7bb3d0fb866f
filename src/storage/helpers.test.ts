import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compactOnce, startAutoCompaction } from './auto-compaction.js';
import { EtcdStore } from './etcd.js';
import { startTestEtcd } from '../testing/etcd-server.js';
import { prefixEnd, prefixEndBytes } from './key-range.js';
import { openStore } from './open.js';
import { measureRawCreates } from '../testing/raw-throughput.js';
import { SqliteStore } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-storage-helpers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore', () => {
  test('an empty endpoint opens SQLite under <dataDir>/db/state.db', async () => {
    const store = await openStore('', join(dir, 'data'));
    try {
      assert.ok(store instanceof SqliteStore);
      assert.ok(existsSync(join(dir, 'data', 'db', 'state.db')));
    } finally {
      await store.close();
    }
  });

  test('http endpoints open etcd; other schemes are refused', async () => {
    await assert.rejects(openStore('ftp://127.0.0.1:1', dir), /unsupported datastore endpoint/);
    const etcd = await startTestEtcd();
    try {
      const store = await openStore(`${etcd.endpoint},${etcd.endpoint}`, dir);
      try {
        assert.ok(store instanceof EtcdStore);
        const kv = await store.create('/registry/pods/default/a', '{}');
        assert.equal(await store.currentRevision(), kv.modRevision);
      } finally {
        await store.close();
      }
    } finally {
      await etcd.stop();
    }
  });
});

describe('openStore over TLS', () => {
  test('https endpoints with --datastore-cafile/certfile/keyfile reach an etcd that requires client certificates; without them it is refused', async () => {
    await assert.rejects(openStore('', dir, { caFile: '/nonexistent' }), /need an https:\/\/ --datastore-endpoint/);
    await assert.rejects(openStore('http://127.0.0.1:1', dir, { caFile: '/nonexistent' }), /need an https:\/\/ --datastore-endpoint/);
    const etcd = await startTestEtcd({ tls: true });
    try {
      assert.match(etcd.endpoint, /^https:\/\/127\.0\.0\.1:/);
      const files = etcd.clientTLS!;
      const store = await openStore(etcd.endpoint, dir, files);
      try {
        const stop = new AbortController();
        const events = store.watch('/registry/secrets/', 0, stop.signal)[Symbol.asyncIterator]();
        const kv = await store.create('/registry/secrets/default/a', '{"tls":true}');
        assert.equal((await store.get('/registry/secrets/default/a'))?.value, '{"tls":true}');
        assert.equal((await events.next()).value?.kv.modRevision, kv.modRevision);
        stop.abort();
      } finally {
        await store.close();
      }
      // The CA alone: etcd asks for a client certificate and gets none.
      await assert.rejects(openStore(etcd.endpoint, dir, { caFile: files.caFile }), /bad certificate|certificate required/);
      // A client certificate but the system's roots: etcd's certificate is not trusted.
      await assert.rejects(openStore(etcd.endpoint, dir, { certFile: files.certFile, keyFile: files.keyFile }), /unable to verify/);
    } finally {
      await etcd.stop();
    }
  });
});

describe('measureRawCreates', () => {
  test('creates the requested number of distinct keys', async () => {
    const store = SqliteStore.open(':memory:');
    try {
      const result = await measureRawCreates(store, { writers: 4, total: 1000, valueBytes: 256, prefix: '/bench/' });
      assert.ok(result.perSecond > 0);
      assert.equal(await store.count('/bench/'), 1000);
      assert.equal((await store.get('/bench/999'))?.value.length, 256);
    } finally {
      await store.close();
    }
  });
});

describe('auto compaction', () => {
  test('compactOnce keeps the last revisions', async () => {
    const store = SqliteStore.open(':memory:');
    try {
      for (let i = 0; i < 10; i++) await store.create(`/k/${i}`, 'v');
      await compactOnce(store, 3);
      assert.equal(await store.compactedRevision(), 7);
      await compactOnce(store, 30);
      assert.equal(await store.compactedRevision(), 7);
    } finally {
      await store.close();
    }
  });

  test('startAutoCompaction compacts on its timer until aborted', async () => {
    const store = SqliteStore.open(':memory:');
    const controller = new AbortController();
    try {
      for (let i = 0; i < 10; i++) await store.create(`/k/${i}`, 'v');
      startAutoCompaction(store, controller.signal, { interval: 5, keep: 2 });
      const deadline = Date.now() + 5000;
      while ((await store.compactedRevision()) !== 8) {
        assert.ok(Date.now() < deadline, 'no compaction within 5 s');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      controller.abort();
      await store.close();
    }
  });
});

describe('key ranges', () => {
  test('prefix ends', () => {
    assert.equal(prefixEnd('/registry/pods/'), '/registry/pods0');
    assert.equal(prefixEnd(''), undefined);
    assert.equal(prefixEnd('a\u{10ffff}'), 'b');
    assert.deepEqual(prefixEndBytes(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
    assert.deepEqual(prefixEndBytes(Buffer.from([0xff])), Buffer.from([0]));
  });
});
