/**
 * containerd configuration (version 2 format, containerd 1.6) for one Skiff node: every path
 * and socket lives under the node's own data directory so that several containerd instances
 * (one per simulated node) can run side by side on one machine.
 */
import { join } from 'node:path';
import { pauseImageName } from '../images/pause.js';

/** Where one containerd instance keeps its files and sockets, all derived from its data dir. */
export interface ContainerdPaths {
  /** Persistent data (content store, snapshots, metadata): `<dataDir>/root`. */
  root: string;
  /** Ephemeral state (task bundles, runc state, FIFOs): `<dataDir>/state`. */
  state: string;
  /** The gRPC socket (containerd API and CRI): `<dataDir>/containerd.sock` unless overridden. */
  address: string;
  /** The ttrpc socket (used by shims for events): `<address>.ttrpc`. */
  ttrpcAddress: string;
  /** CNI network configuration directory: `<dataDir>/cni/net.d` unless overridden. */
  cniConfDir: string;
  /** host-local IPAM allocation records: `<dataDir>/cni/ipam`. */
  cniIpamDir: string;
  /** Where the rendered config file goes by convention: `<dataDir>/config.toml`. */
  configFile: string;
  /** containerd's own log, by convention: `<dataDir>/containerd.log`. */
  logFile: string;
}

/** Longest unix socket path Linux accepts (sun_path is 108 bytes with the NUL). */
const maxSocketPathBytes = 107;

/** Paths of a containerd instance rooted at `dataDir` (see {@link ContainerdPaths}). */
export function containerdPaths(dataDir: string, overrides: { address?: string; cniConfDir?: string } = {}): ContainerdPaths {
  const address = overrides.address ?? join(dataDir, 'containerd.sock');
  return {
    root: join(dataDir, 'root'),
    state: join(dataDir, 'state'),
    address,
    ttrpcAddress: `${address}.ttrpc`,
    cniConfDir: overrides.cniConfDir ?? join(dataDir, 'cni', 'net.d'),
    cniIpamDir: join(dataDir, 'cni', 'ipam'),
    configFile: join(dataDir, 'config.toml'),
    logFile: join(dataDir, 'containerd.log'),
  };
}

/** Options of {@link renderContainerdConfig}. */
export interface ContainerdConfigOptions {
  /** The node's containerd data directory (absolute); every path below defaults under it. */
  dataDir: string;
  /** gRPC socket path (default `<dataDir>/containerd.sock`); at most 107 bytes (ttrpc adds 6). */
  address?: string;
  /** The pod sandbox ("pause") image; must already be imported (default {@link defaultSandboxImage}). */
  sandboxImage?: string;
  /** Directory of the CNI plugin binaries (default `/usr/lib/cni`, Debian's). */
  cniBinDir?: string;
  /** Directory holding this node's CNI conflist (default `<dataDir>/cni/net.d`). */
  cniConfDir?: string;
  /** The runc binary (default `/usr/sbin/runc`). */
  runcPath?: string;
  /** containerd log level: trace, debug, info, warn, error (default `info`). */
  logLevel?: string;
  /** Serve containerd's debug (pprof) socket here; off when unset (the default). */
  debugAddress?: string;
  /** Serve Prometheus metrics on this host:port; off when unset (the default). */
  metricsAddress?: string;
}

/** Default sandbox image: the project-built pause image (src/kubelet/images), imported before containerd needs it. */
export const defaultSandboxImage = pauseImageName;

/** A TOML basic string: JSON's escapes are all valid TOML escapes. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

/**
 * Renders containerd's config.toml (version 2) for one node. Pure. Notable settings, each
 * needed on Skiff's machines (see PLATFORM.md):
 * - own `root`, `state`, gRPC/ttrpc sockets, opt dir and runc state root, so instances never share files;
 * - the CRI plugin is required (containerd refuses to start without it instead of running half-working);
 * - `restrict_oom_score_adj = true` (nobody may lower oom_score_adj here, root included);
 * - runc via io.containerd.runc.v2 with cgroupfs (SystemdCgroup = false);
 * - `netns_mounts_under_state_dir = true`, so pod network namespaces are not listed in the
 *   host's /var/run/netns with other instances' ones;
 * - CNI from `cniBinDir` and a conf dir of our own, taking only the first conflist.
 */
export function renderContainerdConfig(options: ContainerdConfigOptions): string {
  const paths = containerdPaths(options.dataDir, { address: options.address, cniConfDir: options.cniConfDir });
  if (Buffer.byteLength(paths.ttrpcAddress) > maxSocketPathBytes) {
    throw new Error(`containerd socket path ${paths.ttrpcAddress} is longer than ${maxSocketPathBytes} bytes; pass a shorter address`);
  }
  const s = tomlString;
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  const lines = [
    'version = 2',
    `root = ${s(paths.root)}`,
    `state = ${s(paths.state)}`,
    'oom_score = 0',
    'imports = []',
    // Snapshotters Skiff never uses; disabling them keeps their probe errors out of the log.
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]',
    'required_plugins = ["io.containerd.grpc.v1.cri"]',
    '',
    '[grpc]',
    `  address = ${s(paths.address)}`,
    '  tcp_address = ""',
    '  uid = 0',
    '  gid = 0',
    '',
    '[ttrpc]',
    `  address = ${s(paths.ttrpcAddress)}`,
    '  uid = 0',
    '  gid = 0',
    '',
    '[debug]',
    `  address = ${s(options.debugAddress ?? '')}`,
    `  level = ${s(options.logLevel ?? 'info')}`,
    '',
    '[metrics]',
    `  address = ${s(options.metricsAddress ?? '')}`,
    '',
    '[plugins]',
    '',
    '  [plugins."io.containerd.internal.v1.opt"]',
    `    path = ${s(join(paths.root, 'opt'))}`,
    '',
    `  ${cri}]`,
    `    sandbox_image = ${s(options.sandboxImage ?? defaultSandboxImage)}`,
    '    restrict_oom_score_adj = true',
    '    enable_selinux = false',
    '    disable_tcp_service = true',
    // CRI streaming (exec/attach/port-forward) on loopback, on a port the kernel picks.
    '    stream_server_address = "127.0.0.1"',
    '    stream_server_port = "0"',
    '    enable_tls_streaming = false',
    '    netns_mounts_under_state_dir = true',
    '    systemd_cgroup = false',
    '',
    `    ${cri}.containerd]`,
    '      snapshotter = "overlayfs"',
    '      default_runtime_name = "runc"',
    '',
    `      ${cri}.containerd.runtimes.runc]`,
    '        runtime_type = "io.containerd.runc.v2"',
    '',
    `        ${cri}.containerd.runtimes.runc.options]`,
    `          BinaryName = ${s(options.runcPath ?? '/usr/sbin/runc')}`,
    `          Root = ${s(join(paths.state, 'runc'))}`,
    '          SystemdCgroup = false',
    '',
    `    ${cri}.cni]`,
    `      bin_dir = ${s(options.cniBinDir ?? '/usr/lib/cni')}`,
    `      conf_dir = ${s(paths.cniConfDir)}`,
    '      max_conf_num = 1',
    '',
    // No registry configuration: nothing can be pulled on Skiff's machines; images are imported.
    `    ${cri}.registry]`,
    '      config_path = ""',
    '',
  ];
  return lines.join('\n');
}
