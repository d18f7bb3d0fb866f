import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkKernelFeatures } from './kernel.js';
import { fixtureHost } from './testing.js';

const statuses = (checks: { name: string; status: string }[]) => Object.fromEntries(checks.map((c) => [c.name, c.status]));

describe('checkKernelFeatures', () => {
  test('built-in features (kernel config, no module list) are ok', async () => {
    const config = ['CONFIG_NET_NS=y', 'CONFIG_VETH=y', 'CONFIG_BRIDGE=y', 'CONFIG_OVERLAY_FS=y', 'CONFIG_NF_TABLES=y', 'CONFIG_NF_CONNTRACK=y'].join('\n');
    const checks = await checkKernelFeatures(fixtureHost({ files: { '/proc/config.gz': config }, dirs: { '/proc/self/ns': ['mnt', 'net', 'pid'] } }));
    assert.deepEqual(statuses(checks), {
      'kernel network namespaces': 'ok',
      'kernel veth': 'ok',
      'kernel bridge': 'ok',
      'kernel overlayfs': 'ok',
      'kernel nftables': 'ok',
      'kernel conntrack': 'ok',
    });
  });

  test('loaded modules, /proc/filesystems and modprobe -n count; a missing required one fails, an optional one warns', async () => {
    const checks = await checkKernelFeatures(
      fixtureHost({
        files: { '/proc/filesystems': 'nodev\tsysfs\n\text4\nnodev\toverlay\n', '/proc/modules': 'bridge 307200 0 - Live 0x0\nstp 16384 1 bridge, Live 0x0\n' },
        dirs: { '/proc/self/ns': ['net'] },
        commands: {
          '/sbin/modprobe -n veth': { code: 0, stdout: '', stderr: '' },
          '/sbin/modprobe -n nf_tables': { code: 1, stdout: '', stderr: 'modprobe: FATAL: Module nf_tables not found' },
          '/sbin/modprobe -n nf_conntrack': { code: 0, stdout: '', stderr: '' },
        },
      }),
    );
    assert.deepEqual(statuses(checks), {
      'kernel network namespaces': 'ok',
      'kernel veth': 'ok',
      'kernel bridge': 'ok',
      'kernel overlayfs': 'ok',
      'kernel nftables': 'warning',
      'kernel conntrack': 'ok',
    });
    const nft = checks.find((c) => c.name === 'kernel nftables');
    assert.match(nft?.message ?? '', /missing, needed for Services' proxy rules: load it \(modprobe nf_tables\)/);
  });

  test('no network namespaces and no veth in the kernel config fail', async () => {
    const checks = await checkKernelFeatures(fixtureHost({ files: { '/proc/config.gz': 'CONFIG_BRIDGE=y\n# CONFIG_VETH is not set\n' }, dirs: { '/proc/self/ns': ['mnt'] } }));
    assert.equal(statuses(checks)['kernel network namespaces'], 'failed');
    assert.equal(statuses(checks)['kernel veth'], 'failed');
  });
});
