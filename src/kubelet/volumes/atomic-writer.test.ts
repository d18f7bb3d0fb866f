import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomicWriter, invalidPayloadPath, type Payload } from './atomic-writer.js';
import { VolumeSetupError } from './errors.js';

const file = (text: string, mode = 0o644): { data: Buffer; mode: number } => ({ data: Buffer.from(text), mode });

test('AtomicWriter writes versions and prunes what the new payload lacks', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-atomic-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const writer = new AtomicWriter(dir);
  assert.equal(await writer.write(new Map([['a/b/c', file('1')], ['top', file('2')]])), true);
  assert.equal(await writer.write(new Map([['a/b/c', file('1')], ['top', file('2')]])), false);
  assert.equal(await writer.write(new Map([['a/x', file('3')]])), true);
  const names = await readdir(dir);
  assert.deepEqual(names.filter((name) => !name.startsWith('..')), ['a']);
  assert.equal(names.filter((name) => name.startsWith('..') && name !== '..data').length, 1, 'one version directory left');
  assert.equal(await readFile(join(dir, 'a/x'), 'utf8'), '3');
  await assert.rejects(stat(join(dir, 'a/b')));
});

test('invalid payload paths are refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-atomic-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const bad of ['', '/abs', 'a/../b', '..data', '..x/y', 'x'.repeat(256), '.']) {
    assert.ok(invalidPayloadPath(bad), bad);
    await assert.rejects(new AtomicWriter(dir).write(new Map([[bad, file('x')]]) as Payload), VolumeSetupError);
  }
  assert.equal(invalidPayloadPath('..'), "invalid path: must not contain '..': ..");
  assert.equal(invalidPayloadPath('a/..b'), undefined);
  assert.equal(invalidPayloadPath('./a'), undefined);
});
