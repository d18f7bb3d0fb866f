/**
 * A real two-node cluster for the network tests: a {@link Topology} of two machines, `skiff
 * server` (with its own agent) on the first and `skiff agent` joining from the second, each
 * with its own containerd and the test images imported; kubectl through the admin kubeconfig.
 * {@link TwoNodeCluster.remove} takes everything down, also after a failed start.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPolling, kubectlBinary } from '../harness/cluster.js';
import { writeTestImages } from '../harness/images.js';
import type { NetworkNamespace, RunResult } from '../harness/netns.js';
import { drainNodes, unmountUnder } from '../harness/runtime-cleanup.js';
import { Topology } from '../harness/topology.js';
import { waitFor } from '../../src/testing/wait.js';

const skiffBin = fileURLToPath(new URL('../../../bin/skiff', import.meta.url));

/** Whether this machine can run real nodes. */
export const canRunNodes = process.getuid?.() === 0 && existsSync('/usr/bin/containerd') && existsSync('/usr/sbin/runc');

/** One machine of the cluster and its skiff process, with its output kept for failure messages. */
export interface ClusterNode {
  name: string;
  netns: NetworkNamespace;
  ip: string;
  dataDir: string;
  child?: ChildProcess;
  log: string;
}

/** Options of {@link TwoNodeCluster.start}. */
export interface TwoNodeClusterOptions {
  /** Extra `skiff server` flags. */
  serverArgs?: string[];
}

/** `skiff server` on node-a (192.168.77.1) and `skiff agent` on node-b (192.168.77.2). */
export class TwoNodeCluster {
  readonly nodes: ClusterNode[] = [];
  private imagesDir = '';
  private serverArgs: string[] = [];

  private constructor(private readonly topology: Topology) {}

  /** Starts both nodes and waits until they are Ready with the test images imported. */
  static async start(options: TwoNodeClusterOptions = {}): Promise<TwoNodeCluster> {
    const cluster = new TwoNodeCluster(Topology.create(2));
    try {
      await cluster.setUp(options);
      return cluster;
    } catch (err) {
      const logs = cluster.logs();
      await cluster.remove();
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${logs}`);
    }
  }

  /** The server's node (a) and the agent's (b). */
  get server(): ClusterNode {
    return this.nodes[0]!;
  }

  get agent(): ClusterNode {
    return this.nodes[1]!;
  }

  /** The last lines of each process's output. */
  logs(): string {
    return this.nodes.map((n) => `--- ${n.name} ---\n${n.log.slice(-6000)}`).join('\n');
  }

  /** kubectl with the admin kubeconfig, run on the server's machine. */
  kubectl(args: string[], input?: string): Promise<RunResult> {
    return this.server.netns.run(kubectlBinary, args, { input, env: { ...process.env, KUBECONFIG: join(this.server.dataDir, 'kubeconfig.yaml') }, timeoutMs: 120_000 });
  }

  /** kubectl that must succeed; its stdout. */
  async kubectlOK(args: string[], input?: string): Promise<string> {
    const r = await this.kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  }

  private spawnSkiff(n: ClusterNode, args: string[]): void {
    // nsenter --net only: containerd and runc need the host's /sys/fs/cgroup.
    const child = n.netns.spawnNetOnly(process.execPath, [skiffBin, ...args]);
    n.child = child;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (n.log += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (n.log += d));
  }

  /** Starts `skiff server` on node-a (again, after {@link stopServer}) and waits until it is ready. */
  async startServer(): Promise<void> {
    const a = this.server;
    this.spawnSkiff(a, ['server', '--data-dir', a.dataDir, '--node-name', a.name, '--node-ip', a.ip, '--bind-address', '0.0.0.0', '--https-port', '6443', ...this.serverArgs]);
    await waitFor('the API server', async () => {
      if (a.child?.exitCode !== null) throw new Error(`server exited:\n${a.log}`);
      const r = await this.kubectl(['get', '--raw', '/readyz']);
      return r.code === 0 && r.stdout.trim() === 'ok';
    }, { ...clusterPolling, timeoutMs: 60_000, intervalMs: 200 });
  }

  /** Stops `skiff server` with SIGTERM and waits until it has exited. */
  async stopServer(): Promise<void> {
    await stopProcess(this.server.child);
  }

  private async setUp(options: TwoNodeClusterOptions): Promise<void> {
    this.serverArgs = options.serverArgs ?? [];
    this.imagesDir = await mkdtemp(join(tmpdir(), 'skiff-images-'));
    for (const [i, name] of ['node-a', 'node-b'].entries()) {
      const machine = this.topology.nodes[i];
      assert.ok(machine);
      this.nodes.push({ name, netns: machine.netns, ip: machine.ip, dataDir: await mkdtemp(join(tmpdir(), `skiff-${name}-`)), log: '' });
    }
    await this.startServer();
    const token = (await readFile(join(this.server.dataDir, 'server', 'token'), 'utf8')).trim();
    const b = this.agent;
    this.spawnSkiff(b, ['agent', '--server', `https://${this.server.ip}:6443`, '--token', token, '--node-name', b.name, '--node-ip', b.ip, '--data-dir', b.dataDir]);
    const files = await writeTestImages(this.imagesDir);
    for (const n of this.nodes) {
      await waitFor(`${n.name}'s containerd`, async () => existsSync(join(n.dataDir, 'agent', 'containerd', 'containerd.sock')), { ...clusterPolling, timeoutMs: 60_000, intervalMs: 200 });
      const r = await n.netns.run(process.execPath, [skiffBin, 'images', 'import', '--data-dir', n.dataDir, ...files]);
      assert.equal(r.code, 0, `skiff images import on ${n.name}:\n${r.stderr}\n${r.stdout}`);
    }
    for (const n of this.nodes) {
      await waitFor(`${n.name} Ready`, async () => {
        const r = await this.kubectl(['get', 'node', n.name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
        return r.stdout === 'True';
      }, { ...clusterPolling, timeoutMs: 90_000, intervalMs: 500 });
    }
  }

  /** Deletes the pods through the API, stops the processes, removes the namespaces and directories. */
  async remove(): Promise<void> {
    if (this.server.child?.exitCode === null) {
      await drainNodes((args) => this.kubectl(args), this.nodes.map((n) => join(n.dataDir, 'agent', 'containerd', 'containerd.sock')));
    }
    // The agent before the server, so that it does not retry against a server going away.
    for (const n of [...this.nodes].reverse()) await stopProcess(n.child);
    await this.topology.remove();
    for (const n of this.nodes) {
      await unmountUnder(n.dataDir);
      await rm(n.dataDir, { recursive: true, force: true });
    }
    if (this.imagesDir) await rm(this.imagesDir, { recursive: true, force: true });
  }
}

/** SIGTERM, then waits (at most 15 s) for the exit. */
async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid, 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
}
