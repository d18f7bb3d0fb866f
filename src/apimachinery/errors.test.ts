import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorBody, hasStatusCause, isExpectedWriteRace, StatusError } from './errors.js';

const terminating = new StatusError(403, 'Forbidden', 'unable to create new content in namespace seed because it is being terminated', {
  name: 'seed',
  kind: 'namespaces',
  causes: [{ reason: 'NamespaceTerminating', message: 'namespace seed is being terminated', field: 'metadata.namespace' }],
});

test('hasStatusCause finds a cause by its reason', () => {
  assert.equal(hasStatusCause(terminating, 'NamespaceTerminating'), true);
  assert.equal(hasStatusCause(terminating, 'FieldValueInvalid'), false);
  assert.equal(hasStatusCause(new StatusError(403, 'Forbidden', 'no'), 'NamespaceTerminating'), false);
  assert.equal(hasStatusCause(new Error('x'), 'NamespaceTerminating'), false);
});

test('conflicts and creates in a terminating namespace are expected races; other errors are not', () => {
  assert.equal(isExpectedWriteRace(new StatusError(409, 'Conflict', 'the object has been modified')), true);
  assert.equal(isExpectedWriteRace(terminating), true);
  assert.equal(isExpectedWriteRace(new StatusError(403, 'Forbidden', 'forbidden')), false);
  assert.equal(isExpectedWriteRace(new StatusError(500, 'InternalError', 'boom')), false);
  assert.equal(isExpectedWriteRace(new Error('socket hang up')), false);
});

test('field error values print as upstream: strings quoted, string lists as Go []string', () => {
  assert.equal(fieldErrorBody({ type: 'FieldValueInvalid', field: 'f', value: 'x', detail: 'bad' }), 'Invalid value: "x": bad');
  assert.equal(fieldErrorBody({ type: 'FieldValueInvalid', field: 'f', value: ['a', 'b'], detail: 'may not change once set' }), 'Invalid value: []string{"a", "b"}: may not change once set');
  assert.equal(fieldErrorBody({ type: 'FieldValueInvalid', field: 'f', value: 3, detail: 'bad' }), 'Invalid value: 3: bad');
});
