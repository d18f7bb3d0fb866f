import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMetricsText } from './metrics-text.js';

test('samples with labels (escaped quotes and backslashes), without labels, with timestamps; comments skipped', () => {
  const text = [
    '# HELP skiff_ingress_upstream_requests_total Requests.',
    '# TYPE skiff_ingress_upstream_requests_total counter',
    'skiff_ingress_upstream_requests_total{namespace="seed",service="tomcat-stable",port="80",code="200"} 42',
    'up 1 1700000000000',
    'weird{a="x\\"y\\\\z",b="line\\nbreak"} +Inf',
    'broken{a=1} 3',
    '',
  ].join('\n');
  assert.deepEqual(parseMetricsText(text), [
    { name: 'skiff_ingress_upstream_requests_total', labels: { namespace: 'seed', service: 'tomcat-stable', port: '80', code: '200' }, value: 42 },
    { name: 'up', labels: {}, value: 1 },
    { name: 'weird', labels: { a: 'x"y\\z', b: 'line\nbreak' }, value: Infinity },
  ]);
});

test('only the names asked for', () => {
  assert.deepEqual(parseMetricsText('a 1\nb{x="1"} 2\n', new Set(['b'])), [{ name: 'b', labels: { x: '1' }, value: 2 }]);
});
