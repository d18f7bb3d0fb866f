import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../apimachinery/object.js';
import { ingressFingerprint, loadedAnnotation } from '../../ingress/loaded-annotation.js';
import { isLoaded, reportsLoaded, waitUntilLoaded } from './data-plane-wait.js';

const canary = (weight: string, loaded?: string): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'tomcat-canary', namespace: 'default', resourceVersion: '7', annotations: { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': weight, ...(loaded ? { [loadedAnnotation]: loaded } : {}) } },
  spec: { rules: [{ host: 'canary.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'tomcat-v2', port: { number: 80 } } } }] } }] },
});

test('an Ingress is served as it reads when its loaded annotation is the fingerprint of its spec and annotations', () => {
  const at20 = ingressFingerprint(canary('20'));
  assert.equal(reportsLoaded('Ingress', canary('20')), false);
  assert.equal(reportsLoaded('Ingress', canary('20', at20)), true);
  assert.equal(isLoaded('Ingress', canary('20', at20)), true);
  // The weight changed; the data plane still runs 20.
  assert.equal(isLoaded('Ingress', canary('50', at20)), false);
  // Neither the annotation itself, nor labels, nor the resourceVersion count; key order does not either.
  const relabelled = canary('20', at20);
  relabelled.metadata = { ...relabelled.metadata, labels: { team: 'a' }, resourceVersion: '9', annotations: Object.fromEntries(Object.entries(relabelled.metadata!.annotations!).reverse()) };
  assert.equal(isLoaded('Ingress', relabelled), true);
});

test("an HTTPRoute is served when every parent's Accepted condition observed its generation", () => {
  const route = (generation: number, observed: number[]): KubeObject => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'r', generation },
    status: { parents: observed.map((g) => ({ controllerName: 'skiff.dev/gateway-controller', conditions: [{ type: 'Accepted', status: 'True', observedGeneration: g }] })) },
  });
  assert.equal(reportsLoaded('HTTPRoute', route(2, [])), false);
  assert.equal(isLoaded('HTTPRoute', route(2, [])), false);
  assert.equal(isLoaded('HTTPRoute', route(2, [1])), false);
  assert.equal(isLoaded('HTTPRoute', route(2, [2])), true);
  assert.equal(isLoaded('HTTPRoute', route(2, [2, 1])), false);
});

test('waiting reads until loaded, or gives up at the deadline', async () => {
  let now = 0;
  const reads: KubeObject[] = [canary('50', ingressFingerprint(canary('20'))), canary('50', ingressFingerprint(canary('20'))), canary('50', ingressFingerprint(canary('50')))];
  let i = 0;
  const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
  assert.equal(await waitUntilLoaded({ kind: 'Ingress', read: async () => reads[Math.min(i++, 2)]!, timeoutMs: 10_000, ...clock }), true);
  assert.equal(now, 200);
  now = 0;
  assert.equal(await waitUntilLoaded({ kind: 'Ingress', read: async () => reads[0]!, timeoutMs: 1000, ...clock }), false);
  assert.equal(now, 1000);
});
