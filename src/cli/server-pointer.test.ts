import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readServerPointer, removeServerPointer, writeServerPointer } from './server-pointer.js';

test('a pointer is read back while its process lives, ignored once it is gone, and removed only by its server', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-pointer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'run', 'server.json');
  assert.equal(readServerPointer(file), undefined);
  const pointer = { dataDir: '/srv/skiff', kubeconfig: '/srv/skiff/kubeconfig.yaml', pid: process.pid };
  writeServerPointer(file, pointer);
  assert.deepEqual(readServerPointer(file), pointer);
  assert.equal(readServerPointer(file, { alive: () => false }), undefined);
  removeServerPointer(file, process.pid + 1);
  assert.ok(existsSync(file), "another server's pointer stays");
  removeServerPointer(file, process.pid);
  assert.ok(!existsSync(file));
  await writeFile(file, 'not json');
  assert.equal(readServerPointer(file), undefined);
});
