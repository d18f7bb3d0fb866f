import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { dnsEndpoints, endpointState, findPort, podHostname, publishesNotReady, serviceSelectsPod } from './service-endpoints.js';

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

describe('endpoint conditions and DNS records', () => {
  it('reads conditions as upstream', () => {
    assert.equal(endpointState({ addresses: ['10.0.0.1'] }), 'ready');
    assert.equal(endpointState({ addresses: ['10.0.0.1'], conditions: { ready: false, serving: true, terminating: true } }), 'serving-terminating');
    assert.equal(endpointState({ addresses: ['10.0.0.1'], conditions: { ready: false } }), 'not-ready');
  });

  it('publishes ready addresses once per hostname, not-ready ones when asked', () => {
    const slices = [
      {
        addressType: 'IPv4',
        endpoints: [
          { addresses: ['10.42.0.7'], hostname: 'web-0' },
          { addresses: ['10.42.0.8'], conditions: { ready: false } },
        ],
        ports: [{ name: 'http', port: 80 }],
      },
    ];
    assert.deepEqual(dnsEndpoints(slices, false).map((e) => `${e.hostname}=${e.address}`), ['web-0=10.42.0.7']);
    assert.deepEqual(dnsEndpoints(slices, true).map((e) => e.hostname), ['web-0', '10-42-0-8']);
    assert.equal(publishesNotReady({ spec: { publishNotReadyAddresses: true } }), true);
  });
});
