import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorBody } from '../../../apimachinery/errors.js';
import type { FieldCause, JSONSchemaProps } from './types.js';
import { validateCustomObject } from './validate.js';

function messages(errs: FieldCause[]): string[] {
  return errs.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
}

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['replicas'],
      properties: {
        replicas: { type: 'integer', minimum: 1, maximum: 10 },
        ratio: { type: 'number', exclusiveMinimum: true, minimum: 0 },
        name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
        mode: { type: 'string', enum: ['Fast', 'Slow'] },
        when: { type: 'string', format: 'date-time' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2, 'x-kubernetes-list-type': 'set' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port'],
          items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' }, name: { type: 'string' } } },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 2 },
        target: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        note: { type: 'string', nullable: true },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};

describe('validateCustomObject', () => {
  it('accepts a valid object', () => {
    const obj = {
      apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' },
      spec: {
        replicas: 3, ratio: 0.5, name: 'abc', mode: 'Fast', when: '2024-01-02T03:04:05Z', tags: ['a'],
        ports: [{ port: 80 }, { port: 443 }], labels: { a: 'b' }, target: '50%', note: null,
        template: { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: {} },
      },
    };
    assert.deepEqual(validateCustomObject(schema, obj), []);
  });

  it('words type, bound, length, pattern, enum and format failures as upstream', () => {
    const errs = validateCustomObject(schema, {
      spec: { replicas: 'three', ratio: 0, name: 'ABCDEFG', mode: 'Medium', when: 'yesterday', target: 1.5, note: null },
    });
    assert.deepEqual(messages(errs), [
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      'spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0',
      'spec.name: Too long: must have at most 5 bytes',
      "spec.name: Invalid value: \"ABCDEFG\": spec.name in body should match '^[a-z]+$'",
      'spec.mode: Unsupported value: "Medium": supported values: "Fast", "Slow"',
      'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
      'spec.target: Invalid value: "number": spec.target in body must be of type integer,string: "number"',
    ]);
  });

  it('reports required fields, nulls, item and property counts', () => {
    assert.deepEqual(messages(validateCustomObject(schema, { spec: { name: null, tags: [], labels: { a: 'x', b: 'y', c: 'z' } } })), [
      'spec.replicas: Required value',
      'spec.name: Invalid value: "null": spec.name in body must be of type string: "null"',
      'spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items',
      'spec.labels: Too many: 3: must have at most 2 items',
    ]);
    assert.deepEqual(messages(validateCustomObject(schema, { spec: { replicas: 11, tags: ['a', 'b', 'c'] } })), [
      'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
      'spec.tags: Too many: 3: must have at most 2 items',
    ]);
  });

  it('finds duplicates in sets and maps', () => {
    assert.deepEqual(messages(validateCustomObject(schema, { spec: { replicas: 1, tags: ['a', 'a'], ports: [{ port: 80 }, { port: 80, name: 'x' }] } })), [
      'spec.tags[1]: Duplicate value: "a"',
      'spec.ports[1]: Duplicate value: {"port":80}',
    ]);
  });

  it('checks the type meta of embedded resources', () => {
    assert.deepEqual(messages(validateCustomObject(schema, { spec: { replicas: 1, template: { metadata: {} } } })), [
      'spec.template.apiVersion: Required value: must not be empty',
      'spec.template.kind: Required value: must not be empty',
    ]);
  });

  it('names item paths with indexes and prefixes the given path', () => {
    const errs = validateCustomObject(schema, { spec: { replicas: 1, ports: [{ port: 'x' }] } }, 'body');
    assert.deepEqual(messages(errs), [
      'body.spec.ports[0].port: Invalid value: "string": spec.ports[0].port in body must be of type integer: "string"',
    ]);
  });
});
