import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConntrackFlusher, removedPairs, udpEndpointPairs } from './conntrack.js';
import { serviceContribution } from './desired-ruleset.js';
import { service, slice, testNode } from './testing.js';

const dns = service('kube-dns', { clusterIP: '10.170.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] });
const ports = [{ name: 'dns', port: 10053, protocol: 'UDP' }, { name: 'dns-tcp', port: 10053, protocol: 'TCP' }];

test('the UDP pairs of a contribution: TCP ports are not there; a removed endpoint is a removed pair', () => {
  const before = udpEndpointPairs(serviceContribution(dns, [slice('kube-dns', 's', ports, [{ ip: '10.42.0.5' }, { ip: '10.42.0.6' }])], testNode));
  assert.deepEqual([...before.values()], [
    { frontendIP: '10.170.0.10', frontendPort: 53, endpointIP: '10.42.0.5', endpointPort: 10053 },
    { frontendIP: '10.170.0.10', frontendPort: 53, endpointIP: '10.42.0.6', endpointPort: 10053 },
  ]);
  const after = udpEndpointPairs(serviceContribution(dns, [slice('kube-dns', 's', ports, [{ ip: '10.42.0.6' }])], testNode));
  assert.deepEqual(removedPairs(before, after), [{ frontendIP: '10.170.0.10', frontendPort: 53, endpointIP: '10.42.0.5', endpointPort: 10053 }]);
  assert.deepEqual(removedPairs(before, udpEndpointPairs(undefined)).length, 2);
});

test('ConntrackFlusher deletes by original destination and DNAT address; "0 flow entries" is no failure', async () => {
  const calls: string[][] = [];
  const flusher = new ConntrackFlusher({
    run: async (program, args) => {
      calls.push([program, ...args]);
      return args.includes('10.42.0.9') ? { code: 1, stdout: '', stderr: 'operation failed' } : { code: 1, stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.' };
    },
  });
  await flusher.flush([{ frontendIP: '10.170.0.10', frontendPort: 53, endpointIP: '10.42.0.5', endpointPort: 10053 }]);
  assert.deepEqual(calls, [['conntrack', '-D', '-p', 'udp', '--orig-dst', '10.170.0.10', '--orig-port-dst', '53', '--dst-nat', '10.42.0.5']]);
  await assert.rejects(flusher.flush([{ frontendIP: '10.170.0.10', frontendPort: 53, endpointIP: '10.42.0.9', endpointPort: 10053 }]), /operation failed/);
});
