import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { renderEtcHosts } from './hosts.js';
import { podHostnameAndDomain, podKernelHostname } from './hostname.js';

const localLines =
  '# Kubernetes-managed hosts file.\n' +
  '127.0.0.1\tlocalhost\n' +
  '::1\tlocalhost ip6-localhost ip6-loopback\n' +
  'fe00::0\tip6-localnet\n' +
  'fe00::0\tip6-mcastprefix\n' +
  'fe00::1\tip6-allnodes\n' +
  'fe00::2\tip6-allrouters\n';

describe('renderEtcHosts', () => {
  test('StatefulSet pod web-1 of headless Service nginx gets its FQDN', () => {
    const pod: Pod = { metadata: { name: 'web-1', namespace: 'default' }, spec: { hostname: 'web-1', subdomain: 'nginx', containers: [] } };
    const text = renderEtcHosts(pod, ['10.42.0.5'], { clusterDomain: 'cluster.local' });
    assert.equal(text, localLines + '10.42.0.5\tweb-1.nginx.default.svc.cluster.local\tweb-1\n');
  });

  test('without a subdomain: the pod name per pod IP; hostAliases section at the end', () => {
    const pod: Pod = {
      metadata: { name: 'tomcat-redis', namespace: 'default' },
      spec: { containers: [], hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }, { ip: '10.1.2.4', hostnames: ['baz'] }] },
    };
    assert.equal(
      renderEtcHosts(pod, ['10.42.0.7', 'fd00::7'], { clusterDomain: 'cluster.local' }),
      localLines + '10.42.0.7\ttomcat-redis\nfd00::7\ttomcat-redis\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n10.1.2.4\tbaz\n',
    );
  });

  test('hostNetwork pods: undefined, or the node file behind the host-network header', () => {
    const pod: Pod = { metadata: { name: 'h', namespace: 'kube-system' }, spec: { hostNetwork: true, containers: [], hostAliases: [{ ip: '1.2.3.4', hostnames: ['x'] }] } };
    assert.equal(renderEtcHosts(pod, ['192.168.1.10'], { clusterDomain: 'cluster.local' }), undefined);
    assert.equal(
      renderEtcHosts(pod, [], { clusterDomain: 'cluster.local', nodeHostsFile: '127.0.0.1 localhost\n' }),
      '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n\n# Entries added by HostAliases.\n1.2.3.4\tx\n',
    );
  });
});

describe('podHostnameAndDomain', () => {
  test('long pod names are cut to 63 characters without a trailing dash', () => {
    const name = 'a'.repeat(62) + '-bcd';
    const { hostname } = podHostnameAndDomain({ metadata: { name }, spec: { containers: [] } }, 'cluster.local');
    assert.equal(hostname, 'a'.repeat(62));
  });

  test('an invalid spec.hostname is refused', () => {
    assert.throws(() => podHostnameAndDomain({ metadata: { name: 'p' }, spec: { hostname: 'Bad_Name', containers: [] } }, 'cluster.local'), /pod Hostname "Bad_Name" is not a valid DNS label/);
  });

  test('setHostnameAsFQDN gives the FQDN as kernel hostname, refused past 64 characters', () => {
    const pod: Pod = { metadata: { name: 'web-0', namespace: 'default' }, spec: { subdomain: 'nginx', setHostnameAsFQDN: true, containers: [] } };
    assert.equal(podKernelHostname(pod, podHostnameAndDomain(pod, 'cluster.local')), 'web-0.nginx.default.svc.cluster.local');
    const long: Pod = { ...pod, metadata: { name: 'w'.repeat(40), namespace: 'default' } };
    assert.throws(() => podKernelHostname(long, podHostnameAndDomain(long, 'cluster.local')), /is too long \(64 characters is the max/);
  });
});
