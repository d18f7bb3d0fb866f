import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupLayout, checkCgroups } from './cgroups.js';
import { fixtureHost, mountinfoFixtures } from './testing.js';

const hybridDirs = { '/sys/fs/cgroup': ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids', 'systemd', 'unified'] };
const v1Dirs = { '/sys/fs/cgroup': ['blkio', 'cpu,cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids', 'systemd'] };

describe('checkCgroups', () => {
  test('tells the layouts apart', () => {
    assert.equal(cgroupLayout(mountinfoFixtures.hybrid), 'hybrid');
    assert.equal(cgroupLayout(mountinfoFixtures.v1), 'v1');
    assert.equal(cgroupLayout(mountinfoFixtures.v2), 'v2');
    assert.equal(cgroupLayout(mountinfoFixtures.netnsExec), 'none');
  });

  test('hybrid with every controller runc needs is ok', async () => {
    const check = await checkCgroups(fixtureHost({ files: { '/proc/self/mountinfo': mountinfoFixtures.hybrid }, dirs: hybridDirs }));
    assert.equal(check.status, 'ok');
    assert.match(check.message, /^cgroup hybrid .*: blkio cpu cpuacct cpuset devices freezer memory pids$/);
  });

  test('v1 with joined hierarchies (cpu,cpuacct) is ok', async () => {
    const check = await checkCgroups(fixtureHost({ files: { '/proc/self/mountinfo': mountinfoFixtures.v1 }, dirs: v1Dirs }));
    assert.equal(check.status, 'ok', check.message);
    assert.match(check.message, /^cgroup v1 \(legacy\)/);
  });

  test('v1 without the pids hierarchy fails, naming it', async () => {
    const mountinfo = mountinfoFixtures.v1.split('\n').filter((l) => !l.includes('rw,pids')).join('\n');
    const check = await checkCgroups(fixtureHost({ files: { '/proc/self/mountinfo': mountinfo }, dirs: v1Dirs }));
    assert.equal(check.status, 'failed');
    assert.match(check.message, /lacks the pids hierarchies runc needs/);
  });

  test('v2 reads the root cgroup.controllers', async () => {
    const host = (controllers: string) => fixtureHost({ files: { '/proc/self/mountinfo': mountinfoFixtures.v2, '/sys/fs/cgroup/cgroup.controllers': controllers } });
    assert.equal((await checkCgroups(host('cpuset cpu io memory hugetlb pids rdma misc\n'))).status, 'ok');
    const noIO = await checkCgroups(host('cpuset cpu memory pids\n'));
    assert.equal(noIO.status, 'warning');
    assert.match(noIO.message, /without io/);
    const noMemory = await checkCgroups(host('cpuset cpu io pids\n'));
    assert.equal(noMemory.status, 'failed');
    assert.match(noMemory.message, /lacks the memory controllers/);
  });

  test('hidden by a remounted /sys (ip netns exec): failed, with the fix', async () => {
    const check = await checkCgroups(fixtureHost({ files: { '/proc/self/mountinfo': mountinfoFixtures.netnsExec }, dirs: { '/sys/fs/cgroup': [] } }));
    assert.equal(check.status, 'failed');
    assert.equal(
      check.message,
      'cgroup mounts are not visible: /sys was remounted (ip netns exec?); run in the host mount namespace (e.g. nsenter --net=/run/netns/NAME)',
    );
  });

  test('mounts in mountinfo but missing from /sys/fs/cgroup count as hidden', async () => {
    const check = await checkCgroups(fixtureHost({ files: { '/proc/self/mountinfo': mountinfoFixtures.hybrid }, dirs: { '/sys/fs/cgroup': [] } }));
    assert.equal(check.status, 'failed');
    assert.match(check.message, /cgroup mounts are not visible/);
  });
});
