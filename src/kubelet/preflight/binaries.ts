/**
 * The programs the node runs: containerd and its runc shim (unless the node is given a CRI
 * endpoint), the CNI plugins of the pod network's conflist, and the optional data-plane tools.
 */
import { join } from 'node:path';
import type { PreflightCheck, PreflightHost } from './types.js';

/** Options of {@link checkBinaries}. */
export interface BinaryCheckOptions {
  /** Whether the node runs its own containerd (false with --container-runtime-endpoint). Default true. */
  ownRuntime?: boolean;
  /** The runc containerd is configured with. Default /usr/sbin/runc (containerd/config.ts). */
  runcPath?: string;
  /** The CNI plugins' directory. Default /usr/lib/cni (Debian's containernetworking-plugins). */
  cniBinDir?: string;
}

/** A program looked up on the search path, its package and what it is for. */
interface Program {
  name: string;
  required: boolean;
  /** The Debian package that installs it. */
  packageName: string;
  usedFor: string;
}

/** The plugins the node's conflist chains (containerd/cni.ts). */
const cniPlugins = ['bridge', 'host-local', 'loopback', 'portmap'];

const runtimePrograms: Program[] = [
  { name: 'containerd', required: true, packageName: 'containerd', usedFor: 'the container runtime' },
  { name: 'containerd-shim-runc-v2', required: true, packageName: 'containerd', usedFor: "containerd's runc shim" },
];

const dataPlanePrograms: Program[] = [
  { name: 'nft', required: false, packageName: 'nftables', usedFor: "Services' proxy rules" },
  { name: 'conntrack', required: false, packageName: 'conntrack', usedFor: 'clearing stale UDP flows of Services' },
  { name: 'iptables', required: false, packageName: 'iptables', usedFor: "the portmap CNI plugin's hostPort rules" },
  { name: 'nginx', required: false, packageName: 'nginx', usedFor: 'the Ingress data plane' },
];

async function findOnPath(host: PreflightHost, name: string): Promise<string | undefined> {
  for (const dir of host.searchPath) {
    const candidate = join(dir, name);
    if (await host.isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function checkProgram(host: PreflightHost, p: Program): Promise<PreflightCheck> {
  const found = await findOnPath(host, p.name);
  if (found) return { name: `binary ${p.name}`, status: 'ok', message: found };
  return {
    name: `binary ${p.name}`,
    status: p.required ? 'failed' : 'warning',
    message: `${p.name} not found (${p.usedFor}): apt-get install ${p.packageName}`,
  };
}

/** Checks containerd, its shim, runc, the CNI plugins (required) and nft, conntrack, iptables, nginx (optional). */
export async function checkBinaries(host: PreflightHost, options: BinaryCheckOptions = {}): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  if (options.ownRuntime ?? true) {
    for (const p of runtimePrograms) checks.push(await checkProgram(host, p));
    const runc = options.runcPath ?? '/usr/sbin/runc';
    checks.push(
      (await host.isExecutable(runc))
        ? { name: 'binary runc', status: 'ok', message: runc }
        : { name: 'binary runc', status: 'failed', message: `${runc} not found (the OCI runtime containerd is configured with): apt-get install runc` },
    );
  }
  const cniDir = options.cniBinDir ?? '/usr/lib/cni';
  for (const plugin of cniPlugins) {
    const path = join(cniDir, plugin);
    checks.push(
      (await host.isExecutable(path))
        ? { name: `CNI plugin ${plugin}`, status: 'ok', message: path }
        : { name: `CNI plugin ${plugin}`, status: 'failed', message: `${path} not found (the pod network's conflist uses it): apt-get install containernetworking-plugins` },
    );
  }
  for (const p of dataPlanePrograms) checks.push(await checkProgram(host, p));
  return checks;
}
