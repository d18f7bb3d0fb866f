import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket, { type Answer, type OptAnswer } from 'dns-packet';
import { decodeQuery, encodeResponse, rejectQuery, type DnsResponseContent } from './dns-message.js';

function opt(udpPayloadSize: number, extra: Partial<OptAnswer> = {}): OptAnswer {
  return { name: '.', type: 'OPT', udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [], ...extra };
}

function query(name: string, options: { opt?: OptAnswer; flags?: number; id?: number } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: options.id ?? 4242,
    flags: options.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: 'A', class: 'IN' }],
    additionals: options.opt ? [options.opt] : [],
  });
}

function aRecords(count: number): Answer[] {
  return Array.from({ length: count }, (_, i) => ({
    name: 'big.default.svc.cluster.local',
    type: 'A' as const,
    class: 'IN' as const,
    ttl: 5,
    data: `10.42.${i >> 8}.${i & 255}`,
  }));
}

const ok = (answers: Answer[], additionals: Answer[] = []): DnsResponseContent => ({ rcode: 'NOERROR', authoritative: true, answers, authorities: [], additionals });

test('a response echoes id, question and RD, and sets QR, AA, RA', () => {
  const q = decodeQuery(query('web.default.svc.cluster.local'));
  const { packet, truncated } = encodeResponse(q, ok(aRecords(1)), { transport: 'udp' });
  assert.equal(truncated, false);
  const r = dnsPacket.decode(packet);
  assert.equal(r.id, 4242);
  assert.equal(r.type, 'response');
  assert.equal(r.flag_aa, true);
  assert.equal(r.flag_rd, true);
  assert.equal(r.flag_ra, true);
  assert.equal(r.flag_tc, false);
  assert.deepEqual(r.questions, [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN' }]);
  assert.equal(r.answers?.length, 1);
  // No EDNS0 in the query: none in the answer.
  assert.equal(r.additionals?.length, 0);
});

test('owner names written before are compressed to pointers, and decode back', () => {
  const q = decodeQuery(query('Big.Default.svc.cluster.local'));
  const other = (ip: string): Answer => ({ name: 'other.default.svc.cluster.local', type: 'A', class: 'IN', ttl: 5, data: ip });
  const records = [...aRecords(3), other('10.0.0.1'), other('10.0.0.2')];
  const { packet } = encodeResponse(q, ok(records), { transport: 'tcp' });
  const r = dnsPacket.decode(packet);
  // Names compare case-insensitively: the pointer leads to the question's spelling.
  const view = (a: Answer): unknown[] => [a.name.toLowerCase(), 'data' in a ? a.data : undefined];
  assert.deepEqual(r.answers?.map(view), records.map(view));
  // Header 12 + question 35 + 3 pointers 16 + one full 47 + one pointer 16.
  assert.equal(packet.length, 12 + 35 + 3 * 16 + 47 + 16);
});

test('NXDOMAIN goes in the header rcode', () => {
  const q = decodeQuery(query('x.cluster.local'));
  const { packet } = encodeResponse(q, { rcode: 'NXDOMAIN', authoritative: true, answers: [], authorities: [], additionals: [] }, { transport: 'udp' });
  assert.equal(packet[3]! & 0xf, 3);
});

test('over UDP without EDNS0, an answer over 512 bytes is sent with TC and empty sections; over TCP in full', () => {
  const q = decodeQuery(query('big.default.svc.cluster.local'));
  const content = ok(aRecords(40));
  const udp = encodeResponse(q, content, { transport: 'udp' });
  assert.equal(udp.truncated, true);
  assert.ok(udp.packet.length <= 512);
  const r = dnsPacket.decode(udp.packet);
  assert.equal(r.flag_tc, true);
  assert.equal(r.answers?.length, 0);
  assert.equal(r.questions?.length, 1);
  const tcp = encodeResponse(q, content, { transport: 'tcp' });
  assert.equal(tcp.truncated, false);
  assert.equal(dnsPacket.decode(tcp.packet).answers?.length, 40);
});

test('with EDNS0 the client size counts (up to the server maximum), and the answer carries OPT', () => {
  // With the owner name compressed, each A record takes 16 bytes.
  const big = ok(aRecords(60));
  const q = decodeQuery(query('big.default.svc.cluster.local', { opt: opt(4096, { flags: dnsPacket.DNSSEC_OK, flag_do: true }) }));
  const { packet, truncated } = encodeResponse(q, big, { transport: 'udp' });
  assert.equal(truncated, false);
  assert.ok(packet.length > 512);
  const r = dnsPacket.decode(packet);
  assert.equal(r.answers?.length, 60);
  assert.ok(r.answers?.every((a) => a.name === 'big.default.svc.cluster.local'));
  const responseOpt = r.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  assert.equal(responseOpt?.udpPayloadSize, 1232);
  assert.equal(responseOpt?.flag_do, true);
  // 100 records exceed the server maximum of 1232 bytes.
  assert.equal(encodeResponse(q, ok(aRecords(100)), { transport: 'udp' }).truncated, true);
  assert.equal(encodeResponse(q, ok(aRecords(100)), { transport: 'udp', maxUdpPayloadSize: 4096 }).truncated, false);
  // A client size below 512 still gets 512.
  const small = decodeQuery(query('big.default.svc.cluster.local', { opt: opt(100) }));
  assert.equal(encodeResponse(small, ok(aRecords(28)), { transport: 'udp' }).truncated, false);
  assert.equal(encodeResponse(small, ok(aRecords(29)), { transport: 'udp' }).truncated, true);
});

test('additional records that do not fit are dropped without TC', () => {
  const q = decodeQuery(query('big.default.svc.cluster.local'));
  const { packet, truncated } = encodeResponse(q, ok(aRecords(10), aRecords(40)), { transport: 'udp' });
  assert.equal(truncated, false);
  const r = dnsPacket.decode(packet);
  assert.equal(r.flag_tc, false);
  assert.equal(r.answers?.length, 10);
  assert.equal(r.additionals?.length, 0);
});

test('queries that cannot be answered get NOTIMP, FORMERR, BADVERS or REFUSED', () => {
  const notQuery = decodeQuery(query('a.example', { flags: (2 << 11) | dnsPacket.RECURSION_DESIRED }));
  assert.equal(rejectQuery(notQuery)?.rcode, 'NOTIMP');
  const twoQuestions = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'a', type: 'A' }, { name: 'b', type: 'A' }] });
  assert.equal(rejectQuery(decodeQuery(twoQuestions))?.rcode, 'FORMERR');
  const noQuestion = dnsPacket.encode({ type: 'query', id: 1, questions: [] });
  assert.equal(rejectQuery(decodeQuery(noQuestion))?.rcode, 'FORMERR');
  const twoOpts = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'a', type: 'A' }], additionals: [opt(1232), opt(1232)] });
  assert.equal(rejectQuery(decodeQuery(twoOpts))?.rcode, 'FORMERR');
  const chaos = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
  assert.equal(rejectQuery(decodeQuery(chaos))?.rcode, 'REFUSED');
  const v1 = decodeQuery(query('a.example', { opt: opt(1232, { ednsVersion: 1 }) }));
  const badvers = rejectQuery(v1);
  assert.equal(badvers?.rcode, 'BADVERS');
  // BADVERS (16) is split: 0 in the header, 1 in the OPT's extended rcode.
  const r = dnsPacket.decode(encodeResponse(v1, badvers!, { transport: 'udp' }).packet);
  assert.equal(r.flags! & 0xf, 0);
  assert.equal(r.additionals?.find((a): a is OptAnswer => a.type === 'OPT')?.extendedRcode, 1);
  assert.equal(rejectQuery(decodeQuery(query('a.example'))), undefined);
});

test('responses, short and broken packets do not decode as queries', () => {
  const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'a', type: 'A' }] });
  assert.throws(() => decodeQuery(response));
  assert.throws(() => decodeQuery(Buffer.alloc(5)));
  const good = query('web.default.svc.cluster.local');
  assert.throws(() => decodeQuery(good.subarray(0, good.length - 3)));
  // A name pointer to itself.
  const loop = Buffer.from(good);
  loop.writeUInt16BE(0xc00c, 12);
  assert.throws(() => decodeQuery(loop));
});
