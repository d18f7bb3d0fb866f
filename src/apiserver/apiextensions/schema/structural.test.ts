import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorBody } from '../../../apimachinery/errors.js';
import { checkStructuralSchema } from './structural.js';
import type { FieldCause, JSONSchemaProps } from './types.js';

const root = 'spec.versions[0].schema.openAPIV3Schema';

function messages(errs: FieldCause[]): string[] {
  return errs.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
}

function check(schema: JSONSchemaProps): string[] {
  return messages(checkStructuralSchema(schema, root));
}

describe('checkStructuralSchema', () => {
  it('accepts a typical structural schema', () => {
    assert.deepEqual(check({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          required: ['replicas'],
          properties: {
            replicas: { type: 'integer', minimum: 0, default: 1 },
            port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
            extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
    }), []);
  });

  it('requires a type on every specified field, item and the root', () => {
    assert.deepEqual(check({ properties: { spec: {}, list: { type: 'array', items: {} } } }), [
      `${root}.properties[list].items.type: Required value: must not be empty for specified array items`,
      `${root}.properties[spec].type: Required value: must not be empty for specified object fields`,
      `${root}.type: Required value: must not be empty at the root`,
    ]);
  });

  it('needs items on arrays and an object at the root', () => {
    assert.deepEqual(check({ type: 'object', properties: { l: { type: 'array' } } }), [
      `${root}.properties[l].items: Required value: must be specified`,
    ]);
    assert.deepEqual(check({ type: 'string' }), [`${root}.type: Invalid value: "string": must be object at the root`]);
  });

  it('refuses additionalProperties with properties and at the root', () => {
    assert.deepEqual(check({
      type: 'object',
      properties: { spec: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } } },
    }), [`${root}.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`]);
    assert.deepEqual(check({ type: 'object', additionalProperties: { type: 'string' } }), [
      `${root}.additionalProperties: Forbidden: must not be used at the root`,
    ]);
  });

  it('lets root metadata restrict only name and generateName, and refuses defaults there', () => {
    assert.deepEqual(check({ type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } } } }), []);
    assert.deepEqual(check({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }), [
      `${root}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    ]);
    assert.deepEqual(check({ type: 'object', properties: { metadata: { type: 'object', default: { name: 'x' } } } }), [
      `${root}.properties[metadata].default: Forbidden: must not be set in top-level metadata`,
    ]);
  });

  it('forbids structural keywords nested under anyOf/allOf/oneOf/not and needs nested properties in the structure', () => {
    assert.deepEqual(check({
      type: 'object',
      properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
      anyOf: [{ properties: { spec: { type: 'object', description: 'd' } } }],
      not: { properties: { metadata: {} } },
    }), [
      `${root}.anyOf[0].properties[spec].description: Forbidden: must be empty to be structural`,
      `${root}.anyOf[0].properties[spec].type: Forbidden: must be empty to be structural`,
      `${root}.not.properties[metadata]: Forbidden: must not be specified in a nested context`,
      `${root}.properties[metadata]: Required value: because it is defined in ${root}.not.properties[metadata]`,
    ]);
  });

  it('checks the Kubernetes extensions', () => {
    assert.deepEqual(check({
      type: 'object',
      properties: {
        a: { type: 'string', 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true },
        e: { type: 'object', 'x-kubernetes-embedded-resource': true },
        p: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false },
      },
    }), [
      `${root}.properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`,
      `${root}.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`,
      `${root}.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
    ]);
  });

  it('checks list types and map keys', () => {
    assert.deepEqual(check({
      type: 'object',
      properties: {
        m: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: { name: { type: 'string' } } } },
        k: { type: 'array', 'x-kubernetes-list-map-keys': ['a'], items: { type: 'string' } },
        t: { type: 'string', 'x-kubernetes-list-type': 'set' },
        u: { type: 'array', 'x-kubernetes-list-type': 'bag', items: { type: 'string' } },
        w: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name', 'nope'], items: { type: 'object', properties: { name: { type: 'string' } } } },
      },
    }), [
      `${root}.properties[k].x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty`,
      `${root}.properties[m].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
      `${root}.properties[t].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified`,
      `${root}.properties[u].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"`,
      `${root}.properties[w].x-kubernetes-list-map-keys: Invalid value: []string{"name", "nope"}: entries must all be names of item properties`,
      `${root}.properties[w].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
    ]);
  });

  it('refuses the keywords upstream does not support', () => {
    assert.deepEqual(check({ type: 'object', properties: { a: { type: 'array', items: { type: 'string' }, uniqueItems: true }, b: { $ref: '#/x' } } }), [
      `${root}.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      `${root}.properties[b].$ref: Forbidden: $ref is not supported`,
      `${root}.properties[b].type: Required value: must not be empty for specified object fields`,
    ]);
  });

  it('requires defaults to validate and to be pruned', () => {
    assert.deepEqual(check({
      type: 'object',
      properties: {
        a: { type: 'integer', default: 'x' },
        b: { type: 'object', properties: { c: { type: 'string' } }, default: { c: 'ok', d: 1 } },
        e: { type: 'string', enum: ['x', 'y'], default: 'z' },
      },
    }), [
      `${root}.properties[a].default: Invalid value: "string":  in body must be of type integer: "string"`,
      `${root}.properties[b].default: Invalid value: {"c":"ok","d":1}: must not have unknown fields`,
      `${root}.properties[e].default: Unsupported value: "z": supported values: "x", "y"`,
    ]);
  });

  it('reports CEL rules that do not compile and bad rule fields', () => {
    const errs = check({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { a: { type: 'integer' } },
          'x-kubernetes-validations': [
            { rule: 'self.a >' },
            { rule: 'self.a > 0', reason: 'Bogus' },
            { rule: 'self.a > 0', fieldPath: '.nope' },
          ],
        },
      },
    });
    assert.equal(errs.length, 2);
    assert.match(errs[0], /x-kubernetes-validations\[1\]\.reason: Unsupported value: "Bogus": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"/);
    assert.match(errs[1], /x-kubernetes-validations\[2\]\.fieldPath: Invalid value: "\.nope": fieldPath must be a valid path/);
    const compile = check({ type: 'object', 'x-kubernetes-validations': [{ rule: 'self.a >' }], properties: { a: { type: 'integer' } } });
    assert.equal(compile.length, 1);
    assert.match(compile[0], /^spec\.versions\[0\]\.schema\.openAPIV3Schema\.x-kubernetes-validations\[0\]\.rule: Invalid value: .*compilation failed: /);
  });

  it('refuses oldSelf where items cannot be correlated', () => {
    const errs = check({
      type: 'object',
      properties: { l: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } } },
    });
    assert.deepEqual(errs, [
      `${root}.properties[l].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${root}.properties[l]`,
    ]);
  });
});
