import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { EventHandlers } from '../../client/informer.js';
import { desiredPodRoutes, noMasqueradeChain, noMasqueradeRules, PodRoutes, podRouteProtocol } from './pod-routes.js';

function node(name: string, podCIDR?: string, ip?: string, extra: Partial<Node['spec']> = {}): Node {
  return {
    metadata: { name },
    spec: { ...(podCIDR ? { podCIDR } : {}), ...extra },
    status: { addresses: [...(ip ? [{ type: 'InternalIP', address: ip }] : []), { type: 'Hostname', address: name }] },
  };
}

describe('desiredPodRoutes', () => {
  test('routes every other node\'s pod CIDR via its InternalIP, not our own', () => {
    const nodes = [node('b', '10.42.1.0/24', '192.168.77.2'), node('a', '10.42.0.0/24', '192.168.77.1'), node('c', '10.42.2.0/24', '192.168.77.3')];
    assert.deepEqual(desiredPodRoutes(nodes, 'a'), [
      { cidr: '10.42.1.0/24', via: '192.168.77.2' },
      { cidr: '10.42.2.0/24', via: '192.168.77.3' },
    ]);
  });

  test('leaves out nodes without a pod CIDR or an IPv4 InternalIP, and IPv6 CIDRs', () => {
    const nodes = [
      node('a', '10.42.0.0/24', '192.168.77.1'),
      node('no-cidr', undefined, '192.168.77.2'),
      node('no-ip', '10.42.3.0/24'),
      node('v6-ip', '10.42.4.0/24', 'fd00::4'),
      node('dual', undefined, '192.168.77.5', { podCIDRs: ['10.42.5.0/24', 'fd00:42:5::/64'] }),
    ];
    assert.deepEqual(desiredPodRoutes(nodes, 'a'), [{ cidr: '10.42.5.0/24', via: '192.168.77.5' }]);
  });

  test('a CIDR we hold or one claimed twice is routed at most once (first node by name)', () => {
    const nodes = [node('a', '10.42.0.0/24', '192.168.77.1'), node('z', '10.42.1.0/24', '192.168.77.9'), node('b', '10.42.1.0/24', '192.168.77.2'), node('c', '10.42.0.0/24', '192.168.77.3')];
    assert.deepEqual(desiredPodRoutes(nodes, 'a'), [{ cidr: '10.42.1.0/24', via: '192.168.77.2' }]);
  });

  test('works before this node is known', () => {
    assert.deepEqual(desiredPodRoutes([node('b', '10.42.1.0/24', '192.168.77.2')], 'a'), [{ cidr: '10.42.1.0/24', via: '192.168.77.2' }]);
  });
});

test('noMasqueradeRules declares (so flushes) the chain and accepts own pods to remote pods', () => {
  const rules = noMasqueradeRules(['10.42.0.0/24'], ['10.42.1.0/24']);
  assert.match(rules, new RegExp(`^\\*nat\\n:${noMasqueradeChain} - \\[0:0\\]\\n-A ${noMasqueradeChain} -s 10\\.42\\.0\\.0/24 -d 10\\.42\\.1\\.0/24 .*-j ACCEPT\\nCOMMIT\\n$`));
  assert.equal(noMasqueradeRules([], ['10.42.1.0/24']), `*nat\n:${noMasqueradeChain} - [0:0]\nCOMMIT\n`);
});

/** A fake kernel: the main routing table and whether the jump rule exists. */
class FakeKernel {
  routes: { dst: string; gateway?: string; protocol: string }[] = [];
  jump = false;
  restored: string[] = [];
  calls: string[] = [];

  run = async (command: string, args: string[], input?: string): Promise<string> => {
    this.calls.push(`${command} ${args.join(' ')}`);
    if (command === 'ip' && args.includes('show')) return JSON.stringify(this.routes);
    if (command === 'ip' && args[1] === 'replace') {
      const [, , dst, , via, , proto] = args;
      this.routes = this.routes.filter((r) => r.dst !== dst);
      this.routes.push({ dst: dst ?? '', gateway: via, protocol: proto ?? '' });
      return '';
    }
    if (command === 'ip' && args[1] === 'del') {
      const before = this.routes.length;
      this.routes = this.routes.filter((r) => !(r.dst === args[2] && r.protocol === args[4]));
      if (this.routes.length === before) throw new Error('RTNETLINK answers: No such process');
      return '';
    }
    if (command === 'iptables-restore') {
      this.restored.push(input ?? '');
      return '';
    }
    if (command === 'iptables' && args.includes('-C')) {
      if (!this.jump) throw new Error('Bad rule');
      return '';
    }
    if (command === 'iptables' && args.includes('-I')) {
      this.jump = true;
      return '';
    }
    throw new Error(`unexpected ${command} ${args.join(' ')}`);
  };
}

class FakeNodes {
  nodes: Node[] = [];
  handlers: EventHandlers<Node>[] = [];
  list = (): Node[] => this.nodes;
  addEventHandler(h: EventHandlers<Node>): void {
    this.handlers.push(h);
  }
}

describe('PodRoutes.reconcile', () => {
  const proto = String(podRouteProtocol);

  test('adds wanted routes, removes its own stale ones, never touches others', async () => {
    const kernel = new FakeKernel();
    kernel.routes = [
      { dst: '10.42.0.0/24', protocol: 'kernel' },
      { dst: '10.42.9.0/24', gateway: '192.168.77.9', protocol: proto },
      { dst: '10.99.0.0/16', gateway: '192.168.77.50', protocol: 'boot' },
      { dst: '10.42.7.0/24', gateway: '192.168.77.70', protocol: 'static' },
    ];
    const nodes = new FakeNodes();
    nodes.nodes = [node('a', '10.42.0.0/24', '192.168.77.1'), node('b', '10.42.1.0/24', '192.168.77.2'), node('g', '10.42.7.0/24', '192.168.77.7')];
    const logs: string[] = [];
    const routes = new PodRoutes({ nodes, nodeName: 'a', run: kernel.run, enableForwarding: false, log: (m) => logs.push(m) });
    await routes.reconcile();
    assert.deepEqual(
      kernel.routes.map((r) => `${r.dst} ${r.gateway ?? '-'} ${r.protocol}`).sort(),
      ['10.42.0.0/24 - kernel', `10.42.1.0/24 192.168.77.2 ${proto}`, '10.42.7.0/24 192.168.77.70 static', '10.99.0.0/16 192.168.77.50 boot'],
    );
    assert.ok(logs.some((l) => l.includes('not routing 10.42.7.0/24')));
    assert.equal(kernel.jump, true);
    assert.match(kernel.restored[0] ?? '', /-s 10\.42\.0\.0\/24 -d 10\.42\.1\.0\/24/);

    // Nothing changed: no route command, no iptables-restore.
    kernel.calls = [];
    await routes.reconcile();
    assert.deepEqual(kernel.calls, ['ip -4 -j route show table main']);

    // Node b moves: the route follows; b goes: the route goes.
    nodes.nodes = [node('a', '10.42.0.0/24', '192.168.77.1'), node('b', '10.42.1.0/24', '192.168.77.22')];
    await routes.reconcile();
    assert.equal(kernel.routes.find((r) => r.dst === '10.42.1.0/24')?.gateway, '192.168.77.22');
    nodes.nodes = [node('a', '10.42.0.0/24', '192.168.77.1')];
    await routes.reconcile();
    assert.equal(kernel.routes.find((r) => r.dst === '10.42.1.0/24'), undefined);
    assert.doesNotMatch(kernel.restored.at(-1) ?? '', /-A /);
  });

  test('start reconciles on node events and stops on abort', async () => {
    const kernel = new FakeKernel();
    const nodes = new FakeNodes();
    nodes.nodes = [node('a', '10.42.0.0/24', '192.168.77.1')];
    const routes = new PodRoutes({ nodes, nodeName: 'a', run: kernel.run, enableForwarding: false, log: () => undefined });
    const controller = new AbortController();
    const running = routes.start(controller.signal);
    const deadline = Date.now() + 5000;
    const until = async (what: string, check: () => boolean) => {
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setImmediate(r));
      }
    };
    await until('first reconcile', () => kernel.restored.length === 1);
    const b = node('b', '10.42.1.0/24', '192.168.77.2');
    nodes.nodes = [...nodes.nodes, b];
    for (const h of nodes.handlers) h.onAdd?.(b);
    await until('route to b', () => kernel.routes.some((r) => r.dst === '10.42.1.0/24'));
    controller.abort();
    await running;
  });
});
