import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateAuthority } from '../pki/ca.js';

/** A throwaway etcd started by {@link startTestEtcd}. */
export interface TestEtcd {
  /** The client URL, e.g. `http://127.0.0.1:40123` (`https://` with {@link TestEtcdOptions.tls}). */
  endpoint: string;
  /** With {@link TestEtcdOptions.tls}: the CA of etcd's certificate and a client certificate etcd accepts (PEM files). */
  clientTLS?: { caFile: string; certFile: string; keyFile: string };
  /** Stops the etcd (by its pid) and removes its data directory. */
  stop(): Promise<void>;
}

/** Options of {@link startTestEtcd}. */
export interface TestEtcdOptions {
  /** The etcd binary. Default `/usr/bin/etcd` (Debian's etcd-server). */
  binary?: string;
  /** How long to wait for etcd to answer, in ms. Default 30000. */
  startTimeout?: number;
  /**
   * Serve clients over TLS with a certificate from a fresh CA and require client certificates
   * from that CA (`--client-cert-auth`), as a production etcd does. Default false.
   */
  tls?: boolean;
}

/** Makes a CA, etcd's serving certificate for 127.0.0.1 and a client certificate, as PEM files in `dir`. */
async function makeEtcdCertificates(dir: string): Promise<{ serverCert: string; serverKey: string; client: { caFile: string; certFile: string; keyFile: string } }> {
  const ca = await CertificateAuthority.loadOrCreate({ dir, name: 'etcd-ca', commonName: 'etcd-ca' });
  const serving = ca.issueServingCert({ commonName: 'etcd', dnsNames: ['localhost'], ips: ['127.0.0.1'] });
  const files = { serverCert: join(dir, 'server.crt'), serverKey: join(dir, 'server.key'), client: { caFile: ca.certFile, certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') } };
  const clientCert = ca.issueClientCert({ commonName: 'skiff', organizations: [] });
  await writeFile(files.serverCert, serving.certificatePem, { mode: 0o600 });
  await writeFile(files.serverKey, serving.privateKeyPem, { mode: 0o600 });
  await writeFile(files.client.certFile, clientCert.certificatePem, { mode: 0o600 });
  await writeFile(files.client.keyFile, clientCert.privateKeyPem, { mode: 0o600 });
  return files;
}

/** Go's name of the architecture Node runs on, for ETCD_UNSUPPORTED_ARCH. */
const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/**
 * Starts a single-member etcd on free loopback ports with its data in a fresh
 * temporary directory, and resolves once it reports healthy. For tests.
 */
export async function startTestEtcd(options: TestEtcdOptions = {}): Promise<TestEtcd> {
  const binary = options.binary ?? '/usr/bin/etcd';
  const startTimeout = options.startTimeout ?? 30000;
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const certificates = options.tls ? await makeEtcdCertificates(dataDir) : undefined;
  const clientUrl = `${certificates ? 'https' : 'http'}://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const tlsArgs = certificates
    ? ['--cert-file', certificates.serverCert, '--key-file', certificates.serverKey, '--client-cert-auth', '--trusted-ca-file', certificates.client.caFile]
    : [];
  const healthTLS = certificates
    ? { ca: await readFile(certificates.client.caFile), cert: await readFile(certificates.client.certFile), key: await readFile(certificates.client.keyFile) }
    : undefined;
  const child = spawn(
    binary,
    [
      '--name', 'default',
      '--data-dir', join(dataDir, 'data'),
      '--listen-client-urls', clientUrl,
      '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `default=${peerUrl}`,
      '--logger', 'zap',
      '--log-level', 'error',
      ...tlsArgs,
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      // Read by etcd only on architectures it does not support by default.
      env: { ...process.env, ETCD_UNSUPPORTED_ARCH: GO_ARCH[process.arch] ?? process.arch },
    },
  );
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const spawnFailure = new Promise<Error>((resolve) => child.once('error', resolve));

  const stop = async (): Promise<void> => {
    if (!hasExited && child.pid !== undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + startTimeout;
    for (;;) {
      if (hasExited) throw new Error(`etcd exited before it became healthy:\n${stderrTail}`);
      if (await isHealthy(clientUrl, healthTLS)) break;
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy within ${startTimeout} ms:\n${stderrTail}`);
      const failure = await Promise.race([spawnFailure, delay(100).then(() => undefined)]);
      if (failure) throw new Error(`could not start ${binary}: ${failure.message}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint: clientUrl, ...(certificates ? { clientTLS: certificates.client } : {}), stop };
}

async function isHealthy(clientUrl: string, tls?: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<boolean> {
  if (tls) return isHealthyOverTLS(clientUrl, tls);
  try {
    const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
    const body: unknown = await response.json();
    return response.ok && typeof body === 'object' && body !== null && (body as { health?: unknown }).health === 'true';
  } catch {
    // Not listening yet.
    return false;
  }
}

function isHealthyOverTLS(clientUrl: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(`${clientUrl}/health`, { ...tls, timeout: 1000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(res.statusCode === 200 && Buffer.concat(chunks).toString().includes('"health":"true"')));
      res.on('error', () => resolve(false));
    });
    // Not listening yet, or not answering in time.
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
