import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../apimachinery/object.js';
import { StatusError } from '../../apimachinery/errors.js';
import { findResource } from '../registry.js';
import type { UserInfo } from '../auth.js';
import { NodeRestrictionAdmission } from './node-restriction.js';
import type { AdmissionAttributes } from './admission.js';

const nodes = findResource('', 'v1', 'nodes')!;
const pods = findResource('', 'v1', 'pods')!;
const n1: UserInfo = { user: 'system:node:n1', groups: ['system:nodes'] };

async function admit(user: UserInfo | undefined, a: Omit<AdmissionAttributes, 'namespace'>): Promise<string> {
  const plugin = new NodeRestrictionAdmission(() => user);
  const attributes = { namespace: '', ...a };
  if (!plugin.handles(attributes)) return 'not handled';
  try {
    await plugin.admit(attributes);
    return 'ok';
  } catch (err) {
    if (err instanceof StatusError) return `${err.code} ${err.message}`;
    throw err;
  }
}

const node = (name: string, labels: Record<string, string> = {}, taints: object[] = []) => ({ metadata: { name, labels }, spec: { taints } }) as KubeObject;

test('NodeRestriction: a node writes only its own Node, without restricted labels or taint changes', async () => {
  assert.equal(await admit(n1, { operation: 'CREATE', type: nodes, object: node('n1'), subresource: '' }), 'ok');
  assert.equal(await admit(n1, { operation: 'CREATE', type: nodes, object: node('n2'), subresource: '' }), '403 nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  assert.equal(await admit(n1, { operation: 'UPDATE', type: nodes, object: node('n2'), oldObject: node('n2'), subresource: 'status' }), '403 nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  assert.equal(
    await admit(n1, { operation: 'CREATE', type: nodes, object: node('n1', { 'node-restriction.kubernetes.io/zone': 'a', 'example.com/x': 'y' }), subresource: '' }),
    '403 nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/zone',
  );
  const labelled = node('n1', { 'node-restriction.kubernetes.io/zone': 'a' });
  assert.equal(await admit(n1, { operation: 'UPDATE', type: nodes, object: labelled, oldObject: labelled, subresource: '' }), 'ok');
  assert.equal(
    await admit(n1, { operation: 'UPDATE', type: nodes, object: node('n1'), oldObject: labelled, subresource: '' }),
    '403 nodes "n1" is forbidden: node "n1" is not allowed to modify the following labels: node-restriction.kubernetes.io/zone',
  );
  assert.equal(
    await admit(n1, { operation: 'UPDATE', type: nodes, object: node('n1', {}, []), oldObject: node('n1', {}, [{ key: 'k', effect: 'NoSchedule' }]), subresource: '' }),
    '403 nodes "n1" is forbidden: node "n1" is not allowed to modify taints',
  );
  // Administrators and in-process components are not nodes.
  assert.equal(await admit({ user: 'admin', groups: ['system:masters'] }, { operation: 'CREATE', type: nodes, object: node('n2'), subresource: '' }), 'not handled');
  assert.equal(await admit(undefined, { operation: 'CREATE', type: nodes, object: node('n2'), subresource: '' }), 'not handled');
});

test('NodeRestriction: a node creates only mirror pods bound to itself and writes status only of its pods', async () => {
  const pod = (nodeName: string, mirror: boolean) => ({ metadata: { name: 'p', namespace: 'default', annotations: mirror ? { 'kubernetes.io/config.mirror': 'x' } : {} }, spec: { nodeName } }) as KubeObject;
  assert.equal(await admit(n1, { operation: 'CREATE', type: pods, object: pod('n1', true), subresource: '' }), 'ok');
  assert.equal(await admit(n1, { operation: 'CREATE', type: pods, object: pod('n1', false), subresource: '' }), '403 pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
  assert.equal(await admit(n1, { operation: 'CREATE', type: pods, object: pod('n2', true), subresource: '' }), '403 pods "p" is forbidden: node "n1" can only create pods with spec.nodeName set to itself');
  assert.equal(await admit(n1, { operation: 'UPDATE', type: pods, object: pod('n1', false), oldObject: pod('n1', false), subresource: 'status' }), 'ok');
  assert.equal(await admit(n1, { operation: 'UPDATE', type: pods, object: pod('n2', false), oldObject: pod('n2', false), subresource: 'status' }), '403 pods "p" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
});
