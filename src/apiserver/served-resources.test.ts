import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind } from '../client/discovery.js';
import { RegistryDiscovery } from './served-resources.js';

describe('RegistryDiscovery', () => {
  test('reports the served types with group, version, kind, plural, scope and verbs', () => {
    const discovery = new RegistryDiscovery();
    const pods = findResourceByKind(discovery, 'v1', 'Pod');
    assert.deepEqual({ ...pods, verbs: undefined }, { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, verbs: undefined });
    assert.ok(pods?.verbs.includes('watch'));
    assert.equal(findResourceByKind(discovery, 'apps/v1', 'Deployment')?.plural, 'deployments');
    assert.equal(findResourceByKind(discovery, 'v1', 'Node')?.namespaced, false);
  });
});
