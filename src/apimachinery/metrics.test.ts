import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exponentialBuckets, Registry, textFormatContentType } from './metrics.js';
import { familyOf, parsePrometheusText, samplesOf } from '../testing/prometheus-text.js';

test('counters, gauges and histograms render in the text format 0.0.4', async () => {
  const registry = new Registry();
  const requests = registry.counter({ name: 'http_requests_total', help: 'Requests served.', labelNames: ['code', 'verb'] });
  requests.labels('200', 'GET').inc();
  requests.labels('200', 'GET').inc(2);
  requests.labels('404', 'GET').inc();
  registry.gauge({ name: 'queue_depth', help: 'Items waiting.' }).set(7);
  const latency = registry.histogram({ name: 'latency_seconds', help: 'How long.', buckets: [0.1, 1] });
  latency.observe(0.05);
  latency.observe(0.1);
  latency.observe(0.5);
  latency.observe(3);
  assert.equal(
    await registry.render(),
    [
      '# HELP http_requests_total Requests served.',
      '# TYPE http_requests_total counter',
      'http_requests_total{code="200",verb="GET"} 3',
      'http_requests_total{code="404",verb="GET"} 1',
      '# HELP latency_seconds How long.',
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{le="0.1"} 2',
      'latency_seconds_bucket{le="1"} 3',
      'latency_seconds_bucket{le="+Inf"} 4',
      'latency_seconds_sum 3.65',
      'latency_seconds_count 4',
      '# HELP queue_depth Items waiting.',
      '# TYPE queue_depth gauge',
      'queue_depth 7',
      '',
    ].join('\n'),
  );
  assert.equal(textFormatContentType, 'text/plain; version=0.0.4; charset=utf-8');
});

test('label values and help text are escaped, and the reference parser reads them back', async () => {
  const registry = new Registry();
  const odd = 'a "quoted"\\path\nnext line';
  registry.gauge({ name: 'odd_labels', help: 'Help with \\ and\nnewline.', labelNames: ['value'] }).labels(odd).set(-1.5);
  const text = await registry.render();
  assert.match(text, /odd_labels\{value="a \\"quoted\\"\\\\path\\nnext line"\} -1.5/);
  assert.match(text, /# HELP odd_labels Help with \\\\ and\\nnewline\./);
  const families = await parsePrometheusText(text);
  const family = familyOf(families, 'odd_labels');
  assert.equal(family.help, 'Help with \\ and\nnewline.');
  assert.deepEqual(family.samples, [{ name: 'odd_labels', labels: { value: odd }, value: -1.5 }]);
});

test('labelled histograms parse as histograms with cumulative buckets', async () => {
  const registry = new Registry();
  const h = registry.histogram({ name: 'op_duration_seconds', help: 'Ops.', labelNames: ['operation'], buckets: exponentialBuckets(0.001, 10, 3) });
  h.labels('get').observe(0.0005);
  h.labels('get').observe(0.05);
  h.labels('list').observe(100);
  const family = familyOf(await parsePrometheusText(await registry.render()), 'op_duration_seconds');
  assert.equal(family.type, 'histogram');
  const getBuckets = samplesOf(family, 'op_duration_seconds_bucket', { operation: 'get' }).map((s) => [s.labels.le, s.value]);
  assert.deepEqual(getBuckets, [
    ['0.001', 1],
    ['0.01', 1],
    ['0.1', 2],
    ['+Inf', 2],
  ]);
  assert.equal(samplesOf(family, 'op_duration_seconds_count', { operation: 'list' })[0]?.value, 1);
  assert.equal(samplesOf(family, 'op_duration_seconds_sum', { operation: 'list' })[0]?.value, 100);
});

test('declaring a family again returns it; other labels or type are refused', () => {
  const registry = new Registry();
  const a = registry.counter({ name: 'x_total', help: 'x', labelNames: ['l'] });
  assert.equal(registry.counter({ name: 'x_total', help: 'x', labelNames: ['l'] }), a);
  assert.throws(() => registry.counter({ name: 'x_total', help: 'x', labelNames: ['m'] }), /already registered/);
  assert.throws(() => registry.gauge({ name: 'x_total', help: 'x', labelNames: ['l'] }), /already registered/);
  assert.throws(() => a.labels('one', 'two'), /2 label values given for 1 labels/);
  assert.throws(() => registry.counter({ name: 'bad-name', help: 'x' }), /invalid metric name/);
  assert.throws(() => a.labels('v').inc(-1), /cannot decrease/);
});

test('collect hooks run before each render; a failing hook is reported and the rest still render', async () => {
  const registry = new Registry();
  const gauge = registry.gauge({ name: 'objects', help: 'Objects.', labelNames: ['resource'] });
  let pods = 1;
  registry.onCollect(() => gauge.labels('pods').set(pods));
  const errors: unknown[] = [];
  const remove = registry.onCollect(() => {
    throw new Error('boom');
  });
  assert.match(await registry.render((e) => errors.push(e)), /objects\{resource="pods"\} 1/);
  pods = 4;
  assert.match(await registry.render((e) => errors.push(e)), /objects\{resource="pods"\} 4/);
  assert.equal(errors.length, 2);
  remove();
  await registry.render((e) => errors.push(e));
  assert.equal(errors.length, 2);
});

test('a labelled family with no series yet still declares HELP and TYPE', async () => {
  const registry = new Registry();
  registry.counter({ name: 'retries_total', help: 'Retries.', labelNames: ['name'] });
  assert.equal(await registry.render(), '# HELP retries_total Retries.\n# TYPE retries_total counter\n');
  assert.equal(familyOf(await parsePrometheusText(await registry.render()), 'retries').type, 'counter');
});

test('reset removes every series of a family, which then fills again from new label values', async () => {
  const registry = new Registry();
  const gauge = registry.gauge({ name: 'endpoint_connections', help: 'Connections.', labelNames: ['endpoint'] });
  gauge.labels('10.42.0.5:8080').set(3);
  gauge.labels('10.42.0.6:8080').set(1);
  gauge.reset();
  gauge.labels('10.42.0.6:8080').set(2);
  assert.equal(
    await registry.render(),
    '# HELP endpoint_connections Connections.\n# TYPE endpoint_connections gauge\nendpoint_connections{endpoint="10.42.0.6:8080"} 2\n',
  );
});
