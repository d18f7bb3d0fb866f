import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToIp, firstAddressInCIDR, formatIPv4, ipToBytes, parseCIDR, parseIPv4 } from './net.js';

test('CIDR arithmetic', () => {
  const r = parseCIDR('10.43.7.9/16');
  assert.equal(r.size, 65536);
  assert.equal(formatIPv4(r.base), '10.43.0.0');
  assert.equal(parseIPv4('10.43.0.256'), undefined);
  assert.throws(() => parseCIDR('10.43.0.0/33'));
});

test('first address of service CIDRs', () => {
  assert.equal(firstAddressInCIDR('10.43.0.0/16'), '10.43.0.1');
  assert.equal(firstAddressInCIDR('10.96.0.0/12'), '10.96.0.1');
  assert.equal(firstAddressInCIDR('10.43.5.7/16'), '10.43.0.1');
  assert.equal(firstAddressInCIDR('fd00:43::/112'), 'fd00:43::1');
  assert.throws(() => firstAddressInCIDR('10.43.0.0'), /invalid CIDR/);
});

test('IPv6 round trips in canonical form', () => {
  assert.equal(bytesToIp(ipToBytes('::1')), '::1');
  assert.equal(bytesToIp(ipToBytes('FD00:0:0:0:0:0:0:1')), 'fd00::1');
  assert.equal(bytesToIp(ipToBytes('::ffff:10.0.0.1')), '::ffff:a00:1');
  assert.equal(bytesToIp(ipToBytes('1:0:0:2:0:0:0:3')), '1:0:0:2::3');
  assert.equal(ipToBytes('192.168.1.2').toString('hex'), 'c0a80102');
});
