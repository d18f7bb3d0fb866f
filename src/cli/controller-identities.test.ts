import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../apiserver/authorization/bootstrap-policy.js';
import { allControllers } from '../controllers/all.js';
import { schedulerFactory } from '../scheduler/scheduler.js';
import { controllerManagerUser, controllerServiceAccounts, controllerUser, schedulerUser } from './controller-identities.js';

test('every controller acts as a kube-system ServiceAccount bound to its system:controller role; the scheduler as system:kube-scheduler', () => {
  const roles = new Set(bootstrapClusterRoles().map((r) => r.metadata?.name));
  const bindings = bootstrapClusterRoleBindings();
  const serviceAccounts = controllerServiceAccounts();
  for (const controller of allControllers) {
    const name = serviceAccounts.get(controller);
    assert.ok(name, 'a ServiceAccount for each controller');
    assert.equal(controllerUser(controller).user, `system:serviceaccount:kube-system:${name}`);
    assert.ok(controllerUser(controller).groups.includes('system:serviceaccounts:kube-system'));
    assert.ok(roles.has(`system:controller:${name}`), `role system:controller:${name}`);
    const binding = bindings.find((b) => b.metadata?.name === `system:controller:${name}`);
    assert.deepEqual(binding?.subjects, [{ kind: 'ServiceAccount', name, namespace: 'kube-system' }]);
    assert.equal(binding?.roleRef.name, `system:controller:${name}`);
  }
  assert.deepEqual(controllerUser(schedulerFactory), schedulerUser);
  assert.ok(roles.has('system:kube-scheduler') && roles.has('system:kube-controller-manager') && roles.has('system:coredns'));
  const unknown = () => ({ name: 'x', workers: 1, caches: [], watch: () => undefined, sync: async () => undefined });
  assert.deepEqual(controllerUser(unknown), controllerManagerUser, 'a controller without a ServiceAccount only lists and watches');
});
