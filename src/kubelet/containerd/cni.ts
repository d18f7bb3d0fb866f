/**
 * The CNI network configuration (a .conflist) containerd's CRI plugin uses for pod networking.
 */

/** Options of {@link renderCniConflist}. */
export interface CniConflistOptions {
  /** The node's pod CIDR(s), e.g. `10.244.1.0/24` (an array for dual stack). */
  podCIDR: string | string[];
  /** Directory where host-local keeps its IP allocations; must be this node's own (the plugin's default, /var/lib/cni/networks, is shared by every instance). */
  ipamDataDir: string;
  /** Linux bridge the pods attach to (default `skiff0`). */
  bridgeName?: string;
  /** MTU of the bridge and pod interfaces (default: the plugin's, 1500). */
  mtu?: number;
  /** Network name (default `skiff`). */
  name?: string;
}

/** CNI spec version of the conflist; Debian's plugins (containernetworking-plugins 1.1) support 0.1.0 to 1.0.0. */
export const cniVersion = '1.0.0';

/** The conventional file name containerd will pick up from its conf dir. */
export const cniConflistFileName = '10-skiff.conflist';

/**
 * Renders the conflist (JSON text): a `bridge` (gateway, masquerade, hairpin for pods reaching
 * their own Service) with `host-local` IPAM over the pod CIDR, then `portmap` for hostPort.
 * Loopback is not listed: containerd's CRI plugin sets up `lo` in every pod itself. Pure.
 */
export function renderCniConflist(options: CniConflistOptions): string {
  const cidrs = Array.isArray(options.podCIDR) ? options.podCIDR : [options.podCIDR];
  if (cidrs.length === 0) throw new Error('renderCniConflist: podCIDR is empty');
  const bridge: Record<string, unknown> = {
    type: 'bridge',
    bridge: options.bridgeName ?? 'skiff0',
    isGateway: true,
    ipMasq: true,
    hairpinMode: true,
  };
  if (options.mtu !== undefined) bridge.mtu = options.mtu;
  bridge.ipam = {
    type: 'host-local',
    ranges: cidrs.map((subnet) => [{ subnet }]),
    routes: cidrs.map((subnet) => ({ dst: subnet.includes(':') ? '::/0' : '0.0.0.0/0' })),
    dataDir: options.ipamDataDir,
  };
  const conflist = {
    cniVersion,
    name: options.name ?? 'skiff',
    plugins: [bridge, { type: 'portmap', capabilities: { portMappings: true } }],
  };
  return `${JSON.stringify(conflist, null, 2)}\n`;
}
