import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Volume } from 'kubernetes-types/core/v1.js';
import { lstat, mkdir, mkdtemp, open, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VolumeSetupError } from './errors.js';
import { containerMounts } from './mounts.js';
import { FakeMounter } from './testing.js';
import { PodVolumes, memoryVolumeSize, type VolumeSources } from './volumes.js';

interface Fixture {
  root: string;
  podsDir: string;
  mounter: FakeMounter;
  configMaps: Map<string, ConfigMap>;
  secrets: Map<string, Secret>;
  claims: Map<string, PersistentVolumeClaim>;
  pvs: Map<string, PersistentVolume>;
  volumes: PodVolumes;
}

async function fixture(t: { after(fn: () => Promise<void>): void }, extra: Partial<VolumeSources> = {}): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), 'skiff-volumes-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const podsDir = join(root, 'agent', 'pods');
  const mounter = new FakeMounter();
  const configMaps = new Map<string, ConfigMap>();
  const secrets = new Map<string, Secret>();
  const claims = new Map<string, PersistentVolumeClaim>();
  const pvs = new Map<string, PersistentVolume>();
  const sources: VolumeSources = {
    configMap: (ns, name) => configMaps.get(`${ns}/${name}`),
    secret: (ns, name) => secrets.get(`${ns}/${name}`),
    persistentVolumeClaim: (ns, name) => claims.get(`${ns}/${name}`),
    persistentVolume: (name) => pvs.get(name),
    ...extra,
  };
  const volumes = new PodVolumes({ podsDir, sources, mounter, nodeName: 'node-a' });
  return { root, podsDir, mounter, configMaps, secrets, claims, pvs, volumes };
}

function pod(volumes: Volume[], extra: Partial<Pod['spec']> = {}, uid = 'uid-1'): Pod {
  return {
    metadata: { name: 'web', namespace: 'ns', uid, labels: { app: 'web', tier: 'front' }, annotations: { note: 'say "hi"\nbye' } },
    spec: { containers: [{ name: 'app', image: 'busybox', resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } } }], volumes, ...extra },
  };
}

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o7777;
const b64 = (text: string): string => Buffer.from(text).toString('base64');

async function rejectsWith(promise: Promise<unknown>, message: string, volumeName?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof VolumeSetupError, `not a VolumeSetupError: ${String(error)}`);
    assert.equal(error.message, message);
    if (volumeName !== undefined) assert.equal(error.volumeName, volumeName);
    return true;
  });
}

describe('emptyDir', () => {
  test('disk medium: a 0777 directory under the pod dir, idempotent', async (t) => {
    const f = await fixture(t);
    const p = pod([{ name: 'scratch', emptyDir: {} }]);
    const paths = await f.volumes.setUp(p);
    const dir = join(f.podsDir, 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'scratch');
    assert.equal(paths.get('scratch'), dir);
    assert.equal(await modeOf(dir), 0o777);
    await writeFile(join(dir, 'keep'), 'x');
    await f.volumes.setUp(p);
    assert.equal(await readFile(join(dir, 'keep'), 'utf8'), 'x');
    assert.equal(f.mounter.mounts.length, 0);
  });

  test('memory medium: one tmpfs mount sized by sizeLimit, not remounted', async (t) => {
    const f = await fixture(t);
    const p = pod([{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }]);
    const paths = await f.volumes.setUp(p);
    await f.volumes.setUp(p);
    assert.deepEqual(f.mounter.mounts, [{ source: 'tmpfs', target: paths.get('cache'), fsType: 'tmpfs', options: ['size=1048576'] }]);
  });

  test('memory medium without sizeLimit uses the pod memory limit', async (t) => {
    const f = await fixture(t);
    await f.volumes.setUp(pod([{ name: 'cache', emptyDir: { medium: 'Memory' } }]));
    assert.deepEqual(f.mounter.mounts[0]!.options, [`size=${64 * 1024 * 1024}`]);
    assert.equal(memoryVolumeSize(pod([]), '2Gi', '1Gi'), 64 * 1024 * 1024);
    assert.equal(memoryVolumeSize({ spec: { containers: [{ name: 'a' }] } }, undefined, undefined), undefined);
  });

  test('a failing mount is reported, naming the volume', async (t) => {
    const f = await fixture(t);
    f.mounter.failNext = 'mount: permission denied';
    await assert.rejects(f.volumes.setUp(pod([{ name: 'cache', emptyDir: { medium: 'Memory' } }])), (error: unknown) => {
      assert.ok(error instanceof VolumeSetupError);
      assert.equal(error.volumeName, 'cache');
      assert.match(error.message, /mounting tmpfs at .* failed: mount: permission denied/);
      return true;
    });
  });
});

describe('configMap', () => {
  test('all keys (data and binaryData) with the AtomicWriter layout and default mode 0644', async (t) => {
    const f = await fixture(t);
    f.configMaps.set('ns/cfg', { metadata: { name: 'cfg' }, data: { 'a.conf': 'alpha', b: 'beta' }, binaryData: { bin: Buffer.from([0, 1, 2]).toString('base64') } });
    const paths = await f.volumes.setUp(pod([{ name: 'config', configMap: { name: 'cfg' } }]));
    const dir = paths.get('config')!;
    assert.equal(dir, join(f.podsDir, 'uid-1', 'volumes', 'kubernetes.io~configmap', 'config'));
    assert.equal(await readFile(join(dir, 'a.conf'), 'utf8'), 'alpha');
    assert.deepEqual(await readFile(join(dir, 'bin')), Buffer.from([0, 1, 2]));
    assert.equal(await readlink(join(dir, 'a.conf')), '..data/a.conf');
    const data = await readlink(join(dir, '..data'));
    assert.match(data, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\w+$/);
    assert.equal(await modeOf(join(dir, data, 'b')), 0o644);
    assert.equal(await modeOf(join(dir, data)), 0o755);
    assert.deepEqual((await readdir(dir)).sort(), ['..data', data, 'a.conf', 'b', 'bin'].sort());
    assert.equal(f.mounter.mounts.length, 0, 'configMap volumes are on disk, as upstream');
  });

  test('items with paths and modes, defaultMode', async (t) => {
    const f = await fixture(t);
    f.configMaps.set('ns/cfg', { metadata: { name: 'cfg' }, data: { a: 'alpha', b: 'beta', c: 'gamma' } });
    const paths = await f.volumes.setUp(
      pod([{ name: 'config', configMap: { name: 'cfg', defaultMode: 0o600, items: [{ key: 'a', path: 'sub/dir/a.txt', mode: 0o400 }, { key: 'b', path: 'b.txt' }] } }]),
    );
    const dir = paths.get('config')!;
    assert.equal(await readFile(join(dir, 'sub/dir/a.txt'), 'utf8'), 'alpha');
    assert.equal(await modeOf(join(dir, 'sub/dir/a.txt')), 0o400);
    assert.equal(await modeOf(join(dir, 'b.txt')), 0o600);
    assert.equal(await readlink(join(dir, 'sub')), '..data/sub');
    await assert.rejects(stat(join(dir, 'c')));
  });

  test('missing configMap, missing key, optional', async (t) => {
    const f = await fixture(t);
    await rejectsWith(f.volumes.setUp(pod([{ name: 'config', configMap: { name: 'nope' } }])), 'configmap "nope" not found', 'config');
    const optional = await f.volumes.setUp(pod([{ name: 'config', configMap: { name: 'nope', optional: true } }]));
    assert.deepEqual((await readdir(optional.get('config')!)).filter((name) => !name.startsWith('..')), []);
    f.configMaps.set('ns/cfg', { metadata: { name: 'cfg' }, data: { a: 'alpha' } });
    await rejectsWith(f.volumes.setUp(pod([{ name: 'config', configMap: { name: 'cfg', items: [{ key: 'k', path: 'k' }] } }])), 'configmap references non-existent config key: k', 'config');
    const skipped = await f.volumes.setUp(pod([{ name: 'config', configMap: { name: 'cfg', optional: true, items: [{ key: 'k', path: 'k' }, { key: 'a', path: 'a' }] } }]));
    assert.equal(await readFile(join(skipped.get('config')!, 'a'), 'utf8'), 'alpha');
  });

  test('the other volumes are still set up when one fails', async (t) => {
    const f = await fixture(t);
    await rejectsWith(f.volumes.setUp(pod([{ name: 'config', configMap: { name: 'nope' } }, { name: 'scratch', emptyDir: {} }])), 'configmap "nope" not found');
    assert.ok((await stat(join(f.podsDir, 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'scratch'))).isDirectory());
  });
});

describe('secret', () => {
  test('base64-decoded data on a tmpfs, items and modes', async (t) => {
    const f = await fixture(t);
    f.secrets.set('ns/creds', { metadata: { name: 'creds' }, data: { user: b64('admin'), pass: b64('s3cret') } });
    const paths = await f.volumes.setUp(pod([{ name: 'creds', secret: { secretName: 'creds', defaultMode: 0o440, items: [{ key: 'pass', path: 'password' }] } }]));
    const dir = paths.get('creds')!;
    assert.equal(dir, join(f.podsDir, 'uid-1', 'volumes', 'kubernetes.io~secret', 'creds'));
    assert.equal(await readFile(join(dir, 'password'), 'utf8'), 's3cret');
    assert.equal(await modeOf(join(dir, 'password')), 0o440);
    assert.deepEqual(f.mounter.mounts.map((mount) => [mount.target, mount.fsType]), [[dir, 'tmpfs']]);
  });

  test('missing secret and key', async (t) => {
    const f = await fixture(t);
    await rejectsWith(f.volumes.setUp(pod([{ name: 'creds', secret: { secretName: 'gone' } }])), 'secret "gone" not found', 'creds');
    f.secrets.set('ns/creds', { metadata: { name: 'creds' }, data: {} });
    await rejectsWith(f.volumes.setUp(pod([{ name: 'creds', secret: { secretName: 'creds', items: [{ key: 'x', path: 'x' }] } }])), 'secret references non-existent secret key: x');
    await f.volumes.setUp(pod([{ name: 'creds', secret: { secretName: 'gone', optional: true } }]));
  });
});

describe('downwardAPI and projected', () => {
  test('downwardAPI fields, labels and annotations escaped and sorted, resources', async (t) => {
    const f = await fixture(t, { nodeAllocatable: { cpu: '4', memory: '8Gi' } });
    const p = pod([
      {
        name: 'info',
        downwardAPI: {
          items: [
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } },
            { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' }, mode: 0o400 },
            { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
            { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
            { path: 'cpu-limit', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } },
            { path: 'cpu-request', resourceFieldRef: { containerName: 'app', resource: 'requests.cpu', divisor: '1m' } },
          ],
        },
      },
    ]);
    const dir = (await f.volumes.setUp(p)).get('info')!;
    assert.equal(dir, join(f.podsDir, 'uid-1', 'volumes', 'kubernetes.io~downward-api', 'info'));
    const read = (name: string): Promise<string> => readFile(join(dir, name), 'utf8');
    assert.equal(await read('name'), 'web');
    assert.equal(await read('ns'), 'ns');
    assert.equal(await read('uid'), 'uid-1');
    assert.equal(await read('labels'), 'app="web"\ntier="front"');
    assert.equal(await read('annotations'), 'note="say \\"hi\\"\\nbye"');
    assert.equal(await modeOf(join(dir, 'annotations')), 0o400);
    assert.equal(await read('tier'), 'front');
    assert.equal(await read('mem'), '64');
    assert.equal(await read('cpu-limit'), '4', 'unset limit falls back to node allocatable');
    assert.equal(await read('cpu-request'), '250');
  });

  test('downwardAPI errors', async (t) => {
    const f = await fixture(t);
    await rejectsWith(f.volumes.setUp(pod([{ name: 'info', downwardAPI: { items: [{ path: 'x', fieldRef: { fieldPath: 'spec.nodeName' } }] } }])), 'unsupported fieldPath: spec.nodeName');
    await rejectsWith(
      f.volumes.setUp(pod([{ name: 'info', downwardAPI: { items: [{ path: 'x', resourceFieldRef: { containerName: 'other', resource: 'limits.cpu' } }] } }])),
      'container other not found',
    );
  });

  test('projected: configMap, secret, downwardAPI and a placeholder token', async (t) => {
    const f = await fixture(t);
    f.configMaps.set('ns/kube-root-ca.crt', { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'CA' } });
    f.secrets.set('ns/s', { metadata: { name: 's' }, data: { k: b64('v') } });
    const p = pod([
      {
        name: 'kube-api-access',
        projected: {
          defaultMode: 0o420,
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { secret: { name: 's' } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ]);
    const dir = (await f.volumes.setUp(p)).get('kube-api-access')!;
    assert.equal(dir, join(f.podsDir, 'uid-1', 'volumes', 'kubernetes.io~projected', 'kube-api-access'));
    assert.equal(await readFile(join(dir, 'token'), 'utf8'), '');
    assert.equal(await readFile(join(dir, 'ca.crt'), 'utf8'), 'CA');
    assert.equal(await readFile(join(dir, 'k'), 'utf8'), 'v');
    assert.equal(await readFile(join(dir, 'namespace'), 'utf8'), 'ns');
    assert.equal(await modeOf(join(dir, 'ca.crt')), 0o420);
    assert.equal(f.mounter.mounts.length, 1);
  });

  test('projected: a token provider, and errors of every source joined', async (t) => {
    const f = await fixture(t, { serviceAccountToken: async (p, projection) => `token-for-${p.metadata!.name}-${projection.audience}` });
    const dir = (await f.volumes.setUp(pod([{ name: 'p', projected: { sources: [{ serviceAccountToken: { path: 't', audience: 'api' } }] } }]))).get('p')!;
    assert.equal(await readFile(join(dir, 't'), 'utf8'), 'token-for-web-api');
    await rejectsWith(
      f.volumes.setUp(pod([{ name: 'p', projected: { sources: [{ configMap: { name: 'a' } }, { secret: { name: 'b' } }] } }])),
      '[configmap "a" not found, secret "b" not found]',
      'p',
    );
  });
});

describe('hostPath', () => {
  test('DirectoryOrCreate and FileOrCreate create; the checked types fail with upstream messages', async (t) => {
    const f = await fixture(t);
    const made = join(f.root, 'host', 'made', 'deep');
    const file = join(f.root, 'host', 'file.txt');
    await mkdir(join(f.root, 'host'));
    const paths = await f.volumes.setUp(
      pod([
        { name: 'd', hostPath: { path: made, type: 'DirectoryOrCreate' } },
        { name: 'f', hostPath: { path: file, type: 'FileOrCreate' } },
        { name: 'null', hostPath: { path: '/dev/null', type: 'CharDevice' } },
        { name: 'any', hostPath: { path: join(f.root, 'missing-any') } },
      ]),
    );
    assert.equal(paths.get('d'), made);
    assert.equal(await modeOf(made), 0o755);
    assert.ok((await stat(file)).isFile());
    assert.equal(paths.get('any'), join(f.root, 'missing-any'));
    await rejectsWith(f.volumes.setUp(pod([{ name: 'x', hostPath: { path: join(f.root, 'nope'), type: 'Directory' } }])), `hostPath type check failed: ${join(f.root, 'nope')} is not a directory`, 'x');
    await rejectsWith(f.volumes.setUp(pod([{ name: 'x', hostPath: { path: made, type: 'File' } }])), `hostPath type check failed: ${made} is not a file`);
    await rejectsWith(f.volumes.setUp(pod([{ name: 'x', hostPath: { path: file, type: 'Socket' } }])), `hostPath type check failed: ${file} is not a socket file`);
    await rejectsWith(f.volumes.setUp(pod([{ name: 'x', hostPath: { path: file, type: 'BlockDevice' } }])), `hostPath type check failed: ${file} is not a block device`);
    await rejectsWith(f.volumes.setUp(pod([{ name: 'x', hostPath: { path: file, type: 'Weird' } }])), 'Weird is an invalid volume type');
  });
});

describe('persistentVolumeClaim', () => {
  test('bound claims resolve to the PV path; missing and unbound claims fail', async (t) => {
    const f = await fixture(t);
    const hostDir = join(f.root, 'pv-host');
    const localDir = join(f.root, 'pv-local', 'data');
    await mkdir(hostDir);
    f.pvs.set('pv-h', { metadata: { name: 'pv-h' }, spec: { hostPath: { path: hostDir }, claimRef: { uid: 'claim-uid' } } });
    f.pvs.set('pv-l', { metadata: { name: 'pv-l' }, spec: { local: { path: localDir } } });
    f.claims.set('ns/data', { metadata: { name: 'data', uid: 'claim-uid' }, spec: { volumeName: 'pv-h' }, status: { phase: 'Bound' } });
    f.claims.set('ns/local', { metadata: { name: 'local' }, spec: { volumeName: 'pv-l' }, status: { phase: 'Bound' } });
    f.claims.set('ns/pending', { metadata: { name: 'pending' }, spec: {}, status: { phase: 'Pending' } });
    f.claims.set('ns/lost', { metadata: { name: 'lost' }, spec: { volumeName: 'pv-gone' }, status: { phase: 'Bound' } });
    const paths = await f.volumes.setUp(pod([{ name: 'a', persistentVolumeClaim: { claimName: 'data' } }, { name: 'b', persistentVolumeClaim: { claimName: 'local' } }]));
    assert.equal(paths.get('a'), hostDir);
    assert.equal(paths.get('b'), localDir);
    assert.ok((await stat(localDir)).isDirectory(), 'local-path directory created');
    await rejectsWith(f.volumes.setUp(pod([{ name: 'a', persistentVolumeClaim: { claimName: 'x' } }])), 'persistentvolumeclaim "x" not found', 'a');
    await rejectsWith(f.volumes.setUp(pod([{ name: 'a', persistentVolumeClaim: { claimName: 'pending' } }])), 'persistentvolumeclaim "pending" is not bound');
    await rejectsWith(f.volumes.setUp(pod([{ name: 'a', persistentVolumeClaim: { claimName: 'lost' } }])), 'persistentvolume "pv-gone" not found');
  });

  test('local PVs pinned to another node are refused; generic ephemeral volumes use <pod>-<volume>', async (t) => {
    const f = await fixture(t);
    const hostname = (node: string): PersistentVolume['spec'] => ({
      local: { path: join(f.root, node) },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    });
    f.pvs.set('other', { metadata: { name: 'other' }, spec: hostname('node-b') });
    f.pvs.set('mine', { metadata: { name: 'mine' }, spec: hostname('node-a') });
    f.claims.set('ns/o', { metadata: { name: 'o' }, spec: { volumeName: 'other' }, status: { phase: 'Bound' } });
    await rejectsWith(f.volumes.setUp(pod([{ name: 'a', persistentVolumeClaim: { claimName: 'o' } }])), 'persistentvolume "other" is bound to another node than "node-a"');
    f.claims.set('ns/web-scratch', {
      metadata: { name: 'web-scratch', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'uid-1', controller: true }] },
      spec: { volumeName: 'mine' },
      status: { phase: 'Bound' },
    });
    const paths = await f.volumes.setUp(pod([{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }]));
    assert.equal(paths.get('scratch'), join(f.root, 'node-a'));
    await rejectsWith(f.volumes.setUp(pod([{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }], {}, 'uid-2')), 'PVC ns/web-scratch was not created for the pod');
  });

  test('unsupported volume types fail', async (t) => {
    const f = await fixture(t);
    await rejectsWith(f.volumes.setUp(pod([{ name: 'n', nfs: { server: 'x', path: '/' } }])), 'volume "n" has a volume type this node does not support', 'n');
  });
});

describe('refresh', () => {
  test('changes appear in place through the ..data swap; unchanged content is not rewritten', async (t) => {
    const f = await fixture(t);
    f.configMaps.set('ns/cfg', { metadata: { name: 'cfg' }, data: { a: 'one', gone: 'soon' } });
    const p = pod([{ name: 'config', configMap: { name: 'cfg' } }]);
    const dir = (await f.volumes.setUp(p)).get('config')!;
    const dirInode = (await stat(dir)).ino;
    const oldData = await readlink(join(dir, '..data'));
    assert.equal(await f.volumes.refresh(p), false);
    assert.equal(await readlink(join(dir, '..data')), oldData);

    const before = await open(join(dir, 'a'));
    t.after(() => before.close());
    f.configMaps.set('ns/cfg', { metadata: { name: 'cfg' }, data: { a: 'two', added: 'new' } });
    assert.equal(await f.volumes.refresh(p), true);
    // a reader holding the old file keeps a consistent old version, the path shows the new one
    assert.equal(await before.readFile('utf8'), 'one');
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'two');
    assert.equal(await readFile(join(dir, 'added'), 'utf8'), 'new');
    assert.equal((await stat(dir)).ino, dirInode, 'the volume directory (bind-mounted into containers) stays the same');
    await assert.rejects(lstat(join(dir, 'gone')), 'removed keys disappear');
    const newData = await readlink(join(dir, '..data'));
    assert.notEqual(newData, oldData);
    await assert.rejects(stat(join(dir, oldData)), 'the old version is removed');
    assert.equal(await f.volumes.refresh(p), false);
  });

  test('a mode change counts as a change; a now-missing source keeps the old content', async (t) => {
    const errors: string[] = [];
    const f = await fixture(t);
    const volumes = new PodVolumes({
      podsDir: f.podsDir,
      mounter: f.mounter,
      nodeName: 'node-a',
      sources: { configMap: (ns, name) => f.configMaps.get(`${ns}/${name}`), secret: () => undefined, persistentVolumeClaim: () => undefined, persistentVolume: () => undefined },
      onRefreshError: (_pod, volume, error) => errors.push(`${volume}: ${error.message}`),
    });
    f.configMaps.set('ns/cfg', { metadata: { name: 'cfg' }, data: { a: 'one' } });
    const dir = (await volumes.setUp(pod([{ name: 'config', configMap: { name: 'cfg' } }]))).get('config')!;
    assert.equal(await volumes.refresh(pod([{ name: 'config', configMap: { name: 'cfg', defaultMode: 0o600 } }])), true);
    assert.equal(await modeOf(join(dir, 'a')), 0o600);
    f.configMaps.clear();
    assert.equal(await volumes.refresh(pod([{ name: 'config', configMap: { name: 'cfg' } }])), false);
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'one');
    assert.deepEqual(errors, ['config: configmap "cfg" not found']);
  });

  test('secret and downwardAPI updates; volumes never set up are not created', async (t) => {
    const f = await fixture(t);
    f.secrets.set('ns/s', { metadata: { name: 's' }, data: { k: b64('v1') } });
    const p = pod([{ name: 's', secret: { secretName: 's' } }, { name: 'd', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }]);
    const paths = await f.volumes.setUp(p);
    f.secrets.set('ns/s', { metadata: { name: 's' }, data: { k: b64('v2') } });
    p.metadata!.labels = { app: 'web2' };
    assert.equal(await f.volumes.refresh(p), true);
    assert.equal(await readFile(join(paths.get('s')!, 'k'), 'utf8'), 'v2');
    assert.equal(await readFile(join(paths.get('d')!, 'labels'), 'utf8'), 'app="web2"');
    assert.equal(await f.volumes.refresh(pod([{ name: 'c', configMap: { name: 'x', optional: true } }], {}, 'uid-9')), false);
    assert.deepEqual(await f.volumes.listPodDirs(), ['uid-1']);
  });
});

describe('ownership and subPath of projected files', () => {
  const root = process.getuid?.() === 0;
  test('fsGroup gives files and directories the group and group read', { skip: root ? false : 'chown needs root' }, async (t) => {
    const f = await fixture(t);
    f.configMaps.set('ns/cfg', { metadata: { name: 'cfg' }, data: { a: 'alpha' } });
    const paths = await f.volumes.setUp(
      pod([{ name: 'config', configMap: { name: 'cfg', defaultMode: 0o600 } }, { name: 'scratch', emptyDir: {} }], { securityContext: { fsGroup: 4321 } }),
    );
    const file = await stat(join(paths.get('config')!, 'a'));
    assert.equal(file.gid, 4321);
    assert.equal(file.mode & 0o7777, 0o640);
    const scratch = await stat(paths.get('scratch')!);
    assert.equal(scratch.gid, 4321);
    assert.equal(scratch.mode & 0o7777, 0o2777);
  });

  test('a subPath of a configMap key resolves to the real file inside the volume', async (t) => {
    const f = await fixture(t);
    f.configMaps.set('ns/cfg', { metadata: { name: 'cfg' }, data: { 'app.conf': 'x=1' } });
    const p = pod([{ name: 'config', configMap: { name: 'cfg' } }]);
    const paths = await f.volumes.setUp(p);
    const [mount] = await containerMounts(p, { name: 'app', volumeMounts: [{ name: 'config', mountPath: '/etc/app.conf', subPath: 'app.conf' }] }, paths, {
      podDir: join(f.podsDir, 'uid-1'),
    });
    const data = await readlink(join(paths.get('config')!, '..data'));
    assert.equal(mount!.hostPath, join(paths.get('config')!, data, 'app.conf'));
    assert.equal(mount!.readonly, true);
  });
});

describe('tearDown', () => {
  test('unmounts, removes the pod dir and leaves hostPath, PV and symlink targets intact', async (t) => {
    const f = await fixture(t);
    const hostDir = join(f.root, 'host-data');
    const pvDir = join(f.root, 'pv-data');
    const outside = join(f.root, 'outside');
    await mkdir(hostDir);
    await mkdir(pvDir);
    await mkdir(outside);
    await writeFile(join(hostDir, 'precious'), 'keep me');
    await writeFile(join(pvDir, 'db'), 'rows');
    await writeFile(join(outside, 'file'), 'also keep');
    f.pvs.set('pv', { metadata: { name: 'pv' }, spec: { hostPath: { path: pvDir } } });
    f.claims.set('ns/c', { metadata: { name: 'c' }, spec: { volumeName: 'pv' }, status: { phase: 'Bound' } });
    f.secrets.set('ns/s', { metadata: { name: 's' }, data: { k: b64('v') } });
    const p = pod([
      { name: 'host', hostPath: { path: hostDir, type: 'Directory' } },
      { name: 'claim', persistentVolumeClaim: { claimName: 'c' } },
      { name: 'mem', emptyDir: { medium: 'Memory' } },
      { name: 'disk', emptyDir: {} },
      { name: 's', secret: { secretName: 's' } },
    ]);
    const paths = await f.volumes.setUp(p);
    await f.volumes.setUp(pod([{ name: 'disk', emptyDir: {} }], {}, 'uid-2'));
    // a symlink planted in the pod dir (e.g. by a container writing to its emptyDir) must not be followed
    await symlink(outside, join(paths.get('disk')!, 'escape'));
    await symlink(hostDir, join(paths.get('disk')!, 'host-link'));
    assert.deepEqual((await f.volumes.listPodDirs()).sort(), ['uid-1', 'uid-2']);
    assert.equal(f.mounter.mounts.length, 2);

    await f.volumes.tearDown('uid-1');
    await assert.rejects(stat(join(f.podsDir, 'uid-1')));
    assert.equal(f.mounter.mounts.length, 0);
    assert.deepEqual(f.mounter.unmounted.sort(), [paths.get('mem'), paths.get('s')].sort());
    assert.equal(await readFile(join(hostDir, 'precious'), 'utf8'), 'keep me');
    assert.equal(await readFile(join(pvDir, 'db'), 'utf8'), 'rows');
    assert.equal(await readFile(join(outside, 'file'), 'utf8'), 'also keep');
    assert.deepEqual(await f.volumes.listPodDirs(), ['uid-2']);
    await f.volumes.tearDown('uid-1');
    await assert.rejects(f.volumes.tearDown('..'), VolumeSetupError);
    await assert.rejects(f.volumes.tearDown('a/b'), VolumeSetupError);
  });

  test('refuses to remove when a mount stays', async (t) => {
    const f = await fixture(t);
    const paths = await f.volumes.setUp(pod([{ name: 'mem', emptyDir: { medium: 'Memory' } }]));
    f.mounter.unmount = async (): Promise<void> => undefined;
    await assert.rejects(f.volumes.tearDown('uid-1'), /still mounted/);
    assert.ok((await stat(paths.get('mem')!)).isDirectory());
  });

  test('listPodDirs on a missing podsDir is empty', async (t) => {
    const f = await fixture(t);
    assert.deepEqual(await f.volumes.listPodDirs(), []);
  });
});
