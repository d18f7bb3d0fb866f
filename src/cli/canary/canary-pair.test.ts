import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CanaryLookupError, findCanaryPair } from './canary-pair.js';
import { seedIngresses } from './testing.js';

test('the seed pair is found from either Ingress, with its rules and backends', () => {
  for (const name of ['tomcat', 'tomcat-canary']) {
    const pair = findCanaryPair(seedIngresses(), name);
    assert.equal(pair.main.metadata?.name, 'tomcat');
    assert.equal(pair.canary.metadata?.name, 'tomcat-canary');
    assert.deepEqual(pair.rules, { canary: true, header: 'X-Canary', headerValue: undefined, headerPattern: undefined, cookie: 'canary', weight: 20, weightTotal: 100 });
    assert.deepEqual(pair.routes.map((r) => [r.host, r.path, r.mainBackend.service?.name, r.canaryBackend.service?.name]), [['tomcat.example.test', '/', 'tomcat-stable', 'tomcat-canary']]);
  }
});

test('no pair: a missing Ingress, a main without canary, a canary without main', () => {
  const [main, canary] = seedIngresses();
  assert.throws(() => findCanaryPair(seedIngresses(), 'nope'), { message: 'ingresses.networking.k8s.io "nope" not found' });
  assert.throws(() => findCanaryPair([main!], 'tomcat'), CanaryLookupError);
  assert.throws(() => findCanaryPair([canary!], 'tomcat-canary'), /has no main Ingress for host "tomcat.example.test" path "\/" \(ingress-nginx ignores it\)/);
});
