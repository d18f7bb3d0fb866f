import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { resources } from '../../client/client.js';
import { MemoryClient } from '../../testing/memory-client.js';
import {
  createControllerRevision,
  equalRevisions,
  newControllerRevision,
  nextRevisionNumber,
  revisionHashLabel,
  revisionName,
  sortRevisions,
  templateOfRevision,
  templatePatch,
} from './history.js';

const parent = { metadata: { name: 'web', namespace: 'default', uid: 'u-1' } };
const statefulSetKind = { group: 'apps', version: 'v1', kind: 'StatefulSet' };

function revision(name: string, number: number, created = '2026-01-01T00:00:00Z'): ControllerRevision {
  return { metadata: { name, creationTimestamp: created }, revision: number };
}

describe('ControllerRevision history', () => {
  test('a revision stores the pod template as a replacing patch, and gives it back', () => {
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const data = templatePatch(template);
    assert.equal(data.spec.template['$patch'], 'replace');
    assert.deepEqual(templateOfRevision({ revision: 1, data }), template);
    assert.equal(templateOfRevision({ revision: 1, data: { other: true } }), undefined);
  });

  test('a new revision is named after its parent and data, labelled with the hash, and controlled by the parent', () => {
    const data = templatePatch({ spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    const first = newControllerRevision({ parent, parentKind: statefulSetKind, labels: { app: 'web' }, data, revision: 1 });
    const hash = first.metadata?.labels?.[revisionHashLabel] ?? '';
    assert.equal(first.metadata?.name, `web-${hash}`);
    assert.equal(first.metadata?.labels?.['app'], 'web');
    assert.deepEqual(first.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u-1', controller: true, blockOwnerDeletion: true }]);
    const collided = newControllerRevision({ parent, parentKind: statefulSetKind, labels: undefined, data, revision: 1, collisionCount: 1 });
    assert.notEqual(collided.metadata?.name, first.metadata?.name);
    assert.equal(equalRevisions(first, newControllerRevision({ parent, parentKind: statefulSetKind, labels: undefined, data, revision: 2 })), true);
    assert.equal(equalRevisions(first, collided), false);
    assert.equal(revisionName('x'.repeat(300), 'h').length, 225);
  });

  test('revisions sort by number, then creation time, then name; the next number follows the highest', () => {
    const sorted = sortRevisions([revision('c', 2), revision('b', 1, '2026-01-02T00:00:00Z'), revision('a', 1, '2026-01-02T00:00:00Z'), revision('z', 1)]);
    assert.deepEqual(sorted.map((r) => r.metadata?.name), ['z', 'a', 'b', 'c']);
    assert.equal(nextRevisionNumber(sorted), 3);
    assert.equal(nextRevisionNumber([]), 1);
  });

  test('storing an equal revision again returns the stored one; a different one under the name bumps the collision count', async () => {
    const client = new MemoryClient();
    const input = { parent, parentKind: statefulSetKind, labels: undefined, data: templatePatch({ spec: { containers: [] } }), revision: 1 };
    const stored = await createControllerRevision(client, input);
    assert.equal(stored.collisionCount, 0);
    const again = await createControllerRevision(client, input);
    assert.equal(again.revision.metadata?.name, stored.revision.metadata?.name);
    // Someone else's revision under the name the next one would take.
    const next = newControllerRevision({ ...input, data: templatePatch({ spec: { containers: [{ name: 'c', image: 'x' }] } }), collisionCount: 0 });
    await client.create(resources.controllerrevisions, 'default', { ...next, apiVersion: 'apps/v1', kind: 'ControllerRevision', data: { other: true } });
    const bumped = await createControllerRevision(client, { ...input, data: next.data });
    assert.equal(bumped.collisionCount, 1);
    assert.notEqual(bumped.revision.metadata?.name, next.metadata?.name);
  });
});
