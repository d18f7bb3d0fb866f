import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podDnsConfig } from '../../apimachinery/pod-dns.js';
import { buildSandboxConfig, podPortMappings, sandboxSpecHash } from './sandbox-config.js';

function seedPod(): Pod {
  return {
    metadata: { name: 'tomcat-redis', namespace: 'default', uid: '5f0c-uid', labels: { app: 'canary-tomcat' }, annotations: { 'example.com/note': 'seed' } },
    spec: {
      containers: [
        { name: 'tomcat-container', image: 'tomcat', ports: [{ containerPort: 8080, protocol: 'TCP' }] },
        { name: 'redis-container', image: 'redis', ports: [{ containerPort: 6379, hostPort: 16379, protocol: 'TCP' }] },
      ],
    },
  };
}

describe('buildSandboxConfig', () => {
  test('the seed\'s tomcat-redis pod', () => {
    const pod = seedPod();
    const dnsConfig = podDnsConfig(pod, { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local', hostResolvConf: { servers: ['192.168.1.1'], searches: [], options: [] } });
    const config = buildSandboxConfig(pod, { attempt: 1, logRoot: '/var/lib/skiff/agent/pod-logs/', dnsConfig });
    assert.deepEqual(config.metadata, { name: 'tomcat-redis', namespace: 'default', uid: '5f0c-uid', attempt: 1 });
    assert.equal(config.hostname, 'tomcat-redis');
    assert.equal(config.logDirectory, '/var/lib/skiff/agent/pod-logs/default_tomcat-redis_5f0c-uid');
    assert.deepEqual(config.dnsConfig, { servers: ['10.43.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] });
    assert.deepEqual(config.portMappings, [
      { protocol: 'TCP', containerPort: 8080, hostPort: 0, hostIp: '' },
      { protocol: 'TCP', containerPort: 6379, hostPort: 16379, hostIp: '' },
    ]);
    assert.deepEqual(config.labels, {
      app: 'canary-tomcat', 'io.kubernetes.pod.name': 'tomcat-redis', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': '5f0c-uid',
    });
    assert.deepEqual(config.annotations, { 'example.com/note': 'seed' });
    assert.deepEqual(config.linux, {
      cgroupParent: '',
      securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' }, privileged: false, readonlyRootfs: false, seccomp: { profileType: 'RuntimeDefault' } },
      sysctls: {},
    });
  });

  test('StatefulSet pod: spec.hostname, FQDN with setHostnameAsFQDN', () => {
    const pod: Pod = { metadata: { name: 'web-1', namespace: 'default', uid: 'u' }, spec: { hostname: 'web-1', subdomain: 'nginx', containers: [] } };
    assert.equal(buildSandboxConfig(pod, { attempt: 0, logRoot: '/logs' }).hostname, 'web-1');
    const fqdn: Pod = { ...pod, spec: { ...pod.spec!, setHostnameAsFQDN: true } };
    assert.equal(buildSandboxConfig(fqdn, { attempt: 0, logRoot: '/logs' }).hostname, 'web-1.nginx.default.svc.cluster.local');
  });

  test('hostNetwork pods: node namespaces and the node hostname; security settings from the pod', () => {
    const pod: Pod = {
      metadata: { name: 'agent', namespace: 'kube-system', uid: 'u' },
      spec: {
        hostNetwork: true, hostIPC: true, shareProcessNamespace: true,
        containers: [{ name: 'a', image: 'x', securityContext: { privileged: true } }],
        securityContext: { runAsUser: 1000, runAsGroup: 1001, fsGroup: 2000, supplementalGroups: [3000], sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
      },
    };
    const config = buildSandboxConfig(pod, { attempt: 0, logRoot: '/logs', nodeHostname: 'node-a', cgroupParent: '/kubepods/podu', seccompRuntimeDefault: false });
    assert.equal(config.hostname, 'node-a');
    assert.deepEqual(config.linux, {
      cgroupParent: '/kubepods/podu',
      securityContext: {
        namespaceOptions: { network: 'NODE', pid: 'POD', ipc: 'NODE' }, privileged: true, readonlyRootfs: false,
        runAsUser: { value: 1000 }, runAsGroup: { value: 1001 }, supplementalGroups: [2000, 3000],
      },
      sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
    });
    assert.equal(config.dnsConfig, undefined);
    assert.equal(config.portMappings, undefined);
  });
});

describe('podPortMappings', () => {
  test('protocols, host IPs, duplicate names within a container dropped', () => {
    const pod: Pod = {
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: 'a', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP', hostPort: 53, hostIP: '127.0.0.1' }, { name: 'dns', containerPort: 54 }, { containerPort: 9000, protocol: 'SCTP' }] },
          { name: 'b', ports: [{ name: 'dns', containerPort: 55 }] },
        ],
      },
    };
    assert.deepEqual(podPortMappings(pod), [
      { protocol: 'UDP', containerPort: 53, hostPort: 53, hostIp: '127.0.0.1' },
      { protocol: 'SCTP', containerPort: 9000, hostPort: 0, hostIp: '' },
      { protocol: 'TCP', containerPort: 55, hostPort: 0, hostIp: '' },
    ]);
  });
});

describe('sandboxSpecHash', () => {
  test('changes with what needs a new sandbox, not with the rest', () => {
    const pod = seedPod();
    const base = sandboxSpecHash(pod);
    const withContainer = (change: (p: Pod) => void): string => {
      const copy = structuredClone(pod) as { -readonly [K in keyof Pod]: Pod[K] };
      change(copy);
      return sandboxSpecHash(copy);
    };
    assert.equal(base, sandboxSpecHash(structuredClone(pod)));
    assert.equal(base, withContainer((p) => { (p.spec!.containers[0] as { image?: string }).image = 'tomcat:v2'; }));
    assert.equal(base, withContainer((p) => { (p.spec!.containers[0]!.ports![0] as { containerPort: number }).containerPort = 8081; }));
    assert.notEqual(base, withContainer((p) => { (p.spec as { hostNetwork?: boolean }).hostNetwork = true; }));
    assert.notEqual(base, withContainer((p) => { (p.spec!.containers[1]!.ports![0] as { hostPort?: number }).hostPort = 16380; }));
    assert.notEqual(base, withContainer((p) => { (p.spec as { dnsPolicy?: string }).dnsPolicy = 'Default'; }));
    assert.notEqual(base, withContainer((p) => { (p.spec as { dnsConfig?: object }).dnsConfig = { nameservers: ['1.1.1.1'] }; }));
  });
});
