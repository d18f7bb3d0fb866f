import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { hostname } from 'node:os';
import { UsageError, type FlagSpec } from './flags.js';

/** The node flags `skiff agent` and `skiff server` share, as k3s's. */
export const nodeFlags: FlagSpec[] = [
  { name: 'node-name', type: 'string', help: "this node's name", default: hostname() },
  { name: 'node-ip', type: 'string', help: "this node's IP address (default: the first non-loopback IPv4 address)", default: '' },
  { name: 'container-runtime-endpoint', type: 'string', help: 'use this CRI socket (unix:///...) instead of running containerd', default: '' },
  { name: 'disable-kube-proxy', type: 'boolean', help: 'run no Service proxy on this node (no nftables table, no Service CIDR route)', default: false },
  { name: 'kubelet-port', type: 'string', help: "the node's HTTPS port (logs, exec, port-forward)", default: '10250' },
];

/** The node settings after flag parsing. */
export interface NodeConfig {
  nodeName: string;
  nodeIP: string;
  containerRuntimeEndpoint: string;
  kubeletPort: number;
  /** Whether the node runs no Service proxy. */
  disableKubeProxy: boolean;
}

/** Turns parsed node flags into a checked {@link NodeConfig}. */
export function nodeConfig(flags: Record<string, string | boolean | undefined>): NodeConfig {
  const port = Number(flags['kubelet-port'] ?? 10250);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--kubelet-port: invalid port ${String(flags['kubelet-port'])}`);
  const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : '');
  return {
    nodeName: str(flags['node-name']) || hostname(),
    nodeIP: str(flags['node-ip']),
    containerRuntimeEndpoint: str(flags['container-runtime-endpoint']),
    kubeletPort: port,
    disableKubeProxy: flags['disable-kube-proxy'] === true,
  };
}

/** Whether `containerd` is on the PATH (the agent runs it unless given a CRI endpoint). */
export function containerdAvailable(): boolean {
  return (process.env.PATH ?? '/usr/bin').split(delimiter).some((dir) => dir && existsSync(join(dir, 'containerd')));
}
