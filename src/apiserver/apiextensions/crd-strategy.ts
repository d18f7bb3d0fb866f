/** The write path of CustomResourceDefinitions, as upstream's customresourcedefinition strategy. */
import { jsonEqual, type KubeObject } from '../../apimachinery/object.js';
import type { TypeStrategy } from '../strategy.js';
import { crdSpecOf, crdStatusOf } from './crd-types.js';
import { defaultCustomResourceDefinition, validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from './crd-validation.js';
import type { CustomResourceSchema } from './custom-resource-schema.js';
import { validateObjectMetaUpdate } from '../validation/meta.js';

function storageVersion(obj: KubeObject): string | undefined {
  return (crdSpecOf(obj).versions ?? []).find((v) => v.storage)?.name;
}

/**
 * Defaults and validates CRDs; a create starts with empty conditions and the storage version in
 * status.storedVersions, an update adds a new storage version there, status is written only
 * through /status, and generation counts spec changes.
 */
export function customResourceDefinitionStrategy(schemas: CustomResourceSchema): TypeStrategy {
  return {
    hasStatusSubresource: true,
    allocates: false,
    prepareForCreate(obj) {
      defaultCustomResourceDefinition(obj);
      const stored = storageVersion(obj);
      obj.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: stored ? [stored] : [] };
      obj.metadata = { ...obj.metadata, generation: 1 };
    },
    prepareForUpdate(obj, old, subresource) {
      if (subresource === 'status') {
        obj.spec = old.spec;
        obj.metadata = { ...old.metadata, resourceVersion: obj.metadata?.resourceVersion };
        return;
      }
      defaultCustomResourceDefinition(obj);
      obj.status = old.status;
      const stored = storageVersion(obj);
      const storedVersions = crdStatusOf(old).storedVersions ?? [];
      if (stored && !storedVersions.includes(stored)) obj.status = { ...crdStatusOf(old), storedVersions: [...storedVersions, stored] };
      const gen = old.metadata?.generation ?? 1;
      obj.metadata = { ...obj.metadata, generation: jsonEqual(obj.spec, old.spec) ? gen : gen + 1 };
    },
    validateCreate: (obj) => validateCustomResourceDefinition(obj, schemas),
    validateUpdate: (obj, old, subresource) =>
      subresource === 'status' ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateCustomResourceDefinitionUpdate(obj, old, schemas),
    allocate: async () => async () => {},
    release: async () => {},
    holdsDeletion: () => false,
  };
}
