import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.js';

const q = (s = '') => new URLSearchParams(s);

test('namespaced resource paths', () => {
  const i = parseRequestInfo('GET', '/api/v1/namespaces/default/pods/web-0/status', q());
  assert.deepEqual(
    [i.isResourceRequest, i.verb, i.apiGroup, i.apiVersion, i.namespace, i.resource, i.name, i.subresource],
    [true, 'get', '', 'v1', 'default', 'pods', 'web-0', 'status'],
  );
  const list = parseRequestInfo('GET', '/apis/apps/v1/namespaces/ns/deployments', q());
  assert.deepEqual([list.verb, list.apiGroup, list.resource, list.namespace], ['list', 'apps', 'deployments', 'ns']);
});

test('watch by query and by the legacy /watch/ prefix', () => {
  assert.equal(parseRequestInfo('GET', '/api/v1/pods', q('watch=true')).verb, 'watch');
  // The Python client sends Python's spelling of true.
  assert.equal(parseRequestInfo('GET', '/api/v1/pods', q('watch=True')).verb, 'watch');
  assert.equal(parseRequestInfo('GET', '/api/v1/pods', q('watch=False')).verb, 'list');
  const legacy = parseRequestInfo('GET', '/api/v1/watch/namespaces/ns/pods', q());
  assert.deepEqual([legacy.verb, legacy.namespace, legacy.resource], ['watch', 'ns', 'pods']);
});

test('namespaces and their subresources', () => {
  const ns = parseRequestInfo('GET', '/api/v1/namespaces/kube-system', q());
  assert.deepEqual([ns.resource, ns.name, ns.namespace, ns.verb], ['namespaces', 'kube-system', '', 'get']);
  const fin = parseRequestInfo('PUT', '/api/v1/namespaces/x/finalize', q());
  assert.deepEqual([fin.resource, fin.name, fin.subresource, fin.verb], ['namespaces', 'x', 'finalize', 'update']);
  assert.equal(parseRequestInfo('GET', '/api/v1/namespaces', q()).verb, 'list');
});

test('delete without a name is deletecollection; discovery paths are not resource requests', () => {
  assert.equal(parseRequestInfo('DELETE', '/api/v1/namespaces/ns/configmaps', q()).verb, 'deletecollection');
  assert.equal(parseRequestInfo('GET', '/apis/apps/v1', q()).isResourceRequest, false);
  assert.equal(parseRequestInfo('GET', '/api', q()).isResourceRequest, false);
  assert.equal(parseRequestInfo('GET', '/openapi/v2', q()).isResourceRequest, false);
});
