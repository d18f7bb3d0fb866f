import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type ApiResource, type Discovery } from './discovery.js';

const resources: ApiResource[] = [
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, verbs: ['get', 'list'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, verbs: ['get', 'list'] },
];
const discovery: Discovery = { serverResources: () => resources };

describe('findResourceByKind', () => {
  test('finds a kind by its apiVersion, the core group without a group prefix', () => {
    assert.equal(findResourceByKind(discovery, 'v1', 'Pod')?.plural, 'pods');
    assert.equal(findResourceByKind(discovery, 'apps/v1', 'Deployment')?.plural, 'deployments');
    assert.equal(findResourceByKind(discovery, 'apps/v1', 'Pod'), undefined);
    assert.equal(findResourceByKind(discovery, 'v1', 'Deployment'), undefined);
  });
});
