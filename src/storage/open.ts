import { join } from 'node:path';
import { EtcdStore } from './etcd.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/**
 * Opens the store a `--datastore-endpoint` names: empty means the SQLite file
 * `<dataDir>/db/state.db` (directories are created); a comma-separated list of
 * `http://` or `https://` URLs (`etcd://` is read as `http://`) means etcd.
 */
export async function openStore(datastoreEndpoint: string, dataDir: string): Promise<Store> {
  const endpoint = datastoreEndpoint.trim();
  if (endpoint === '') return SqliteStore.open(join(dataDir, 'db', 'state.db'));
  const endpoints = endpoint
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '')
    .map((url) => url.replace(/^etcd:\/\//, 'http://'));
  for (const url of endpoints) {
    if (!/^https?:\/\/[^/]+/.test(url)) {
      throw new Error(`unsupported datastore endpoint ${JSON.stringify(url)}: expected http(s)://host:port`);
    }
  }
  return EtcdStore.connect({ endpoints });
}
