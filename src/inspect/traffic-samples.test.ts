import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trafficFromMetrics } from './traffic-samples.js';

const ingressText = [
  '# TYPE skiff_ingress_upstream_recent_requests gauge',
  'skiff_ingress_upstream_recent_requests{namespace="seed",service="tomcat-stable",port="80"} 80',
  'skiff_ingress_upstream_recent_requests{namespace="seed",service="tomcat-canary",port="80"} 20',
  'skiff_ingress_upstream_requests_total{namespace="seed",service="tomcat-stable",port="80",code="200"} 1000',
].join('\n');

const nodeA = 'skiff_proxy_endpoint_connections{namespace="seed",service="cluster-service-02",port="80",endpoint="10.42.0.11:8080"} 3\n';
const nodeB = [
  'skiff_proxy_endpoint_connections{namespace="seed",service="cluster-service-02",port="80",endpoint="10.42.0.11:8080"} 2',
  'skiff_proxy_endpoint_connections{namespace="seed",service="cluster-service-02",port="80",endpoint="10.42.0.14:8080"} 1',
].join('\n');

test('gauges: recent Ingress requests per Service, conntrack entries per endpoint summed over nodes', () => {
  const { samples } = trafficFromMetrics([{ source: 'ingress', text: ingressText }, { source: 'service', text: nodeA }, { source: 'service', text: nodeB }], undefined, 1000);
  assert.deepEqual(samples, [
    { source: 'ingress', backend: 'seed/tomcat-canary', count: 20, windowSeconds: 60 },
    { source: 'ingress', backend: 'seed/tomcat-stable', count: 80, windowSeconds: 60 },
    { source: 'service', backend: 'seed/cluster-service-02/10.42.0.11:8080', count: 5, windowSeconds: 120 },
    { source: 'service', backend: 'seed/cluster-service-02/10.42.0.14:8080', count: 1, windowSeconds: 120 },
  ]);
});

test('without a gauge, a counter counts from the second scrape: its rise over the time between, a reset counting whole', () => {
  const counter = (n: number) => `skiff_ingress_upstream_requests_total{namespace="seed",service="tomcat-stable",port="80",code="200"} ${n}\nskiff_ingress_upstream_requests_total{namespace="seed",service="tomcat-stable",port="80",code="502"} 1\n`;
  const first = trafficFromMetrics([{ source: 'ingress', text: counter(10) }], undefined, 0);
  assert.deepEqual(first.samples, []);
  const second = trafficFromMetrics([{ source: 'ingress', text: counter(40) }], first.counters, 5000);
  assert.deepEqual(second.samples, [{ source: 'ingress', backend: 'seed/tomcat-stable', count: 30, windowSeconds: 5 }]);
  const reset = trafficFromMetrics([{ source: 'ingress', text: counter(3) }], second.counters, 10_000);
  assert.deepEqual(reset.samples, [{ source: 'ingress', backend: 'seed/tomcat-stable', count: 4, windowSeconds: 5 }]);
});

test('no metrics, no samples', () => {
  assert.deepEqual(trafficFromMetrics([{ source: 'ingress', text: 'up 1\n' }], undefined, 0).samples, []);
  assert.deepEqual(trafficFromMetrics([], undefined, 0).samples, []);
});
