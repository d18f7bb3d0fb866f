import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyProgram } from './policy-program.js';

const request = { operation: 'CREATE', namespace: 'default', name: 'web', userInfo: { username: 'alice', groups: ['devs'] } };
const deployment = (replicas: number) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas } });

test('a failed validation is a denial with the expression, message or messageExpression as upstream', () => {
  const plain = new PolicyProgram({ validations: [{ expression: 'object.spec.replicas <= 5' }] });
  assert.deepEqual(plain.evaluate({ object: deployment(3), oldObject: null, request, params: null, namespaceObject: null }), []);
  assert.deepEqual(plain.evaluate({ object: deployment(6), oldObject: null, request, params: null, namespaceObject: null }), [
    { action: 'Deny', message: 'failed expression: object.spec.replicas <= 5', reason: 'Invalid' },
  ]);
  const worded = new PolicyProgram({
    validations: [{ expression: 'object.spec.replicas <= 5', messageExpression: "'replicas ' + string(object.spec.replicas) + ' > 5 for ' + request.userInfo.username", reason: 'Forbidden' }],
  });
  assert.deepEqual(worded.evaluate({ object: deployment(6), oldObject: null, request, params: null, namespaceObject: null }), [
    { action: 'Deny', message: 'replicas 6 > 5 for alice', reason: 'Forbidden' },
  ]);
});

test('params, variables and namespaceObject reach the expressions; match conditions exclude', () => {
  const program = new PolicyProgram({
    variables: [{ name: 'max', expression: 'int(params.data.maxReplicas)' }],
    matchConditions: [{ name: 'not-kube-system', expression: "namespaceObject.metadata.name != 'kube-system'" }],
    validations: [{ expression: 'object.spec.replicas <= variables.max' }],
  });
  const params = { data: { maxReplicas: '4' } };
  const ns = (name: string) => ({ metadata: { name } });
  assert.equal(program.evaluate({ object: deployment(5), oldObject: null, request, params, namespaceObject: ns('kube-system') }), undefined);
  assert.equal(program.evaluate({ object: deployment(5), oldObject: null, request, params, namespaceObject: ns('default') })?.length, 1);
  assert.deepEqual(program.evaluate({ object: deployment(4), oldObject: null, request, params, namespaceObject: ns('default') }), []);
});

test('an evaluation error denies under failurePolicy Fail and is ignored under Ignore', () => {
  const spec = { validations: [{ expression: 'object.spec.missing > 1' }] };
  const input = { object: deployment(1), oldObject: null, request, params: null, namespaceObject: null };
  const denied = new PolicyProgram(spec).evaluate(input);
  assert.equal(denied?.length, 1);
  assert.match(denied?.[0]?.message ?? '', /^expression 'object\.spec\.missing > 1' resulted in error: /);
  assert.deepEqual(new PolicyProgram({ ...spec, failurePolicy: 'Ignore' }).evaluate(input), []);
});

test('expressions that do not compile are reported per field', () => {
  const program = new PolicyProgram({ validations: [{ expression: 'object.spec.replicas <=' }, { expression: "'text'" }] });
  assert.deepEqual(program.errors.map((e) => e.field), ['spec.validations[0].expression', 'spec.validations[1].expression']);
  assert.match(program.errors[0]?.detail ?? '', /^compilation failed: /);
});
