import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { seedNetworkSnapshot, xmlProblems } from '../inspect/seed-fixtures/testing.js';
import type { TrafficSample } from '../inspect/snapshot.js';
import { inspectViews } from '../inspect/views/index.js';
import { uiViewOptions } from './ui-views.js';

/** The canary pictures' golden files live with the views' (src/inspect/views/testdata); UPDATE_GOLDEN=1 rewrites them. */
function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`../../../src/inspect/views/testdata/${name}`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

function canary() {
  const view = inspectViews(uiViewOptions()).find((v) => v.name === 'canary');
  assert.ok(view, 'skiff ui serves the canary view');
  return view;
}

/** Requests nginx counted per Service in the last minute. */
const ingressTraffic: TrafficSample[] = [
  { source: 'ingress', backend: 'default/tomcat-stable', count: 412, windowSeconds: 60 },
  { source: 'ingress', backend: 'default/tomcat-canary', count: 98, windowSeconds: 60 },
];

describe("skiff ui's views with skiff canary's readers", () => {
  test("the seed's Ingress canary: weight 20 of 100 and the X-Canary header and canary cookie rules, beside the requests nginx counted", () => {
    const view = canary();
    const model = view.select({ ...seedNetworkSnapshot(), traffic: ingressTraffic }, { namespace: 'default', kind: 'ingress', name: 'tomcat-canary' });
    assert.ok(model);
    const text = view.describe(model);
    assert.match(text, /^Canary through Ingress tomcat \+ canary tomcat-canary, http:\/\/tomcat\.example\.test\/ \(namespace default\)\./);
    assert.match(text, /- main Service tomcat-stable; port 80; configured 80% \(weight 80\); measured 80\.8% \(412 requests\)/);
    assert.match(text, /- canary Service tomcat-canary; port 80; configured 20% \(weight 20\); measured 19\.2% \(98 requests\)/);
    assert.match(text, /- header X-Canary: always → tomcat-canary, never → tomcat-stable\n- cookie canary: always → tomcat-canary, never → tomcat-stable\n- other requests: weight 20 of 100 → tomcat-canary/);
    const svg = view.render(model);
    assert.deepEqual(xmlProblems(svg), []);
    golden('canary-ingress-seed.svg', svg);
    const fromMain = view.select({ ...seedNetworkSnapshot(), traffic: ingressTraffic }, { namespace: 'default', kind: 'ingress', name: 'tomcat' });
    assert.ok(fromMain);
    assert.equal(view.describe(fromMain), text, 'either Ingress of the pair draws the pair');
  });

  test('the HTTPRoute skiff canary migrate makes of it: backendRef weights 80/20 and the header matches', () => {
    const view = canary();
    const model = view.select({ ...seedNetworkSnapshot(), traffic: ingressTraffic }, { namespace: 'default', kind: 'httproute', name: 'tomcat' });
    assert.ok(model);
    const text = view.describe(model);
    assert.match(text, /- main Service tomcat-stable; port 80; configured 80% \(weight 80\); measured 80\.8% \(412 requests\)/);
    assert.match(text, /- header X-Canary = always → tomcat-canary\n- header X-Canary = never → tomcat-stable\n- header Cookie ~ \(\^\|; \)canary=always\(;\|\$\) → tomcat-canary/);
    const svg = view.render(model);
    assert.deepEqual(xmlProblems(svg), []);
    golden('canary-httproute-seed.svg', svg);
  });

  test('the menu lists every canary of the seed: the Service, the Ingress pair (by its canary) and the HTTPRoute', () => {
    assert.deepEqual(canary().instances?.(seedNetworkSnapshot()), [
      { namespace: 'default', kind: 'httproute', name: 'tomcat' },
      { namespace: 'default', kind: 'ingress', name: 'tomcat-canary' },
      { namespace: 'default', kind: 'service', name: 'cluster-service-02' },
    ]);
  });
});
