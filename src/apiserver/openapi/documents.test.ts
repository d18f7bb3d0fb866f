import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceTypes, servedGroups } from '../registry.js';
import { versionInfo } from '../discovery.js';
import { OpenAPISchemas } from './definitions.js';
import { OpenAPIDocuments, contentHash } from './documents.js';

const docs = new OpenAPIDocuments(OpenAPISchemas.load(), resourceTypes);

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('OpenAPI v3', () => {
  test('the index lists every served group/version plus discovery paths, with hash URLs', () => {
    const index = docs.v3Index();
    const expected = ['api', 'apis', 'api/v1'];
    for (const g of servedGroups()) {
      expected.push(`apis/${g.group}`);
      for (const v of g.versions) expected.push(`apis/${g.group}/${v}`);
    }
    assert.deepEqual(Object.keys(index.paths).sort(), expected.sort());
    const apps = index.paths['apis/apps/v1'];
    assert.ok(apps);
    const served = docs.v3Document('apis/apps/v1');
    assert.ok(served);
    assert.equal(apps.serverRelativeURL, `/openapi/v3/apis/apps/v1?hash=${served.hash}`);
    assert.match(served.hash, /^[0-9A-F]{128}$/);
    assert.equal(served.hash, contentHash(served.json));
    assert.equal(docs.v3Document('apis/nope/v1'), undefined);
  });

  test("every document's info.version is the server's /version gitVersion", () => {
    const served = docs.v3Document('apis/apps/v1');
    assert.equal(served?.document.info.version, (versionInfo() as { gitVersion: string }).gitVersion);
  });

  test('every document resolves all its refs internally', () => {
    for (const key of Object.keys(docs.v3Index().paths)) {
      const served = docs.v3Document(key);
      assert.ok(served, key);
      const schemas = served.document.components.schemas;
      for (const ref of refsIn(served.document)) {
        assert.ok(ref.startsWith('#/components/schemas/'), `${key}: ${ref}`);
        assert.ok(schemas[ref.slice('#/components/schemas/'.length)], `${key}: unresolved ${ref}`);
      }
    }
  });

  test('patch operations carry the GVK, fieldValidation and strategic merge patch', () => {
    const doc = docs.v3Document('apis/apps/v1')?.document;
    const patch = doc?.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch as
      | { parameters: { name: string }[]; requestBody: { content: Record<string, unknown> }; 'x-kubernetes-group-version-kind': unknown }
      | undefined;
    assert.ok(patch);
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.ok(patch.parameters.some((p) => p.name === 'fieldValidation'));
    assert.ok('application/strategic-merge-patch+json' in patch.requestBody.content);
    const deployment = doc?.components.schemas['io.k8s.api.apps.v1.Deployment'] as Record<string, unknown> | undefined;
    assert.deepEqual(deployment?.['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    const spec = (deployment?.properties as Record<string, Record<string, unknown>>).spec;
    assert.deepEqual(spec?.allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' }]);
    const scale = doc?.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']?.get as Record<string, unknown>;
    assert.deepEqual(scale['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  });
});

describe('OpenAPI v2', () => {
  test('has paths for every served resource and only reachable definitions', () => {
    const { document } = docs.v2();
    assert.equal(document.swagger, '2.0');
    for (const r of resourceTypes) {
      const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
      const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
      assert.ok(document.paths[collection], collection);
    }
    const pods = document.paths['/api/v1/namespaces/{namespace}/pods'];
    assert.equal(pods?.get?.operationId, 'listCoreV1NamespacedPod');
    assert.equal(pods?.post?.['x-kubernetes-action'], 'post');
    assert.ok(pods?.post?.parameters?.some((p) => p.name === 'fieldValidation'));
    assert.ok(document.paths['/api/v1/pods']?.get);
    assert.equal(document.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec']?.post?.['x-kubernetes-action'], 'connect');
    assert.ok(document.definitions['io.k8s.api.core.v1.Pod']);
    assert.ok(document.definitions['io.k8s.api.rbac.v1.Role']);
    assert.equal(document.definitions['io.k8s.api.node.v1.RuntimeClass'], undefined);
    for (const ref of refsIn(document)) assert.ok(document.definitions[ref.replace('#/definitions/', '')], ref);
  });

  test('protobuf encoding starts with the swagger version field and is cached', () => {
    const pb = docs.v2Protobuf();
    assert.equal(pb[0], 0x0a);
    assert.equal(pb.subarray(2, 2 + pb[1]!).toString(), '2.0');
    assert.equal(docs.v2Protobuf(), pb);
  });
});
