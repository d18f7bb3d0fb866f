import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { importImageTars, importImagesDir, inspectImageArchive, type ImportProgress } from './import.js';
import { buildOciImageTar } from './oci-image.js';
import { createTar } from './tar.js';

const digest = `sha256:${'ab'.repeat(32)}`;

/** A stand-in for ctr: records its arguments and stdin, prints what ctr prints per image. */
function writeFakeCtr(dir: string, exitCode = 0): string {
  const path = join(dir, 'fake-ctr');
  writeFileSync(
    path,
    `#!/bin/sh\necho "$@" > ${dir}/args\ncat > ${dir}/stdin\n` +
      (exitCode === 0 ? `printf 'unpacking skiff.dev/x:1 (${digest})...done\\n'\n` : `echo 'ctr: archive/tar: invalid tar header' >&2\nexit ${exitCode}\n`),
    { mode: 0o755 },
  );
  return path;
}

describe('importImageTars (with a stand-in ctr)', () => {
  test('streams the tar into `ctr images import -`, decompressing gzip, reporting progress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-import-'));
    try {
      const tar = await buildOciImageTar({ name: 'skiff.dev/x:1', layers: [[{ type: 'file', path: 'f', content: Buffer.alloc(200_000, 1) }]], config: {} });
      writeFileSync(join(dir, 'x.tar.gz'), gzipSync(tar));
      const progress: ImportProgress[] = [];
      const ctrPath = writeFakeCtr(dir);
      const imported = await importImageTars([join(dir, 'x.tar.gz')], { address: '/run/x.sock', ctrPath, onProgress: (p) => progress.push(p) });
      assert.deepEqual(imported, [{ name: 'skiff.dev/x:1', digest, file: join(dir, 'x.tar.gz') }]);
      assert.equal(readFileSync(join(dir, 'args'), 'utf8'), '--address /run/x.sock -n k8s.io images import -\n');
      assert.deepEqual(readFileSync(join(dir, 'stdin')), tar);
      const total = readFileSync(join(dir, 'x.tar.gz')).length;
      assert.deepEqual(progress[0], { file: join(dir, 'x.tar.gz'), bytesDone: 0, bytesTotal: total });
      assert.deepEqual(progress.at(-1), { file: join(dir, 'x.tar.gz'), bytesDone: total, bytesTotal: total });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a failing ctr rejects with ctr's message", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-import-'));
    try {
      writeFileSync(join(dir, 'bad.tar'), createTar([{ type: 'file', path: 'x', content: 'x' }]));
      await assert.rejects(importImageTars([join(dir, 'bad.tar')], { address: 'a', ctrPath: writeFakeCtr(dir, 1) }), /exit code 1: ctr: archive\/tar: invalid tar header/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an aborted signal imports nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(importImageTars(['/nonexistent.tar'], { address: 'a', signal: controller.signal }));
  });

  test('importImagesDir takes *.tar, *.tar.gz and *.tgz in name order, and a missing folder is empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-import-'));
    try {
      const images = join(dir, 'images');
      mkdirSync(images);
      const tar = createTar([{ type: 'file', path: 'x', content: 'x' }]);
      writeFileSync(join(images, 'b.tar'), tar);
      writeFileSync(join(images, 'a.tgz'), gzipSync(tar));
      writeFileSync(join(images, 'notes.txt'), 'x');
      const imported = await importImagesDir(images, { address: 'a', ctrPath: writeFakeCtr(dir) });
      assert.deepEqual(imported.map((i) => i.file), [join(images, 'a.tgz'), join(images, 'b.tar')]);
      assert.deepEqual(await importImagesDir(join(dir, 'missing'), { address: 'a' }), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('inspectImageArchive', () => {
  test('names of OCI layouts and docker-archives, plain or gzip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-import-'));
    try {
      const oci = await buildOciImageTar({ name: 'busybox', layers: [[{ type: 'file', path: 'big', content: Buffer.alloc(3_000_000, 3) }]], config: {} });
      writeFileSync(join(dir, 'oci.tar'), oci);
      writeFileSync(join(dir, 'oci.tar.gz'), gzipSync(oci));
      const docker = createTar([
        { type: 'file', path: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: ['app:v1', 'skiff.dev/app:2'], Layers: ['l/layer.tar'] }]) },
        { type: 'file', path: 'c.json', content: '{}' },
      ]);
      writeFileSync(join(dir, 'docker.tar'), docker);
      writeFileSync(join(dir, 'other.tar'), createTar([{ type: 'file', path: 'x', content: 'x' }]));
      writeFileSync(join(dir, 'junk.tar'), Buffer.alloc(2048, 7));
      assert.deepEqual(await inspectImageArchive(join(dir, 'oci.tar')), { format: 'oci', names: ['docker.io/library/busybox:latest'] });
      assert.deepEqual(await inspectImageArchive(join(dir, 'oci.tar.gz')), { format: 'oci', names: ['docker.io/library/busybox:latest'] });
      assert.deepEqual(await inspectImageArchive(join(dir, 'docker.tar')), { format: 'docker', names: ['docker.io/library/app:v1', 'skiff.dev/app:2'] });
      await assert.rejects(inspectImageArchive(join(dir, 'other.tar')), /neither an OCI image layout nor a docker-archive/);
      await assert.rejects(inspectImageArchive(join(dir, 'junk.tar')), /checksum/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
