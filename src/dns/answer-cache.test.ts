import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { AnswerCache } from './answer-cache.js';
import { decodeQuery, encodeResponse, type DnsResponseContent } from './dns-message.js';

const content: DnsResponseContent = {
  rcode: 'NOERROR',
  authoritative: true,
  answers: [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 5, data: '10.43.0.10' }],
  authorities: [],
  additionals: [],
};

function query(id: number, flags: number, name = 'web.default.svc.cluster.local'): ReturnType<typeof decodeQuery> {
  return decodeQuery(dnsPacket.encode({ type: 'query', id, flags, questions: [{ name, type: 'A', class: 'IN' }] }));
}

test('a cached answer carries the id, RD and CD of the query it is given to', () => {
  const cache = new AnswerCache();
  const first = query(1, dnsPacket.RECURSION_DESIRED);
  cache.set(first, 'udp', 7, encodeResponse(first, content, { transport: 'udp' }).packet);
  const again = query(999, dnsPacket.CHECKING_DISABLED);
  const hit = cache.get(again, 'udp', 7);
  assert.ok(hit);
  const r = dnsPacket.decode(hit);
  assert.equal(r.id, 999);
  assert.equal(r.flag_rd, false);
  assert.equal(r.flag_cd, true);
  assert.equal(r.flag_aa, true);
  assert.deepEqual(r.answers?.map((a) => ('data' in a ? a.data : undefined)), ['10.43.0.10']);
  // The stored copy is not changed by a hit.
  assert.equal(dnsPacket.decode(cache.get(first, 'udp', 7)!).id, 1);
});

test('other spellings, transports or generations miss; a new generation empties the cache', () => {
  const cache = new AnswerCache();
  const q = query(1, 0);
  cache.set(q, 'udp', 1, encodeResponse(q, content, { transport: 'udp' }).packet);
  assert.equal(cache.get(query(1, 0, 'WEB.default.svc.cluster.local'), 'udp', 1), undefined);
  assert.equal(cache.get(q, 'tcp', 1), undefined);
  assert.equal(cache.get(q, 'udp', 2), undefined);
  assert.equal(cache.size, 0);
});

test('the oldest answer goes when the cache is full', () => {
  const cache = new AnswerCache({ maxEntries: 2 });
  for (const name of ['a.cluster.local', 'b.cluster.local', 'c.cluster.local']) {
    const q = query(1, 0, name);
    cache.set(q, 'udp', 1, encodeResponse(q, content, { transport: 'udp' }).packet);
  }
  assert.equal(cache.size, 2);
  assert.equal(cache.get(query(1, 0, 'a.cluster.local'), 'udp', 1), undefined);
  assert.ok(cache.get(query(1, 0, 'c.cluster.local'), 'udp', 1));
});
