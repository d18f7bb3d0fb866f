import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findPort, podHostname, serviceSelectsPod } from './service-endpoints.js';

const pod: Pod = {
  metadata: { namespace: 'default', name: 'web-0', labels: { app: 'web' } },
  spec: {
    hostname: 'web-0',
    subdomain: 'nginx',
    containers: [
      { name: 'tomcat', ports: [{ name: 'abc', containerPort: 8080 }] },
      { name: 'redis', ports: [{ name: 'redis', containerPort: 6379 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] },
    ],
  },
};

describe('service endpoints rules', () => {
  it('finds a targetPort by number, by name and protocol, or the Service port itself', () => {
    assert.equal(findPort(pod, { port: 80, targetPort: 8080 }), 8080);
    assert.equal(findPort(pod, { port: 99, targetPort: 'redis' }), 6379);
    assert.equal(findPort(pod, { port: 53, targetPort: 'dns' }), undefined, 'dns is UDP');
    assert.equal(findPort(pod, { port: 99 }), 99);
  });

  it('selects pods of its namespace by label map; hostnames only under their subdomain', () => {
    assert.equal(serviceSelectsPod({ metadata: { namespace: 'default' }, spec: { selector: { app: 'web' } } }, pod), true);
    assert.equal(serviceSelectsPod({ metadata: { namespace: 'other' }, spec: { selector: { app: 'web' } } }, pod), false);
    assert.equal(podHostname(pod, { metadata: { namespace: 'default', name: 'nginx' } }), 'web-0');
    assert.equal(podHostname(pod, { metadata: { namespace: 'default', name: 'web' } }), undefined);
  });
});
