import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import { testContext } from '../../testing/controllers.js';
import { waitFor } from '../../testing/wait.js';
import { aggregatedRules, ClusterRoleAggregationController } from './controller.js';

const ref = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };
const label = 'rbac.authorization.k8s.io/aggregate-to-view';

describe('aggregatedRules', () => {
  test('rules of matching roles in name order, each once, never its own', () => {
    const view: ClusterRole = { metadata: { name: 'view', labels: { [label]: 'true' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [label]: 'true' } }] }, rules: [{ verbs: ['x'] }] };
    const b: ClusterRole = { metadata: { name: 'b', labels: { [label]: 'true' } }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] };
    const a: ClusterRole = { metadata: { name: 'a', labels: { [label]: 'true' } }, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], apiGroups: [''], resources: ['pods'] }] };
    const other: ClusterRole = { metadata: { name: 'c' }, rules: [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }] };
    assert.deepEqual(aggregatedRules(view, [view, b, a, other]), [...(a.rules ?? [])]);
  });
});

describe('ClusterRoleAggregationController', () => {
  test('an aggregated role follows the labeled roles as they come, change and go', async () => {
    const t = testContext();
    t.start(new ClusterRoleAggregationController(t.ctx));
    try {
      await t.client.create(ref, '', { metadata: { name: 'view' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [label]: 'true' } }] } });
      const rulesOfView = async () => ((await t.client.get(ref, '', 'view')) as ClusterRole).rules ?? [];
      await t.client.create(ref, '', { metadata: { name: 'crd-view', labels: { [label]: 'true' } }, rules: [{ verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] }] });
      await waitFor('view to pick up crd-view', async () => (await rulesOfView()).length === 1, { errors: t.errors });
      await t.client.delete(ref, '', 'crd-view');
      await waitFor('view to drop crd-view', async () => (await rulesOfView()).length === 0, { errors: t.errors });
    } finally {
      await t.stop();
    }
    assert.deepEqual(t.errors, []);
  });
});
