import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeUnixSocket } from './socket-probe.js';

test('a socket probe says whether something listens, and what is wrong otherwise', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-probe-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'containerd.sock');
  assert.equal(await probeUnixSocket(path), 'does not exist');
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(path, resolve));
  assert.equal(await probeUnixSocket(path), undefined);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // A path that is no socket (as a file left behind) refuses connections.
  const notListening = join(dir, 'stale.sock');
  await writeFile(notListening, '');
  assert.equal(await probeUnixSocket(notListening), 'refused the connection (nothing listens)');
});
