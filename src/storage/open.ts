import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EtcdStore } from './etcd.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/** k3s's `--datastore-cafile`, `--datastore-certfile` and `--datastore-keyfile`: PEM files for etcd over TLS. */
export interface DatastoreTLSFiles {
  /** The CA that signed etcd's serving certificate. Default: the system's roots. */
  caFile?: string;
  /** The client certificate etcd checks (with `--client-cert-auth`). Default: none. */
  certFile?: string;
  /** The client certificate's key. Default: none. */
  keyFile?: string;
}

/**
 * Opens the store a `--datastore-endpoint` names: empty means the SQLite file
 * `<dataDir>/db/state.db` (directories are created); a comma-separated list of
 * `http://` or `https://` URLs (`etcd://` is read as `http://`) means etcd, over TLS with
 * `tlsFiles` for `https://`.
 */
export async function openStore(datastoreEndpoint: string, dataDir: string, tlsFiles: DatastoreTLSFiles = {}): Promise<Store> {
  const endpoint = datastoreEndpoint.trim();
  const tlsGiven = Boolean(tlsFiles.caFile || tlsFiles.certFile || tlsFiles.keyFile);
  if (endpoint === '') {
    if (tlsGiven) throw new Error('--datastore-cafile, --datastore-certfile and --datastore-keyfile need an https:// --datastore-endpoint');
    return SqliteStore.open(join(dataDir, 'db', 'state.db'));
  }
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
  const secure = endpoints.filter((url) => url.startsWith('https://')).length;
  if (secure > 0 && secure < endpoints.length) throw new Error('datastore endpoints must be all https:// or all http://');
  if (tlsGiven && secure === 0) throw new Error('--datastore-cafile, --datastore-certfile and --datastore-keyfile need an https:// --datastore-endpoint');
  const read = (file: string | undefined) => (file ? readFile(file) : Promise.resolve(undefined));
  const [ca, cert, key] = await Promise.all([read(tlsFiles.caFile), read(tlsFiles.certFile), read(tlsFiles.keyFile)]);
  const tls = secure > 0 ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } : undefined;
  return EtcdStore.connect({ endpoints, ...(tls ? { tls } : {}) });
}
