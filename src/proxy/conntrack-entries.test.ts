import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseConntrackLine, textLines } from './conntrack-entries.js';

/** Captured in a network namespace: /proc/net/nf_conntrack after HTTP through a DNAT to two endpoints, a plain TCP connection, a ping, UDP through the DNAT and UDP nobody answered. */
const captured = (): Promise<string> => readFile(fileURLToPath(new URL('../../../src/proxy/testdata/nf_conntrack.txt', import.meta.url)), 'utf8');

test('a DNATed TCP entry: the original destination is the frontend, the reply source the endpoint', async () => {
  const [first] = (await captured()).split('\n');
  assert.deepEqual(parseConntrackLine(first!), { protocol: 'tcp', originalDestination: '10.98.0.10', originalDestinationPort: 80, replySource: '10.99.0.2', replySourcePort: 8081 });
});

test('every captured line with ports parses; ICMP (no ports) does not', async () => {
  const entries = (await captured()).split('\n').filter((l) => l !== '').map(parseConntrackLine);
  assert.deepEqual(entries.map((e) => (e ? `${e.protocol} ${e.originalDestination}:${e.originalDestinationPort} ${e.replySource}:${e.replySourcePort}` : undefined)), [
    'tcp 10.98.0.10:80 10.99.0.2:8081',
    'tcp 10.98.0.10:80 10.99.0.1:8080',
    'tcp 10.98.0.10:80 10.99.0.2:8081',
    'tcp 10.98.0.10:80 10.99.0.1:8080',
    'tcp 10.99.0.1:9000 10.99.0.1:9000',
    undefined,
    'udp 10.98.0.10:53 10.99.0.2:5353',
    // [UNREPLIED] sits between the directions.
    'udp 10.99.0.2:9999 10.99.0.2:9999',
  ]);
});

test("conntrack -L's shorter form parses the same; IPv6 and malformed lines do not", () => {
  // Captured from `conntrack -L` beside the file above.
  const short = 'tcp      6 119 TIME_WAIT src=10.99.0.1 dst=10.98.0.10 sport=59982 dport=80 src=10.99.0.2 dst=10.99.0.1 sport=8081 dport=59982 [ASSURED] mark=1 use=1';
  assert.deepEqual(parseConntrackLine(short), { protocol: 'tcp', originalDestination: '10.98.0.10', originalDestinationPort: 80, replySource: '10.99.0.2', replySourcePort: 8081 });
  // Written by hand in the kernel's format: the proxy serves IPv4 only.
  assert.equal(parseConntrackLine('ipv6     10 tcp      6 431999 ESTABLISHED src=fd00::1 dst=fd00::2 sport=1 dport=80 src=fd00::2 dst=fd00::1 sport=80 dport=1 [ASSURED] mark=0 zone=0 use=2'), undefined);
  assert.equal(parseConntrackLine(''), undefined);
  assert.equal(parseConntrackLine('ipv4     2 tcp      6 119 TIME_WAIT src=10.99.0.1 dst=10.98.0.10 sport=59982'), undefined);
  assert.equal(parseConntrackLine('ipv4     2 tcp      6 119 TIME_WAIT src=10.99.0.1 dst=10.98.0.10 sport=1 dport=x src=10.99.0.2 dst=10.99.0.1 sport=8081 dport=1'), undefined);
});

test('textLines yields whole lines as chunks complete them, and a last line without a newline', async () => {
  async function* chunks(): AsyncGenerator<string> {
    yield 'one\ntw';
    yield 'o';
    yield '\nthree\nfou';
    yield 'r';
  }
  const batches: string[][] = [];
  for await (const lines of textLines(chunks())) batches.push(lines);
  assert.deepEqual(batches, [['one'], ['two', 'three'], ['four']]);
});
