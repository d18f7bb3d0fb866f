import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchResourcesSelect, ruleMatches, type MatchRequest } from './matching.js';

const deployment: MatchRequest = {
  operation: 'CREATE', group: 'apps', version: 'v1', resource: 'deployments', subresource: '', namespaced: true,
  namespace: 'team-a', name: 'web', objectLabels: { app: 'web' }, namespaceLabels: { env: 'prod' },
};
const rule = { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] };

test('a rule matches by group, version, resource and operation; subresources need their own entry', () => {
  assert.equal(ruleMatches(rule, deployment), true);
  assert.equal(ruleMatches(rule, { ...deployment, operation: 'DELETE' }), false);
  assert.equal(ruleMatches(rule, { ...deployment, subresource: 'scale' }), false);
  assert.equal(ruleMatches({ ...rule, resources: ['deployments/*'] }, { ...deployment, subresource: 'scale' }), true);
  assert.equal(ruleMatches({ ...rule, resources: ['*'] }, deployment), true);
  assert.equal(ruleMatches({ ...rule, apiGroups: [''] }, deployment), false);
  assert.equal(ruleMatches({ ...rule, scope: 'Cluster' }, deployment), false);
  assert.equal(ruleMatches({ ...rule, resourceNames: ['other'] }, deployment), false);
});

test('exclusions, namespace and object selectors narrow the match', () => {
  assert.equal(matchResourcesSelect({ resourceRules: [rule] }, deployment), true);
  assert.equal(matchResourcesSelect({ resourceRules: [rule], excludeResourceRules: [rule] }, deployment), false);
  assert.equal(matchResourcesSelect({ resourceRules: [rule], namespaceSelector: { matchLabels: { env: 'dev' } } }, deployment), false);
  assert.equal(matchResourcesSelect({ resourceRules: [rule], namespaceSelector: { matchLabels: { env: 'prod' } } }, deployment), true);
  assert.equal(matchResourcesSelect({ resourceRules: [rule], objectSelector: { matchLabels: { app: 'db' } } }, deployment), false);
  // A binding without matchResources matches whatever its policy matches.
  assert.equal(matchResourcesSelect(undefined, deployment, false), true);
  assert.equal(matchResourcesSelect(undefined, deployment), false);
});
