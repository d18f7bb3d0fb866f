import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NetworkNamespace } from '../../../test/harness/netns.js';
import { busyboxLayer, buildBusyboxImageTar, defaultImagePath } from './busybox.js';
import { importImageTars } from './import.js';
import { runImagesCommand } from './images-command.js';
import { hostOciArchitecture } from './oci-image.js';
import { buildPauseImageTar, pauseImageName } from './pause.js';
import { createTar } from './tar.js';

const execFileAsync = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const haveTools = ['/usr/bin/containerd', '/usr/bin/ctr', '/usr/sbin/runc', '/bin/busybox', '/usr/bin/nsenter'].every((p) => existsSync(p));
const skip = !isRoot ? 'needs root' : !haveTools ? 'needs containerd, ctr, runc, busybox-static and nsenter' : false;

function containerdConfig(dir: string): string {
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
[grpc]
  address = "${dir}/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
  sandbox_image = "${pauseImageName}"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${dir}/cni"
`;
}

/** A docker-archive (the `docker save` format) of the busybox layer, to check ctr reads that format too. */
async function dockerArchive(name: string, cmd: string[]): Promise<Buffer> {
  const layer = createTar(await busyboxLayer());
  const hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const config = Buffer.from(
    JSON.stringify({
      architecture: hostOciArchitecture(),
      os: 'linux',
      config: { Env: [defaultImagePath], Cmd: cmd },
      rootfs: { type: 'layers', diff_ids: [`sha256:${hex(layer)}`] },
    }),
  );
  return createTar([
    { type: 'directory', path: hex(layer) },
    { type: 'file', path: `${hex(layer)}/layer.tar`, content: layer },
    { type: 'file', path: `${hex(config)}.json`, content: config },
    { type: 'file', path: 'manifest.json', content: JSON.stringify([{ Config: `${hex(config)}.json`, RepoTags: [name], Layers: [`${hex(layer)}/layer.tar`] }]) },
  ]);
}

async function waitFor(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

test('images built here import into containerd and run', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-images-'));
  mkdirSync(join(dir, 'cni'));
  writeFileSync(join(dir, 'config.toml'), containerdConfig(dir));
  const address = join(dir, 'containerd.sock');
  const ns = NetworkNamespace.create('skiff-img');
  let containerd: ChildProcess | undefined;
  try {
    // nsenter switches only the network namespace: `ip netns exec` also remounts /sys, which
    // hides the cgroup hierarchy from runc ("no cgroup mount found in mountinfo").
    const log = openSync(join(dir, 'containerd.log'), 'w');
    containerd = spawn('/usr/bin/nsenter', [`--net=/run/netns/${ns.name}`, '/usr/bin/containerd', '--config', join(dir, 'config.toml')], {
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const ctr = (...args: string[]): Promise<{ stdout: string; stderr: string }> =>
      execFileAsync('/usr/bin/nsenter', [`--net=/run/netns/${ns.name}`, '/usr/bin/ctr', '--address', address, '-n', 'k8s.io', ...args], { timeout: 60_000 });
    await waitFor('containerd to answer', 20_000, async () => {
      assert.ok(!exited(containerd!), `containerd exited: ${readFileSync(join(dir, 'containerd.log'), 'utf8')}`);
      return ctr('version').then(
        () => true,
        () => false,
      );
    });

    writeFileSync(join(dir, 'pause.tar'), await buildPauseImageTar());
    writeFileSync(join(dir, 'bb.tar'), await buildBusyboxImageTar({ name: 'skiff.dev/bb:1', cmd: ['/bin/echo', 'from-cmd'] }));
    writeFileSync(join(dir, 'docker.tar'), await dockerArchive('skiff.dev/dockerbb:1', ['/bin/echo', 'from-docker']));
    let lastProgress = 0;
    const imported = await importImageTars([join(dir, 'pause.tar'), join(dir, 'bb.tar'), join(dir, 'docker.tar')], {
      address,
      onProgress: (p) => (lastProgress = p.bytesDone),
    });
    assert.deepEqual(
      imported.map((i) => i.name),
      [pauseImageName, 'skiff.dev/bb:1', 'skiff.dev/dockerbb:1'],
    );
    assert.equal(lastProgress, readFileSync(join(dir, 'docker.tar')).length);
    const listed = (await ctr('images', 'ls', '-q')).stdout.split('\n');
    for (const name of [pauseImageName, 'skiff.dev/bb:1', 'skiff.dev/dockerbb:1']) assert.ok(listed.includes(name), `${name} in ${listed.join(', ')}`);

    let quietList = '';
    const code = await runImagesCommand(['ls', '-q'], { address, stdout: { write: (s: string) => (quietList += s) } });
    assert.equal(code, 0);
    assert.deepEqual(quietList.split('\n').filter(Boolean).sort(), [pauseImageName, 'skiff.dev/bb:1', 'skiff.dev/dockerbb:1'].sort());

    const run = async (image: string, id: string, ...command: string[]): Promise<string> =>
      (await ctr('run', '--rm', '--runtime', 'io.containerd.runc.v2', image, id, ...command)).stdout;
    assert.equal(await run('skiff.dev/bb:1', 't1', '/bin/echo', 'hello'), 'hello\n');
    assert.equal(await run('skiff.dev/bb:1', 't2'), 'from-cmd\n');
    assert.equal(await run('skiff.dev/dockerbb:1', 't3'), 'from-docker\n');
  } finally {
    if (containerd?.pid !== undefined && !exited(containerd)) {
      const child = containerd;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => !exited(child) && process.kill(child.pid!, 'SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    killOwnShims(address);
    await ns.remove();
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Kills container shims (by PID) that our containerd started for `address`, if a failed run left any. */
function killOwnShims(address: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') continue;
      throw err;
    }
    if (argv[0]?.endsWith('containerd-shim-runc-v2') && argv.includes(address)) process.kill(Number(pid), 'SIGKILL');
  }
}

/** Unmounts whatever containerd left mounted below the test folder (deepest first). */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) execFileSync('umount', ['-l', m]);
}
