import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { waitFor } from '../testing/wait.js';
import { parseFlags } from './flags.js';
import { serverConfig, serverFlags, startControlPlane } from './server-command.js';
import { restrictDataDir } from './data-dir-modes.js';

/** Every file and directory under `dir` (not following symlinks), relative, with its permission bits. */
async function modesUnder(dir: string, skip: string[] = []): Promise<Map<string, number>> {
  const modes = new Map<string, number>();
  const visit = async (path: string): Promise<void> => {
    const rel = relative(dir, path);
    if (skip.includes(rel)) return;
    const info = await lstat(path);
    if (!info.isFile() && !info.isDirectory()) return;
    modes.set(rel || '.', info.mode & 0o7777);
    if (info.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name));
  };
  await visit(dir);
  return modes;
}

/** A data dir as an older server or a careless umask left it: world-readable everywhere. */
async function worldReadableDataDir(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-modes-'));
  for (const dir of ['', 'db', 'server', 'server/tls', 'agent', 'agent/pods/uid-1/volumes/empty', 'agent/containerd/root']) {
    await mkdir(join(dataDir, dir), { recursive: true });
    await chmod(join(dataDir, dir), 0o755);
  }
  await writeFile(join(dataDir, 'db', 'state.db'), '');
  await writeFile(join(dataDir, 'kubeconfig.yaml'), 'stale\n');
  await writeFile(join(dataDir, 'server', 'notes'), 'x');
  for (const file of ['db/state.db', 'kubeconfig.yaml', 'server/notes']) await chmod(join(dataDir, file), 0o644);
  await chmod(join(dataDir, 'agent/pods/uid-1/volumes/empty'), 0o777);
  return dataDir;
}

test('restrictDataDir narrows directories to 0700 and files to their owner bits, leaving pod data, runtime state and symlinks alone', async (t) => {
  const dataDir = await worldReadableDataDir();
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  await writeFile(join(dataDir, 'server', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
  await chmod(join(dataDir, 'server', 'tool'), 0o755);
  const outside = await mkdtemp(join(tmpdir(), 'skiff-modes-outside-'));
  t.after(() => rm(outside, { recursive: true, force: true }));
  await writeFile(join(outside, 'shared'), 'x');
  await chmod(join(outside, 'shared'), 0o644);
  await symlink(join(outside, 'shared'), join(dataDir, 'server', 'link'));
  const { changed } = await restrictDataDir(dataDir);
  const modes = await modesUnder(dataDir);
  assert.equal(modes.get('.'), 0o700);
  assert.equal(modes.get('db'), 0o700);
  assert.equal(modes.get('db/state.db'), 0o600);
  assert.equal(modes.get('kubeconfig.yaml'), 0o600);
  assert.equal(modes.get('server/tool'), 0o700);
  assert.equal(modes.get('agent/pods'), 0o700);
  assert.equal(modes.get('agent/pods/uid-1/volumes/empty'), 0o777, "a pod's emptyDir keeps its mode");
  assert.equal(modes.get('agent/containerd/root'), 0o755, "containerd's root is containerd's");
  assert.equal((await lstat(join(outside, 'shared'))).mode & 0o777, 0o644, 'a symlink is not followed');
  assert.ok(changed.length > 0);
  assert.deepEqual((await restrictDataDir(dataDir)).changed, [], 'a second pass changes nothing');
});

test('skiff server makes a data dir made 0755/0644 owner-only at start, and what it creates is owner-only too', async (t) => {
  const dataDir = await worldReadableDataDir();
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const stop = new AbortController();
  const logs: string[] = [];
  const config = serverConfig(parseFlags(['--data-dir', dataDir, '--bind-address', '127.0.0.1', '--https-port', '0', '--disable-agent', '--cluster-dns-port', '0', '--disable-controllers'], serverFlags));
  const running = startControlPlane(config, stop.signal, (msg) => logs.push(msg));
  try {
    await waitFor('the cluster to be ready', () => logs.some((l) => l.startsWith('cluster ready')), { timeoutMs: 20_000 });
    const modes = await modesUnder(dataDir, ['agent/pods', 'agent/containerd/root']);
    for (const expected of ['db/state.db', 'db/state.db-wal', 'db/state.db-shm', 'kubeconfig.yaml', 'server/token', 'server/tls/server-ca.key']) {
      assert.ok(modes.has(expected), `${expected} exists (found ${[...modes.keys()].join(', ')})`);
    }
    const open = [...modes].filter(([, mode]) => (mode & 0o077) !== 0).map(([path, mode]) => `${path} ${mode.toString(8)}`);
    assert.deepEqual(open, [], 'nothing under the data dir is readable by group or others');
    for (const [path, mode] of modes) if ((await lstat(join(dataDir, path))).isDirectory()) assert.equal(mode, 0o700, path);
  } finally {
    stop.abort();
    await running;
  }
});
