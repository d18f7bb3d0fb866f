import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { failedChecks, formatPreflightReport, runPreflightChecks } from './preflight.js';
import { fixtureHost, installedExecutables, mountinfoFixtures, type FixtureMachine } from './testing.js';

const healthy: FixtureMachine = {
  files: {
    '/proc/self/mountinfo': mountinfoFixtures.v2,
    '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory pids\n',
    '/proc/config.gz': 'CONFIG_VETH=y\nCONFIG_BRIDGE=y\nCONFIG_OVERLAY_FS=y\nCONFIG_NF_TABLES=y\nCONFIG_NF_CONNTRACK=y\n',
  },
  dirs: { '/proc/self/ns': ['net'] },
  executables: installedExecutables,
  existingDirs: { '/': 0o755, '/var/lib': 0o755 },
};

describe('runPreflightChecks', () => {
  test('a healthy machine passes every check, in order', async () => {
    const checks = await runPreflightChecks(fixtureHost(healthy), { dataDir: '/var/lib/skiff', ports: { kubelet: 10250 } });
    assert.deepEqual(failedChecks(checks), []);
    assert.deepEqual(checks.filter((c) => c.status !== 'ok'), []);
    assert.equal(checks[0]?.name, 'cgroups');
    assert.deepEqual(checks.slice(-2).map((c) => `${c.name}: ${c.message}`), ['port 10250: free (kubelet)', 'data dir: /var/lib/skiff will be created in /var/lib']);
  });

  test('a port in use and an unwritable data dir fail; an open data dir warns', async () => {
    const busy = await runPreflightChecks(fixtureHost({ ...healthy, busyPorts: [10250], readOnly: ['/var/lib'] }), { dataDir: '/var/lib/skiff', ports: { kubelet: 10250, other: 0 } });
    assert.deepEqual(failedChecks(busy).map((c) => c.name), ['port 10250', 'data dir']);
    assert.match(failedChecks(busy)[0]?.message ?? '', /^in use, the kubelet cannot listen/);
    const open = await runPreflightChecks(fixtureHost({ ...healthy, existingDirs: { '/': 0o755, '/srv/skiff': 0o40755 } }), { dataDir: '/srv/skiff' });
    assert.equal(open.at(-1)?.status, 'warning');
    assert.match(open.at(-1)?.message ?? '', /chmod 700 \/srv\/skiff/);
  });

  test('the report has one line per check with its status', async () => {
    const checks = await runPreflightChecks(fixtureHost({ ...healthy, files: { ...healthy.files, '/proc/self/mountinfo': mountinfoFixtures.netnsExec } }), { dataDir: '/var/lib/skiff' });
    const report = formatPreflightReport(checks).split('\n');
    assert.equal(report.length, checks.length);
    assert.equal(report[0], '[failed]  cgroups: cgroup mounts are not visible: /sys was remounted (ip netns exec?); run in the host mount namespace (e.g. nsenter --net=/run/netns/NAME)');
  });
});
