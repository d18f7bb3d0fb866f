import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { FakeClock } from '../../apimachinery/clock.js';
import { CriClient } from '../cri/client.js';
import { ContainerdSupervisor, type SpawnFunction } from './supervisor.js';

const fakeContainerd = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-containerd.js');
/** Runs the fake in place of containerd, with containerd's arguments. */
const spawnFake: SpawnFunction = (_command, args, options) => spawn(process.execPath, [fakeContainerd, ...args], options);

/** Polls `condition` until true or the deadline passes. */
async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function setup(extraConfig = ''): { dir: string; address: string; configFile: string; logFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-sup-'));
  const address = join(dir, 'c.sock');
  const configFile = join(dir, 'config.toml');
  writeFileSync(configFile, `version = 2\n${extraConfig}\n[grpc]\n  address = "${address}"\n`);
  return { dir, address, configFile, logFile: join(dir, 'logs', 'containerd.log') };
}

test('starts, restarts with doubling back-off after crashes, and stops with SIGTERM', async () => {
  const paths = setup();
  const clock = new FakeClock();
  const errors: Error[] = [];
  const restarts: number[] = [];
  const supervisor = new ContainerdSupervisor({ dataDir: paths.dir, ...paths, onError: (e) => errors.push(e), clock, spawn: spawnFake });
  supervisor.onRestart((pid) => restarts.push(pid));
  const aborter = new AbortController();
  try {
    await supervisor.start(aborter.signal);
    const firstPid = supervisor.pid;
    assert.ok(firstPid);
    assert.equal(supervisor.healthy(), true);
    const client = CriClient.connect(paths.address);
    assert.equal((await client.version()).runtimeVersion, String(firstPid));
    client.close();
    await waitFor('the log line', () => readFileSync(paths.logFile, 'utf8').includes(`fake containerd ${firstPid} listening`));

    // First crash: restart after 1 s.
    process.kill(firstPid, 'SIGKILL');
    await waitFor('the first back-off timer', () => clock.nextTimerDelay() === 1000);
    assert.equal(supervisor.healthy(), false);
    assert.match(errors[0]?.message ?? '', /exited unexpectedly \(signal SIGKILL\); restarting in 1000 ms/);
    await clock.advanceAsync(1000);
    await waitFor('the first restart', () => restarts.length === 1);
    const secondPid = supervisor.pid;
    assert.ok(secondPid && secondPid !== firstPid);
    assert.equal(restarts[0], secondPid);
    assert.equal(supervisor.healthy(), true);

    // Second crash in a row: 2 s.
    process.kill(secondPid, 'SIGKILL');
    await waitFor('the second back-off timer', () => clock.nextTimerDelay() === 2000);
    await clock.advanceAsync(2000);
    await waitFor('the second restart', () => restarts.length === 2);
    const thirdPid = supervisor.pid;
    assert.ok(thirdPid);

    aborter.abort();
    await supervisor.stopped();
    assert.equal(isAlive(thirdPid), false);
    assert.equal(supervisor.pid, undefined);
    assert.equal(supervisor.healthy(), false);
    assert.equal(errors.length, 2);
  } finally {
    aborter.abort();
    await supervisor.stopped();
    rmSync(paths.dir, { recursive: true, force: true });
  }
});

test('SIGKILLs a containerd that ignores SIGTERM after the grace period', async () => {
  const paths = setup('# fake: ignore-sigterm');
  const clock = new FakeClock();
  const supervisor = new ContainerdSupervisor({ dataDir: paths.dir, ...paths, onError: () => undefined, clock, spawn: spawnFake });
  const aborter = new AbortController();
  try {
    await supervisor.start(aborter.signal);
    const pid = supervisor.pid;
    assert.ok(pid);
    aborter.abort();
    await waitFor('the grace timer', () => clock.nextTimerDelay() === 10_000);
    await waitFor('SIGTERM to be seen', () => readFileSync(paths.logFile, 'utf8').includes('ignoring SIGTERM'));
    assert.equal(isAlive(pid), true);
    await clock.advanceAsync(10_000);
    await supervisor.stopped();
    assert.equal(isAlive(pid), false);
  } finally {
    aborter.abort();
    rmSync(paths.dir, { recursive: true, force: true });
  }
});

test('start rejects when containerd exits before answering', async () => {
  const paths = setup('# fake: exit-at-start');
  const supervisor = new ContainerdSupervisor({ dataDir: paths.dir, ...paths, onError: () => undefined, spawn: spawnFake });
  try {
    await assert.rejects(supervisor.start(new AbortController().signal), /exited before it was ready \(code 3\)/);
    await supervisor.stopped();
    assert.match(readFileSync(paths.logFile, 'utf8'), /exiting at start/);
  } finally {
    rmSync(paths.dir, { recursive: true, force: true });
  }
});

test('start rejects when the binary does not exist', async () => {
  const paths = setup();
  const supervisor = new ContainerdSupervisor({ dataDir: paths.dir, ...paths, containerdPath: join(paths.dir, 'no-such-containerd'), onError: () => undefined });
  try {
    await assert.rejects(supervisor.start(new AbortController().signal), /exited before it was ready \(spawn error: .*ENOENT/);
  } finally {
    rmSync(paths.dir, { recursive: true, force: true });
  }
});
