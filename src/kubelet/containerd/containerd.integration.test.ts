/**
 * Real containerd, started by ContainerdSupervisor inside a network namespace this test makes
 * and removes. Skipped unless root with containerd installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkNamespace } from '../../../test/harness/netns.js';
import { CriClient, isNotFound } from '../cri/client.js';
import type { ContainerConfig, PodSandboxConfig } from '../cri/types.js';
import { buildPauseImageTar, pauseImageName } from '../images/pause.js';
import { buildBusyboxImageTar } from '../images/busybox.js';
import { containerdPaths, renderContainerdConfig } from './config.js';
import { cniConflistFileName, renderCniConflist } from './cni.js';
import { ContainerdSupervisor } from './supervisor.js';

const skipReason =
  process.getuid?.() !== 0 ? 'needs root' : !existsSync('/usr/bin/containerd') ? 'containerd is not installed' : !existsSync('/bin/busybox') ? 'busybox-static is not installed' : false;

const podCIDR = '10.88.7.0/24';
const busyboxImage = 'skiff.dev/cri-test-busybox:1';

test('containerd in a netns: CRI version/status, then a sandbox with a busybox container', { skip: skipReason, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-ctrd-'));
  const ns = NetworkNamespace.create('skiff-ctrd');
  const aborter = new AbortController();
  const errors: Error[] = [];
  const paths = containerdPaths(join(dir, 'containerd'));
  let client: CriClient | undefined;
  let supervisor: ContainerdSupervisor | undefined;
  let startCalled = false;
  const spawned: ChildProcess[] = [];
  // If this process dies mid-test, do not leave containerd behind (by the PIDs we started).
  const killLeftovers = (): void => {
    for (const child of spawned) if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  };
  process.once('exit', killLeftovers);
  try {
    mkdirSync(paths.cniConfDir, { recursive: true });
    writeFileSync(paths.configFile, renderContainerdConfig({ dataDir: join(dir, 'containerd') }));
    writeFileSync(join(paths.cniConfDir, cniConflistFileName), renderCniConflist({ podCIDR, ipamDataDir: paths.cniIpamDir }));

    supervisor = new ContainerdSupervisor({
      dataDir: join(dir, 'containerd'),
      configFile: paths.configFile,
      address: paths.address,
      logFile: paths.logFile,
      onError: (e) => errors.push(e),
      // Not ns.spawn: `ip netns exec` also remounts /sys in a new mount namespace, which hides
      // /sys/fs/cgroup and makes runc fail ("no cgroup mount found in mountinfo"). nsenter
      // joins only the network namespace and execs, so the PID is containerd's.
      spawn: (command, args, options) => {
        const child = spawn('nsenter', [`--net=/run/netns/${ns.name}`, '--', command, ...args], options);
        spawned.push(child);
        return child;
      },
    });
    const starting = supervisor.start(aborter.signal);
    startCalled = true;
    await starting;
    assert.equal(supervisor.healthy(), true);

    client = CriClient.connect(`unix://${paths.address}`, { callTimeoutMs: 30_000 });
    const version = await client.version();
    assert.equal(version.runtimeName, 'containerd');
    assert.equal(version.runtimeApiVersion, 'v1');
    const status = await client.status();
    const conditions = new Map(status.status?.conditions.map((c) => [c.type, c.status]));
    assert.equal(conditions.get('RuntimeReady'), true);
    assert.equal(conditions.get('NetworkReady'), true);

    // Images cannot be pulled here: import the project-built ones.
    const pauseTar = join(dir, 'pause.tar');
    const busyboxTar = join(dir, 'busybox.tar');
    writeFileSync(pauseTar, await buildPauseImageTar());
    writeFileSync(busyboxTar, await buildBusyboxImageTar({ name: busyboxImage, cmd: ['sleep', '3600'] }));
    for (const tar of [pauseTar, busyboxTar]) {
      const imported = await ns.run('ctr', ['--address', paths.address, '-n', 'k8s.io', 'images', 'import', tar], { timeoutMs: 60_000 });
      assert.equal(imported.code, 0, imported.stderr);
    }
    assert.ok(await client.imageStatus(pauseImageName), 'pause image visible over CRI');
    const busybox = await client.imageStatus(busyboxImage);
    assert.ok(busybox?.id.startsWith('sha256:'));

    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'web', uid: 'uid-web', namespace: 'default', attempt: 0 },
      hostname: 'web-host',
      logDirectory: join(dir, 'pods', 'default_web_uid-web'),
      dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
      labels: { 'io.kubernetes.pod.name': 'web' },
      annotations: { 'skiff.dev/test': 'yes' },
      linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    };
    mkdirSync(sandboxConfig.logDirectory ?? '', { recursive: true });
    const sandboxId = await client.runPodSandbox(sandboxConfig);
    const sandbox = await client.podSandboxStatus(sandboxId);
    assert.equal(sandbox.status?.state, 'SANDBOX_READY');
    assert.match(sandbox.status?.network?.ip ?? '', /^10\.88\.7\.\d+$/);
    assert.deepEqual(sandbox.status?.annotations, sandboxConfig.annotations);

    const containerConfig: ContainerConfig = {
      metadata: { name: 'app', attempt: 0 },
      image: { image: busyboxImage },
      command: ['sleep', '3600'],
      envs: [{ key: 'GREETING', value: 'hello' }],
      logPath: 'app/0.log',
      labels: { 'io.kubernetes.container.name': 'app' },
      linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
    };
    const containerId = await client.createContainer(sandboxId, containerConfig, sandboxConfig);
    await client.startContainer(containerId);
    const running = await client.containerStatus(containerId);
    assert.equal(running.status?.state, 'CONTAINER_RUNNING');
    assert.ok((running.status?.startedAt ?? 0) > 0);
    assert.equal(running.status?.logPath, join(sandboxConfig.logDirectory ?? '', 'app/0.log'));

    const exec = await client.execSync(containerId, ['sh', '-c', 'echo $GREETING; hostname; cat /etc/resolv.conf; exit 4'], 10);
    assert.equal(exec.exitCode, 4);
    const out = exec.stdout.toString();
    assert.match(out, /^hello\nweb-host\n/);
    assert.match(out, /nameserver 10\.96\.0\.10/);

    const listed = await client.listContainers({ podSandboxId: sandboxId });
    assert.deepEqual(listed.map((c) => c.id), [containerId]);

    await client.stopContainer(containerId, 0);
    const exited = await client.containerStatus(containerId);
    assert.equal(exited.status?.state, 'CONTAINER_EXITED');
    assert.equal(exited.status?.exitCode, 137);
    assert.ok((exited.status?.finishedAt ?? 0) >= (exited.status?.startedAt ?? 0));
    await client.removeContainer(containerId);
    await assert.rejects(client.containerStatus(containerId), (e: unknown) => isNotFound(e));

    await client.stopPodSandbox(sandboxId);
    await client.removePodSandbox(sandboxId);
    assert.deepEqual(await client.listPodSandbox(), []);
    assert.deepEqual(errors, []);
  } finally {
    // Remove whatever is left so no shim outlives the test, then stop containerd.
    if (client && supervisor?.healthy()) {
      for (const s of await client.listPodSandbox().catch(() => [])) {
        await client.stopPodSandbox(s.id).catch((e: unknown) => process.stderr.write(`cleanup: ${String(e)}\n`));
        await client.removePodSandbox(s.id).catch((e: unknown) => process.stderr.write(`cleanup: ${String(e)}\n`));
      }
    }
    client?.close();
    aborter.abort();
    if (startCalled) await supervisor?.stopped();
    process.removeListener('exit', killLeftovers);
    await ns.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});
