import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources } from '../client/client.js';
import { SqliteStore } from '../storage/sqlite.js';
import { serviceAccountUser } from './authorization/controller-policy.js';
import { RbacAuthorization } from './authorization/rbac-authorization.js';
import { InProcessClient } from './in-process-client.js';
import { ApiServer } from './server.js';
import { waitFor } from '../testing/wait.js';

const rejectAll = { authenticate: () => undefined };
const clusterRoles = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };
const clusterRoleBindings = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings' };

/** An API server with RBAC and its bootstrap policy, and a privileged in-process client on it. */
async function cluster(signal: AbortSignal) {
  const store = SqliteStore.open(':memory:');
  const authorization = new RbacAuthorization();
  const api = new ApiServer({ store, authenticator: rejectAll, authorizer: authorization.authorizer, admissionPlugins: authorization.admissionPlugins });
  const refused: string[] = [];
  const client = new InProcessClient(api.operations, {
    authorizer: authorization.authorizer,
    runAsUser: (user, write) => api.runAsUser(user, write),
    onForbidden: (err) => refused.push(err.message),
  });
  await authorization.start(client, signal);
  for (const name of ['default', 'kube-system']) await client.create(resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return { store, client, refused };
}

async function statusOf(call: () => Promise<unknown>): Promise<StatusError> {
  try {
    await call();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  assert.fail('the call succeeded');
}

test('a client acting as the replicaset controller may do what its role allows and gets 403 for a Secret', async () => {
  const stop = new AbortController();
  const { store, client, refused } = await cluster(stop.signal);
  try {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, data: { password: 'c2VjcmV0' } };
    await client.create(resources.secrets, 'default', secret);
    const controller = client.as(serviceAccountUser('kube-system', 'replicaset-controller'));

    const denied = await statusOf(() => controller.delete(resources.secrets, 'default', 'db'));
    assert.equal(denied.code, 403);
    assert.equal(denied.reason, 'Forbidden');
    assert.equal(denied.message, 'secrets "db" is forbidden: User "system:serviceaccount:kube-system:replicaset-controller" cannot delete resource "secrets" in API group "" in the namespace "default"');
    assert.deepEqual(denied.details, { name: 'db', kind: 'secrets' });
    assert.equal((await client.get(resources.secrets, 'default', 'db')).metadata?.name, 'db', 'the Secret is still there');
    assert.deepEqual(refused, [denied.message]);

    const listAll = await statusOf(() => controller.list(resources.secrets, ''));
    assert.equal(listAll.message, 'secrets is forbidden: User "system:serviceaccount:kube-system:replicaset-controller" cannot list resource "secrets" in API group "" at the cluster scope');
    const watch = await statusOf(async () => {
      for await (const _ of controller.watch(resources.secrets, 'default', {}, stop.signal)) break;
    });
    assert.equal(watch.code, 403);

    // Within its role: pods (list, create, delete) and ReplicaSet status.
    assert.deepEqual((await controller.list(resources.pods, '')).items, []);
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    await controller.create(resources.pods, 'default', pod);
    await controller.delete(resources.pods, 'default', 'web-1');
    const update = await statusOf(() => controller.update(resources.pods, 'default', pod));
    assert.match(update.message, /cannot update resource "pods" in API group "" in the namespace "default"$/);
  } finally {
    stop.abort();
    await store.close();
  }
});

test('writes of a client acting as a user pass admission as that user (escalation checks)', async () => {
  const stop = new AbortController();
  const { store, client } = await cluster(stop.signal);
  try {
    // The aggregation controller holds `escalate` on clusterroles, so it may write rules it lacks;
    // the ServiceAccount controller may not create ClusterRoles at all.
    const role: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [] };
    await client.create(clusterRoles, '', role);
    const aggregator = client.as(serviceAccountUser('kube-system', 'clusterrole-aggregation-controller'));
    const stored = await aggregator.get(clusterRoles, '', 'reader');
    const updated = await aggregator.update(clusterRoles, '', { ...stored, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] });
    assert.equal((updated.rules as unknown[]).length, 1);

    // A user who may create ClusterRoles but holds no `escalate` cannot grant what it lacks:
    // admission (the escalation check) sees the in-process client's user.
    await client.create(clusterRoles, '', { ...role, metadata: { name: 'role-writer' }, rules: [{ verbs: ['create'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] }] });
    await client.create(clusterRoleBindings, '', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'role-writer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'role-writer' },
      subjects: [{ kind: 'ServiceAccount', name: 'writer', namespace: 'default' }],
    });
    const writer = client.as(serviceAccountUser('default', 'writer'));
    await waitFor('the binding reaches the RBAC indexes', async () => {
      try {
        await writer.create(clusterRoles, '', { ...role, metadata: { name: 'empty' } });
        return true;
      } catch (err) {
        if (err instanceof StatusError && err.code === 403) return false;
        throw err;
      }
    });
    const escalation = await statusOf(() => writer.create(clusterRoles, '', { ...role, metadata: { name: 'secret-reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] }));
    assert.equal(escalation.code, 403);
    assert.match(escalation.message, /attempting to grant RBAC permissions not currently held/);
  } finally {
    stop.abort();
    await store.close();
  }
});
