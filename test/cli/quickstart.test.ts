/**
 * The README's quick start as a new user runs it, from a fresh clone: `npm start` (flags from a
 * config file naming a data dir of its own) in the background, `bin/skiff kubectl get nodes` until
 * the node is Ready (the CLI finds the cluster through the pointer file the running server wrote),
 * `bin/skiff demo` and each of its scenarios seen with kubectl, `bin/skiff demo --clean` leaving
 * nothing, and Ctrl-C's SIGINT to `npm start` stopping the server.
 *
 * Everything runs in a network namespace with only loopback and a mount namespace of the test's
 * own in which /run/skiff is a fresh tmpfs, so the pointer file is this server's alone (other
 * servers on the machine write theirs to the host's /run/skiff). npm packages come from this
 * checkout's node_modules through a symlink, as a worktree's do: nothing is downloaded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPolling, kubectlBinary } from '../harness/cluster.js';
import { completion, NetworkNamespace, type RunResult } from '../harness/netns.js';
import { drainNodes, removeRuntimeState, unmountUnder, waitForNoSandboxes } from '../harness/runtime-cleanup.js';
import { CriClient } from '../../src/kubelet/cri/client.js';
import { waitFor } from '../../src/testing/wait.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const canRun =
  process.getuid?.() === 0 &&
  existsSync('/usr/bin/containerd') &&
  existsSync('/usr/sbin/runc') &&
  existsSync('/bin/busybox') &&
  existsSync(join(repoRoot, 'node_modules')) &&
  existsSync(join(repoRoot, '.git'));

interface PodJSON {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: { containers: { name: string }[] };
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: { name: string; restartCount: number; state?: { waiting?: { reason?: string }; running?: object } }[];
  };
}

interface ServiceJSON {
  spec: { clusterIP: string; ports: { name?: string; port: number; targetPort: number | string }[] };
}

/** The environment of a user's shell: none of the test runner's npm variables, no KUBECONFIG. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && !k.startsWith('SKIFF_') && k !== 'KUBECONFIG' && k !== 'INIT_CWD'));
}

describe('the README quick start from a fresh clone (npm start, skiff kubectl, skiff demo)', { skip: canRun ? false : 'needs root, containerd, runc, busybox-static and a git checkout with node_modules' }, () => {
  const nodeName = 'quickstart';
  let tmp = '';
  let clone = '';
  let dataDir = '';
  let netns: NetworkNamespace | undefined;
  /** Holds the mount namespace (its /run/skiff a tmpfs) that every command below joins. */
  let holder: ChildProcess | undefined;
  let npmStart: ChildProcess | undefined;
  let startLog = '';
  let serverPid = 0;
  let firstDemo = '';
  const started = new Set<ChildProcess>();
  const slow = { ...clusterPolling, timeoutMs: 180_000, intervalMs: 1000 };

  /** Starts a command in the test's network and mount namespaces, in `cwd` (default: the clone). */
  const spawnInside = (command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess => {
    const child = spawn('nsenter', [`--target=${holder!.pid}`, '--mount', '--net', `--wdns=${options.cwd ?? clone}`, '--', command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? userEnv(),
    });
    started.add(child);
    child.on('exit', () => started.delete(child));
    return child;
  };

  /** Runs a command inside to completion (killed after `timeoutMs`). */
  const runInside = (command: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> =>
    completion(spawnInside(command, args, { env: options.env }), `${command} ${args.join(' ')}`, options.timeoutMs);

  /** `bin/skiff ARGS` in the clone, as the README says. */
  const skiff = (args: string[], timeoutMs = 60_000) => runInside(join(clone, 'bin', 'skiff'), args, { timeoutMs });
  /** kubectl itself, after the README's `export KUBECONFIG=<data-dir>/kubeconfig.yaml`. */
  const kubectl = (args: string[]) => runInside(kubectlBinary, args, { env: { ...userEnv(), KUBECONFIG: join(dataDir, 'kubeconfig.yaml') }, timeoutMs: 30_000 });
  const get = async <T>(what: string[]): Promise<T> => {
    const r = await kubectl(['get', ...what, '-n', 'seed', '-o', 'json']);
    if (r.code !== 0) throw new Error(`kubectl get ${what.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const socket = () => join(dataDir, 'agent', 'containerd', 'containerd.sock');
  /** The pointer file as the processes inside see it (the host reads it through the holder's root). */
  const pointerFile = () => `/proc/${holder!.pid}/root/run/skiff/server.json`;
  const npmAlive = () => {
    if (npmStart && (npmStart.exitCode !== null || npmStart.signalCode !== null)) throw new Error(`npm start exited (${npmStart.exitCode ?? npmStart.signalCode}):\n${startLog}`);
  };

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'skiff-quickstart-'));
    clone = join(tmp, 'skiff');
    dataDir = join(tmp, 'data');
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone]);
    await symlink(realpathSync(join(repoRoot, 'node_modules')), join(clone, 'node_modules'));
    // Every flag can come from the config file; a data dir other than the default is the point.
    const config = join(tmp, 'config.yaml');
    await writeFile(config, [`data-dir: ${dataDir}`, 'bind-address: 127.0.0.1', 'https-port: 6443', `node-name: ${nodeName}`, 'service-cidr: 10.170.0.0/16', 'dns-upstream: none', ''].join('\n'));

    netns = NetworkNamespace.create('skiff-qs');
    await mkdir('/run/skiff', { recursive: true });
    holder = netns.spawnNetOnly('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount -t tmpfs -o size=1m,mode=0755 skiff-quickstart /run/skiff && echo mounted && exec sleep 100000']);
    const h = holder;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      h.stdout?.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('mounted')) resolve();
      });
      h.once('exit', (code) => reject(new Error(`the mount namespace holder exited (${code}): ${out}`)));
    });

    npmStart = spawnInside('npm', ['start', '--', '--config', config]);
    npmStart.stdout?.setEncoding('utf8').on('data', (d: string) => (startLog += d));
    npmStart.stderr?.setEncoding('utf8').on('data', (d: string) => (startLog += d));
    // npm start installs nothing here (node_modules is a link), builds, then execs the server.
    const pointer = await waitFor('the server to write its pointer file', () => {
      npmAlive();
      return existsSync(pointerFile()) && (JSON.parse(readFileSync(pointerFile(), 'utf8')) as { pid: number; dataDir: string });
    }, { ...slow, timeoutMs: 240_000, intervalMs: 250, retryOnError: false });
    serverPid = pointer.pid;
    assert.equal(pointer.dataDir, dataDir);
  });

  after(async () => {
    if (process.env.SKIFF_TEST_VERBOSE) console.error(startLog);
    const serverRunning = npmStart && npmStart.exitCode === null && npmStart.signalCode === null;
    if (holder && existsSync(socket())) {
      if (serverRunning) await drainNodes(kubectl, [socket()]);
      else await removeRuntimeState(socket());
    }
    if (npmStart?.pid && serverRunning) {
      const exited = new Promise((r) => npmStart!.once('exit', r));
      process.kill(npmStart.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
    }
    for (const child of started) if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    // Anything still in the namespace descends from what this test started (e.g. a containerd whose server was killed).
    if (netns) {
      const left = execFileSync('ip', ['netns', 'pids', netns.name], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
      for (const pid of left) if (pid !== holder?.pid) process.kill(pid, 'SIGKILL');
      if (left.length > 1) console.error(`test cleanup: killed ${left.length - 1} processes left in ${netns.name}`);
    }
    // The holder ends last: with it the mount namespace and its tmpfs go.
    await netns?.remove();
    if (dataDir) await unmountUnder(dataDir);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('bin/skiff kubectl get nodes finds the cluster through the running server: one node, Ready', async () => {
    await waitFor(`${nodeName} Ready in bin/skiff kubectl get nodes`, async () => {
      npmAlive();
      const r = await skiff(['kubectl', 'get', 'nodes']);
      return r.code === 0 && new RegExp(`^${nodeName}\\s+Ready\\s`, 'm').test(r.stdout);
    }, { ...slow, timeoutMs: 90_000, intervalMs: 500 });
    const r = await skiff(['kubectl', 'get', 'nodes', '--no-headers']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    // --data-dir names the same cluster; kubectl with the README's KUBECONFIG too.
    const byFlag = await skiff(['kubectl', '--data-dir', dataDir, 'get', 'node', nodeName, '-o', 'name']);
    assert.equal(byFlag.stdout.trim(), `node/${nodeName}`, byFlag.stderr);
    assert.equal((await kubectl(['get', 'node', nodeName, '-o', 'name'])).stdout.trim(), `node/${nodeName}`);
    assert.match(startLog, /flags from .*config\.yaml/);
  });

  test('bin/skiff demo imports the stand-ins, applies everything and says what to try', async () => {
    await waitFor('the default service account', async () => (await kubectl(['get', 'serviceaccount', 'default'])).code === 0, clusterPolling);
    const r = await skiff(['demo'], 240_000);
    assert.equal(r.code, 0, `skiff demo failed:\n${r.stderr}\n${r.stdout}`);
    firstDemo = r.stdout;
    assert.match(firstDemo, /imported docker\.io\/library\/tomcat:v1/);
    assert.match(firstDemo, /statefulset\/web applied/);
    assert.doesNotMatch(firstDemo, /refused clusterIP/);
    assert.match(firstDemo, /kubectl get pods -n seed -o wide/);
    assert.match(firstDemo, /kubectl logs tomcat-redis -c container-03 -n seed --previous/);
    assert.match(firstDemo, /nslookup web-0\.nginx\.seed\.svc\.cluster\.local/);
  });

  test("the two Services at the seed's IPs and ports", async () => {
    const svc = await get<ServiceJSON>(['service', 'cluster-service-test']);
    assert.equal(svc.spec.clusterIP, '10.170.11.11');
    assert.deepEqual(svc.spec.ports.map((p) => [p.name, p.port, p.targetPort]), [['abc', 80, 8080], ['redis', 99, 6379]]);
    const canary = await get<ServiceJSON>(['service', 'cluster-service-02']);
    assert.equal(canary.spec.clusterIP, '10.170.11.88');
    assert.deepEqual(canary.spec.ports.map((p) => [p.port, p.targetPort]), [[80, 8080]]);
  });

  test('tomcat-redis: three containers, the third crash-looping on the taken port 8080', async () => {
    await waitFor('container-03 restarting', async () => {
      const pod = await get<PodJSON>(['pod', 'tomcat-redis']);
      const s = pod.status?.containerStatuses ?? [];
      const third = s.find((x) => x.name === 'container-03');
      return s.length === 3 && (third?.state?.waiting?.reason === 'CrashLoopBackOff' || (third?.restartCount ?? 0) > 0) && s.find((x) => x.name === 'redis-container')?.state?.running;
    }, slow);
  });

  test('the canary by Service: the 4 pods (3 stable, 1 canary) are the endpoints of cluster-service-02', async () => {
    await waitFor('4 canary endpoints', async () => {
      const pods = (await get<{ items: PodJSON[] }>(['pods', '-l', 'app=canary-tomcat'])).items;
      const ips = pods.map((p) => p.status?.podIP ?? '').filter(Boolean).sort();
      const endpoints = await get<{ subsets?: { addresses?: { ip: string }[] }[] }>(['endpoints', 'cluster-service-02']);
      const ready = (endpoints.subsets ?? []).flatMap((s) => s.addresses ?? []).map((a) => a.ip).sort();
      const tracks = pods.map((p) => p.metadata.labels?.track).sort();
      return ips.length === 4 && JSON.stringify(tracks) === JSON.stringify(['canary', 'stable', 'stable', 'stable']) && JSON.stringify(ready) === JSON.stringify(ips);
    }, slow);
  });

  test('the StatefulSet: web-0, web-1, web-2 Running behind the headless Service nginx', async () => {
    await waitFor('web-0..2 running', async () => {
      const pods = (await get<{ items: PodJSON[] }>(['pods', '-l', 'app=nginx'])).items;
      return pods.filter((p) => p.status?.phase === 'Running').map((p) => p.metadata.name).sort().join() === 'web-0,web-1,web-2';
    }, { ...slow, timeoutMs: 240_000 });
    assert.equal((await get<{ spec: { clusterIP: string } }>(['service', 'nginx'])).spec.clusterIP, 'None');
  });

  test('the CronJobs: one per concurrency policy, startingDeadlineSeconds 600', async () => {
    const cronjobs = await get<{ items: { metadata: { name: string }; spec: { concurrencyPolicy: string; startingDeadlineSeconds: number } }[] }>(['cronjobs']);
    assert.deepEqual(
      cronjobs.items.map((j) => [j.metadata.name, j.spec.concurrencyPolicy, j.spec.startingDeadlineSeconds]).sort(),
      [['cron-allow', 'Allow', 600], ['cron-forbid', 'Forbid', 600], ['cron-replace', 'Replace', 600]],
    );
  });

  test('a second bin/skiff demo updates without errors; --clean leaves nothing of the seed', async () => {
    const again = await skiff(['demo'], 240_000);
    assert.equal(again.code, 0, `${again.stderr}\n${again.stdout}`);
    assert.match(again.stdout, /cronjob\/cron-replace applied/);
    const cleaned = await skiff(['demo', '--clean'], 240_000);
    assert.equal(cleaned.code, 0, `${cleaned.stderr}\n${cleaned.stdout}`);
    assert.match(cleaned.stdout, /namespace seed deleted/);
    const ns = await kubectl(['get', 'namespace', 'seed']);
    assert.notEqual(ns.code, 0);
    assert.match(ns.stderr, /NotFound|not found/);
    // Nothing of it is left on the node either: no sandbox of namespace seed in containerd.
    const cri = CriClient.connect(`unix://${socket()}`, { callTimeoutMs: 10_000 });
    try {
      await waitFor('the seed sandboxes to be gone', async () => (await cri.listPodSandbox()).every((s) => s.metadata?.namespace !== 'seed'), slow);
    } finally {
      cri.close();
    }
  });

  test('Ctrl-C (SIGINT) to npm start reaches the server, which stops and removes its pointer', async () => {
    const npm = npmStart!;
    assert.ok(serverPid > 0);
    // What the cluster runs is gone first, so the stop leaves no containers behind.
    await drainNodes(kubectl, [socket()]);
    assert.ok(await waitForNoSandboxes(socket(), 30_000));
    const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
    process.kill(npm.pid!, 'SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000).unref())]);
    assert.notEqual(code, 'timeout', `npm start did not exit on SIGINT:\n${startLog.slice(-2000)}`);
    assert.equal(code, 0, startLog.slice(-2000));
    await waitFor('the server process to be gone', () => !existsSync(`/proc/${serverPid}`), { timeoutMs: 10_000, intervalMs: 100 });
    assert.match(startLog, /stopped/);
    assert.equal(existsSync(pointerFile()), false);
  });
});
