import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cniVersion, renderCniConflist } from './cni.js';

test('renderCniConflist renders bridge + host-local + portmap', () => {
  const text = renderCniConflist({ podCIDR: '10.244.1.0/24', ipamDataDir: '/d/cni/ipam', mtu: 1450 });
  assert.ok(text.endsWith('}\n'));
  assert.deepEqual(JSON.parse(text), {
    cniVersion: '1.0.0',
    name: 'skiff',
    plugins: [
      {
        type: 'bridge',
        bridge: 'skiff0',
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        mtu: 1450,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '/d/cni/ipam' },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  });
  assert.equal(cniVersion, '1.0.0');
});

test('names, bridge, dual stack and no mtu', () => {
  const conf = JSON.parse(renderCniConflist({ podCIDR: ['10.244.2.0/24', 'fd00:10:244:2::/64'], ipamDataDir: '/i', bridgeName: 'br-n2', name: 'n2' })) as {
    name: string;
    plugins: Array<{ bridge?: string; mtu?: number; ipam?: { ranges: unknown; routes: unknown } }>;
  };
  assert.equal(conf.name, 'n2');
  const bridge = conf.plugins[0];
  assert.equal(bridge?.bridge, 'br-n2');
  assert.equal('mtu' in (bridge ?? {}), false);
  assert.deepEqual(bridge?.ipam?.ranges, [[{ subnet: '10.244.2.0/24' }], [{ subnet: 'fd00:10:244:2::/64' }]]);
  assert.deepEqual(bridge?.ipam?.routes, [{ dst: '0.0.0.0/0' }, { dst: '::/0' }]);
});

test('an empty pod CIDR list is refused', () => {
  assert.throws(() => renderCniConflist({ podCIDR: [], ipamDataDir: '/i' }), /podCIDR is empty/);
});
