import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFlags } from './flags.js';
import { serverConfig, serverFlags } from './server-command.js';
import { createSocket } from 'node:dgram';
import { clusterConfigData, defaultClusterDNS, firstBindablePort, parseDnsUpstreams } from './service-networking.js';

test('the cluster DNS IP defaults to the tenth address of the Service CIDR', () => {
  assert.equal(defaultClusterDNS('10.43.0.0/16'), '10.43.0.10');
  assert.equal(defaultClusterDNS('10.170.0.0/16'), '10.170.0.10');
  assert.equal(serverConfig(parseFlags(['--service-cidr', '10.170.0.0/16'], serverFlags)).clusterDNS, '10.170.0.10');
  assert.equal(serverConfig(parseFlags(['--service-cidr', '10.170.0.0/16', '--cluster-dns', '10.170.0.53'], serverFlags)).clusterDNS, '10.170.0.53');
});

test('--dns-upstream: empty is the host resolv.conf, none is no upstream, else addresses with optional ports', () => {
  assert.equal(parseDnsUpstreams(''), undefined);
  assert.deepEqual(parseDnsUpstreams('none'), []);
  assert.deepEqual(parseDnsUpstreams('192.168.77.9:5353, 10.0.0.1,[::1]:53'), [
    { address: '192.168.77.9', port: 5353 },
    { address: '10.0.0.1', port: 53 },
    { address: '::1', port: 53 },
  ]);
  assert.throws(() => parseDnsUpstreams('dns.example'), /not an address/);
});

test('the published cluster config holds the four network settings and nothing else of the server config', () => {
  const config = serverConfig(parseFlags(['--service-cidr', '10.170.0.0/16', '--token', 'secret'], serverFlags));
  assert.deepEqual(clusterConfigData(config), { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.170.0.0/16', clusterDNS: '10.170.0.10', clusterDomain: 'cluster.local' });
});

test('the cluster DNS port: the first port free for UDP and TCP, else the last one; unset by default, 53 tried first', async () => {
  const taken = createSocket('udp4');
  await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', () => resolve()));
  try {
    const busy = taken.address().port;
    assert.equal(await firstBindablePort('127.0.0.1', [busy, 0]), 0);
    assert.equal(await firstBindablePort('127.0.0.1', [0, busy]), 0);
    assert.equal(await firstBindablePort('127.0.0.1', [busy]), busy);
    // Bound and released: usable again at once.
    assert.equal(await firstBindablePort('127.0.0.1', [0, busy]), 0);
  } finally {
    taken.close();
  }
  assert.equal(serverConfig(parseFlags([], serverFlags)).clusterDNSPort, undefined);
  assert.equal(serverConfig(parseFlags(['--cluster-dns-port', '0'], serverFlags)).clusterDNSPort, 0);
  assert.equal(serverConfig(parseFlags(['--cluster-dns-port', '5353'], serverFlags)).clusterDNSPort, 5353);
});
