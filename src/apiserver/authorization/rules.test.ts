import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleAllows, type RequestAttributes } from './rules.js';

function res(verb: string, resource: string, extra: Partial<RequestAttributes> = {}): RequestAttributes {
  return { isResourceRequest: true, verb, apiGroup: '', namespace: 'ns', resource, subresource: '', name: '', path: '', ...extra };
}

function url(verb: string, path: string): RequestAttributes {
  return { isResourceRequest: false, verb, apiGroup: '', namespace: '', resource: '', subresource: '', name: '', path };
}

describe('ruleAllows', () => {
  test('verbs, groups and resources, with *', () => {
    const rule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };
    assert.equal(ruleAllows(res('get', 'pods'), rule), true);
    assert.equal(ruleAllows(res('delete', 'pods'), rule), false);
    assert.equal(ruleAllows(res('get', 'secrets'), rule), false);
    assert.equal(ruleAllows(res('get', 'pods', { apiGroup: 'apps' }), rule), false);
    assert.equal(ruleAllows(res('delete', 'deployments', { apiGroup: 'apps' }), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }), true);
  });

  test('subresources match resource/subresource or */subresource, never the bare resource', () => {
    const status = res('update', 'pods', { subresource: 'status', name: 'p' });
    assert.equal(ruleAllows(status, { verbs: ['update'], apiGroups: [''], resources: ['pods'] }), false);
    assert.equal(ruleAllows(status, { verbs: ['update'], apiGroups: [''], resources: ['pods/status'] }), true);
    assert.equal(ruleAllows(status, { verbs: ['update'], apiGroups: [''], resources: ['*/status'] }), true);
    assert.equal(ruleAllows(status, { verbs: ['update'], apiGroups: [''], resources: ['*/scale'] }), false);
  });

  test('resourceNames restrict to those names (a list has no name)', () => {
    const rule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] };
    assert.equal(ruleAllows(res('get', 'configmaps', { name: 'cfg' }), rule), true);
    assert.equal(ruleAllows(res('get', 'configmaps', { name: 'other' }), rule), false);
    assert.equal(ruleAllows(res('list', 'configmaps'), rule), false);
  });

  test('non-resource URLs: exact, trailing * and *', () => {
    const rule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] };
    assert.equal(ruleAllows(url('get', '/healthz'), rule), true);
    assert.equal(ruleAllows(url('get', '/healthz/etcd'), rule), false);
    assert.equal(ruleAllows(url('get', '/apis/apps/v1'), rule), true);
    assert.equal(ruleAllows(url('post', '/apis/apps'), rule), false);
    assert.equal(ruleAllows(url('get', '/metrics'), { verbs: ['*'], nonResourceURLs: ['*'] }), true);
    // A resource rule never allows a path, and a URL rule never a resource.
    assert.equal(ruleAllows(url('get', '/api'), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }), false);
    assert.equal(ruleAllows(res('get', 'pods'), rule), false);
  });
});
