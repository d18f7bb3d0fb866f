import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetworkNamespace, type RunResult } from './netns.js';
import { drainNodes, removeRuntimeState, unmountUnder } from './runtime-cleanup.js';
import { waitFor, type WaitForOptions } from '../../src/testing/wait.js';

/** The kubectl the tests drive (1.32 unless SKIFF_TEST_KUBECTL says otherwise). */
export const kubectlBinary = process.env.SKIFF_TEST_KUBECTL ?? '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));

/** Which datastore a test server uses. */
export type Backend = 'sqlite' | 'etcd';

/** Options of {@link startTestCluster}. */
export interface TestClusterOptions {
  backend?: Backend;
  /** Extra `skiff server` flags. */
  serverArgs?: string[];
  /** Run the server's own node agent (containerd); default false (`--disable-agent`). */
  agent?: boolean;
  /**
   * The machine's own address, as a real node has one: put on an `eth0` in the namespace (a
   * bridge with no ports, so nothing leaves) and given to the server as `--node-ip`, with the API
   * server bound to 0.0.0.0. Pods then reach the API server and the cluster DNS server through the
   * `kubernetes` and `kube-dns` Services, whose endpoints are this address (a loopback address is
   * no endpoint). Default: none; the namespace has only loopback and the server binds 127.0.0.1.
   */
  nodeIP?: string;
}

/** How the cluster tests poll with {@link waitFor}: every 100 ms for up to 30 s, a failing probe counting as "not yet". */
export const clusterPolling: Readonly<WaitForOptions> = { timeoutMs: 30_000, intervalMs: 100, retryOnError: true };

/**
 * A Skiff server running as its own process inside a fresh network namespace (with etcd in
 * the same namespace for the etcd backend), and kubectl run inside that namespace.
 */
export class TestCluster {
  private server?: ChildProcess;
  private etcd?: ChildProcess;
  /** Everything the server printed, for failure messages. */
  log = '';

  private constructor(
    readonly netns: NetworkNamespace,
    readonly dataDir: string,
    readonly backend: Backend,
    private readonly serverArgs: string[],
    private readonly bindAddress: string,
  ) {}

  /** The PID of the running server process, if any. */
  get serverPid(): number | undefined {
    return this.server?.exitCode === null ? this.server.pid : undefined;
  }

  /** The kubeconfig the server wrote. */
  get kubeconfig(): string {
    return join(this.dataDir, 'kubeconfig.yaml');
  }

  /** Starts a cluster; remove it with {@link stop} (in an `after` hook, so failures clean up too). */
  static async start(options: TestClusterOptions = {}): Promise<TestCluster> {
    const netns = NetworkNamespace.create();
    const dataDir = await mkdtemp(join(tmpdir(), 'skiff-test-'));
    const serverArgs = [...(options.agent ? [] : ['--disable-agent']), ...(options.nodeIP ? ['--node-ip', options.nodeIP] : []), ...(options.serverArgs ?? [])];
    const cluster = new TestCluster(netns, dataDir, options.backend ?? 'sqlite', serverArgs, options.nodeIP ? '0.0.0.0' : '127.0.0.1');
    try {
      if (options.nodeIP) netns.addMachineAddress('eth0', `${options.nodeIP}/24`);
      if (cluster.backend === 'etcd') await cluster.startEtcd();
      await cluster.startServer();
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  private async startEtcd(): Promise<void> {
    const dir = join(this.dataDir, 'etcd');
    this.etcd = this.netns.spawn('etcd', [
      '--data-dir', dir,
      '--name', 'default',
      '--listen-client-urls', 'http://127.0.0.1:2379',
      '--advertise-client-urls', 'http://127.0.0.1:2379',
      '--listen-peer-urls', 'http://127.0.0.1:2380',
      '--initial-advertise-peer-urls', 'http://127.0.0.1:2380',
      '--initial-cluster', 'default=http://127.0.0.1:2380',
      '--log-level', 'error',
    ]);
    this.etcd.stderr?.setEncoding('utf8').on('data', (d: string) => (this.log += `[etcd] ${d}`));
    await waitFor('etcd', async () => {
      const r = await this.netns.run('etcdctl', ['--endpoints', 'http://127.0.0.1:2379', 'endpoint', 'health'], {
        env: { ...process.env, ETCDCTL_API: '3' },
      });
      return r.code === 0;
    }, clusterPolling);
  }

  /** Starts (or restarts) the server process and waits until it is ready. */
  async startServer(): Promise<void> {
    const args = [
      skiffBin, 'server',
      '--data-dir', this.dataDir,
      '--bind-address', this.bindAddress,
      '--https-port', '6443',
      ...(this.backend === 'etcd' ? ['--datastore-endpoint', 'http://127.0.0.1:2379'] : []),
      ...this.serverArgs,
    ];
    // The agent's containerd needs the host's cgroup mounts, so a server with an agent joins only the network namespace.
    const server = this.serverArgs.includes('--disable-agent') ? this.netns.spawn(process.execPath, args) : this.netns.spawnNetOnly(process.execPath, args);
    this.server = server;
    server.stdout?.setEncoding('utf8').on('data', (d: string) => (this.log += d));
    server.stderr?.setEncoding('utf8').on('data', (d: string) => (this.log += d));
    await waitFor('the API server to be ready', async () => {
        if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}:\n${this.log}`);
        const r = await this.kubectl(['get', '--raw', '/readyz'], { timeoutMs: 5000 });
        return r.code === 0 && r.stdout.trim() === 'ok';
      }, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 200 });
  }

  /** Stops the server with a signal and waits for it to exit. */
  async stopServer(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const s = this.server;
    if (!s || s.exitCode !== null || s.signalCode !== null) return s?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => s.once('exit', (code) => resolve(code)));
    if (s.pid) process.kill(s.pid, signal);
    return exited;
  }

  /** Runs kubectl inside the cluster's namespace with its kubeconfig. */
  kubectl(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
    return this.netns.run(kubectlBinary, args, {
      input: options.input,
      timeoutMs: options.timeoutMs,
      // Every test cluster is https://127.0.0.1:6443 in its own namespace: a discovery cache of its
      // own keeps one cluster's resources out of another's kubectl.
      env: { ...process.env, KUBECONFIG: this.kubeconfig, KUBECACHEDIR: join(this.dataDir, 'kube-cache'), ...options.env },
    });
  }

  /** Runs kubectl and fails with its output unless it exits 0; returns stdout. */
  async kubectlOK(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
    const r = await this.kubectl(args, options);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  }

  /** The socket of the containerd the server's agent runs. */
  get containerdSocket(): string {
    return join(this.dataDir, 'agent', 'containerd', 'containerd.sock');
  }

  /** Stops everything, removes the namespace and the data directory. */
  async stop(): Promise<void> {
    if (this.serverArgs.includes('--disable-agent')) {
      await this.netns.remove();
    } else {
      if (this.server && this.server.exitCode === null) {
        await drainNodes((args) => this.kubectl(args, { timeoutMs: 20_000 }), [this.containerdSocket]);
      } else {
        await removeRuntimeState(this.containerdSocket);
      }
      // SIGTERM lets the agent stop containerd; its shims end with their sandboxes.
      await Promise.race([this.stopServer('SIGTERM'), new Promise((r) => setTimeout(r, 15_000))]);
      await this.netns.remove();
      await unmountUnder(this.dataDir);
    }
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** The backends acceptance tests run on: both, unless SKIFF_TEST_BACKENDS names some (e.g. `sqlite`). */
export function testBackends(): Backend[] {
  const wanted = process.env.SKIFF_TEST_BACKENDS;
  return wanted ? (wanted.split(',') as Backend[]) : ['sqlite', 'etcd'];
}

/** An HTTP answer as the raw request script prints it. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const rawRequestScript = fileURLToPath(new URL('./raw-request.js', import.meta.url));

/** Sends one HTTPS request from inside the cluster's namespace with the admin certificate (or none). */
export async function raw(c: TestCluster, method: string, path: string, body = '', contentType = 'application/json', anonymous = false): Promise<RawResponse> {
  const r = await c.netns.run(process.execPath, [rawRequestScript, c.kubeconfig, method, path, contentType, anonymous ? '--anonymous' : ''], { input: body });
  return JSON.parse(r.stdout) as RawResponse;
}
