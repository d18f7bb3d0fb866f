import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer } from 'dns-packet';
import { FakeClock } from '../apimachinery/clock.js';
import { waitFor } from '../testing/wait.js';
import { startTestResolver, type TestRecordSet } from './testing.js';
import { UpstreamForwarder, type UpstreamAnswer } from './upstream.js';

function a(name: string, ip: string, ttl: number): Answer {
  return { name, type: 'A', class: 'IN', ttl, data: ip };
}

const soa = (ttl: number, minimum: number): Answer => ({
  name: 'example.com',
  type: 'SOA',
  class: 'IN',
  ttl,
  data: { mname: 'ns.example.com', rname: 'hostmaster.example.com', serial: 1, refresh: 1, retry: 1, expire: 1, minimum },
});

function ttls(answer: UpstreamAnswer | undefined): number[] {
  return (answer?.answers ?? []).map((r) => (r.type === 'OPT' ? -1 : (r.ttl ?? -1)));
}

test('answers come from the upstream, then from the cache with TTLs counted down until they expire', async () => {
  const records = new Map<string, TestRecordSet>([['www.example.com|A', { answers: [a('www.example.com', '192.0.2.1', 30), a('www.example.com', '192.0.2.2', 10)] }]]);
  const resolver = await startTestResolver(records);
  const clock = new FakeClock();
  try {
    const forwarder = new UpstreamForwarder({ upstreams: async () => [{ address: '127.0.0.1', port: resolver.port }], clock });
    const first = await forwarder.resolve({ name: 'www.example.com', type: 'A', class: 'IN' });
    assert.equal(first?.rcode, 'NOERROR');
    assert.deepEqual(ttls(first), [30, 10]);
    clock.advance(4000);
    const cached = await forwarder.resolve({ name: 'WWW.example.com.', type: 'A', class: 'IN' });
    assert.deepEqual(ttls(cached), [26, 6]);
    assert.equal(resolver.asked.length, 1);
    // The smallest TTL (10 s) bounds the entry.
    clock.advance(6000);
    records.set('www.example.com|A', { answers: [a('www.example.com', '192.0.2.9', 30)] });
    const fresh = await forwarder.resolve({ name: 'www.example.com', type: 'A', class: 'IN' });
    assert.deepEqual(fresh?.answers.map((r) => ('data' in r ? r.data : undefined)), ['192.0.2.9']);
    assert.equal(resolver.asked.length, 2);
  } finally {
    await resolver.close();
  }
});

test('negative answers are cached for the SOA minimum; without SOA they are not cached', async () => {
  const records = new Map<string, TestRecordSet>([
    ['gone.example.com|A', { rcode: 'NXDOMAIN', authorities: [soa(60, 3)] }],
    ['bare.example.com|A', { rcode: 'NXDOMAIN' }],
  ]);
  const resolver = await startTestResolver(records);
  const clock = new FakeClock();
  try {
    const forwarder = new UpstreamForwarder({ upstreams: async () => [{ address: '127.0.0.1', port: resolver.port }], clock });
    const gone = { name: 'gone.example.com', type: 'A' as const, class: 'IN' as const };
    assert.equal((await forwarder.resolve(gone))?.rcode, 'NXDOMAIN');
    clock.advance(2000);
    assert.equal((await forwarder.resolve(gone))?.rcode, 'NXDOMAIN');
    assert.equal(resolver.asked.length, 1);
    clock.advance(1000);
    await forwarder.resolve(gone);
    assert.equal(resolver.asked.length, 2);
    const bare = { name: 'bare.example.com', type: 'A' as const, class: 'IN' as const };
    await forwarder.resolve(bare);
    await forwarder.resolve(bare);
    assert.equal(resolver.asked.filter((k) => k === 'bare.example.com|A').length, 2);
  } finally {
    await resolver.close();
  }
});

test('a truncated UDP answer is asked again over TCP', async () => {
  const records = new Map<string, TestRecordSet>([['big.example.com|A', { answers: [a('big.example.com', '192.0.2.7', 30)] }]]);
  const resolver = await startTestResolver(records);
  resolver.truncateUdp = true;
  try {
    const forwarder = new UpstreamForwarder({ upstreams: async () => [{ address: '127.0.0.1', port: resolver.port }], clock: new FakeClock() });
    const answer = await forwarder.resolve({ name: 'big.example.com', type: 'A', class: 'IN' });
    assert.equal(answer?.answers.length, 1);
    assert.deepEqual(resolver.transports, ['udp', 'tcp']);
  } finally {
    await resolver.close();
  }
});

test('an upstream that does not answer in time, or refuses, is passed over for the next; none left is undefined', async () => {
  const records = new Map<string, TestRecordSet>([['www.example.com|A', { answers: [a('www.example.com', '192.0.2.1', 30)] }]]);
  const silent = await startTestResolver(records);
  silent.silent = true;
  const refusing = await startTestResolver(new Map());
  const good = await startTestResolver(records);
  const clock = new FakeClock();
  try {
    const forwarder = new UpstreamForwarder({
      upstreams: async () => [silent, refusing, good].map((r) => ({ address: '127.0.0.1', port: r.port })),
      clock,
      timeoutMs: 1000,
    });
    let result: UpstreamAnswer | undefined | 'pending' = 'pending';
    void forwarder.resolve({ name: 'www.example.com', type: 'A', class: 'IN' }).then((r) => (result = r));
    await waitFor('an answer from the third upstream', () => result !== 'pending', { clock, stepMs: 100 });
    assert.notEqual(result, undefined);
    assert.deepEqual(refusing.asked, ['www.example.com|A']);
    assert.deepEqual(good.asked, ['www.example.com|A']);

    const none = new UpstreamForwarder({ upstreams: async () => [], clock });
    assert.equal(await none.resolve({ name: 'www.example.com', type: 'A', class: 'IN' }), undefined);
    const onlyRefusing = new UpstreamForwarder({ upstreams: async () => [{ address: '127.0.0.1', port: refusing.port }], clock });
    assert.equal(await onlyRefusing.resolve({ name: 'www.example.com', type: 'A', class: 'IN' }), undefined);
  } finally {
    await Promise.all([silent.close(), refusing.close(), good.close()]);
  }
});

test('the cache keeps at most cacheSize answers, dropping the oldest', async () => {
  const records = new Map<string, TestRecordSet>(
    ['a', 'b', 'c'].map((n) => [`${n}.example.com|A`, { answers: [a(`${n}.example.com`, '192.0.2.1', 300)] }]),
  );
  const resolver = await startTestResolver(records);
  try {
    const forwarder = new UpstreamForwarder({ upstreams: async () => [{ address: '127.0.0.1', port: resolver.port }], clock: new FakeClock(), cacheSize: 2 });
    for (const n of ['a', 'b', 'c', 'c', 'b', 'a']) await forwarder.resolve({ name: `${n}.example.com`, type: 'A', class: 'IN' });
    assert.equal(forwarder.cachedAnswers, 2);
    assert.deepEqual(resolver.asked, ['a.example.com|A', 'b.example.com|A', 'c.example.com|A', 'a.example.com|A']);
  } finally {
    await resolver.close();
  }
});
