/**
 * What a real node reports about its machine: capacity (cpu, memory, ephemeral-storage, pods)
 * and nodeInfo, read from the operating system as upstream's cadvisor-backed kubelet does.
 */
import { readFile, statfs } from 'node:fs/promises';
import { arch, cpus, networkInterfaces, release, totalmem } from 'node:os';
import type { NodeSystemInfo } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../apimachinery/quantity.js';

/** The machine's resources and identity. */
export interface MachineInfo {
  capacity: Record<string, string>;
  nodeInfo: Omit<NodeSystemInfo, 'containerRuntimeVersion' | 'kubeletVersion' | 'kubeProxyVersion'>;
}

async function firstLine(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).split('\n')[0]?.trim() || undefined;
  } catch (err) {
    // Not every machine has every identity file (containers, some VMs).
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw err;
  }
}

/** The PRETTY_NAME of /etc/os-release, as nodeInfo.osImage. */
async function osImage(): Promise<string> {
  try {
    const text = await readFile('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
    return m?.[1] ?? 'Linux';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'Linux';
    throw err;
  }
}

/** The Kubernetes name of Node's `process.arch`. */
export function kubernetesArch(nodeArch: string = arch()): string {
  return nodeArch === 'x64' ? 'amd64' : nodeArch === 'ia32' ? '386' : nodeArch;
}

/** Reads the machine's capacity and identity; `dataDir`'s filesystem gives ephemeral-storage. */
export async function readMachineInfo(dataDir: string, maxPods = 110): Promise<MachineInfo> {
  const fs = await statfs(dataDir);
  const machineID = (await firstLine('/etc/machine-id')) ?? '';
  return {
    capacity: {
      cpu: String(cpus().length),
      // Exact byte counts in BinarySI, as cadvisor's capacity quantities print.
      memory: Quantity.fromInteger(totalmem(), 'BinarySI').toString(),
      'ephemeral-storage': Quantity.fromInteger(BigInt(fs.blocks) * BigInt(fs.bsize), 'BinarySI').toString(),
      pods: String(maxPods),
    },
    nodeInfo: {
      machineID,
      systemUUID: (await firstLine('/sys/class/dmi/id/product_uuid')) ?? machineID,
      bootID: (await firstLine('/proc/sys/kernel/random/boot_id')) ?? '',
      kernelVersion: release(),
      osImage: await osImage(),
      operatingSystem: 'linux',
      architecture: kubernetesArch(),
    },
  };
}

/** The first non-loopback IPv4 address of the machine (the default node IP), or 127.0.0.1. */
export function defaultNodeIP(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
