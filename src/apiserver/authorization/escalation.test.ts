import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { findResource } from '../registry.js';
import { EscalationCheck, uncoveredRules } from './escalation.js';

const g = 'rbac.authorization.k8s.io';

describe('uncoveredRules', () => {
  test('covered by exact, *, */subresource and URL prefixes; names narrow', () => {
    const owner: PolicyRule[] = [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/status'] },
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
      { verbs: ['get'], nonResourceURLs: ['/apis/*'] },
    ];
    assert.deepEqual(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/status'] }]), []);
    assert.deepEqual(uncoveredRules(owner, [{ verbs: ['get'], nonResourceURLs: ['/apis/apps'] }]), []);
    assert.deepEqual(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }]), []);
    assert.deepEqual(uncoveredRules(owner, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }]), [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]);
    assert.equal(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }]).length, 1);
    assert.deepEqual(uncoveredRules([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['delete'], apiGroups: ['apps'], resources: ['deployments'] }]), []);
  });
});

describe('EscalationCheck', () => {
  const held: PolicyRule[] = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }];
  const adminRules: PolicyRule[] = [{ verbs: ['*'], apiGroups: [''], resources: ['secrets'] }];
  function check(canBind = false) {
    return new EscalationCheck({
      rulesOf: () => held,
      roleRefRules: (ref) => (ref.name === 'admin' ? adminRules : ref.name === 'viewer' ? held : []),
      allows: (_user, a) => canBind && a.verb === 'bind',
    });
  }
  const user = { user: 'bob', groups: ['system:authenticated'] };
  async function admit(c: EscalationCheck, plural: string, object: object): Promise<void> {
    const type = findResource(g, 'v1', plural);
    assert.ok(type);
    const attributes = { operation: 'CREATE' as const, type, namespace: 'team', object: object as KubeObject, subresource: '', user };
    assert.equal(c.handles(attributes), true);
    await c.admit(attributes);
  }
  const binding = (role: string) => ({ metadata: { name: 'b', namespace: 'team' }, roleRef: { apiGroup: g, kind: 'ClusterRole', name: role }, subjects: [] });

  test('a role with held rules is fine; more is 403 with the missing rules', async () => {
    await admit(check(), 'roles', { metadata: { name: 'r' }, rules: held });
    await assert.rejects(admit(check(), 'roles', { metadata: { name: 'r' }, rules: adminRules }), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.code, 403);
      assert.equal(
        err.message,
        'roles.rbac.authorization.k8s.io "r" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["*"]}',
      );
      return true;
    });
  });

  test('bindings: to a held role, a missing role, or with bind; not to a stronger role', async () => {
    await admit(check(), 'rolebindings', binding('viewer'));
    await admit(check(), 'rolebindings', binding('missing'));
    await admit(check(true), 'rolebindings', binding('admin'));
    await assert.rejects(admit(check(), 'rolebindings', binding('admin')), /attempting to grant RBAC permissions not currently held/);
  });

  test('system:masters and in-process writes are not checked', () => {
    const type = findResource(g, 'v1', 'roles');
    assert.ok(type);
    const base = { operation: 'CREATE' as const, type, namespace: 'team', object: {} as KubeObject, subresource: '' };
    assert.equal(check().handles(base), false);
    assert.equal(check().handles({ ...base, user: { user: 'root', groups: ['system:masters'] } }), false);
  });
});
