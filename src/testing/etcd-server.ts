import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway etcd started by {@link startTestEtcd}. */
export interface TestEtcd {
  /** The client URL, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  /** Stops the etcd (by its pid) and removes its data directory. */
  stop(): Promise<void>;
}

/** Options of {@link startTestEtcd}. */
export interface TestEtcdOptions {
  /** The etcd binary. Default `/usr/bin/etcd` (Debian's etcd-server). */
  binary?: string;
  /** How long to wait for etcd to answer, in ms. Default 30000. */
  startTimeout?: number;
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
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
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
      if (await isHealthy(clientUrl)) break;
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy within ${startTimeout} ms:\n${stderrTail}`);
      const failure = await Promise.race([spawnFailure, delay(100).then(() => undefined)]);
      if (failure) throw new Error(`could not start ${binary}: ${failure.message}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint: clientUrl, stop };
}

async function isHealthy(clientUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
    const body: unknown = await response.json();
    return response.ok && typeof body === 'object' && body !== null && (body as { health?: unknown }).health === 'true';
  } catch {
    // Not listening yet.
    return false;
  }
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
