/**
 * The kernel features the node uses. Each is looked for where the kernel shows it: built in or
 * loaded (/proc/filesystems, /proc/modules, /sys/module), configured (/proc/config.gz), or
 * loadable on demand (`modprobe -n`). Required features make pods fail without them; optional
 * ones turn off a feature (Services' proxy rules).
 */
import type { PreflightCheck, PreflightHost } from './types.js';

/** A kernel feature and where to look for it. */
interface KernelFeature {
  name: string;
  required: boolean;
  /** What the node uses it for (said when it is missing). */
  usedFor: string;
  module: string;
  config: string;
  /** A filesystem name in /proc/filesystems, for filesystems. */
  filesystem?: string;
  /** A path whose presence proves the feature (e.g. /proc/sys/net/netfilter/nf_conntrack_max). */
  proof?: string;
}

const features: KernelFeature[] = [
  { name: 'veth', required: true, usedFor: "pods' network interfaces", module: 'veth', config: 'CONFIG_VETH' },
  { name: 'bridge', required: true, usedFor: 'the pod network bridge (CNI bridge plugin)', module: 'bridge', config: 'CONFIG_BRIDGE' },
  { name: 'overlayfs', required: true, usedFor: "containers' root filesystems (containerd's overlayfs snapshotter)", module: 'overlay', config: 'CONFIG_OVERLAY_FS', filesystem: 'overlay' },
  { name: 'nftables', required: false, usedFor: "Services' proxy rules", module: 'nf_tables', config: 'CONFIG_NF_TABLES' },
  { name: 'conntrack', required: false, usedFor: "Services' NAT and pod masquerading", module: 'nf_conntrack', config: 'CONFIG_NF_CONNTRACK', proof: '/proc/sys/net/netfilter/nf_conntrack_max' },
];

/** What the kernel shows in one place, read once for all features. */
interface KernelView {
  filesystems: string[];
  modules: Set<string>;
  config: Map<string, string> | undefined;
}

async function readKernelView(host: PreflightHost): Promise<KernelView> {
  const filesystems = ((await host.readFile('/proc/filesystems')) ?? '').split('\n').map((l) => l.trim().split(/\s+/).pop() ?? '').filter(Boolean);
  const modules = new Set([
    ...((await host.readFile('/proc/modules')) ?? '').split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean),
    ...((await host.readDir('/sys/module')) ?? []),
  ]);
  const configText = await host.readFile('/proc/config.gz');
  const config = configText === undefined ? undefined : new Map(configText.split('\n').flatMap((l) => {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(l);
    return m?.[1] && m[2] !== undefined ? [[m[1], m[2]] as const] : [];
  }));
  return { filesystems, modules, config };
}

async function checkFeature(host: PreflightHost, view: KernelView, f: KernelFeature): Promise<PreflightCheck> {
  const name = `kernel ${f.name}`;
  const missing = f.required ? 'failed' : 'warning';
  if ((f.filesystem && view.filesystems.includes(f.filesystem)) || view.modules.has(f.module) || (f.proof && (await host.readFile(f.proof)) !== undefined)) {
    return { name, status: 'ok', message: `${f.name} available` };
  }
  const configured = view.config?.get(f.config);
  if (configured === 'y') return { name, status: 'ok', message: `${f.name} built into the kernel (${f.config}=y)` };
  const probe = await host.run('/sbin/modprobe', ['-n', f.module]);
  if (probe.code === 0) return { name, status: 'ok', message: `${f.name} loadable as module ${f.module}` };
  const how = `needed for ${f.usedFor}: load it (modprobe ${f.module}) or use a kernel with ${f.config}`;
  if (probe.code > 0 || (view.config && configured === undefined)) return { name, status: missing, message: `${f.name} is missing, ${how}` };
  return { name, status: 'warning', message: `${f.name} could not be found (no /proc/config.gz, no modprobe): ${how}` };
}

/** Checks network namespaces, veth, bridge, overlayfs (required) and nftables, conntrack (optional). */
export async function checkKernelFeatures(host: PreflightHost): Promise<PreflightCheck[]> {
  const namespaces = (await host.readDir('/proc/self/ns')) ?? [];
  const checks: PreflightCheck[] = [
    namespaces.includes('net')
      ? { name: 'kernel network namespaces', status: 'ok', message: 'network namespaces available' }
      : { name: 'kernel network namespaces', status: 'failed', message: 'network namespaces are missing (no /proc/self/ns/net), needed for every pod: use a kernel with CONFIG_NET_NS' },
  ];
  const view = await readKernelView(host);
  for (const f of features) checks.push(await checkFeature(host, view, f));
  return checks;
}
