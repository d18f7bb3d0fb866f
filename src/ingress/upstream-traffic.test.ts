import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../apimachinery/metrics.js';
import { UpstreamTraffic } from './upstream-traffic.js';

const web = { namespace: 'default', service: 'web', port: '80' };
const api = { namespace: 'shop', service: 'api', port: '8080' };

test('requests are counted per Service port and code, and over the last 60 seconds', async () => {
  let now = Date.parse('2026-12-04T12:00:00.500Z');
  const registry = new Registry();
  const traffic = new UpstreamTraffic({ registry, clock: { now: () => new Date(now) } });
  for (let i = 0; i < 8; i++) traffic.record(web, '200');
  traffic.record(web, '502');
  now += 30_000;
  traffic.record(api, '200');
  traffic.record(web, '200');
  assert.deepEqual(traffic.recentRequests(), new Map([['default/web/80', 10], ['shop/api/8080', 1]]));
  const text = await registry.render();
  assert.match(text, /^# TYPE skiff_ingress_upstream_requests_total counter$/m);
  assert.match(text, /^skiff_ingress_upstream_requests_total\{namespace="default",service="web",port="80",code="200"\} 9$/m);
  assert.match(text, /^skiff_ingress_upstream_requests_total\{namespace="default",service="web",port="80",code="502"\} 1$/m);
  assert.match(text, /^# TYPE skiff_ingress_upstream_recent_requests gauge$/m);
  assert.match(text, /^skiff_ingress_upstream_recent_requests\{namespace="default",service="web",port="80"\} 10$/m);
  assert.match(text, /^skiff_ingress_upstream_recent_requests\{namespace="shop",service="api",port="8080"\} 1$/m);

  // 60 s after the first nine, only the later ones are recent; the totals stay.
  now += 30_000;
  assert.deepEqual(traffic.recentRequests(), new Map([['default/web/80', 1], ['shop/api/8080', 1]]));
  now += 60_000;
  const later = await registry.render();
  assert.match(later, /^skiff_ingress_upstream_recent_requests\{namespace="default",service="web",port="80"\} 0$/m);
  assert.match(later, /^skiff_ingress_upstream_requests_total\{namespace="default",service="web",port="80",code="200"\} 9$/m);

  // A slot reused a window later starts from zero.
  traffic.record(web, '200');
  assert.equal(traffic.recentRequests().get('default/web/80'), 1);
  traffic.close();
});

test('a second instance on the same registry records into the same series', async () => {
  const registry = new Registry();
  const first = new UpstreamTraffic({ registry });
  first.record(web, '200');
  first.close();
  new UpstreamTraffic({ registry }).record(web, '200');
  assert.match(await registry.render(), /^skiff_ingress_upstream_requests_total\{namespace="default",service="web",port="80",code="200"\} 2$/m);
});
