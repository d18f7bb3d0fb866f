import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pruneUnknownFields } from './prune.js';
import type { JSONSchemaProps } from './types.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        a: { type: 'string' },
        list: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { x: { type: 'string' } } } } },
        labels: { type: 'object', additionalProperties: { type: 'object', properties: { v: { type: 'string' } } } },
        pod: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
      },
    },
  },
};

describe('pruneUnknownFields', () => {
  it('removes fields the schema does not specify and says which', () => {
    const obj: Record<string, unknown> = {
      apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a', labels: { l: 'v' } },
      spec: {
        a: 'ok', foo: 1,
        list: [{ name: 'n', bar: true }],
        free: { anything: { goes: 1 } },
        open: { other: 1, known: { x: 'y', z: 2 } },
        labels: { k: { v: 'x', w: 'y' } },
        pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: {} }, spec: {}, status: {} },
      },
      status: {},
    };
    const pruned = pruneUnknownFields(schema, obj);
    assert.deepEqual(pruned.sort(), [
      'spec.foo', 'spec.labels.k.w', 'spec.list[0].bar', 'spec.open.known.z', 'spec.pod.status', 'status',
    ]);
    assert.deepEqual(obj, {
      apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a', labels: { l: 'v' } },
      spec: {
        a: 'ok',
        list: [{ name: 'n' }],
        free: { anything: { goes: 1 } },
        open: { other: 1, known: { x: 'y' } },
        labels: { k: { v: 'x' } },
        pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: {} }, spec: {} },
      },
    });
  });

  it('prunes nothing from a valid object', () => {
    assert.deepEqual(pruneUnknownFields(schema, { spec: { a: 'x' } }), []);
  });
});
