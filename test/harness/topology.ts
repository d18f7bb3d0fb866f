import { execFileSync } from 'node:child_process';
import { NetworkNamespace } from './netns.js';

/** One machine of a {@link Topology}: its namespace and its address on the shared segment. */
export interface TopologyNode {
  netns: NetworkNamespace;
  /** `192.168.77.<n>` (n from 1). */
  ip: string;
}

/** The segment every node is on: 192.168.77.0/24, with no gateway. */
export const topologySubnet = '192.168.77.0/24';

/**
 * Several "machines" on one private L2 segment: a `switch` namespace holding a bridge, and per
 * node a namespace with a veth to that bridge, addressed 192.168.77.<n>/24. No default route
 * anywhere, so nothing leaves the segment. {@link remove} deletes every namespace (and so the links).
 */
export class Topology {
  private constructor(
    readonly switchNetns: NetworkNamespace,
    readonly nodes: TopologyNode[],
  ) {}

  /** Creates `count` nodes on one bridge. Needs root. Removes what it made if a step fails. */
  static create(count: number): Topology {
    const sw = NetworkNamespace.create('skiff-sw');
    const topology = new Topology(sw, []);
    try {
      const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      ip('-n', sw.name, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', sw.name, 'link', 'set', 'br0', 'up');
      for (let i = 1; i <= count; i++) {
        const ns = NetworkNamespace.create(`skiff-n${i}`);
        const address = `192.168.77.${i}`;
        topology.nodes.push({ netns: ns, ip: address });
        // Both ends are created in the switch namespace (short names there), then one moves to the node as eth0.
        const port = `p${i}`;
        ip('-n', sw.name, 'link', 'add', port, 'type', 'veth', 'peer', 'name', `n${i}`);
        ip('-n', sw.name, 'link', 'set', `n${i}`, 'netns', ns.name);
        ip('-n', sw.name, 'link', 'set', port, 'master', 'br0');
        ip('-n', sw.name, 'link', 'set', port, 'up');
        ip('-n', ns.name, 'link', 'set', `n${i}`, 'name', 'eth0');
        ip('-n', ns.name, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
        ip('-n', ns.name, 'link', 'set', 'eth0', 'up');
      }
      return topology;
    } catch (err) {
      topology.removeSync();
      throw err;
    }
  }

  /** Kills what was started in the namespaces and deletes them all. */
  async remove(): Promise<void> {
    for (const n of this.nodes) await n.netns.remove();
    await this.switchNetns.remove();
  }

  private removeSync(): void {
    for (const n of this.nodes) n.netns.removeSync();
    this.switchNetns.removeSync();
  }
}
