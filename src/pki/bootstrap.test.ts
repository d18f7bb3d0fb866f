import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { CertificateAuthority } from './ca.js';
import { createTokenAuthenticator, ensureServerCredentials } from './bootstrap.js';
import type { ServerCredentials, ServerCredentialsOptions } from './bootstrap.js';
import { parseJoinToken } from './token.js';
import { identityFromTLSSocket } from './verify.js';
import { extendedKeyUsages, subjectAltNames, subjectName } from './x509.js';

const kubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-pki-bootstrap-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function options(dataDir: string, overrides: Partial<ServerCredentialsOptions> = {}): ServerCredentialsOptions {
  return {
    dataDir,
    bindAddress: '0.0.0.0',
    advertiseAddresses: ['192.168.5.10'],
    httpsPort: 6443,
    serviceCIDR: '10.43.0.0/16',
    clusterDomain: 'cluster.local',
    hostname: 'node-a',
    ...overrides,
  };
}

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** An HTTPS server using the credentials that answers with the TLS client identity (401 without one). */
async function startServer(credentials: ServerCredentials, rejectUnauthorized: boolean): Promise<{ server: Server; port: number }> {
  const server = createServer(
    {
      cert: credentials.serving.certificatePem,
      key: credentials.serving.privateKeyPem,
      ca: credentials.clientCA.certificatePem,
      requestCert: true,
      rejectUnauthorized,
    },
    (req, res) => {
      const identity = identityFromTLSSocket(req.socket as TLSSocket);
      if (!identity) {
        res.writeHead(401).end('Unauthorized');
        return;
      }
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(identity));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** GET / with the given client credentials, verifying the server against `caPem` for host 127.0.0.1. */
function get(port: number, caPem: string, client?: { cert: string; key: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', ca: caPem, ...(client ?? {}), agent: false, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('ensureServerCredentials', () => {
  test('creates CAs, serving and admin certificates, tokens and the kubeconfig', () =>
    withTempDir(async (dataDir) => {
      const creds = await ensureServerCredentials(options(dataDir));
      const tlsDir = join(dataDir, 'server', 'tls');
      assert.equal(creds.tlsDir, tlsDir);
      for (const file of ['server-ca.crt', 'server-ca.key', 'client-ca.crt', 'client-ca.key', 'serving-kube-apiserver.crt', 'serving-kube-apiserver.key', 'client-admin.crt', 'client-admin.key']) {
        assert.ok(existsSync(join(tlsDir, file)), file);
      }
      for (const file of ['server-ca.key', 'client-ca.key', 'serving-kube-apiserver.key', 'client-admin.key']) {
        assert.equal((await stat(join(tlsDir, file))).mode & 0o777, 0o600, file);
      }

      const serving = new X509Certificate(creds.serving.certificatePem);
      assert.ok(serving.checkIssued(creds.serverCA.certificate));
      assert.ok(serving.verify(creds.serverCA.certificate.publicKey));
      assert.deepEqual(extendedKeyUsages(serving), ['serverAuth']);
      const sans = subjectAltNames(serving);
      assert.deepEqual(sans.dnsNames.sort(), [
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
        'localhost',
        'node-a',
      ]);
      assert.deepEqual(sans.ips.sort(), ['10.43.0.1', '127.0.0.1', '192.168.5.10', '::1']);

      const admin = new X509Certificate(creds.admin.certificatePem);
      assert.ok(admin.verify(creds.clientCA.certificate.publicKey));
      assert.equal(admin.verify(creds.serverCA.certificate.publicKey), false);
      assert.deepEqual(subjectName(admin), { commonName: 'system:admin', organizations: ['system:masters'] });
      assert.deepEqual(extendedKeyUsages(admin), ['clientAuth']);

      // Nodes trust only the server CA (from /cacerts): the API server's kubelet client certificate comes from it.
      const kubeletClient = new X509Certificate(creds.kubeletClient.certificatePem);
      assert.ok(kubeletClient.verify(creds.serverCA.certificate.publicKey));
      assert.deepEqual(subjectName(kubeletClient), { commonName: 'kube-apiserver-kubelet-client', organizations: [] });
      assert.deepEqual(extendedKeyUsages(kubeletClient), ['clientAuth']);
      assert.equal((await stat(creds.kubeletClient.keyFile)).mode & 0o777, 0o600);

      const token = parseJoinToken(creds.token);
      assert.equal(token.username, 'server');
      assert.equal(token.secret, creds.tokenSecret);
      assert.match(creds.token, /^K10[0-9a-f]{64}::server:[0-9a-f]{64}$/);
      assert.equal((await readFile(creds.tokenFile, 'utf8')).trim(), creds.token);
      assert.equal((await stat(creds.tokenFile)).mode & 0o777, 0o600);
      assert.match(creds.adminToken, /^[0-9a-f]{64}$/);

      assert.equal(creds.kubeconfigFile, join(dataDir, 'kubeconfig.yaml'));
      assert.equal((await stat(creds.kubeconfigFile)).mode & 0o777, 0o600);
      const kubeconfig = load(await readFile(creds.kubeconfigFile, 'utf8'));
      const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
      assert.deepEqual(kubeconfig, {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'default', cluster: { 'certificate-authority-data': b64(creds.serverCA.certificatePem), server: 'https://127.0.0.1:6443' } }],
        contexts: [{ name: 'default', context: { cluster: 'default', user: 'default' } }],
        'current-context': 'default',
        preferences: {},
        users: [{ name: 'default', user: { 'client-certificate-data': b64(creds.admin.certificatePem), 'client-key-data': b64(creds.admin.privateKeyPem) } }],
      });
    }));

  test('a second call loads everything instead of regenerating', () =>
    withTempDir(async (dataDir) => {
      const first = await ensureServerCredentials(options(dataDir));
      const kubeconfigBefore = await readFile(first.kubeconfigFile, 'utf8');
      const second = await ensureServerCredentials(options(dataDir));
      assert.equal(second.serverCA.certificate.fingerprint256, first.serverCA.certificate.fingerprint256);
      assert.equal(second.clientCA.certificate.fingerprint256, first.clientCA.certificate.fingerprint256);
      assert.equal(fingerprint(second.serving.certificatePem), fingerprint(first.serving.certificatePem));
      assert.equal(fingerprint(second.admin.certificatePem), fingerprint(first.admin.certificatePem));
      assert.equal(second.serving.privateKeyPem, first.serving.privateKeyPem);
      assert.equal(second.token, first.token);
      assert.equal(second.adminToken, first.adminToken);
      assert.equal(await readFile(second.kubeconfigFile, 'utf8'), kubeconfigBefore);
    }));

  test('re-issues the serving certificate when the SANs change, keeping the CAs', () =>
    withTempDir(async (dataDir) => {
      const first = await ensureServerCredentials(options(dataDir));
      const second = await ensureServerCredentials(
        options(dataDir, { advertiseAddresses: ['192.168.5.11', 'api.example.com'], bindAddress: '192.168.5.11', httpsPort: 7443 }),
      );
      assert.equal(second.serverCA.certificate.fingerprint256, first.serverCA.certificate.fingerprint256);
      assert.notEqual(fingerprint(second.serving.certificatePem), fingerprint(first.serving.certificatePem));
      assert.equal(fingerprint(second.admin.certificatePem), fingerprint(first.admin.certificatePem));
      const sans = subjectAltNames(new X509Certificate(second.serving.certificatePem));
      assert.ok(sans.dnsNames.includes('api.example.com'));
      assert.ok(sans.ips.includes('192.168.5.11'));
      assert.ok(!sans.ips.includes('192.168.5.10'));
      assert.equal(second.serverURL, 'https://192.168.5.11:7443');
    }));

  test('re-issues a leaf that is near expiry', () =>
    withTempDir(async (dataDir) => {
      const first = await ensureServerCredentials(options(dataDir));
      const second = await ensureServerCredentials(options(dataDir, { renewBeforeDays: 400 }));
      assert.notEqual(fingerprint(second.serving.certificatePem), fingerprint(first.serving.certificatePem));
      assert.notEqual(fingerprint(second.admin.certificatePem), fingerprint(first.admin.certificatePem));
    }));

  test('stores a given token, accepts it in full form, rejects a full form for another CA', () =>
    withTempDir(async (dataDir) => {
      const creds = await ensureServerCredentials(options(dataDir, { token: 'my-secret' }));
      assert.equal(creds.tokenSecret, 'my-secret');
      assert.match(creds.token, /::server:my-secret$/);
      const again = await ensureServerCredentials(options(dataDir));
      assert.equal(again.token, creds.token);
      const full = await ensureServerCredentials(options(dataDir, { token: creds.token }));
      assert.equal(full.tokenSecret, 'my-secret');
      const foreign = `K10${'0'.repeat(64)}::server:my-secret`;
      await assert.rejects(ensureServerCredentials(options(dataDir, { token: foreign })), /does not match/);
    }));

  test('uses IPv6 brackets for an IPv6 bind address', () =>
    withTempDir(async (dataDir) => {
      const creds = await ensureServerCredentials(options(dataDir, { bindAddress: 'fd00::5', serviceCIDR: '10.43.0.0/16,fd00:43::/112' }));
      assert.equal(creds.serverURL, 'https://[fd00::5]:6443');
      const sans = subjectAltNames(new X509Certificate(creds.serving.certificatePem));
      assert.ok(sans.ips.includes('fd00::5'));
      assert.ok(sans.ips.includes('fd00:43::1'));
    }));

  test('the token authenticator knows the admin token, the join token and tokens.csv', () =>
    withTempDir(async (dataDir) => {
      const creds = await ensureServerCredentials(options(dataDir));
      await writeFile(creds.tokensFile, 'abc,jane,1,"devs"\n');
      const authenticator = await createTokenAuthenticator(creds);
      assert.deepEqual(authenticator.authenticateToken(creds.adminToken), { user: 'system:admin', groups: ['system:masters'] });
      assert.deepEqual(authenticator.authenticateToken('abc'), { user: 'jane', uid: '1', groups: ['devs'] });
      assert.equal(authenticator.authenticateToken(creds.tokenSecret)?.user, 'system:bootstrap:skiff-join');
      assert.equal(authenticator.authenticateToken(creds.token), undefined);
      const noJoin = await createTokenAuthenticator(creds, { joinTokenIdentity: null });
      assert.equal(noJoin.authenticateToken(creds.tokenSecret), undefined);
    }));
});

describe('mutual TLS with the generated credentials', () => {
  test('accepts the admin client certificate and not a foreign one', () =>
    withTempDir(async (dataDir) => {
      const creds = await ensureServerCredentials(options(dataDir));
      const foreignCA = await CertificateAuthority.loadOrCreate({ dir: join(dataDir, 'foreign'), name: 'client-ca' });
      const foreign = foreignCA.issueClientCert({ commonName: 'system:admin', organizations: ['system:masters'] });
      const serverSigned = creds.serverCA.issueClientCert({ commonName: 'system:admin', organizations: ['system:masters'] });
      const admin = { cert: creds.admin.certificatePem, key: creds.admin.privateKeyPem };

      const lenient = await startServer(creds, false);
      try {
        const ok = await get(lenient.port, creds.serverCA.certificatePem, admin);
        assert.equal(ok.status, 200);
        assert.deepEqual(JSON.parse(ok.body), { user: 'system:admin', groups: ['system:masters'] });
        const rejected = await get(lenient.port, creds.serverCA.certificatePem, { cert: foreign.certificatePem, key: foreign.privateKeyPem });
        assert.equal(rejected.status, 401);
        const wrongCA = await get(lenient.port, creds.serverCA.certificatePem, { cert: serverSigned.certificatePem, key: serverSigned.privateKeyPem });
        assert.equal(wrongCA.status, 401);
        assert.equal((await get(lenient.port, creds.serverCA.certificatePem)).status, 401);
        // The client must not trust a server whose certificate another CA signed.
        await assert.rejects(get(lenient.port, foreignCA.certificatePem, admin), /self[- ]signed|unable to verify|certificate/i);
      } finally {
        await stopServer(lenient.server);
      }

      const strict = await startServer(creds, true);
      try {
        assert.equal((await get(strict.port, creds.serverCA.certificatePem, admin)).status, 200);
        await assert.rejects(get(strict.port, creds.serverCA.certificatePem, { cert: foreign.certificatePem, key: foreign.privateKeyPem }));
      } finally {
        await stopServer(strict.server);
      }
    }));

  test('kubectl uses the kubeconfig as it is', { skip: existsSync(kubectl) ? false : `${kubectl} not installed` }, () =>
    withTempDir(async (dataDir) => {
      const initial = await ensureServerCredentials(options(dataDir));
      const { server, port } = await startServer(initial, false);
      try {
        // Rewrite the kubeconfig for the ephemeral port; certificates stay as they are.
        const creds = await ensureServerCredentials(options(dataDir, { httpsPort: port }));
        assert.equal(creds.serving.certificatePem, initial.serving.certificatePem);
        const run = promisify(execFile);
        const env = { ...process.env, HOME: dataDir, KUBECONFIG: '' };
        const view = await run(kubectl, ['--kubeconfig', creds.kubeconfigFile, 'config', 'view', '-o', 'jsonpath={.clusters[0].cluster.server}'], { env, timeout: 30_000 });
        assert.equal(view.stdout, `https://127.0.0.1:${port}`);
        const health = await run(kubectl, ['--kubeconfig', creds.kubeconfigFile, 'get', '--raw', '/healthz'], { env, timeout: 30_000 });
        assert.equal(health.stdout.trim(), 'ok');
      } finally {
        await stopServer(server);
      }
    }));
});
