import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTraceArgs, TraceArgumentError } from './trace-args.js';

describe('parseTraceArgs', () => {
  it('reads pods and nodes as FROM', () => {
    assert.deepEqual(parseTraceArgs('client', '10.0.0.1:80', 'shop').from, { kind: 'pod', namespace: 'shop', name: 'client' });
    assert.deepEqual(parseTraceArgs('pod/client', '10.0.0.1:80').from, { kind: 'pod', namespace: 'default', name: 'client' });
    assert.deepEqual(parseTraceArgs('node/node-a', '10.0.0.1:80').from, { kind: 'node', name: 'node-a' });
  });

  it('reads addresses, names, UDP and URLs as TO', () => {
    assert.deepEqual(parseTraceArgs('c', '10.170.11.11:6379').to, { kind: 'address', host: '10.170.11.11', port: 6379, protocol: 'TCP', text: '10.170.11.11:6379' });
    assert.deepEqual(parseTraceArgs('c', 'Redis.Shop:99').to, { kind: 'address', host: 'redis.shop', port: 99, protocol: 'TCP', text: 'Redis.Shop:99' });
    assert.deepEqual(parseTraceArgs('c', 'kube-dns.kube-system:53/udp').to, { kind: 'address', host: 'kube-dns.kube-system', port: 53, protocol: 'UDP', text: 'kube-dns.kube-system:53/udp' });
    assert.deepEqual(parseTraceArgs('c', '[fd00::1]:80').to, { kind: 'address', host: 'fd00::1', port: 80, protocol: 'TCP', text: '[fd00::1]:80' });
    assert.deepEqual(parseTraceArgs('c', 'http://tomcat.example.test/a?b').to, { kind: 'url', url: 'http://tomcat.example.test/a?b', text: 'http://tomcat.example.test/a?b' });
  });

  it('says what it expects when it cannot read them', () => {
    assert.throws(() => parseTraceArgs('svc/web', '10.0.0.1:80'), (e) => e instanceof TraceArgumentError && /FROM is a pod \(NAME or pod\/NAME\) or node\/NAME, not a svc/.test(e.message));
    assert.throws(() => parseTraceArgs('c', 'web'), /TO is ADDRESS:PORT/);
    assert.throws(() => parseTraceArgs('c', 'web:0'), /port 0 is not between 1 and 65535/);
    assert.throws(() => parseTraceArgs('c', 'http://'), /not a URL/);
  });
});
