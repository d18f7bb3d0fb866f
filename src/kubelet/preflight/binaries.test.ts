import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBinaries } from './binaries.js';
import { fixtureHost, installedExecutables } from './testing.js';

describe('checkBinaries', () => {
  test('everything installed is ok', async () => {
    const checks = await checkBinaries(fixtureHost({ executables: installedExecutables }));
    assert.deepEqual(checks.filter((c) => c.status !== 'ok'), []);
    assert.equal(checks.find((c) => c.name === 'binary containerd')?.message, '/usr/bin/containerd');
  });

  test('missing runtime binaries and CNI plugins fail with the package to install; missing tools warn', async () => {
    const executables = installedExecutables.filter((p) => !['/usr/sbin/runc', '/usr/lib/cni/portmap', '/usr/sbin/nginx', '/usr/bin/containerd-shim-runc-v2'].includes(p));
    const checks = await checkBinaries(fixtureHost({ executables }));
    assert.deepEqual(
      checks.filter((c) => c.status !== 'ok').map((c) => `${c.status} ${c.name}: ${c.message}`),
      [
        "failed binary containerd-shim-runc-v2: containerd-shim-runc-v2 not found (containerd's runc shim): apt-get install containerd",
        'failed binary runc: /usr/sbin/runc not found (the OCI runtime containerd is configured with): apt-get install runc',
        "failed CNI plugin portmap: /usr/lib/cni/portmap not found (the pod network's conflist uses it): apt-get install containernetworking-plugins",
        'warning binary nginx: nginx not found (the Ingress data plane): apt-get install nginx',
      ],
    );
  });

  test('with a CRI endpoint given, containerd and runc are not needed', async () => {
    const executables = installedExecutables.filter((p) => !p.includes('containerd') && !p.endsWith('runc'));
    const checks = await checkBinaries(fixtureHost({ executables }), { ownRuntime: false });
    assert.deepEqual(checks.filter((c) => c.status !== 'ok'), []);
  });
});
