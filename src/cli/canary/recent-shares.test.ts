import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../apimachinery/errors.js';
import { Registry } from '../../apimachinery/metrics.js';
import { UpstreamTraffic } from '../../ingress/upstream-traffic.js';
import { metricsAccessLogShares, recentRequestsByService } from './recent-shares.js';

test("the recent requests of a namespace's Services, summed over ports, from what the server's /metrics renders", async () => {
  const registry = new Registry();
  const traffic = new UpstreamTraffic({ registry });
  for (let i = 0; i < 80; i++) traffic.record({ namespace: 'default', service: 'tomcat-v1', port: '80' }, '200');
  for (let i = 0; i < 15; i++) traffic.record({ namespace: 'default', service: 'tomcat-v2', port: '80' }, '200');
  for (let i = 0; i < 5; i++) traffic.record({ namespace: 'default', service: 'tomcat-v2', port: '8080' }, '502');
  traffic.record({ namespace: 'other', service: 'tomcat-v1', port: '80' }, '200');
  traffic.record({ namespace: 'de"fault', service: 'x', port: '80' }, '200');
  const text = await registry.render();
  assert.deepEqual(recentRequestsByService(text, 'default'), new Map([['tomcat-v1', 80], ['tomcat-v2', 20]]));
  assert.deepEqual(recentRequestsByService(text, 'de"fault'), new Map([['x', 1]]));
  assert.deepEqual(recentRequestsByService(text, 'empty'), new Map());
  assert.equal(recentRequestsByService('# HELP up x\n# TYPE up gauge\nup 1\n', 'default'), undefined);

  const shares = metricsAccessLogShares(async (path) => (path === '/metrics' ? text : ''));
  assert.deepEqual(await shares('default', ['tomcat-v1', 'tomcat-v2', 'idle']), new Map([['tomcat-v1', 80], ['tomcat-v2', 20], ['idle', 0]]));
});

test('when /metrics cannot be read or holds no access-log counts, status is told why', async () => {
  const forbidden = metricsAccessLogShares(async () => {
    throw new StatusError(403, 'Forbidden', 'forbidden: User "jane" cannot get path "/metrics"');
  });
  assert.equal(await forbidden('default', ['a']), 'not available: GET /metrics: forbidden: User "jane" cannot get path "/metrics"');
  assert.match(String(await metricsAccessLogShares(async () => '')('default', ['a'])), /keeps no access log/);
});
