import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxImageTar, defaultImagePath } from './busybox.js';
import { readTar } from './tar.js';

const hasBusybox = existsSync('/bin/busybox');
const isRoot = process.getuid?.() === 0;

async function imageParts(tar: Buffer): Promise<{ config: { config: Record<string, unknown> }; layerTar: Buffer }> {
  const files = new Map(readTar(tar).map((e) => [e.path, e.content]));
  const index = JSON.parse(files.get('index.json')!.toString());
  const manifest = JSON.parse(files.get(`blobs/sha256/${index.manifests[0].digest.slice(7)}`)!.toString());
  return {
    config: JSON.parse(files.get(`blobs/sha256/${manifest.config.digest.slice(7)}`)!.toString()),
    layerTar: files.get(`blobs/sha256/${manifest.layers[0].digest.slice(7)}`)!,
  };
}

describe('buildBusyboxImageTar', { skip: hasBusybox ? false : 'no /bin/busybox (apt-get install busybox-static)' }, () => {
  test('one layer with busybox, applet links, /tmp, passwd/group and the extra files', async () => {
    const tar = await buildBusyboxImageTar({
      name: 'skiff.dev/bb:1',
      cmd: ['sh', '-c', 'cat /srv/hello'],
      env: ['A=1'],
      workingDir: '/srv',
      files: [
        { path: '/srv/hello', content: 'hi\n' },
        { path: '/usr/bin/env', content: '#!/bin/sh\n', mode: 0o755 },
      ],
    });
    const { config, layerTar } = await imageParts(tar);
    assert.deepEqual(config.config.Env, [defaultImagePath, 'A=1']);
    assert.deepEqual(config.config.Cmd, ['sh', '-c', 'cat /srv/hello']);
    assert.equal(config.config.WorkingDir, '/srv');
    const layer = new Map(readTar(layerTar).map((e) => [e.path, e]));
    assert.equal(layer.get('bin/busybox')!.mode, 0o755);
    assert.equal(layer.get('bin/busybox')!.size, (await import('node:fs')).statSync('/bin/busybox').size);
    assert.equal(layer.get('bin/sh')!.type, 'symlink');
    assert.equal(layer.get('bin/sh')!.linkname, '/bin/busybox');
    assert.equal(layer.get('tmp')!.mode, 0o1777);
    assert.equal(layer.get('root')!.type, 'directory');
    assert.equal(layer.get('var')!.type, 'directory');
    assert.match(layer.get('etc/passwd')!.content.toString(), /^root:x:0:0:.*\nnobody:x:65534:65534:/);
    assert.match(layer.get('etc/group')!.content.toString(), /^nobody:x:65534:$/m);
    assert.equal(layer.get('srv/hello')!.content.toString(), 'hi\n');
    assert.equal(layer.get('usr/bin/env')!.type, 'file', 'an extra file replaces the applet link');
    assert.equal(layer.get('srv')!.type, 'directory');
  });

  test('keeps a PATH given in env', async () => {
    const { config } = await imageParts(await buildBusyboxImageTar({ name: 'x', env: ['PATH=/bin'] }));
    assert.deepEqual(config.config.Env, ['PATH=/bin']);
  });

  test('the unpacked layer runs (chroot)', { skip: isRoot ? false : 'needs root for chroot' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-bb-'));
    try {
      const { layerTar } = await imageParts(await buildBusyboxImageTar({ name: 'x', files: [{ path: '/srv/hello', content: 'hi' }] }));
      writeFileSync(join(dir, 'layer.tar.gz'), layerTar);
      const root = join(dir, 'root');
      execFileSync('mkdir', [root]);
      execFileSync('tar', ['-xzf', join(dir, 'layer.tar.gz'), '-C', root]);
      const out = execFileSync('/usr/sbin/chroot', [root, '/bin/sh', '-c', 'cat /srv/hello; ls -ld /tmp | cut -c1-10; id -un'], {
        encoding: 'utf8',
        env: { PATH: '/bin:/usr/bin' },
      });
      assert.equal(out, 'hidrwxrwxrwt\nroot\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
