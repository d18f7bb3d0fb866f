import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VolumeSetupError } from './errors.js';
import { containerMounts, expandSubPathExpr, terminationMessageMount, withOpenSubPath } from './mounts.js';
import { SystemMounter } from './mounter.js';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'skiff-mounts-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

const pod: Pod = {
  metadata: { name: 'web', namespace: 'ns', uid: 'u' },
  spec: {
    containers: [],
    volumes: [
      { name: 'data', emptyDir: {} },
      { name: 'config', configMap: { name: 'cfg' } },
      { name: 'host', hostPath: { path: '/srv' } },
      { name: 'claim', persistentVolumeClaim: { claimName: 'c', readOnly: true } },
    ],
  },
};

describe('containerMounts', () => {
  test('volume mounts, read-only rules, propagation, /etc/hosts and the termination log', async (t) => {
    const root = await tempDir(t);
    const podDir = join(root, 'pod');
    const paths = new Map([
      ['data', join(podDir, 'volumes/data')],
      ['config', join(podDir, 'volumes/config')],
      ['host', '/srv'],
      ['claim', join(root, 'pv')],
    ]);
    const container: Container = {
      name: 'app',
      volumeMounts: [
        { name: 'data', mountPath: '/data' },
        { name: 'config', mountPath: '/etc/app' },
        { name: 'host', mountPath: '/host', readOnly: true, mountPropagation: 'HostToContainer' },
        { name: 'claim', mountPath: '/claim' },
      ],
    };
    const mounts = await containerMounts(pod, container, paths, { podDir, etcHostsPath: join(podDir, 'etc-hosts') });
    assert.deepEqual(mounts.slice(0, 5), [
      { containerPath: '/data', hostPath: paths.get('data'), readonly: false, selinuxRelabel: false, propagation: 'PROPAGATION_PRIVATE' },
      { containerPath: '/etc/app', hostPath: paths.get('config'), readonly: true, selinuxRelabel: false, propagation: 'PROPAGATION_PRIVATE' },
      { containerPath: '/host', hostPath: '/srv', readonly: true, selinuxRelabel: false, propagation: 'PROPAGATION_HOST_TO_CONTAINER' },
      { containerPath: '/claim', hostPath: join(root, 'pv'), readonly: true, selinuxRelabel: false, propagation: 'PROPAGATION_PRIVATE' },
      { containerPath: '/etc/hosts', hostPath: join(podDir, 'etc-hosts'), readonly: false, selinuxRelabel: false, propagation: 'PROPAGATION_PRIVATE' },
    ]);
    const log = mounts[5]!;
    assert.equal(mounts.length, 6);
    assert.equal(log.containerPath, '/dev/termination-log');
    assert.match(log.hostPath, new RegExp(`^${join(podDir, 'containers', 'app')}/[0-9a-f]{8}$`));
    assert.equal((await stat(log.hostPath)).mode & 0o777, 0o666);
    assert.equal(terminationMessageMount(container, mounts), log);

    const again = await containerMounts(pod, container, paths, { podDir });
    assert.notEqual(again.at(-1)!.hostPath, log.hostPath, 'each container instance gets its own file');
    assert.equal((await readdir(join(podDir, 'containers', 'app'))).length, 2);
  });

  test('no /etc/hosts mount when the container mounts its own; custom termination paths; SELinux relabel', async (t) => {
    const root = await tempDir(t);
    const podDir = join(root, 'pod');
    const paths = new Map([['data', join(root, 'data')]]);
    await mkdir(join(root, 'data'));
    const container: Container = { name: 'app', terminationMessagePath: '/tmp/msg', volumeMounts: [{ name: 'data', mountPath: '/etc/hosts', subPath: 'hosts' }] };
    const mounts = await containerMounts(pod, container, paths, { podDir, etcHostsPath: '/x', terminationMessagePath: join(root, 'term'), selinuxEnabled: true });
    assert.deepEqual(
      mounts.map((mount) => [mount.containerPath, mount.hostPath, mount.selinuxRelabel]),
      [
        ['/etc/hosts', join(root, 'data', 'hosts'), true],
        ['/tmp/msg', join(root, 'term'), true],
      ],
    );
  });

  test('subPath: created inside the volume; absolute, .. and symlink escapes refused', async (t) => {
    const root = await tempDir(t);
    const volume = join(root, 'vol');
    const outside = join(root, 'outside');
    await mkdir(volume, { mode: 0o750 });
    await mkdir(outside);
    await symlink(outside, join(volume, 'link'));
    await symlink('../outside', join(volume, 'rel-link'));
    await mkdir(join(volume, 'inner'));
    await symlink('inner', join(volume, 'ok-link'));
    const paths = new Map([['data', volume]]);
    const mount = (subPath: string): Promise<unknown> => containerMounts(pod, { name: 'c', volumeMounts: [{ name: 'data', mountPath: '/d', subPath }] }, paths, { podDir: join(root, 'pod') });
    const [created] = (await mount('a/b/c')) as { hostPath: string }[];
    assert.equal(created!.hostPath, join(volume, 'a/b/c'));
    assert.equal((await stat(join(volume, 'a/b/c'))).mode & 0o777, 0o750);
    const [viaLink] = (await mount('ok-link/x')) as { hostPath: string }[];
    assert.equal(viaLink!.hostPath, join(volume, 'inner/x'));

    const refused = async (subPath: string, message: RegExp): Promise<void> => {
      await assert.rejects(mount(subPath), (error: unknown) => error instanceof VolumeSetupError && message.test(error.message));
    };
    await refused('/etc', /^error SubPath `\/etc` must not be an absolute path$/);
    await refused('a/../../x', /^unable to provision SubPath `a\/..\/..\/x`: must not contain '..'$/);
    await refused('link/new', /not within volume path/);
    await refused('rel-link', /not within volume path/);
    assert.deepEqual(await readdir(outside), [], 'nothing was created outside the volume');
  });

  test('subPath: a directory swapped for a symlink to outside after the check is refused when opened, not followed', async (t) => {
    const root = await tempDir(t);
    const volume = join(root, 'vol');
    const outside = join(root, 'outside');
    await mkdir(join(volume, 'a', 'b'), { recursive: true });
    await mkdir(join(outside, 'b'), { recursive: true });
    await writeFile(join(volume, 'a', 'b', 'file'), 'inside');
    await writeFile(join(outside, 'b', 'file'), 'outside');
    const resolved = { volume, path: join(volume, 'a', 'b', 'file'), display: join(volume, 'a/b/file'), volumePath: volume };
    const read = (): Promise<string> => withOpenSubPath(resolved, 'data', (handle) => readFile(`/proc/self/fd/${handle.fd}`, 'utf8'));
    assert.equal(await read(), 'inside');
    // The swap a hostile container can make between the check and the mount.
    await rename(join(volume, 'a'), join(volume, 'a-old'));
    await symlink(outside, join(volume, 'a'));
    await assert.rejects(read(), (error: unknown) => error instanceof VolumeSetupError && /not within volume path/.test(error.message));
    // The last component swapped too.
    await rm(join(volume, 'a'));
    await rename(join(volume, 'a-old'), join(volume, 'a'));
    await rm(join(volume, 'a', 'b', 'file'));
    await symlink(join(outside, 'b', 'file'), join(volume, 'a', 'b', 'file'));
    await assert.rejects(read(), /not within volume path/);
  });

  test('subPath with a mounter: bind-mounted from the opened descriptor under volume-subpaths; symlinks out refused (kernel)', { skip: process.getuid?.() !== 0 && 'needs root to mount' }, async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'skiff-mounts-'));
    const mounter = new SystemMounter();
    t.after(async () => {
      for (const point of (await mounter.mountPointsUnder(root)).sort((a, b) => b.length - a.length)) await mounter.unmount(point);
      await rm(root, { recursive: true, force: true });
    });
    const volume = join(root, 'pod', 'volumes', 'data');
    const outside = join(root, 'outside');
    await mkdir(join(volume, 'conf'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(volume, 'conf', 'app.ini'), 'key=value\n');
    await writeFile(join(outside, 'shadow'), 'secret\n');
    await symlink(join(outside, 'shadow'), join(volume, 'escape'));
    const paths = new Map([['data', volume]]);
    const container: Container = { name: 'c', volumeMounts: [{ name: 'data', mountPath: '/etc/app.ini', subPath: 'conf/app.ini' }, { name: 'data', mountPath: '/logs', subPath: 'logs/c' }] };
    const options = { podDir: join(root, 'pod'), subPathMounter: mounter };
    const mounts = await containerMounts(pod, container, paths, options);
    assert.equal(mounts[0]!.hostPath, join(root, 'pod', 'volume-subpaths', 'data', 'c', '0'));
    assert.equal(mounts[1]!.hostPath, join(root, 'pod', 'volume-subpaths', 'data', 'c', '1'));
    assert.equal(await readFile(mounts[0]!.hostPath, 'utf8'), 'key=value\n');
    await writeFile(join(mounts[1]!.hostPath, 'out.log'), 'x');
    assert.equal(await readFile(join(volume, 'logs', 'c', 'out.log'), 'utf8'), 'x', 'the bind shows the directory inside the volume');
    assert.deepEqual((await mounter.mountPointsUnder(join(root, 'pod'))).sort(), [mounts[0]!.hostPath, mounts[1]!.hostPath]);
    // A restart binds again in place of the earlier mount.
    await containerMounts(pod, container, paths, options);
    assert.equal((await mounter.mountPointsUnder(join(root, 'pod'))).length, 2);
    await assert.rejects(
      containerMounts(pod, { name: 'c', volumeMounts: [{ name: 'data', mountPath: '/x', subPath: 'escape' }] }, paths, options),
      (error: unknown) => error instanceof VolumeSetupError && /not within volume path/.test(error.message),
    );
  });

  test('subPathExpr expands from env; missing variables fail', async (t) => {
    const root = await tempDir(t);
    const volume = join(root, 'vol');
    await mkdir(volume);
    const container: Container = { name: 'c', volumeMounts: [{ name: 'data', mountPath: '/d', subPathExpr: 'logs/$(POD_NAME)' }] };
    const [mount] = await containerMounts(pod, container, new Map([['data', volume]]), { podDir: root, env: [{ key: 'POD_NAME', value: 'web-1' }] });
    assert.equal(mount!.hostPath, join(volume, 'logs/web-1'));
    await assert.rejects(containerMounts(pod, container, new Map([['data', volume]]), { podDir: root, env: { OTHER: 'x' } }), /^VolumeSetupError: missing value for POD_NAME$/);
    assert.equal(expandSubPathExpr('$$(A)-$(A)-$(B-$x-$(', { A: 'a' }), '$(A)-a-$(B-$x-$(');
    assert.equal(expandSubPathExpr('$(A-$(B))', { 'A-$(B': 'odd' }), 'odd)');
    assert.equal(expandSubPathExpr('$x$(unterminated', {}), '$x$(unterminated');
  });

  test('missing volume, Bidirectional without privilege, bad propagation', async (t) => {
    const root = await tempDir(t);
    const paths = new Map([['data', root]]);
    await assert.rejects(
      containerMounts(pod, { name: 'c', volumeMounts: [{ name: 'nope', mountPath: '/n' }] }, paths, { podDir: root }),
      /^VolumeSetupError: cannot find volume "nope" to mount into container "c"$/,
    );
    await assert.rejects(
      containerMounts(pod, { name: 'c', volumeMounts: [{ name: 'data', mountPath: '/n', mountPropagation: 'Bidirectional' }] }, paths, { podDir: root }),
      /Bidirectional mount propagation is available only to privileged containers/,
    );
    const privileged = await containerMounts(pod, { name: 'c', securityContext: { privileged: true }, volumeMounts: [{ name: 'data', mountPath: '/n', mountPropagation: 'Bidirectional' }] }, paths, { podDir: root });
    assert.equal(privileged[0]!.propagation, 'PROPAGATION_BIDIRECTIONAL');
    await assert.rejects(containerMounts(pod, { name: 'c', volumeMounts: [{ name: 'data', mountPath: '/n', mountPropagation: 'Sideways' }] }, paths, { podDir: root }), /invalid MountPropagation mode: "Sideways"/);
  });
});
