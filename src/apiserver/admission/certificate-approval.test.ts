import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestAttributes } from '../authorization/rules.js';
import { authorizedForSigner } from './certificate-approval.js';

const user = { user: 'alice', groups: ['system:authenticated'] };

test('approving needs the verb on the signer by name or on its domain wildcard', () => {
  const asked: string[] = [];
  const allowing = (names: string[]) => (_u: unknown, a: RequestAttributes) => {
    asked.push(`${a.verb} ${a.apiGroup}/${a.resource}/${a.name}`);
    return names.includes(a.name);
  };
  assert.equal(authorizedForSigner(allowing(['kubernetes.io/kube-apiserver-client']), user, 'approve', 'kubernetes.io/kube-apiserver-client'), true);
  assert.equal(authorizedForSigner(allowing(['kubernetes.io/*']), user, 'approve', 'kubernetes.io/kube-apiserver-client'), true);
  assert.equal(authorizedForSigner(allowing(['example.com/*']), user, 'approve', 'kubernetes.io/kube-apiserver-client'), false);
  assert.ok(asked.includes('approve certificates.k8s.io/signers/kubernetes.io/*'));
});
