import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadOrCreateClusterCAs } from '../../src/pki/ca.js';
import { kubeconfigYAML } from '../../src/pki/bootstrap.js';
import { waitFor } from '../../src/testing/wait.js';
import { TestCluster } from '../harness/cluster.js';

describe('RBAC with kubectl', { concurrency: 1 }, () => {
  let c: TestCluster;
  /** KUBECONFIG of a user authenticated by a client certificate (CN user, O groups). */
  const users = new Map<string, string>();

  async function kubeconfigFor(user: string, groups: string[] = []): Promise<string> {
    const existing = users.get(user);
    if (existing) return existing;
    const admin = await readFile(c.kubeconfig, 'utf8');
    const server = /server: (\S+)/.exec(admin)?.[1];
    const caData = /certificate-authority-data: (\S+)/.exec(admin)?.[1];
    assert.ok(server && caData);
    const { clientCA } = await loadOrCreateClusterCAs(join(c.dataDir, 'server', 'tls'));
    const cert = clientCA.issueClientCert({ commonName: user, organizations: groups });
    const file = join(c.dataDir, `kubeconfig-${user}.yaml`);
    const yaml = kubeconfigYAML({ serverURL: server, caPem: Buffer.from(caData, 'base64').toString(), clientCertPem: cert.certificatePem, clientKeyPem: cert.privateKeyPem, name: user });
    await writeFile(file, yaml, { mode: 0o600 });
    users.set(user, file);
    return file;
  }

  async function as(user: string, args: string[]) {
    return c.kubectl(args, { env: { KUBECONFIG: await kubeconfigFor(user) } });
  }

  before(async () => {
    c = await TestCluster.start({ serverArgs: ['--service-cidr', '10.171.0.0/16'] });
    await c.kubectlOK(['create', 'namespace', 'team']);
    await c.kubectlOK(['create', 'namespace', 'other']);
  });
  after(async () => {
    await c?.stop();
  });

  test('served with upstream tables; bootstrap roles exist; roleRef is immutable', async () => {
    const resources = await c.kubectlOK(['api-resources', '--api-group', 'rbac.authorization.k8s.io']);
    assert.match(resources, /^clusterroles\s+rbac.authorization.k8s.io\/v1\s+false\s+ClusterRole$/m);
    assert.match(resources, /^rolebindings\s+rbac.authorization.k8s.io\/v1\s+true\s+RoleBinding$/m);
    const roles = await c.kubectlOK(['get', 'clusterrole', 'cluster-admin', 'view', 'system:node']);
    assert.match(roles, /^NAME\s+CREATED AT\n/);
    assert.match(roles, /^view\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    await c.kubectlOK(['create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob', '-n', 'team']);
    const bindings = await c.kubectlOK(['get', 'rolebinding', '-n', 'team', '-o', 'wide']);
    assert.match(bindings, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\n/);
    assert.match(bindings, /^bob-view\s+ClusterRole\/view\s+\S+\s+bob\s*$/m);
    const patched = await c.kubectl(['patch', 'rolebinding', 'bob-view', '-n', 'team', '--type', 'merge', '-p', '{"roleRef":{"name":"edit"}}']);
    assert.notEqual(patched.code, 0);
    assert.match(patched.stderr, /The RoleBinding "bob-view" is invalid: roleRef: Invalid value: .*cannot change roleRef/);
    const bad = await c.kubectl(['create', '-f', '-', '-n', 'team'], {
      input: JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'bad' }, rules: [{ apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/x'] }] }),
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /rules\[0\].verbs: Required value: verbs must contain at least one value/);
    assert.match(bad.stderr, /rules\[1\].nonResourceURLs: Invalid value: .*namespaced rules cannot apply to non-resource URLs/);
  });

  test('a user bound to view in one namespace lists pods there and gets 403 elsewhere', async () => {
    await waitFor('bob to list pods in team', async () => (await as('bob', ['get', 'pods', '-n', 'team'])).code === 0);
    const secrets = await as('bob', ['get', 'secrets', '-n', 'team']);
    assert.notEqual(secrets.code, 0);
    assert.match(secrets.stderr, /Error from server \(Forbidden\): secrets is forbidden: User "bob" cannot list resource "secrets" in API group "" in the namespace "team"/);
    const other = await as('bob', ['get', 'pods', '-n', 'other']);
    assert.match(other.stderr, /pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "other"/);
    const nodes = await as('bob', ['get', 'nodes']);
    assert.match(nodes.stderr, /nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope/);
    const deleted = await as('bob', ['delete', 'secret', 'anything', '-n', 'kube-system']);
    assert.match(deleted.stderr, /secrets "anything" is forbidden: User "bob" cannot delete resource "secrets" in API group "" in the namespace "kube-system"/);
  });

  test('a user with edit cannot bind admin (escalation), but may bind view', async () => {
    await c.kubectlOK(['create', 'rolebinding', 'carol-edit', '--clusterrole=edit', '--user=carol', '-n', 'team']);
    await c.kubectlOK(['create', 'role', 'binder', '--verb=create', '--resource=rolebindings.rbac.authorization.k8s.io', '-n', 'team']);
    await c.kubectlOK(['create', 'rolebinding', 'carol-binder', '--role=binder', '--user=carol', '-n', 'team']);
    await waitFor('carol to edit in team', async () => (await as('carol', ['create', 'configmap', 'probe', '-n', 'team'])).code === 0);
    await waitFor('carol to bind view', async () => (await as('carol', ['create', 'rolebinding', 'dan-view', '--clusterrole=view', '--user=dan', '-n', 'team'])).code === 0);
    const escalate = await as('carol', ['create', 'rolebinding', 'carol-admin', '--clusterrole=admin', '--user=carol', '-n', 'team']);
    assert.notEqual(escalate.code, 0);
    assert.match(escalate.stderr, /rolebindings.rbac.authorization.k8s.io "carol-admin" is forbidden: user "carol" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:/);
    const role = await as('carol', ['create', 'role', 'nope', '--verb=get', '--resource=nodes', '-n', 'team']);
    assert.notEqual(role.code, 0);
    assert.match(role.stderr, /forbidden/);
    const stored = await c.kubectl(['get', 'rolebinding', 'carol-admin', '-n', 'team']);
    assert.notEqual(stored.code, 0, 'nothing was stored');
  });

  test('a RoleBinding to a missing role is stored and grants nothing', async () => {
    await c.kubectlOK(['create', 'rolebinding', 'ghost', '--role=does-not-exist', '--user=erin', '-n', 'team']);
    assert.match(await c.kubectlOK(['get', 'rolebinding', 'ghost', '-n', 'team']), /^ghost\s+Role\/does-not-exist\s/m);
    const r = await as('erin', ['get', 'pods', '-n', 'team']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /User "erin" cannot list resource "pods"/);
  });

  test('aggregated view picks up a new ClusterRole labeled aggregate-to-view', async () => {
    const leases = await as('bob', ['get', 'leases', '-n', 'team']);
    assert.match(leases.stderr, /forbidden/);
    await c.kubectlOK(['create', 'clusterrole', 'lease-viewer', '--verb=get,list,watch', '--resource=leases.coordination.k8s.io']);
    await c.kubectlOK(['label', 'clusterrole', 'lease-viewer', 'rbac.authorization.k8s.io/aggregate-to-view=true']);
    await waitFor('view to include leases', async () => (await c.kubectlOK(['get', 'clusterrole', 'view', '-o', 'yaml'])).includes('leases'));
    await waitFor('bob to list leases in team', async () => (await as('bob', ['get', 'leases', '-n', 'team'])).code === 0);
    // edit aggregates view, and admin edit: the rule flows up.
    await waitFor('admin to include leases', async () => (await c.kubectlOK(['get', 'clusterrole', 'admin', '-o', 'yaml'])).includes('leases'));
  });

  test('kubectl auth can-i and whoami answer from RBAC, for a service account too', async () => {
    await c.kubectlOK(['create', 'serviceaccount', 'viewer', '-n', 'team']);
    await c.kubectlOK(['create', 'rolebinding', 'viewer-view', '--clusterrole=view', '--serviceaccount=team:viewer', '-n', 'team']);
    const sa = '--as=system:serviceaccount:team:viewer';
    await waitFor('the service account to list pods', async () => (await c.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'team', sa])).stdout.trim() === 'yes');
    const secrets = await c.kubectl(['auth', 'can-i', 'list', 'secrets', '-n', 'team', sa]);
    assert.equal(secrets.stdout.trim(), 'no');
    assert.equal((await c.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'other', sa])).stdout.trim(), 'no');
    const list = await c.kubectlOK(['auth', 'can-i', '--list', '-n', 'team', sa]);
    assert.match(list, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    assert.doesNotMatch(list, /^secrets\s/m);
    assert.match(await c.kubectlOK(['auth', 'whoami', sa]), /Username\s+system:serviceaccount:team:viewer/);
    // bob holds no impersonate right: asking as someone else is refused.
    const impersonating = await as('bob', ['get', 'pods', '-n', 'team', '--as=carol']);
    assert.match(impersonating.stderr, /users "carol" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope/);
  });

  test("the controllers run as kube-system ServiceAccounts with upstream's roles: the replicaset controller creates pods, not Secrets", async () => {
    const accounts = await c.kubectlOK(['get', 'serviceaccounts', '-n', 'kube-system', '-o', 'name']);
    for (const name of ['replicaset-controller', 'deployment-controller', 'generic-garbage-collector', 'namespace-controller', 'coredns']) {
      assert.match(accounts, new RegExp(`^serviceaccount/${name}$`, 'm'));
    }
    const binding = await c.kubectlOK(['get', 'clusterrolebinding', 'system:controller:replicaset-controller', '-o', 'jsonpath={.roleRef.name} {.subjects[0].kind} {.subjects[0].namespace}/{.subjects[0].name}']);
    assert.equal(binding, 'system:controller:replicaset-controller ServiceAccount kube-system/replicaset-controller');
    const rs = '--as=system:serviceaccount:kube-system:replicaset-controller';
    assert.equal((await c.kubectl(['auth', 'can-i', 'create', 'pods', '-n', 'team', rs])).stdout.trim(), 'yes');
    assert.equal((await c.kubectl(['auth', 'can-i', 'get', 'secrets', '-n', 'team', rs])).stdout.trim(), 'no');
    const denied = await c.kubectl(['delete', 'secret', 'any', '-n', 'team', rs]);
    assert.match(denied.stderr, /secrets "any" is forbidden: User "system:serviceaccount:kube-system:replicaset-controller" cannot delete resource "secrets" in API group "" in the namespace "team"/);
    assert.equal((await c.kubectl(['auth', 'can-i', 'create', 'pods', '--subresource=binding', '-n', 'team', '--as=system:kube-scheduler'])).stdout.trim(), 'yes');
    // Still, a Deployment made by the admin gets its ReplicaSet and pods from the restricted controllers.
    await c.kubectlOK(['create', 'deployment', 'web', '--image=busybox', '--replicas=2', '-n', 'team']);
    await waitFor('the deployment controller to make a ReplicaSet and the replicaset controller its pods', async () => {
      const pods = await c.kubectl(['get', 'pods', '-n', 'team', '-l', 'app=web', '-o', 'name']);
      return pods.stdout.trim().split('\n').filter(Boolean).length === 2;
    });
  });
});
