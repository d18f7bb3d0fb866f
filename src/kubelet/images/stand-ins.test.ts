import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildBusyboxImageOptions } from './busybox.js';
import { standInImageNames, standInImages, writeStandInImages } from './stand-ins.js';

describe('stand-in images', () => {
  test('the seed plays: tomcat tags answer their tag on 8080, redis +PONG on 6379, nginx on 80', () => {
    const byName = new Map(standInImages.map((i) => [i.name, i]));
    for (const [name, tag] of [['tomcat:latest', 'latest'], ['tomcat:v1', 'v1'], ['tomcat:v2', 'v2']] as const) {
      const image = byName.get(name);
      assert.ok(image, name);
      assert.deepEqual(image.build.exposedPorts, { '8080/tcp': {} });
      assert.ok(image.build.cmd?.includes('8080'));
      assert.deepEqual(image.build.files, [{ path: '/www/index.html', content: `tomcat ${tag}\n` }]);
    }
    const redis = byName.get('redis:latest');
    assert.deepEqual(redis?.build.exposedPorts, { '6379/tcp': {} });
    assert.match(String(redis?.build.files?.[0]?.content), /\+PONG/);
    assert.deepEqual(byName.get('nginx:1.22')?.build.exposedPorts, { '80/tcp': {} });
    assert.deepEqual(byName.get(standInImageNames.busybox)?.build.cmd, ['sleep', '3600']);
  });

  test('every named stand-in is in the list once, each with its own file', () => {
    const names = standInImages.map((i) => i.name);
    assert.deepEqual([...names].sort(), Object.values(standInImageNames).sort());
    assert.equal(new Set(standInImages.map((i) => i.file)).size, standInImages.length);
  });

  test('writeStandInImages writes one tar per image, built with the given busybox', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-stand-ins-'));
    try {
      const built: BuildBusyboxImageOptions[] = [];
      const files = await writeStandInImages(dir, {
        busyboxPath: '/opt/busybox',
        build: async (options) => {
          built.push(options);
          return Buffer.from(options.name);
        },
      });
      assert.deepEqual(files, standInImages.map((i) => join(dir, i.file)));
      assert.equal(await readFile(join(dir, 'tomcat-v2.tar'), 'utf8'), 'tomcat:v2');
      assert.ok(built.every((b) => b.busyboxPath === '/opt/busybox'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
