import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { labelSelectorFromObject } from '../../apimachinery/selectors/labels.js';
import { newControllerRef } from '../../apimachinery/owner.js';
import { resources } from '../../client/client.js';
import { MemoryClient } from '../../testing/memory-client.js';
import { claimObjects, recheckOwner } from './claim.js';

const replicaSetKind = { group: 'apps', version: 'v1', kind: 'ReplicaSet' };

async function fixture() {
  const client = new MemoryClient();
  const owner = await client.create<ReplicaSet & KubeObject>(resources.replicasets, 'default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } } } },
  });
  const other = { metadata: { name: 'other', uid: 'u-other' } };
  const pod = (name: string, labels: Record<string, string>, controller?: KubeObject): Promise<Pod & KubeObject> =>
    client.create<Pod & KubeObject>(resources.pods, 'default', {
      metadata: { name, labels, ...(controller ? { ownerReferences: [newControllerRef(controller, replicaSetKind)] } : {}) },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
  const candidates = [
    await pod('orphan', { app: 'web' }),
    await pod('orphan-other-labels', { app: 'db' }),
    await pod('mine', { app: 'web' }, owner),
    await pod('mine-relabelled', { app: 'db' }, owner),
    await pod('theirs', { app: 'web' }, other),
  ];
  return { client, owner, candidates };
}

describe('claimObjects', () => {
  test('adopts matching orphans, keeps its matching objects, releases the ones that stopped matching, leaves others alone', async () => {
    const { client, owner, candidates } = await fixture();
    let rechecks = 0;
    const claimed = await claimObjects({
      client,
      owner,
      ownerKind: replicaSetKind,
      selector: labelSelectorFromObject(owner.spec?.selector),
      ownedRef: resources.pods,
      candidates,
      recheckOwner: async () => {
        rechecks++;
        await recheckOwner(client, resources.replicasets, owner);
      },
    });
    assert.deepEqual(claimed.map((p) => p.metadata?.name).sort(), ['mine', 'orphan']);
    assert.equal(rechecks, 1);
    const read = async (name: string): Promise<Pod & KubeObject> => client.get<Pod & KubeObject>(resources.pods, 'default', name);
    assert.equal((await read('orphan')).metadata?.ownerReferences?.[0]?.uid, owner.metadata?.uid);
    assert.deepEqual((await read('mine-relabelled')).metadata?.ownerReferences, []);
    assert.equal((await read('orphan-other-labels')).metadata?.ownerReferences, undefined);
    assert.equal((await read('theirs')).metadata?.ownerReferences?.[0]?.uid, 'u-other');
  });

  test('an owner replaced under the same name stops adoption', async () => {
    const { client, owner, candidates } = await fixture();
    await client.delete(resources.replicasets, 'default', 'web');
    await client.create(resources.replicasets, 'default', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default' }, spec: owner.spec });
    await assert.rejects(
      claimObjects({
        client,
        owner,
        ownerKind: replicaSetKind,
        selector: labelSelectorFromObject(owner.spec?.selector),
        ownedRef: resources.pods,
        candidates,
        recheckOwner: () => recheckOwner(client, resources.replicasets, owner),
      }),
      /is gone/,
    );
  });
});
