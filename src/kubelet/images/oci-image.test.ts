import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { buildOciImageTar, normalizeImageName, parseImageReference } from './oci-image.js';
import { readTar } from './tar.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('normalizeImageName', () => {
  test('adds docker.io, library/ and latest like Docker', () => {
    assert.equal(normalizeImageName('tomcat'), 'docker.io/library/tomcat:latest');
    assert.equal(normalizeImageName('tomcat:9'), 'docker.io/library/tomcat:9');
    assert.equal(normalizeImageName('bitnami/redis'), 'docker.io/bitnami/redis:latest');
    assert.equal(normalizeImageName('index.docker.io/library/nginx:1.25'), 'docker.io/library/nginx:1.25');
    assert.equal(normalizeImageName('skiff.dev/pause:1'), 'skiff.dev/pause:1');
    assert.equal(normalizeImageName('localhost/app'), 'localhost/app:latest');
    assert.equal(normalizeImageName('localhost:5000/a/b:v1'), 'localhost:5000/a/b:v1');
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.equal(normalizeImageName(`busybox@${digest}`), `docker.io/library/busybox@${digest}`);
    assert.equal(normalizeImageName(`busybox:1@${digest}`), `docker.io/library/busybox:1@${digest}`);
  });

  test('rejects malformed names', () => {
    assert.throws(() => normalizeImageName('Tomcat'));
    assert.throws(() => normalizeImageName(''));
    assert.throws(() => normalizeImageName('a:b:c'));
    assert.throws(() => normalizeImageName('busybox@sha256:zz'));
  });

  test('splits the parts', () => {
    assert.deepEqual(parseImageReference('skiff.dev/x/y:2'), { domain: 'skiff.dev', path: 'x/y', tag: '2' });
  });
});

describe('buildOciImageTar', () => {
  test('writes a consistent OCI image layout with containerd name annotations', async () => {
    const tar = await buildOciImageTar({
      name: 'tomcat',
      architecture: 'arm64',
      layers: [
        [{ type: 'file', path: 'a.txt', content: 'a' }],
        [{ type: 'directory', path: 'etc' }, { type: 'file', path: 'etc/b', content: 'b' }],
      ],
      config: { Cmd: ['catalina.sh', 'run'], Env: ['A=1'], WorkingDir: '/w', ExposedPorts: { '8080/tcp': {} }, User: '1000' },
    });
    const files = new Map(readTar(tar).filter((e) => e.type === 'file').map((e) => [e.path, e.content]));
    assert.deepEqual(JSON.parse(files.get('oci-layout')!.toString()), { imageLayoutVersion: '1.0.0' });
    for (const [path, content] of files) {
      if (path.startsWith('blobs/sha256/')) assert.equal(sha(content), `sha256:${path.slice('blobs/sha256/'.length)}`);
    }
    const index = JSON.parse(files.get('index.json')!.toString());
    assert.equal(index.schemaVersion, 2);
    assert.equal(index.manifests.length, 1);
    const desc = index.manifests[0];
    assert.equal(desc.annotations['io.containerd.image.name'], 'docker.io/library/tomcat:latest');
    assert.equal(desc.annotations['org.opencontainers.image.ref.name'], 'latest');
    assert.deepEqual(desc.platform, { architecture: 'arm64', os: 'linux' });
    const blob = (digest: string): Buffer => files.get(`blobs/sha256/${digest.slice(7)}`)!;
    const manifestBytes = blob(desc.digest);
    assert.equal(desc.size, manifestBytes.length);
    const manifest = JSON.parse(manifestBytes.toString());
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(manifest.layers.length, 2);
    const config = JSON.parse(blob(manifest.config.digest).toString());
    assert.equal(config.os, 'linux');
    assert.equal(config.architecture, 'arm64');
    assert.deepEqual(config.config.Cmd, ['catalina.sh', 'run']);
    assert.equal(config.config.User, '1000');
    assert.equal(config.history.length, 2);
    const layers = manifest.layers.map((l: { digest: string; size: number; mediaType: string }) => {
      assert.equal(l.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
      assert.equal(blob(l.digest).length, l.size);
      return gunzipSync(blob(l.digest));
    });
    assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: layers.map(sha) });
    assert.deepEqual(readTar(layers[1]).map((e) => e.path), ['etc', 'etc/b']);
  });

  test('is reproducible and defaults the architecture to the host', async () => {
    const options = { name: 'skiff.dev/x:1', layers: [[{ type: 'file' as const, path: 'f', content: 'x' }]], config: {} };
    const a = await buildOciImageTar(options);
    assert.deepEqual(a, await buildOciImageTar(options));
    const index = JSON.parse(readTar(a).find((e) => e.path === 'index.json')!.content.toString());
    assert.equal(index.manifests[0].platform.architecture, process.arch === 'x64' ? 'amd64' : process.arch);
    assert.equal(index.manifests[0].annotations['io.containerd.image.name'], 'skiff.dev/x:1');
  });
});
