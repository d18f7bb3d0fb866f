import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { TestCluster, testBackends } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';

const fixture = (file: string) => fileURLToPath(new URL(`../../../test/fixtures/crd/${file}`, import.meta.url));

function json<T = Record<string, unknown>>(text: string): T {
  return JSON.parse(text) as T;
}

const webapp = (name: string, replicas: number) => `apiVersion: apps.skiff.test/v1
kind: WebApp
metadata:
  name: ${name}
spec:
  image: nginx:1.27
  replicas: ${replicas}
`;

for (const backend of testBackends()) {
  describe(`CustomResourceDefinitions with kubectl (${backend})`, { concurrency: 1 }, () => {
    let c: TestCluster;
    before(async () => {
      c = await TestCluster.start({ backend });
      await c.kubectlOK(['apply', '-f', fixture('operator.yaml')]);
      await c.kubectlOK(['wait', '--for', 'condition=Established', '--timeout=30s', 'crd/webapps.apps.skiff.test', 'crd/regions.infra.skiff.test']);
    });
    after(async () => {
      await c?.stop();
    });

    test('a CRD is accepted and established, and its resource is discovered', async () => {
      const crd = json<{ status: { conditions: { type: string; status: string; reason: string }[]; acceptedNames: { plural: string; kind: string; shortNames: string[] }; storedVersions: string[] } }>(
        await c.kubectlOK(['get', 'crd', 'webapps.apps.skiff.test', '-o', 'json']),
      );
      assert.deepEqual(
        crd.status.conditions.map((x) => [x.type, x.status, x.reason]),
        [['NamesAccepted', 'True', 'NoConflicts'], ['Established', 'True', 'InitialNamesAccepted']],
      );
      assert.equal(crd.status.acceptedNames.kind, 'WebApp');
      assert.deepEqual(crd.status.acceptedNames.shortNames, ['wa']);
      assert.deepEqual(crd.status.storedVersions, ['v1']);
      const resources = await c.kubectlOK(['api-resources', '--api-group', 'apps.skiff.test']);
      assert.match(resources, /^webapps\s+wa\s+apps.skiff.test\/v1\s+true\s+WebApp$/m);
      const cluster = await c.kubectlOK(['api-resources', '--api-group', 'infra.skiff.test']);
      assert.match(cluster, /^regions\s+infra.skiff.test\/v1\s+false\s+Region$/m);
    });

    test('apply, get with printer columns, explain, scale, status, category all', async () => {
      assert.match(await c.kubectlOK(['apply', '-f', '-'], { input: webapp('shop', 2) }), /webapp.apps.skiff.test\/shop created/);
      const table = await c.kubectlOK(['get', 'wa']);
      assert.match(table, /^NAME\s+IMAGE\s+DESIRED\s+READY\s+AGE$/m);
      assert.match(table, /^shop\s+nginx:1\.27\s+2\s+\d+s$/m);
      const explain = await c.kubectlOK(['explain', 'webapp.spec']);
      assert.match(explain, /KIND:\s+WebApp/);
      assert.match(explain, /image\s+<string> -required-/);
      assert.match(explain, /The container image of the application\./);
      assert.match(await c.kubectlOK(['scale', 'webapp/shop', '--replicas', '5']), /webapp.apps.skiff.test\/shop scaled/);
      const scaled = json<{ spec: { replicas: number }; metadata: { generation: number } }>(await c.kubectlOK(['get', 'webapp', 'shop', '-o', 'json']));
      assert.equal(scaled.spec.replicas, 5);
      assert.equal(scaled.metadata.generation, 2);
      // Status only through /status: the main resource keeps it, the subresource writes it.
      await c.kubectlOK(['patch', 'webapp', 'shop', '--type', 'merge', '-p', '{"status":{"replicas":9}}']);
      assert.equal(json<{ status?: unknown }>(await c.kubectlOK(['get', 'webapp', 'shop', '-o', 'json'])).status, undefined);
      const status = '{"status":{"replicas":5,"selector":"app=shop","conditions":[{"type":"Ready","status":"True"}]}}';
      await c.kubectlOK(['patch', 'webapp', 'shop', '--subresource', 'status', '--type', 'merge', '-p', status]);
      const after = json<{ status: { replicas: number }; metadata: { generation: number } }>(await c.kubectlOK(['get', 'webapp', 'shop', '-o', 'json']));
      assert.equal(after.status.replicas, 5);
      assert.equal(after.metadata.generation, 2);
      assert.match(await c.kubectlOK(['get', 'wa', 'shop']), /^shop\s+nginx:1\.27\s+5\s+True\s+/m);
      const scale = json<{ kind: string; spec: { replicas: number }; status: { replicas: number; selector: string } }>(
        await c.kubectlOK(['get', '--raw', '/apis/apps.skiff.test/v1/namespaces/default/webapps/shop/scale']),
      );
      assert.deepEqual([scale.kind, scale.spec.replicas, scale.status.replicas, scale.status.selector], ['Scale', 5, 5, 'app=shop']);
      assert.match(await c.kubectlOK(['get', 'all']), /webapp.apps.skiff.test\/shop/);
    });

    test('strategic merge patch is refused with 415; server-side apply works', async () => {
      const smp = await c.kubectl(['patch', 'webapp', 'shop', '--type', 'strategic', '-p', '{"spec":{"replicas":1}}']);
      assert.notEqual(smp.code, 0);
      assert.match(smp.stderr, /the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/);
      await c.kubectlOK(['apply', '--server-side', '--field-manager', 'ops', '-f', '-'], { input: webapp('ssa', 1) });
      const obj = json<{ spec: { replicas: number }; metadata: { managedFields: { manager: string; operation: string }[] } }>(await c.kubectlOK(['get', 'webapp', 'ssa', '-o', 'json', '--show-managed-fields']));
      assert.equal(obj.spec.replicas, 1);
      assert.ok(obj.metadata.managedFields.some((m) => m.manager === 'ops' && m.operation === 'Apply'));
    });

    test('watch sees changes; list pages; label selectors select', async () => {
      for (const n of ['a1', 'a2', 'a3']) await c.kubectlOK(['apply', '-f', '-'], { input: webapp(n, 1).replace('metadata:\n', 'metadata:\n  labels: {tier: web}\n') });
      const listed = json<{ items: { metadata: { name: string } }[] }>(await c.kubectlOK(['get', 'webapps', '-l', 'tier=web', '--chunk-size', '1', '-o', 'json']));
      assert.deepEqual(listed.items.map((i) => i.metadata.name), ['a1', 'a2', 'a3']);
      // A watch from the list's resourceVersion sees the change made after it.
      const rv = json<{ metadata: { resourceVersion: string } }>(await c.kubectlOK(['get', '--raw', '/apis/apps.skiff.test/v1/webapps?limit=1'])).metadata.resourceVersion;
      await c.kubectlOK(['label', 'webapp', 'a1', 'seen=yes']);
      const events = await c.kubectlOK(['get', '--raw', `/apis/apps.skiff.test/v1/namespaces/default/webapps?watch=true&labelSelector=tier%3Dweb&resourceVersion=${rv}&timeoutSeconds=2`]);
      const changes = events.trim().split('\n').map((line) => json<{ type: string; object: { metadata: { name: string; labels: Record<string, string> } } }>(line));
      assert.deepEqual(changes.map((e) => [e.type, e.object.metadata.name, e.object.metadata.labels.seen]), [['MODIFIED', 'a1', 'yes']]);
    });

    test('two served versions: objects read in either, apiVersion rewritten', async () => {
      await c.kubectlOK(['apply', '-f', '-'], { input: 'apiVersion: infra.skiff.test/v1beta1\nkind: Region\nmetadata:\n  name: north\nspec:\n  zone: n1\n' });
      const v1 = json<{ apiVersion: string; spec: { zone: string } }>(await c.kubectlOK(['get', 'regions.v1.infra.skiff.test', 'north', '-o', 'json']));
      assert.deepEqual([v1.apiVersion, v1.spec.zone], ['infra.skiff.test/v1', 'n1']);
      const beta = json<{ apiVersion: string }>(await c.kubectlOK(['get', '--raw', '/apis/infra.skiff.test/v1beta1/regions/north']));
      assert.equal(beta.apiVersion, 'infra.skiff.test/v1beta1');
      const group = json<{ preferredVersion: { version: string }; versions: { version: string }[] }>(await c.kubectlOK(['get', '--raw', '/apis/infra.skiff.test']));
      assert.equal(group.preferredVersion.version, 'v1');
      assert.deepEqual(group.versions.map((v) => v.version), ['v1', 'v1beta1']);
    });

    test('a custom object owned by another is collected with its owner', async () => {
      const owner = json<{ metadata: { uid: string } }>(await c.kubectlOK(['get', 'webapp', 'shop', '-o', 'json']));
      const child = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-config\n  ownerReferences:\n  - apiVersion: apps.skiff.test/v1\n    kind: WebApp\n    name: shop\n    uid: ${owner.metadata.uid}\n`;
      const childCR = webapp('shop-child', 1).replace('metadata:\n', `metadata:\n  ownerReferences:\n  - {apiVersion: apps.skiff.test/v1, kind: WebApp, name: shop, uid: ${owner.metadata.uid}}\n`);
      await c.kubectlOK(['apply', '-f', '-'], { input: child });
      await c.kubectlOK(['apply', '-f', '-'], { input: childCR });
      await c.kubectlOK(['delete', 'webapp', 'shop']);
      await waitFor('the dependents of a deleted WebApp are collected', async () => (await c.kubectl(['get', 'configmap', 'shop-config'])).code !== 0 && (await c.kubectl(['get', 'webapp', 'shop-child'])).code !== 0, {
        timeoutMs: 30_000,
      });
    });

    test('the Gateway API standard CRDs: a Gateway and an HTTPRoute created and read back', async () => {
      // As the Gateway API install guide says: server-side apply (the CRDs are too large for the last-applied annotation).
      await c.kubectlOK(['apply', '--server-side', '-f', fixture('gateway-api-standard.yaml')]);
      const crds = ['gatewayclasses', 'gateways', 'grpcroutes', 'httproutes', 'referencegrants'].map((p) => `crd/${p}.gateway.networking.k8s.io`);
      await c.kubectlOK(['wait', '--for', 'condition=Established', '--timeout=30s', ...crds]);
      const manifest = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: skiff
spec:
  controllerName: skiff.test/gateway
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: web
spec:
  gatewayClassName: skiff
  listeners:
  - name: http
    protocol: HTTP
    port: 80
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: shop
spec:
  parentRefs:
  - name: web
  hostnames: [shop.example.com]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /cart}
    backendRefs:
    - name: cart
      port: 8080
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: from-routes
spec:
  from:
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}
  to:
  - {group: '', kind: Service}
`;
      assert.match(await c.kubectlOK(['apply', '-f', '-'], { input: manifest }), /httproute.gateway.networking.k8s.io\/shop created/);
      assert.match(await c.kubectlOK(['get', 'gatewayclass']), /^skiff\s+skiff.test\/gateway\s+\S*\s+\d+s$/m);
      assert.match(await c.kubectlOK(['get', 'gateway', 'web']), /^NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+AGE$/m);
      assert.match(await c.kubectlOK(['get', 'httproute']), /^shop\s+\["shop.example.com"\]\s+\d+s$/m);
      const route = json<{ spec: { parentRefs: { name: string }[]; rules: { matches: { path: { type: string; value: string } }[]; backendRefs: { name: string; port: number }[] }[] } }>(
        await c.kubectlOK(['get', 'httproute', 'shop', '-o', 'json']),
      );
      assert.equal(route.spec.parentRefs[0].name, 'web');
      assert.deepEqual(route.spec.rules[0].matches[0].path, { type: 'PathPrefix', value: '/cart' });
      assert.deepEqual([route.spec.rules[0].backendRefs[0].name, route.spec.rules[0].backendRefs[0].port], ['cart', 8080]);
      assert.match(await c.kubectlOK(['explain', 'httproute.spec.rules.backendRefs']), /FIELD: backendRefs/);
      const grant = json<{ apiVersion: string }>(await c.kubectlOK(['get', 'referencegrants.v1.gateway.networking.k8s.io', 'from-routes', '-o', 'json']));
      assert.equal(grant.apiVersion, 'gateway.networking.k8s.io/v1');
    });

    test("a GRPCRoute is validated by its CRD's CEL rules, RE2 inline flags included", async () => {
      await c.kubectlOK(['wait', '--for', 'condition=Established', '--timeout=30s', 'crd/grpcroutes.gateway.networking.k8s.io']);
      const route = (name: string, method: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: ${name}
spec:
  parentRefs:
  - name: web
  rules:
  - matches:
    - method: ${method}
    backendRefs:
    - name: echo
      port: 9000
`;
      // The service rule's pattern is ^(?i)...: a mixed-case service name passes it.
      assert.match(await c.kubectlOK(['apply', '-f', '-'], { input: route('echo', '{service: Grpc.Health.v1.Health, method: Check}') }), /grpcroute.gateway.networking.k8s.io\/echo created/);
      const created = json<{ spec: { rules: { matches: { method: { type: string; service: string } }[] }[] } }>(await c.kubectlOK(['get', 'grpcroute', 'echo', '-o', 'json']));
      assert.deepEqual(created.spec.rules[0]!.matches[0]!.method, { type: 'Exact', service: 'Grpc.Health.v1.Health', method: 'Check' });
      const empty = await c.kubectl(['apply', '--v=6', '-f', '-'], { input: route('no-method', '{type: Exact}') });
      assert.notEqual(empty.code, 0);
      assert.match(empty.stderr, /POST \S+\/grpcroutes\S* 422 Unprocessable Entity/);
      assert.match(empty.stderr, /The GRPCRoute "no-method" is invalid: spec.rules\[0\].matches\[0\].method: Invalid value: "object": One or both of 'service' or 'method' must be specified/);
      const badService = await c.kubectl(['apply', '-f', '-'], { input: route('bad-service', '{service: grpc-health, method: Check}') });
      assert.notEqual(badService.code, 0);
      assert.match(badService.stderr, /spec.rules\[0\].matches\[0\].method: Invalid value: "object": service must only contain valid characters \(matching \^\(\?i\)/);
      assert.equal((await c.kubectl(['get', 'grpcroute', 'no-method'])).code, 1);
    });

    test('the schema validates, defaults and runs CEL rules; a non-structural schema is refused', async () => {
      const crd = (schemaSpec: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ceilings.checks.skiff.test}
spec:
  group: checks.skiff.test
  scope: Namespaced
  names: {plural: ceilings, singular: ceiling, kind: Ceiling}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
${schemaSpec}
`;
      const nonStructural = await c.kubectl(['apply', '-f', '-'], { input: crd('            properties:\n              size: {type: string}') });
      assert.notEqual(nonStructural.code, 0);
      assert.match(nonStructural.stderr, /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.type: Required value: must not be empty for specified object fields/);
      const good = `            type: object
            x-kubernetes-validations:
            - rule: self.min <= self.max
              message: min must not exceed max
            - rule: self.mode == oldSelf.mode
              message: mode is immutable
            properties:
              size: {type: string, enum: [small, large]}
              note: {type: string, maxLength: 5}
              min: {type: integer}
              max: {type: integer}
              mode: {type: string, default: fast}`;
      await c.kubectlOK(['apply', '-f', '-'], { input: crd(good) });
      await c.kubectlOK(['wait', '--for', 'condition=Established', '--timeout=30s', 'crd/ceilings.checks.skiff.test']);
      const limit = (name: string, spec: string) => `apiVersion: checks.skiff.test/v1\nkind: Ceiling\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
      const bad = await c.kubectl(['create', '--validate=false', '-f', '-'], { input: limit('bad', '{size: huge, note: toolongnote, min: 1, max: 2}') });
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /The Ceiling "bad" is invalid: /);
      assert.match(bad.stderr, /spec\.size: Unsupported value: "huge": supported values: "small", "large"/);
      assert.match(bad.stderr, /spec\.note: Too long/);
      const rule = await c.kubectl(['create', '-f', '-'], { input: limit('crossed', '{min: 3, max: 2}') });
      assert.notEqual(rule.code, 0);
      assert.match(rule.stderr, /spec: Invalid value: "object": min must not exceed max/);
      await c.kubectlOK(['create', '-f', '-'], { input: limit('ok', '{size: small, min: 1, max: 2}') });
      assert.equal(json<{ spec: { mode: string } }>(await c.kubectlOK(['get', 'ceiling', 'ok', '-o', 'json'])).spec.mode, 'fast', 'the default was filled in');
      const changed = await c.kubectl(['patch', 'ceiling', 'ok', '--type=merge', '-p', '{"spec":{"mode":"slow"}}']);
      assert.notEqual(changed.code, 0);
      assert.match(changed.stderr, /mode is immutable/);
    });

    test('deleting a CRD deletes its objects, then it and its resource go', async () => {
      await c.kubectlOK(['delete', 'crd', 'webapps.apps.skiff.test', '--timeout=60s']);
      const gone = await c.kubectl(['get', 'crd', 'webapps.apps.skiff.test']);
      assert.match(gone.stderr, /NotFound/);
      await waitFor('webapps leave discovery', async () => !(await c.kubectlOK(['api-resources'])).includes('apps.skiff.test'), { timeoutMs: 20_000 });
      const get = await c.kubectl(['get', '--raw', '/apis/apps.skiff.test/v1/namespaces/default/webapps']);
      assert.notEqual(get.code, 0);
      // Created again, it starts empty.
      await c.kubectlOK(['apply', '-f', fixture('operator.yaml')]);
      await c.kubectlOK(['wait', '--for', 'condition=Established', '--timeout=30s', 'crd/webapps.apps.skiff.test']);
      await waitFor('webapps served again', async () => (await c.kubectl(['get', 'webapps', '-o', 'name'])).code === 0, { timeoutMs: 20_000 });
      assert.equal((await c.kubectlOK(['get', 'webapps', '-o', 'name'])).trim(), '');
    });
  });
}
