import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldErrorBody, StatusError } from '../../apimachinery/errors.js';
import { checkReviewShape, validateReview } from './review-validation.js';

const messages = (errors: ReturnType<typeof validateReview>) => errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);

test('an access review needs exactly one of resourceAttributes and nonResourceAttributes', () => {
  assert.deepEqual(messages(validateReview('SelfSubjectAccessReview', { spec: {} })), [
    'spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
  ]);
  assert.deepEqual(messages(validateReview('SelfSubjectAccessReview', { spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } } })), [
    'spec.nonResourceAttributes: Invalid value: {"path":"/x","verb":"get"}: cannot be specified in combination with resourceAttributes',
  ]);
  assert.deepEqual(validateReview('SelfSubjectAccessReview', { spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' } } }), []);
  // JSON null is an absent pointer, as upstream decodes it.
  assert.equal(validateReview('SelfSubjectAccessReview', { spec: { resourceAttributes: null, nonResourceAttributes: { path: '/', verb: 'get' } } }).length, 0);
});

test('a SubjectAccessReview needs a user or a group; a self review does not', () => {
  assert.deepEqual(messages(validateReview('SubjectAccessReview', { spec: { resourceAttributes: { verb: 'get' } } })), [
    'spec.user: Invalid value: "": at least one of user or group must be specified',
  ]);
  assert.deepEqual(validateReview('SubjectAccessReview', { spec: { groups: ['g'], resourceAttributes: { verb: 'get' } } }), []);
  assert.deepEqual(validateReview('SelfSubjectAccessReview', { spec: { resourceAttributes: { verb: 'get' } } }), []);
});

test('review metadata must be empty; a LocalSubjectAccessReview keeps only its namespace, which its attributes must name', () => {
  assert.deepEqual(messages(validateReview('SubjectAccessReview', { metadata: { name: 'x' }, spec: { user: 'u', resourceAttributes: {} } })), [
    'metadata: Invalid value: {"name":"x"}: must be empty',
  ]);
  // Zero values and managedFields count as empty.
  assert.deepEqual(validateReview('SubjectAccessReview', { metadata: { name: '', labels: {}, managedFields: [{}] }, spec: { user: 'u', resourceAttributes: {} } }), []);
  const local = (metadata: object, spec: object) => messages(validateReview('LocalSubjectAccessReview', { metadata, spec }));
  assert.deepEqual(local({ namespace: 'ns' }, { user: 'u', resourceAttributes: { namespace: 'ns', verb: 'get' } }), []);
  assert.deepEqual(local({ namespace: 'ns', name: 'n' }, { user: 'u', resourceAttributes: { namespace: 'ns' } }), ['metadata: Invalid value: {"namespace":"ns","name":"n"}: must be empty except for namespace']);
  assert.deepEqual(local({ namespace: 'ns' }, { user: 'u', resourceAttributes: { namespace: 'other' } }), ['spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace']);
  assert.deepEqual(local({ namespace: 'ns' }, { user: 'u', nonResourceAttributes: { path: '/', verb: 'get' } }), [
    'spec.nonResourceAttributes: Invalid value: {"path":"/","verb":"get"}: disallowed on this kind of request',
  ]);
});

test('SelfSubjectRulesReview and SelfSubjectReview have nothing to validate', () => {
  assert.deepEqual(validateReview('SelfSubjectRulesReview', { spec: {} }), []);
  assert.deepEqual(validateReview('SelfSubjectReview', {}), []);
});

test('fields of the wrong JSON type are refused as upstream\'s decoder refuses them (400)', () => {
  const refusal = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof StatusError);
      return [err.code, err.message];
    }
    return undefined;
  };
  assert.deepEqual(refusal(() => checkReviewShape('SelfSubjectAccessReview', { spec: { resourceAttributes: 'pods' } })), [
    400,
    'SelfSubjectAccessReview in version "v1" cannot be handled as a SelfSubjectAccessReview: json: cannot unmarshal string into Go struct field SelfSubjectAccessReviewSpec.spec.resourceAttributes of type v1.ResourceAttributes',
  ]);
  assert.deepEqual(refusal(() => checkReviewShape('SubjectAccessReview', { spec: { groups: 'devs' } })), [
    400,
    'SubjectAccessReview in version "v1" cannot be handled as a SubjectAccessReview: json: cannot unmarshal string into Go struct field SubjectAccessReviewSpec.spec.groups of type string',
  ]);
  assert.deepEqual(refusal(() => checkReviewShape('SubjectAccessReview', { spec: { resourceAttributes: { verb: 3 } } })), [
    400,
    'SubjectAccessReview in version "v1" cannot be handled as a SubjectAccessReview: json: cannot unmarshal number into Go struct field ResourceAttributes.spec.resourceAttributes.verb of type string',
  ]);
  assert.deepEqual(refusal(() => checkReviewShape('SelfSubjectRulesReview', { metadata: [] })), [
    400,
    'SelfSubjectRulesReview in version "v1" cannot be handled as a SelfSubjectRulesReview: json: cannot unmarshal array into Go struct field SelfSubjectRulesReview.metadata of type v1.ObjectMeta',
  ]);
  assert.equal(refusal(() => checkReviewShape('SubjectAccessReview', { spec: { user: 'u', groups: ['g'], extra: { scopes: ['a'], none: null }, resourceAttributes: { verb: 'get', namespace: null } } })), undefined);
});
