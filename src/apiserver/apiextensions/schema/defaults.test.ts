import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applySchemaDefaults } from './defaults.js';
import type { JSONSchemaProps } from './types.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      default: {},
      properties: {
        replicas: { type: 'integer', default: 1 },
        strategy: { type: 'object', default: { type: 'Rolling' }, properties: { type: { type: 'string' }, max: { type: 'integer', default: 25 } } },
        ports: { type: 'array', items: { type: 'object', properties: { protocol: { type: 'string', default: 'TCP' } } } },
        maybe: { type: 'string', nullable: true, default: 'x' },
        must: { type: 'string', default: 'y' },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};

describe('applySchemaDefaults', () => {
  it('fills missing fields deeply, including inside defaults and list items', () => {
    const obj: Record<string, unknown> = { spec: { ports: [{}, { protocol: 'UDP' }], maybe: null, must: null, extra: { replicas: null } } };
    applySchemaDefaults(schema, obj);
    assert.deepEqual(obj, {
      spec: {
        replicas: 1,
        strategy: { type: 'Rolling', max: 25 },
        ports: [{ protocol: 'TCP' }, { protocol: 'UDP' }],
        maybe: null,
        must: 'y',
        extra: { replicas: null },
      },
    });
  });

  it('defaults a missing parent and then its children', () => {
    const obj: Record<string, unknown> = {};
    applySchemaDefaults(schema, obj);
    assert.deepEqual(obj, { spec: { replicas: 1, strategy: { type: 'Rolling', max: 25 }, must: 'y', maybe: 'x' } });
  });

  it('keeps values that are set and does not share default objects between objects', () => {
    const a: Record<string, unknown> = { spec: { replicas: 5 } };
    const b: Record<string, unknown> = { spec: {} };
    applySchemaDefaults(schema, a);
    applySchemaDefaults(schema, b);
    assert.equal((a.spec as { replicas: number }).replicas, 5);
    ((a.spec as { strategy: { max: number } }).strategy).max = 1;
    assert.equal((b.spec as { strategy: { max: number } }).strategy.max, 25);
  });
});
