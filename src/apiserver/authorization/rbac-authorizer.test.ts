import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRoleBinding, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { AuthorizerChain, systemMastersAuthorizer } from './chain.js';
import { forbiddenError } from './forbidden.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import type { RequestAttributes } from './rules.js';

const g = 'rbac.authorization.k8s.io';

function attrs(verb: string, resource: string, namespace: string, extra: Partial<RequestAttributes> = {}): RequestAttributes {
  return { isResourceRequest: true, verb, apiGroup: '', namespace, resource, subresource: '', name: '', path: '', ...extra };
}

function roleBinding(namespace: string, name: string, roleKind: string, roleName: string, subjects: RoleBinding['subjects']): RoleBinding {
  return { metadata: { namespace, name }, roleRef: { apiGroup: g, kind: roleKind, name: roleName }, subjects };
}

function setup(): RbacAuthorizer {
  const rbac = new RbacAuthorizer();
  rbac.setRole('ClusterRole', { metadata: { name: 'view' }, rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }] });
  rbac.setRole('Role', { metadata: { namespace: 'team', name: 'cm-reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }] });
  return rbac;
}

const bob = { user: 'bob', groups: ['system:authenticated'] };

describe('RbacAuthorizer', () => {
  test('a RoleBinding grants its ClusterRole in its namespace only', () => {
    const rbac = setup();
    rbac.setBinding(roleBinding('team', 'bob-view', 'ClusterRole', 'view', [{ kind: 'User', name: 'bob', apiGroup: g }]));
    assert.equal(rbac.decide(bob, attrs('list', 'pods', 'team')).decision, 'allow');
    assert.equal(rbac.decide(bob, attrs('list', 'pods', 'other')).decision, 'noOpinion');
    assert.equal(rbac.decide(bob, attrs('list', 'pods', '')).decision, 'noOpinion');
    assert.equal(rbac.decide(bob, attrs('list', 'secrets', 'team')).decision, 'noOpinion');
    assert.equal(rbac.decide({ user: 'amy', groups: [] }, attrs('list', 'pods', 'team')).decision, 'noOpinion');
  });

  test('a ClusterRoleBinding grants everywhere; deleting it takes that back', () => {
    const rbac = setup();
    const crb: ClusterRoleBinding = { metadata: { name: 'devs-view' }, roleRef: { apiGroup: g, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: g }] };
    rbac.setBinding(crb);
    const dev = { user: 'carl', groups: ['devs'] };
    assert.equal(rbac.decide(dev, attrs('get', 'pods', 'any')).decision, 'allow');
    assert.equal(rbac.decide(dev, attrs('list', 'pods', '')).decision, 'allow');
    rbac.deleteBinding(crb);
    assert.equal(rbac.decide(dev, attrs('get', 'pods', 'any')).decision, 'noOpinion');
  });

  test('service accounts: by name (namespace defaulting to the binding) and by their groups', () => {
    const rbac = setup();
    rbac.setBinding(roleBinding('team', 'sa', 'Role', 'cm-reader', [{ kind: 'ServiceAccount', name: 'robot' }]));
    rbac.setBinding(roleBinding('team', 'all-sa', 'ClusterRole', 'view', [{ kind: 'Group', name: 'system:serviceaccounts:team', apiGroup: g }]));
    const robot = { user: 'system:serviceaccount:team:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] };
    assert.equal(rbac.decide(robot, attrs('get', 'configmaps', 'team')).decision, 'allow');
    assert.equal(rbac.decide(robot, attrs('list', 'pods', 'team')).decision, 'allow');
    const stranger = { user: 'system:serviceaccount:other:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:other'] };
    assert.equal(rbac.decide(stranger, attrs('get', 'configmaps', 'team')).decision, 'noOpinion');
  });

  test('a binding to a missing role grants nothing until the role exists', () => {
    const rbac = setup();
    rbac.setBinding(roleBinding('team', 'ghost', 'Role', 'not-yet', [{ kind: 'User', name: 'bob', apiGroup: g }]));
    assert.equal(rbac.decide(bob, attrs('get', 'secrets', 'team')).decision, 'noOpinion');
    rbac.setRole('Role', { metadata: { namespace: 'team', name: 'not-yet' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] });
    assert.equal(rbac.decide(bob, attrs('get', 'secrets', 'team')).decision, 'allow');
  });

  test('rulesFor lists the rules in SelfSubjectRulesReview shape', () => {
    const rbac = setup();
    rbac.setBinding(roleBinding('team', 'bob-view', 'ClusterRole', 'view', [{ kind: 'User', name: 'bob', apiGroup: g }]));
    assert.deepEqual(rbac.rulesFor(bob, 'team'), {
      resourceRules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }],
      nonResourceRules: [],
      incomplete: false,
    });
  });
});

describe('AuthorizerChain', () => {
  test('system:masters first, then the middle authorizers (deny stops), then RBAC', () => {
    const rbac = setup();
    rbac.setBinding(roleBinding('team', 'bob-view', 'ClusterRole', 'view', [{ kind: 'User', name: 'bob', apiGroup: g }]));
    const chain = new AuthorizerChain([
      systemMastersAuthorizer,
      { decide: (user) => (user.user === 'mallory' ? { decision: 'deny', reason: 'no' } : { decision: 'noOpinion' }) },
      rbac,
    ]);
    const info = { isResourceRequest: true, verb: 'list', apiGroup: '', apiVersion: 'v1', namespace: 'team', resource: 'pods', subresource: '', name: '', parts: [] };
    assert.equal(chain.authorize({ user: 'root', groups: ['system:masters'] }, { ...info, resource: 'secrets' }).allowed, true);
    assert.equal(chain.authorize(bob, info).allowed, true);
    assert.deepEqual(chain.authorize({ user: 'mallory', groups: ['system:masters'] }, info).allowed, true);
    assert.deepEqual(chain.authorize({ user: 'mallory', groups: [] }, info), { allowed: false, reason: 'no' });
    assert.equal(chain.authorize(bob, { ...info, resource: 'secrets' }).allowed, false);
  });

  test("403 messages as upstream's", () => {
    const ns = forbiddenError(bob, attrs('list', 'secrets', 'kube-system'));
    assert.equal(ns.message, 'secrets is forbidden: User "bob" cannot list resource "secrets" in API group "" in the namespace "kube-system"');
    assert.deepEqual(ns.details, { kind: 'secrets' });
    const cluster = forbiddenError(bob, attrs('get', 'deployments', '', { apiGroup: 'apps', name: 'web', subresource: 'scale' }));
    assert.equal(cluster.message, 'deployments.apps "web" is forbidden: User "bob" cannot get resource "deployments/scale" in API group "apps" at the cluster scope');
    assert.deepEqual(cluster.details, { name: 'web', group: 'apps', kind: 'deployments' });
    const path = forbiddenError(bob, { ...attrs('get', '', ''), isResourceRequest: false, path: '/metrics' });
    assert.equal(path.message, 'forbidden: User "bob" cannot get path "/metrics"');
  });
});
