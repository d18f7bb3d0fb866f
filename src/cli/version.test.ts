import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatVersion, skiffVersion } from './version.js';

test("skiff version reports package.json's version, the git commit, the served Kubernetes version and Node's", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-version-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'skiff', version: '1.2.3' }));
  const v = skiffVersion({ root: dir, git: () => 'abc123\n' });
  assert.deepEqual(v, { version: '1.2.3', gitCommit: 'abc123', kubernetes: 'v1.32.0+skiff', node: process.version });
  assert.equal(formatVersion(v), `skiff version v1.2.3 (abc123)\nkubernetes v1.32.0+skiff\nnode ${process.version}`);
  const noGit = skiffVersion({
    root: dir,
    git: () => {
      throw new Error('fatal: not a git repository');
    },
  });
  assert.equal(noGit.gitCommit, 'unknown');
});
