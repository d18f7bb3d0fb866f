import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultCustomResourceDefinition, validateCustomResourceDefinition } from './crd-validation.js';
import { acceptingSchema } from './custom-resource-schema.js';

function crd(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const obj: Record<string, unknown> = {
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      ...overrides,
    },
  };
  defaultCustomResourceDefinition(obj);
  return obj;
}

describe('CustomResourceDefinition validation', () => {
  test('a valid CRD, defaulted as upstream', () => {
    const obj = crd();
    assert.deepEqual(validateCustomResourceDefinition(obj, acceptingSchema), []);
    assert.deepEqual((obj.spec as { names: object }).names, { plural: 'widgets', kind: 'Widget', singular: 'widget', listKind: 'WidgetList' });
  });
  test("upstream's messages for names, group, scope and versions", () => {
    const fields = (obj: Record<string, unknown>) => validateCustomResourceDefinition(obj, acceptingSchema).map((e) => `${e.field}: ${e.detail ?? ''}`);
    assert.deepEqual(fields(crd({ group: 'example' })), ['metadata.name: must be spec.names.plural+"."+spec.group', 'spec.group: should be a domain with at least one dot']);
    assert.deepEqual(fields(crd({ scope: 'Everywhere' })), ['spec.scope: ']);
    const twoStorage = crd({ versions: [{ name: 'v1', served: true, storage: true }, { name: 'v2', served: true, storage: true }] });
    assert.ok(fields(twoStorage).includes('spec.versions: must have exactly one version marked as storage version'));
    assert.ok(fields(crd({ names: { plural: 'Widgets', kind: 'Widget', shortNames: ['w_1'] } })).some((f) => f.startsWith('spec.names.shortNames[0]: ')));
  });
});
