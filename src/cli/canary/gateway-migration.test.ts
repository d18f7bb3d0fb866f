import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { dump } from 'js-yaml';
import { findCanaryPair } from './canary-pair.js';
import { cookieMatchPattern, migrateToGateway } from './gateway-migration.js';
import { canaryAnnotationPrefix } from './ingress-canary.js';
import { routeGatewayRequest, routeIngressRequest, type ModelRequest } from './routing-model.js';
import { requestClasses, seedIngresses } from './testing.js';

/** Golden files live beside the sources; UPDATE_GOLDEN=1 rewrites them. */
function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`../../../../src/cli/canary/testdata/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

const yaml = (objects: object[]): string => `${objects.map((o) => dump(o, { noRefs: true, lineWidth: -1 }).trimEnd()).join('\n---\n')}\n`;

/** The seed pair with some annotations replaced. */
function variant(annotations: Record<string, string | undefined>) {
  const ingresses = seedIngresses();
  const a = ingresses[1]!.metadata!.annotations!;
  for (const [k, v] of Object.entries(annotations)) {
    if (v === undefined) delete a[canaryAnnotationPrefix + k];
    else a[canaryAnnotationPrefix + k] = v;
  }
  return findCanaryPair(ingresses, 'tomcat');
}

describe('migrateToGateway', () => {
  test('the seed pair: Gateway with an HTTP listener, HTTPRoute with header, cookie and 80/20 rules (golden)', () => {
    golden('seed-migrate.yaml', yaml(migrateToGateway(findCanaryPair(seedIngresses(), 'tomcat'))));
  });

  test('canary-by-header-value becomes an Exact match, canary-by-header-pattern a RegularExpression (golden)', () => {
    golden('header-value-migrate.yaml', yaml(migrateToGateway(variant({ 'canary-by-header-value': 'v2', 'canary-by-cookie': undefined, 'canary-weight': '0' }))));
    golden('header-pattern-migrate.yaml', yaml(migrateToGateway(variant({ 'canary-by-header-pattern': '^(beta|v2)$', 'canary-by-cookie': undefined, 'canary-weight-total': '1000', 'canary-weight': '250' }))));
  });

  test('the cookie pattern matches the cookie wherever it is in the header, and only that cookie', () => {
    const re = new RegExp(cookieMatchPattern('canary', 'always'));
    for (const yes of ['canary=always', 'a=1; canary=always', 'canary=always; b=2']) assert.ok(re.test(yes), yes);
    for (const no of ['mycanary=always', 'canary=alwaysx', 'canary=never', 'a=canary=always']) assert.ok(!re.test(no), no);
  });

  for (const [label, pair] of [
    ['the seed pair', findCanaryPair(seedIngresses(), 'tomcat')],
    ['a header value', variant({ 'canary-by-header-value': 'v2' })],
    ['a header pattern', variant({ 'canary-by-header-pattern': '^(beta|v2)$' })],
  ] as const) {
    test(`${label}: every kind of request gets the same shares as ingress-nginx gives it`, () => {
      const routes = migrateToGateway(pair).slice(1);
      // Per header and cookie combination, the backends over 100 evenly spread weighted draws (the order of draws may differ, the shares may not).
      const shares = (decide: (r: ModelRequest) => string[]): Map<string, string> => {
        const byClass = new Map<string, string[]>();
        for (const r of requestClasses('tomcat.example.test', '/app', 'X-Canary', 'canary', ['v2', 'beta'])) {
          const key = JSON.stringify([r.headers, r.cookies]);
          byClass.set(key, [...(byClass.get(key) ?? []), ...decide(r)]);
        }
        return new Map([...byClass].map(([k, v]) => [k, JSON.stringify([...new Set(v)].sort().map((b) => [b, v.filter((x) => x === b).length]))]));
      };
      assert.deepEqual(shares((r) => routeGatewayRequest(routes, r).backends), shares((r) => routeIngressRequest([pair.main, pair.canary], r).backends));
    });
  }

  test('a named Service port is resolved to its number; an unknown one is an error', () => {
    const ingresses = seedIngresses();
    ingresses[1]!.spec!.rules![0]!.http!.paths[0]!.backend.service!.port = { name: 'http' };
    const pair = findCanaryPair(ingresses, 'tomcat');
    const [, route] = migrateToGateway(pair, { servicePortNumber: (s, p) => (s === 'tomcat-canary' && p === 'http' ? 8080 : undefined) });
    assert.match(JSON.stringify(route), /"name":"tomcat-canary","port":8080,"weight":20/);
    assert.throws(() => migrateToGateway(pair), { message: 'service "tomcat-canary" has no port named "http"' });
  });
});
