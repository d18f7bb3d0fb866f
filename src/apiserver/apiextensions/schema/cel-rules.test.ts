import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorBody } from '../../../apimachinery/errors.js';
import { CelRules, celPropertyName } from './cel-rules.js';
import type { FieldCause, JSONSchemaProps } from './types.js';

function messages(errs: FieldCause[]): string[] {
  return errs.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
}

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      'x-kubernetes-validations': [
        { rule: 'self.minReplicas <= self.replicas', message: 'replicas should be no less than minReplicas' },
        { rule: 'self.replicas <= 100' },
        { rule: "!has(self.mode) || self.mode in ['a', 'b']", messageExpression: "'mode ' + self.mode + ' is not allowed'" },
        { rule: 'self.replicas != 13', reason: 'FieldValueForbidden', fieldPath: '.replicas', message: 'unlucky' },
        { rule: 'self.x__dash__y.startsWith("k")' },
      ],
      properties: {
        replicas: { type: 'integer' },
        minReplicas: { type: 'integer' },
        mode: { type: 'string' },
        'x-y': { type: 'string', default: 'k' },
        immutable: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'Value is immutable' }] },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'self.all(t, t.size() < 5) && self.exists(t, t == "a") && self.filter(t, t.startsWith("b")).size() <= 1' }] },
        when: { type: 'string', format: 'date-time', 'x-kubernetes-validations': [{ rule: "self > timestamp('2020-01-01T00:00:00Z') && duration('1h') > duration('30m')" }] },
      },
    },
  },
};

describe('CelRules', () => {
  const rules = new CelRules(schema);
  const ok = { spec: { replicas: 3, minReplicas: 1, mode: 'a', 'x-y': 'kk', tags: ['a', 'bb'], when: '2024-05-01T00:00:00Z' } };

  it('passes an object every rule accepts', () => {
    assert.deepEqual(rules.validate(ok), []);
  });

  it('reports failed rules with their message, messageExpression, reason and fieldPath', () => {
    const bad = { spec: { replicas: 13, minReplicas: 20, mode: 'z', 'x-y': 'q', tags: ['toolong', 'b', 'bc'] } };
    assert.deepEqual(messages(rules.validate(bad)), [
      'spec: Invalid value: "object": replicas should be no less than minReplicas',
      'spec: Invalid value: "object": mode z is not allowed',
      'spec.replicas: Forbidden: unlucky',
      'spec: Invalid value: "object": failed rule: self.x__dash__y.startsWith("k")',
      'spec.tags: Invalid value: "array": failed rule: self.all(t, t.size() < 5) && self.exists(t, t == "a") && self.filter(t, t.startsWith("b")).size() <= 1',
    ]);
    assert.deepEqual(messages(rules.validate({ spec: { replicas: 101, minReplicas: 0, 'x-y': 'k' } })), ['spec: Invalid value: "object": failed rule: self.replicas <= 100']);
  });

  it('evaluates transition rules only on update, against the old value', () => {
    assert.deepEqual(rules.validate({ spec: { ...ok.spec, immutable: 'a' } }), []);
    assert.deepEqual(rules.validate({ spec: { ...ok.spec, immutable: 'a' } }, { spec: { ...ok.spec, immutable: 'a' } }), []);
    assert.deepEqual(messages(rules.validate({ spec: { ...ok.spec, immutable: 'b' } }, { spec: { ...ok.spec, immutable: 'a' } })), [
      'spec.immutable: Invalid value: "string": Value is immutable',
    ]);
  });

  it('reports a runtime error with the rule', () => {
    const errs = messages(rules.validate({ spec: { replicas: 1 } }));
    assert.deepEqual(errs, [
      'spec: Invalid value: "object": no such key: minReplicas evaluating rule: replicas should be no less than minReplicas',
      'spec: Invalid value: "object": no such key: x__dash__y evaluating rule: self.x__dash__y.startsWith("k")',
    ]);
  });

  it('stops a runaway rule with the cost budget', () => {
    const runaway = new CelRules({
      type: 'object',
      properties: {
        l: {
          type: 'array',
          items: { type: 'integer' },
          'x-kubernetes-validations': [{ rule: 'self.all(a, self.all(b, self.all(c, a + b + c >= 0)))' }],
        },
      },
    });
    const l = Array.from({ length: 500 }, (_, i) => i);
    assert.deepEqual(messages(runaway.validate({ l })), [
      "l: Invalid value: \"array\": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: self.all(a, self.all(b, self.all(c, a + b + c >= 0)))",
    ]);
    assert.deepEqual(runaway.validate({ l: [1, 2, 3] }), []);
  });

  it('compiles each rule once, reporting compile errors', () => {
    const r = new CelRules({ type: 'object', 'x-kubernetes-validations': [{ rule: 'self.a ==' }, { rule: '1 + 1' }] });
    const [broken, notBool] = r.rulesOf(r.schema);
    assert.match(broken.error ?? '', /^compilation failed: /);
    assert.match(notBool.error ?? '', /^compilation failed: /);
  });

  it('tests presence of fields of any expression with has()', () => {
    const r = new CelRules({
      type: 'object',
      properties: {
        m: {
          type: 'array',
          items: { type: 'object', properties: { path: { type: 'string' } } },
          'x-kubernetes-validations': [{ rule: 'size(self) == 0 || has(self[0].path)', message: 'first needs a path' }],
        },
      },
    });
    assert.deepEqual(r.validate({ m: [{ path: '/' }] }), []);
    assert.deepEqual(messages(r.validate({ m: [{}] })), ['m: Invalid value: "array": first needs a path']);
  });

  it('escapes property names as upstream', () => {
    assert.equal(celPropertyName('x-prop'), 'x__dash__prop');
    assert.equal(celPropertyName('namespace'), '__namespace__');
    assert.equal(celPropertyName('redact__d'), 'redact__underscores__d');
    assert.equal(celPropertyName('a.b/c'), 'a__dot__b__slash__c');
    assert.equal(celPropertyName('1x'), undefined);
  });
});
