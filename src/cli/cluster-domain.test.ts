import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../apimachinery/errors.js';
import { resources, type Client } from '../client/client.js';
import { MemoryClient } from '../testing/memory-client.js';
import { chooseClusterDomain, defaultClusterDomain, parseClusterDomainFlag } from './cluster-domain.js';
import { isUsageError } from './flags.js';

async function publishing(clusterDomain: string | undefined): Promise<MemoryClient> {
  const client = new MemoryClient();
  await client.create(resources.configmaps, 'kube-system', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'kube-system', name: 'skiff-cluster-config' }, data: clusterDomain === undefined ? {} : { clusterDomain } });
  return client;
}

/** A client whose every get fails as `fail` says (a user without rights, an unreachable server). */
function failing(fail: () => Promise<never>): Client {
  const client = new MemoryClient();
  return Object.assign(Object.create(client) as MemoryClient, { get: fail });
}

test('the flag wins over what the cluster publishes, lower-cased, without its trailing dot', async () => {
  assert.deepEqual(await chooseClusterDomain(await publishing('corp.internal'), 'Example.TEST.'), { domain: 'example.test', source: 'flag' });
  assert.equal(parseClusterDomainFlag(undefined), undefined);
  assert.throws(() => parseClusterDomainFlag('not a domain'), (e) => isUsageError(e) && /--cluster-domain "not a domain"/.test(String(e)));
  await assert.rejects(chooseClusterDomain(new MemoryClient(), '-bad-'), (e) => isUsageError(e));
});

test("without the flag, the server's published clusterDomain", async () => {
  assert.deepEqual(await chooseClusterDomain(await publishing('corp.internal'), undefined), { domain: 'corp.internal', source: 'cluster' });
});

test('cluster.local, with the reason, when the setting cannot be read or is not there', async () => {
  const forbidden = failing(async () => {
    throw new StatusError(403, 'Forbidden', 'configmaps "skiff-cluster-config" is forbidden: User "viewer" cannot get resource "configmaps" in API group "" in the namespace "kube-system"');
  });
  assert.deepEqual(await chooseClusterDomain(forbidden, undefined), { domain: defaultClusterDomain, source: 'default', reason: 'your credentials may not read kube-system/skiff-cluster-config' });
  assert.deepEqual(await chooseClusterDomain(new MemoryClient(), undefined), { domain: 'cluster.local', source: 'default', reason: 'the server publishes no kube-system/skiff-cluster-config' });
  assert.deepEqual(await chooseClusterDomain(await publishing(undefined), undefined), { domain: 'cluster.local', source: 'default', reason: 'kube-system/skiff-cluster-config names no clusterDomain' });
  assert.deepEqual(await chooseClusterDomain(await publishing('not a domain'), undefined), { domain: 'cluster.local', source: 'default', reason: 'kube-system/skiff-cluster-config names clusterDomain "not a domain", not a DNS name' });
  const unreachable = failing(async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
  });
  assert.match((await chooseClusterDomain(unreachable, undefined)).reason ?? '', /could not be read: connect ECONNREFUSED/);
  const silent = failing(() => new Promise<never>(() => undefined));
  assert.deepEqual(await chooseClusterDomain(silent, undefined, { timeoutMs: 20 }), { domain: 'cluster.local', source: 'default', reason: 'kube-system/skiff-cluster-config could not be read: no answer within 0.02 s' });
});
