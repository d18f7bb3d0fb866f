import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseResolvConf, podDnsConfig, type PodDnsOptions } from './pod-dns.js';

const host = parseResolvConf('# generated\nnameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch example.com. corp.example.com\noptions rotate timeout:2\n');
const options: PodDnsOptions = { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local', hostResolvConf: host };

function pod(spec: Pod['spec'] = { containers: [] }, namespace = 'shop'): Pod {
  return { metadata: { name: 'p', namespace }, spec };
}

describe('parseResolvConf', () => {
  test('accumulates nameservers, keeps the last search and options lines, drops trailing dots', () => {
    assert.deepEqual(host, { servers: ['192.168.1.1', '192.168.1.2'], searches: ['example.com', 'corp.example.com'], options: ['rotate', 'timeout:2'] });
    assert.deepEqual(parseResolvConf('search a\nsearch b c\n  # comment\nnameserver\n').searches, ['b', 'c']);
  });
});

describe('podDnsConfig', () => {
  test('ClusterFirst: cluster DNS, namespace search paths then the host\'s, ndots:5', () => {
    assert.deepEqual(podDnsConfig(pod({ containers: [], dnsPolicy: 'ClusterFirst' }), options), {
      servers: ['10.43.0.10'],
      searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'example.com', 'corp.example.com'],
      options: ['ndots:5'],
    });
  });

  test('an absent dnsPolicy is ClusterFirst', () => {
    assert.deepEqual(podDnsConfig(pod(), options).servers, ['10.43.0.10']);
  });

  test('hostNetwork with ClusterFirst falls back to the host\'s resolv.conf; ClusterFirstWithHostNet does not', () => {
    assert.deepEqual(podDnsConfig(pod({ containers: [], hostNetwork: true, dnsPolicy: 'ClusterFirst' }), options), host);
    const withHostNet = podDnsConfig(pod({ containers: [], hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), options);
    assert.deepEqual(withHostNet.servers, ['10.43.0.10']);
    assert.equal(withHostNet.searches[0], 'shop.svc.cluster.local');
  });

  test('Default uses the host\'s settings; without cluster DNS ClusterFirst does too', () => {
    assert.deepEqual(podDnsConfig(pod({ containers: [], dnsPolicy: 'Default' }), options), host);
    assert.deepEqual(podDnsConfig(pod(), { ...options, clusterDNS: [] }), host);
  });

  test('Default without a resolv.conf: localhost and search "."', () => {
    assert.deepEqual(podDnsConfig(pod({ containers: [], dnsPolicy: 'Default' }), { clusterDNS: [], clusterDomain: 'cluster.local' }), {
      servers: ['127.0.0.1'], searches: ['.'], options: [],
    });
  });

  test('None takes only the pod\'s dnsConfig', () => {
    const spec: Pod['spec'] = {
      containers: [],
      dnsPolicy: 'None',
      dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    };
    assert.deepEqual(podDnsConfig(pod(spec), options), { servers: ['1.1.1.1'], searches: ['a.example'], options: ['ndots:2', 'edns0'] });
  });

  test('dnsConfig is appended with duplicates dropped and options merged by name', () => {
    const spec: Pod['spec'] = {
      containers: [],
      dnsConfig: { nameservers: ['10.43.0.10', '8.8.8.8'], searches: ['svc.cluster.local', 'extra.example'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request' }] },
    };
    assert.deepEqual(podDnsConfig(pod(spec), options), {
      servers: ['10.43.0.10', '8.8.8.8'],
      searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'example.com', 'corp.example.com', 'extra.example'],
      options: ['ndots:1', 'single-request'],
    });
  });

  test('limits: 3 nameservers, 32 search paths, no path over 253 characters, 2048 characters of search line', () => {
    const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    const spec: Pod['spec'] = { containers: [], dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'], searches: many } };
    const config = podDnsConfig(pod(spec), options);
    assert.deepEqual(config.servers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
    assert.deepEqual(config.searches, many.slice(0, 32));

    const long = 'x'.repeat(254);
    const wide = Array.from({ length: 10 }, (_, i) => `${i}${'y'.repeat(249)}`);
    const trimmed = podDnsConfig(pod({ containers: [], dnsPolicy: 'None', dnsConfig: { searches: [long, ...wide] } }), options).searches;
    assert.ok(!trimmed.includes(long));
    assert.ok(trimmed.join(' ').length <= 2048);
    assert.deepEqual(trimmed, wide.slice(0, 8));
  });

  test('an empty cluster domain leaves the cluster search paths out', () => {
    assert.deepEqual(podDnsConfig(pod(), { ...options, clusterDomain: '' }).searches, ['example.com', 'corp.example.com']);
  });
});
