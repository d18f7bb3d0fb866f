import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from 'kubernetes-types/admissionregistration/v1.js';
import { StatusError } from '../../../apimachinery/errors.js';
import type { KubeObject } from '../../../apimachinery/object.js';
import { findResource } from '../../registry.js';
import type { ValidatingAdmissionAttributes } from '../admission.js';
import { ValidatingAdmissionPolicyAdmission, type PolicySource } from './validating-admission-policy.js';

const deployments = findResource('apps', 'v1', 'deployments')!;
const rules = [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['deployments'] }];

function policy(name: string, spec: Partial<ValidatingAdmissionPolicy['spec']> = {}): ValidatingAdmissionPolicy {
  return { metadata: { name, uid: name, resourceVersion: '1' }, spec: { matchConstraints: { resourceRules: rules }, validations: [{ expression: 'object.spec.replicas <= 5' }], ...spec } };
}

function binding(name: string, policyName: string, spec: Partial<ValidatingAdmissionPolicyBinding['spec']> = {}): ValidatingAdmissionPolicyBinding {
  return { metadata: { name }, spec: { policyName, validationActions: ['Deny'], ...spec } };
}

function source(policies: ValidatingAdmissionPolicy[], bindings: ValidatingAdmissionPolicyBinding[], params: KubeObject[] = []): PolicySource {
  return {
    policies: () => policies,
    bindings: () => bindings,
    namespace: (name) => ({ metadata: { name, labels: { team: name } } }),
    params: () => params,
    paramNamespaced: () => true,
  };
}

function create(replicas: number, namespace = 'default'): ValidatingAdmissionAttributes {
  return {
    operation: 'CREATE',
    type: deployments,
    namespace,
    subresource: '',
    object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace }, spec: { replicas } },
    user: { user: 'alice', groups: ['devs'] },
  };
}

async function refusal(plugin: ValidatingAdmissionPolicyAdmission, a: ValidatingAdmissionAttributes): Promise<StatusError | undefined> {
  try {
    await plugin.validate(a);
    return undefined;
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
}

test('a Deny binding refuses with upstream message, reason Invalid and 422; a passing request is let through', async () => {
  const plugin = new ValidatingAdmissionPolicyAdmission({ source: source([policy('max')], [binding('max-b', 'max')]), warn: () => {} });
  assert.equal(await refusal(plugin, create(3)), undefined);
  const err = await refusal(plugin, create(6));
  assert.equal(err?.code, 422);
  assert.equal(err?.reason, 'Invalid');
  assert.equal(err?.message, `deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'max' with binding 'max-b' denied request: failed expression: object.spec.replicas <= 5`);
  assert.deepEqual(err?.details?.causes, [{ message: `ValidatingAdmissionPolicy 'max' with binding 'max-b' denied request: failed expression: object.spec.replicas <= 5` }]);
});

test('a Warn binding warns instead; a policy without bindings does nothing', async () => {
  const warnings: string[] = [];
  const plugin = new ValidatingAdmissionPolicyAdmission({ source: source([policy('max'), policy('unbound')], [binding('max-w', 'max', { validationActions: ['Warn', 'Audit'] })]), warn: (w) => warnings.push(w) });
  assert.equal(await refusal(plugin, create(6)), undefined);
  assert.deepEqual(warnings, [`Validation failed for ValidatingAdmissionPolicy 'max' with binding 'max-w': failed expression: object.spec.replicas <= 5`]);
});

test("a binding's matchResources narrows its policy; DELETE sees oldObject and a null object", async () => {
  const narrowed = binding('max-b', 'max', { matchResources: { namespaceSelector: { matchLabels: { team: 'prod' } } } });
  const plugin = new ValidatingAdmissionPolicyAdmission({ source: source([policy('max')], [narrowed]), warn: () => {} });
  assert.equal(await refusal(plugin, create(6, 'dev')), undefined);
  assert.equal((await refusal(plugin, create(6, 'prod')))?.code, 422);
  const noDelete = new ValidatingAdmissionPolicyAdmission({
    source: source([policy('keep', { validations: [{ expression: "object != null || oldObject.metadata.name != 'web'", message: 'web stays', reason: 'Forbidden' }] })], [binding('keep-b', 'keep')]),
    warn: () => {},
  });
  const del = create(1);
  const err = await refusal(noDelete, { ...del, operation: 'DELETE', object: undefined, oldObject: del.object });
  assert.equal(err?.code, 403);
  assert.match(err?.message ?? '', /denied request: web stays$/);
});

test('params: found by name, missing params deny under Deny and skip under Allow; config errors follow failurePolicy', async () => {
  const withParams = policy('limit', { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'object.spec.replicas <= int(params.data.max)' }] });
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'default' }, data: { max: '2' } };
  const byName = (name: string, action: string) => binding('limit-b', 'limit', { paramRef: { name, parameterNotFoundAction: action } });
  const plugin = (b: ValidatingAdmissionPolicyBinding, p = withParams) => new ValidatingAdmissionPolicyAdmission({ source: source([p], [b], [cm]), warn: () => {} });
  assert.equal(await refusal(plugin(byName('limits', 'Deny')), create(2)), undefined);
  assert.equal((await refusal(plugin(byName('limits', 'Deny')), create(3)))?.code, 422);
  const missing = await refusal(plugin(byName('other', 'Deny')), create(1));
  assert.match(missing?.message ?? '', /with binding 'limit-b' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction$/);
  assert.equal(await refusal(plugin(byName('other', 'Allow')), create(9)), undefined);
  assert.equal(await refusal(plugin(byName('other', 'Deny'), { ...withParams, spec: { ...withParams.spec, failurePolicy: 'Ignore' } }), create(1)), undefined);
});

test('request.userInfo carries the requesting user; in-process writes are system:apiserver', async () => {
  const byUser = policy('user', { validations: [{ expression: "request.userInfo.username != 'alice'" }] });
  const plugin = new ValidatingAdmissionPolicyAdmission({ source: source([byUser], [binding('user-b', 'user')]), warn: () => {} });
  assert.equal((await refusal(plugin, create(1)))?.code, 422);
  const { user: _user, ...inProcess } = create(1);
  assert.equal(await refusal(plugin, inProcess), undefined);
});
