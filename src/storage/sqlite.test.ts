import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { SqliteStore } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteStore durability', () => {
  test('every acknowledged write survives SIGKILL of the writing process', async () => {
    const path = join(dir, 'crash', 'state.db');
    const moduleUrl = new URL('./sqlite.js', import.meta.url).href;
    // The child acknowledges each create on stdout only after create() resolved.
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(moduleUrl)});
      const store = SqliteStore.open(${JSON.stringify(path)});
      for (let i = 0; ; i++) {
        await store.create('/registry/pods/default/p' + i, JSON.stringify({ i }));
        process.stdout.write(i + '\\n');
      }
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let acknowledged = -1;
    const lines = createInterface({ input: child.stdout });
    const deadline = setTimeout(() => child.kill('SIGKILL'), 20000);
    for await (const line of lines) {
      acknowledged = Number(line);
      if (acknowledged >= 500) {
        child.kill('SIGKILL');
        break;
      }
    }
    await exited;
    clearTimeout(deadline);
    assert.ok(acknowledged >= 500, `child acknowledged only ${acknowledged + 1} writes`);

    const store = SqliteStore.open(path);
    try {
      assert.ok((await store.count('/registry/pods/')) >= acknowledged + 1);
      for (let i = 0; i <= acknowledged; i++) {
        assert.ok(await store.get(`/registry/pods/default/p${i}`), `write ${i} was lost`);
      }
      // The revision sequence continues after the last surviving write.
      const next = await store.create('/registry/pods/default/after', '{}');
      assert.equal(next.modRevision, (await store.list('/registry/pods/')).revision);
      assert.ok(next.modRevision > acknowledged + 1);
    } finally {
      await store.close();
    }
  });

  test('every acknowledged write survives SIGKILL while concurrent writes are committed together', async () => {
    const path = join(dir, 'crash-concurrent', 'state.db');
    const moduleUrl = new URL('./sqlite.js', import.meta.url).href;
    // 50 writers at once, so that writes share commits; each is acknowledged after its create resolved.
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(moduleUrl)});
      const store = SqliteStore.open(${JSON.stringify(path)});
      await Promise.all(Array.from({ length: 50 }, async (_, w) => {
        for (let i = 0; ; i++) {
          await store.create('/registry/pods/w' + w + '/p' + i, JSON.stringify({ w, i }));
          process.stdout.write(w + ' ' + i + '\\n');
        }
      }));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const acknowledged: string[] = [];
    const lines = createInterface({ input: child.stdout });
    const deadline = setTimeout(() => child.kill('SIGKILL'), 20000);
    for await (const line of lines) {
      const [w, i] = line.split(' ');
      acknowledged.push(`/registry/pods/w${w}/p${i}`);
      if (acknowledged.length >= 5000) {
        child.kill('SIGKILL');
        break;
      }
    }
    await exited;
    clearTimeout(deadline);
    assert.ok(acknowledged.length >= 5000, `child acknowledged only ${acknowledged.length} writes`);

    const store = SqliteStore.open(path);
    try {
      for (const key of acknowledged) assert.ok(await store.get(key), `write ${key} was lost`);
      const next = await store.create('/registry/pods/after', '{}');
      assert.equal(next.modRevision, await store.currentRevision());
      assert.ok(next.modRevision > acknowledged.length);
    } finally {
      await store.close();
    }
  });

  test('compaction across many keys keeps exactly the live state', async () => {
    const store = SqliteStore.open(join(dir, 'compact', 'state.db'), { compactBatchSize: 7 });
    try {
      const expected = new Map<string, string>();
      for (let i = 0; i < 60; i++) {
        const key = `/registry/configmaps/default/c${i % 20}`;
        const current = await store.get(key);
        if (!current) await store.create(key, `v${i}`);
        else if (i % 3 === 0) await store.delete(key, current.modRevision);
        else await store.update(key, `v${i}`, current.modRevision);
      }
      for (const kv of (await store.list('/registry/configmaps/')).items) expected.set(kv.key, kv.value);
      const revision = await store.currentRevision();
      await store.compact(revision);
      const after = await store.list('/registry/configmaps/', { revision });
      assert.deepEqual(new Map(after.items.map((kv) => [kv.key, kv.value])), expected);
      assert.equal(await store.count('/registry/configmaps/'), expected.size);
    } finally {
      await store.close();
    }
  });

  test('operations on a closed store fail with Unavailable', async () => {
    const store = SqliteStore.open(':memory:');
    await store.close();
    await assert.rejects(store.get('/a'), { name: 'StorageError', code: 'Unavailable' });
  });
});
