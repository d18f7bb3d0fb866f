import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerdPaths, defaultSandboxImage, renderContainerdConfig } from './config.js';

const golden = `version = 2
root = "/var/lib/skiff/n1/containerd/root"
state = "/var/lib/skiff/n1/containerd/state"
oom_score = 0
imports = []
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
required_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "/var/lib/skiff/n1/containerd/containerd.sock"
  tcp_address = ""
  uid = 0
  gid = 0

[ttrpc]
  address = "/var/lib/skiff/n1/containerd/containerd.sock.ttrpc"
  uid = 0
  gid = 0

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins]

  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/skiff/n1/containerd/root/opt"

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "skiff.dev/pause:1"
    restrict_oom_score_adj = true
    enable_selinux = false
    disable_tcp_service = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_tls_streaming = false
    netns_mounts_under_state_dir = true
    systemd_cgroup = false

    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          BinaryName = "/usr/sbin/runc"
          Root = "/var/lib/skiff/n1/containerd/state/runc"
          SystemdCgroup = false

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/var/lib/skiff/n1/containerd/cni/net.d"
      max_conf_num = 1

    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = ""
`;

test('renderContainerdConfig renders the golden config for a node', () => {
  assert.equal(renderContainerdConfig({ dataDir: '/var/lib/skiff/n1/containerd', sandboxImage: 'skiff.dev/pause:1' }), golden);
});

test('options override paths, binaries and enable debug/metrics on own addresses', () => {
  const text = renderContainerdConfig({
    dataDir: '/d',
    address: '/run/skiff/n2.sock',
    cniBinDir: '/opt/cni/bin',
    cniConfDir: '/etc/skiff/cni',
    runcPath: '/usr/local/bin/runc',
    logLevel: 'debug',
    debugAddress: '/d/debug.sock',
    metricsAddress: '127.0.0.1:19338',
  });
  assert.match(text, /\[grpc\]\n  address = "\/run\/skiff\/n2.sock"/);
  assert.match(text, /\[ttrpc\]\n  address = "\/run\/skiff\/n2.sock.ttrpc"/);
  assert.match(text, /\[debug\]\n  address = "\/d\/debug.sock"\n  level = "debug"/);
  assert.match(text, /\[metrics\]\n  address = "127.0.0.1:19338"/);
  assert.match(text, /bin_dir = "\/opt\/cni\/bin"\n      conf_dir = "\/etc\/skiff\/cni"/);
  assert.match(text, /BinaryName = "\/usr\/local\/bin\/runc"/);
  assert.match(text, new RegExp(`sandbox_image = "${defaultSandboxImage}"`));
});

test('strings are TOML-escaped', () => {
  const text = renderContainerdConfig({ dataDir: '/d', sandboxImage: 'a"b\\c' });
  assert.match(text, /sandbox_image = "a\\"b\\\\c"/);
});

test('a socket path too long for sun_path is refused', () => {
  assert.throws(() => renderContainerdConfig({ dataDir: `/${'x'.repeat(110)}` }), /longer than 107 bytes/);
});

test('containerdPaths derives every path from the data dir', () => {
  assert.deepEqual(containerdPaths('/d'), {
    root: '/d/root',
    state: '/d/state',
    address: '/d/containerd.sock',
    ttrpcAddress: '/d/containerd.sock.ttrpc',
    cniConfDir: '/d/cni/net.d',
    cniIpamDir: '/d/cni/ipam',
    configFile: '/d/config.toml',
    logFile: '/d/containerd.log',
  });
});

const containerdMissing = ['/usr/bin/containerd', '/usr/local/bin/containerd'].every((p) => !existsSync(p));

test('containerd itself accepts the config (config dump)', { skip: containerdMissing && 'containerd is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-ctrd-cfg-'));
  try {
    const file = join(dir, 'config.toml');
    writeFileSync(file, renderContainerdConfig({ dataDir: join(dir, 'data') }));
    const dumped = execFileSync('containerd', ['--config', file, 'config', 'dump'], { encoding: 'utf8' });
    assert.match(dumped, /restrict_oom_score_adj = true/);
    assert.match(dumped, new RegExp(`root = "${join(dir, 'data', 'root')}"`));
    assert.match(dumped, /BinaryName = "\/usr\/sbin\/runc"/);
    assert.match(dumped, /SystemdCgroup = false/);
    assert.match(dumped, /netns_mounts_under_state_dir = true/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
