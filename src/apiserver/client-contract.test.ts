import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer } from './server.js';
import { CertAndTokenAuthenticator } from './auth.js';
import { bootstrapCluster } from './bootstrap.js';
import { createTokenAuthenticator, ensureServerCredentials } from '../pki/bootstrap.js';
import { SqliteStore } from '../storage/sqlite.js';
import { checkClientContract } from '../testing/client-contract.js';
import { HttpsClient } from '../client/https-client.js';
import { InProcessClient } from './in-process-client.js';

async function apiServer() {
  const store = SqliteStore.open(':memory:');
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-client-'));
  const creds = await ensureServerCredentials({
    dataDir,
    bindAddress: '127.0.0.1',
    advertiseAddresses: ['127.0.0.1'],
    httpsPort: 0,
    serviceCIDR: '10.43.0.0/16',
    clusterDomain: 'cluster.local',
  });
  const api = new ApiServer({ store, authenticator: new CertAndTokenAuthenticator(await createTokenAuthenticator(creds)) });
  await bootstrapCluster({ kubernetesServiceIP: '10.43.0.1', endpointAddress: '127.0.0.1', endpointPort: 6443, store: (g, v, p) => api.store(g, v, p) });
  const cleanup = async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  return { api, creds, cleanup };
}

test('the in-process client keeps the client contract', async () => {
  const { api, cleanup } = await apiServer();
  try {
    await checkClientContract(new InProcessClient(api.operations));
  } finally {
    await cleanup();
  }
});

test('the HTTPS client keeps the client contract (server on loopback)', async () => {
  const { api, creds, cleanup } = await apiServer();
  const ac = new AbortController();
  try {
    const addr = await api.listen(
      { key: creds.serving.privateKeyPem, cert: creds.serving.certificatePem, clientCA: creds.clientCA.certificatePem },
      '127.0.0.1',
      0,
      ac.signal,
    );
    const client = new HttpsClient({
      server: `https://127.0.0.1:${addr.port}`,
      ca: creds.serverCA.certificatePem,
      cert: creds.admin.certificatePem,
      key: creds.admin.privateKeyPem,
    });
    try {
      await checkClientContract(client);
    } finally {
      client.close();
    }
  } finally {
    ac.abort();
    await cleanup();
  }
});
