import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { customResourcePrinter } from './printer-columns.js';

describe('custom resource tables', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  const obj = { metadata: { name: 'w', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { replicas: 2 }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
  test('NAME and AGE without columns', () => {
    const printer = customResourcePrinter([]);
    assert.deepEqual(printer.columns.map((c) => c.name), ['Name', 'Age']);
    assert.deepEqual(printer.print(obj, now).cells, ['w', '10m']);
  });
  test('jsonPath columns, typed; a missing value is empty', () => {
    const printer = customResourcePrinter([
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Missing', type: 'string', jsonPath: '.spec.nothing' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]);
    assert.deepEqual(printer.columns.map((c) => c.name), ['Name', 'Replicas', 'Ready', 'Missing', 'Age']);
    assert.deepEqual(printer.print(obj, now).cells, ['w', 2, 'True', null, '10m']);
  });
});
