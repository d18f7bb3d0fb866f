import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { describeStoreConformance } from '../testing/store-conformance.js';
import { EtcdStore } from './etcd.js';
import { startTestEtcd, type TestEtcd } from '../testing/etcd-server.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

const sqliteDir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-test-'));
let sqliteFiles = 0;
after(() => rmSync(sqliteDir, { recursive: true, force: true }));

describeStoreConformance('SqliteStore', () => {
  const path = join(sqliteDir, `store-${sqliteFiles++}`, 'state.db');
  return {
    open: async () => SqliteStore.open(path),
    reopen: async (store: Store) => {
      await store.close();
      return SqliteStore.open(path);
    },
  };
});

// Small pages and batches so replay paging and batched compaction are exercised.
describeStoreConformance('SqliteStore (small pages)', () => {
  const path = join(sqliteDir, `store-${sqliteFiles++}`, 'state.db');
  return { open: async () => SqliteStore.open(path, { replayPageSize: 3, compactBatchSize: 2 }) };
});

let etcd: TestEtcd | undefined;
let etcdPrefixes = 0;
before(async () => {
  etcd = await startTestEtcd();
});
after(async () => {
  await etcd?.stop();
});

describeStoreConformance('EtcdStore', () => {
  // Each test gets its own prefix on the shared etcd, hence an empty key space.
  const prefix = `/skiff-test-${process.pid}-${etcdPrefixes++}`;
  const connect = (): Promise<EtcdStore> => {
    if (!etcd) throw new Error('etcd did not start');
    return EtcdStore.connect({ endpoints: [etcd.endpoint], prefix });
  };
  return {
    open: connect,
    reopen: async (store: Store) => {
      await store.close();
      return connect();
    },
  };
});
