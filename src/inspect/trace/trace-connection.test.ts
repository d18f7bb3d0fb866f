import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { renderTrace } from './render-trace.js';
import { seedSnapshot } from './testing.js';
import { parseTraceArgs } from './trace-args.js';
import { traceConnection } from './trace-connection.js';
import type { TraceStep } from './trace-step.js';

/** Golden files live beside the sources; UPDATE_GOLDEN=1 rewrites them. */
function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`../../../../src/inspect/trace/testdata/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

function trace(snapshot: ClusterSnapshot, from: string, to: string): TraceStep[] {
  const args = parseTraceArgs(from, to, 'default');
  return traceConnection(snapshot, args.from, args.to);
}

const verdictOf = (steps: TraceStep[]): TraceStep => {
  const last = steps[steps.length - 1]!;
  assert.equal(last.kind, 'verdict', 'every trace ends in a verdict');
  return last;
};

describe('traceConnection on the seed', () => {
  test('10.170.11.11:80 reaches tomcat on 8080 (golden)', () => {
    const steps = trace(seedSnapshot(), 'client', '10.170.11.11:80');
    golden('seed-80.txt', renderTrace(steps));
    assert.equal(verdictOf(steps).outcome, 'pass');
    assert.match(verdictOf(steps).text, /container tomcat-container/);
  });

  test('cluster-service-test:99 resolves through the search path and reaches redis on 6379 (golden)', () => {
    const steps = trace(seedSnapshot(), 'pod/client', 'cluster-service-test:99');
    golden('seed-99.txt', renderTrace(steps));
    const dns = steps.find((s) => s.kind === 'dns')!;
    assert.match(dns.text, /resolves to 10\.170\.11\.11/);
    assert.match(dns.details.join('\n'), /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local; options ndots:5/);
    assert.match(verdictOf(steps).text, /container redis-container\) on port 6379/);
  });

  test('10.170.11.11:6379 is refused, in the seed\'s words (golden)', () => {
    const steps = trace(seedSnapshot(), 'client', '10.170.11.11:6379');
    golden('seed-6379.txt', renderTrace(steps));
    assert.equal(verdictOf(steps).text, '10.170.11.11:6379 is refused: Service default/cluster-service-test exposes 80 (abc → 8080) and 99 (redis → 6379); port 6379 is the container\'s port, use 99');
    assert.equal(verdictOf(steps).outcome, 'stop');
  });

  test('an unknown name is not found after every search domain (golden)', () => {
    const steps = trace(seedSnapshot(), 'client', 'cluster-service-tset:80');
    golden('seed-unknown-name.txt', renderTrace(steps));
    assert.equal(verdictOf(steps).outcome, 'stop');
    assert.match(verdictOf(steps).text, /^cluster-service-tset:80 is not found/);
  });

  test('a Service whose selector matches nothing is refused for want of endpoints (golden)', () => {
    const steps = trace(seedSnapshot(), 'client', 'nothing.default:80');
    golden('seed-no-endpoints.txt', renderTrace(steps));
    assert.equal(verdictOf(steps).text, 'nothing.default:80 is refused: Service default/nothing has no ready endpoints (its selector app=nothing-has-this matches no pod)');
  });

  test('a NetworkPolicy isolating tomcat-redis drops the client (golden)', () => {
    const snapshot = seedSnapshot();
    const onlyFrontends: NetworkPolicy = {
      metadata: { namespace: 'default', name: 'tomcat-from-frontends' },
      spec: { podSelector: { matchLabels: { app: 'canary-tomcat' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }], ports: [{ port: 8080 }] }] },
    };
    snapshot.networkPolicies.push(onlyFrontends);
    const steps = trace(snapshot, 'client', 'cluster-service-test:80');
    golden('seed-blocked-by-policy.txt', renderTrace(steps));
    assert.equal(verdictOf(steps).outcome, 'stop');
    assert.match(verdictOf(steps).text, /is dropped: NetworkPolicy default\/tomcat-from-frontends isolates pod default\/tomcat-redis for ingress/);
    // The same policy lets a frontend in.
    snapshot.pods.find((p) => p.metadata?.name === 'client')!.metadata!.labels = { role: 'frontend' };
    assert.equal(verdictOf(trace(snapshot, 'client', 'cluster-service-test:80')).outcome, 'pass');
  });

  test('a URL goes through the seed\'s Ingress to tomcat-stable, the canary named with its share (golden)', () => {
    const steps = trace(seedSnapshot(), 'client', 'http://tomcat.example.test/');
    golden('seed-ingress-url.txt', renderTrace(steps));
    const ingress = steps.find((s) => s.kind === 'ingress')!;
    assert.match(ingress.text, /Ingress default\/tomcat matches host tomcat\.example\.test, path \/ \(prefix\) → Service default\/tomcat-stable:80/);
    assert.match(ingress.details.join('\n'), /20 of 100 requests/);
    assert.match(verdictOf(steps).text, /reaches pod default\/tomcat-stable-7d9f-abcde .* through Ingress default\/tomcat/);
  });

  test('a StatefulSet pod by its full DNS name goes straight to the pod', () => {
    const steps = trace(seedSnapshot(), 'client', 'web-1.nginx.default.svc.cluster.local:80');
    assert.match(steps.find((s) => s.kind === 'dns')!.text, /resolves to 10\.42\.1\.21: web-1\.nginx\.default\.svc\.cluster\.local is endpoint web-1 of Service default\/nginx/);
    assert.match(verdictOf(steps).text, /reaches pod default\/web-1 \(container nginx\) on port 80/);
  });

  test('a headless Service answers its ready pods; a URL no host serves is a 404', () => {
    const headless = trace(seedSnapshot(), 'node/node-b', 'nginx:80');
    assert.match(headless.find((s) => s.kind === 'dns')!.text, /resolves to 10\.42\.0\.20, 10\.42\.1\.21: nginx\.default\.svc\.cluster\.local is the ready endpoints of headless Service default\/nginx/);
    const lost = trace(seedSnapshot(), 'client', 'http://elsewhere.example.test/x');
    assert.match(verdictOf(lost).text, /gets 404 from the ingress controller: no Ingress or HTTPRoute serves host elsewhere\.example\.test/);
  });

  test('a missing source pod is said so', () => {
    assert.deepEqual(trace(seedSnapshot(), 'nope', '10.170.11.11:80').map((s) => s.text), ['pod default/nope not found']);
  });
});
