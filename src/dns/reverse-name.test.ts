import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipToReverseName, reverseNameToIP } from './reverse-name.js';

test('reverse names of IPv4 and IPv6 addresses, both ways', () => {
  assert.equal(ipToReverseName('10.43.0.1'), '1.0.43.10.in-addr.arpa');
  assert.equal(ipToReverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  assert.equal(reverseNameToIP('1.0.43.10.in-addr.arpa'), '10.43.0.1');
  assert.equal(reverseNameToIP(ipToReverseName('2001:db8::1')), '2001:db8::1');
  for (const bad of ['0.43.10.in-addr.arpa', '1.0.43.256.in-addr.arpa', '01.0.43.10.in-addr.arpa', 'x.0.43.10.in-addr.arpa', '1.0.ip6.arpa', 'example.com']) {
    assert.equal(reverseNameToIP(bad), undefined, bad);
  }
});
