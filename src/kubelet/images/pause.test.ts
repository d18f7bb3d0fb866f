import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { buildPauseExecutable, buildPauseImageTar, hostPauseArchitecture, pauseImageName } from './pause.js';
import { readTar } from './tar.js';

const runnable = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64');

/** Resolves with the exit of a child, or rejects after the deadline. */
function exitOf(child: ChildProcess, deadlineMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('process did not exit in time')), deadlineMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

describe('pause executable', () => {
  test('both variants are well-formed static ELF64 executables', () => {
    for (const [arch, machine] of [['amd64', 62], ['arm64', 183]] as const) {
      const elf = buildPauseExecutable(arch);
      assert.equal(elf.subarray(0, 4).toString('latin1'), '\x7fELF');
      assert.equal(elf[4], 2);
      assert.equal(elf.readUInt16LE(16), 2);
      assert.equal(elf.readUInt16LE(18), machine);
      assert.equal(Number(elf.readBigUInt64LE(64 + 32)), elf.length);
      assert.ok(elf.length < 512, `${arch}: ${elf.length} bytes`);
    }
    // Spot checks of the arm64 encoding: `mov x8, #73` (ppoll) and `svc #0`.
    const arm = buildPauseExecutable('arm64');
    const words = Array.from({ length: (arm.length - 120) / 4 }, (_, i) => arm.readUInt32LE(120 + i * 4));
    assert.ok(words.includes(0xd2800928));
    assert.ok(words.includes(0xd4000001));
  });

  test('the GNU file tool agrees', { skip: spawnableTool('file') ? false : 'no file(1)' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-pause-'));
    try {
      for (const arch of ['amd64', 'arm64'] as const) {
        writeFileSync(join(dir, arch), buildPauseExecutable(arch));
        const out = execFileSync('file', [join(dir, arch)], { encoding: 'utf8' });
        assert.match(out, arch === 'amd64' ? /ELF 64-bit LSB executable, x86-64.*statically linked/ : /ELF 64-bit LSB executable, ARM aarch64.*statically linked/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('keeps running, exits 0 on SIGTERM and SIGINT, dies on SIGKILL', { skip: runnable ? false : 'not a linux amd64/arm64 host' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-pause-'));
    const children: ChildProcess[] = [];
    try {
      const file = join(dir, 'pause');
      writeFileSync(file, buildPauseExecutable(hostPauseArchitecture()), { mode: 0o755 });
      const start = async (): Promise<ChildProcess> => {
        const child = spawn(file, [], { stdio: 'ignore' });
        children.push(child);
        await once(child, 'spawn');
        return child;
      };
      const runningState = (pid: number): string => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.charAt(0);
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
        const child = await start();
        // Wait until it is asleep in pause/ppoll, which proves it got past its setup.
        const deadline = Date.now() + 5000;
        while (runningState(child.pid!) !== 'S') {
          assert.ok(Date.now() < deadline, 'pause never went to sleep');
          assert.equal(child.exitCode, null);
          await new Promise((r) => setImmediate(r));
        }
        assert.equal(child.exitCode, null);
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const mask = (field: string): bigint => BigInt(`0x${new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status)![1]}`);
        assert.equal(mask('SigCgt'), (1n << 1n) | (1n << 14n), 'handlers for SIGINT and SIGTERM');
        assert.equal(mask('SigIgn') & (1n << 16n), 1n << 16n, 'SIGCHLD ignored');
        // A signal it ignores (SIGCHLD) must not end it; SIGSTOP/SIGCONT neither.
        process.kill(child.pid!, 'SIGCHLD');
        process.kill(child.pid!, 'SIGCONT');
        assert.equal(child.exitCode, null);
        process.kill(child.pid!, signal);
        const result = await exitOf(child, 5000);
        if (signal === 'SIGKILL') assert.deepEqual(result, { code: null, signal: 'SIGKILL' });
        else assert.deepEqual(result, { code: 0, signal: null }, `${signal}`);
      }
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the pause image holds /pause with Entrypoint /pause', async () => {
    const tar = await buildPauseImageTar();
    const files = new Map(readTar(tar).map((e) => [e.path, e.content]));
    const index = JSON.parse(files.get('index.json')!.toString());
    assert.equal(index.manifests[0].annotations['io.containerd.image.name'], pauseImageName);
    const manifest = JSON.parse(files.get(`blobs/sha256/${index.manifests[0].digest.slice(7)}`)!.toString());
    const config = JSON.parse(files.get(`blobs/sha256/${manifest.config.digest.slice(7)}`)!.toString());
    assert.deepEqual(config.config.Entrypoint, ['/pause']);
    const layer = readTar(files.get(`blobs/sha256/${manifest.layers[0].digest.slice(7)}`)!);
    assert.equal(layer[0]!.path, 'pause');
    assert.equal(layer[0]!.mode, 0o755);
    assert.deepEqual(layer[0]!.content, buildPauseExecutable());
  });
});

function spawnableTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
