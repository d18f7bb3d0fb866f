/**
 * Defaults and validation of apiextensions.k8s.io/v1 CustomResourceDefinitions, as upstream's
 * apiextensions validation: names, group, scope, versions, conversion, subresources and columns.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from '../../apimachinery/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.js';
import type { CustomResourceSchema } from './custom-resource-schema.js';
import { crdSpecOf, type CrdNames, type CrdSpec, type CrdVersion } from './crd-types.js';

/** Upstream's v1 defaults: singular and listKind from kind, conversion None. */
export function defaultCustomResourceDefinition(obj: Record<string, unknown>): void {
  const spec = (obj.spec ?? {}) as CrdSpec;
  const names = (spec.names ??= {} as CrdNames);
  if (!names.singular && names.kind) names.singular = names.kind.toLowerCase();
  if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
  spec.conversion ??= { strategy: 'None' };
  for (const v of spec.versions ?? []) for (const c of v.additionalPrinterColumns ?? []) c.priority ??= 0;
  obj.spec = spec;
}

function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value, detail };
}

function required(field: string): FieldError {
  return { type: 'FieldValueRequired', field, detail: '' };
}

function namesErrors(names: CrdNames, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const label = (value: string | undefined, name: string, mixedCase: boolean) => {
    if (!value) return;
    const found = isDNS1035Label(mixedCase ? value.toLowerCase() : value);
    if (found.length) errs.push(invalid(`${field}.${name}`, value, (mixedCase ? 'may have mixed case, but should otherwise match: ' : '') + found.join(',')));
  };
  label(names.plural, 'plural', false);
  label(names.singular, 'singular', false);
  label(names.kind, 'kind', true);
  label(names.listKind, 'listKind', true);
  (names.shortNames ?? []).forEach((s, i) => {
    const found = isDNS1035Label(s);
    if (found.length) errs.push(invalid(`${field}.shortNames[${i}]`, s, found.join(',')));
  });
  (names.categories ?? []).forEach((c, i) => {
    const found = isDNS1035Label(c);
    if (found.length) errs.push(invalid(`${field}.categories[${i}]`, c, found.join(',')));
  });
  if (names.kind && names.kind === names.listKind) errs.push(invalid(`${field}.listKind`, names.listKind, 'kind and listKind may not be the same or parameter kind and parameter listKind'));
  return errs;
}

const columnTypes = ['integer', 'number', 'string', 'boolean', 'date'];

function versionErrors(v: CrdVersion, field: string, schemas: CustomResourceSchema): FieldError[] {
  const errs: FieldError[] = [];
  const schema = v.schema?.openAPIV3Schema;
  if (!schema) errs.push(required(`${field}.schema.openAPIV3Schema`));
  else errs.push(...schemas.checkStructuralSchema(schema, `${field}.schema.openAPIV3Schema`));
  const scale = v.subresources?.scale;
  if (scale) {
    const path = `${field}.subresources.scale`;
    if (!scale.specReplicasPath) errs.push(required(`${path}.specReplicasPath`));
    else if (!scale.specReplicasPath.startsWith('.spec.')) errs.push(invalid(`${path}.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec'));
    if (!scale.statusReplicasPath) errs.push(required(`${path}.statusReplicasPath`));
    else if (!scale.statusReplicasPath.startsWith('.status.')) errs.push(invalid(`${path}.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status'));
    if (scale.labelSelectorPath && !scale.labelSelectorPath.startsWith('.spec.') && !scale.labelSelectorPath.startsWith('.status.')) {
      errs.push(invalid(`${path}.labelSelectorPath`, scale.labelSelectorPath, 'should be a json path under either .spec or .status'));
    }
  }
  (v.additionalPrinterColumns ?? []).forEach((c, i) => {
    const path = `${field}.additionalPrinterColumns[${i}]`;
    if (!c.name) errs.push(required(`${path}.name`));
    if (!c.type) errs.push(required(`${path}.type`));
    else if (!columnTypes.includes(c.type)) errs.push({ type: 'FieldValueNotSupported', field: `${path}.type`, value: c.type, supported: columnTypes });
    if (!c.jsonPath) errs.push(required(`${path}.jsonPath`));
    if ((c.priority ?? 0) < 0) errs.push(invalid(`${path}.priority`, c.priority, 'negative priorities are invalid'));
  });
  return errs;
}

/** Upstream's ValidateCustomResourceDefinition (spec, names, metadata.name = plural.group). */
export function validateCustomResourceDefinition(obj: Record<string, unknown>, schemas: CustomResourceSchema): FieldError[] {
  const meta = (obj.metadata ?? {}) as { name?: string };
  const spec = crdSpecOf(obj);
  const names = spec.names ?? ({} as CrdNames);
  const errs = validateObjectMeta(obj.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain });
  const requiredName = `${names.plural ?? ''}.${spec.group ?? ''}`;
  if (meta.name && meta.name !== requiredName) errs.push(invalid('metadata.name', meta.name, 'must be spec.names.plural+"."+spec.group'));
  if (!spec.group) errs.push(required('spec.group'));
  else if (isDNS1123Subdomain(spec.group).length) errs.push(invalid('spec.group', spec.group, isDNS1123Subdomain(spec.group).join(',')));
  else if (spec.group.split('.').length < 2) errs.push(invalid('spec.group', spec.group, 'should be a domain with at least one dot'));
  if (!spec.scope) errs.push(required('spec.scope'));
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') errs.push({ type: 'FieldValueNotSupported', field: 'spec.scope', value: spec.scope, supported: ['Cluster', 'Namespaced'] });
  const versions = spec.versions ?? [];
  const seen = new Set<string>();
  let unique = true;
  let storage = 0;
  versions.forEach((v, i) => {
    if (v.storage) storage++;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    const found = isDNS1035Label(v.name ?? '');
    if (found.length) errs.push(invalid(`spec.versions[${i}].name`, v.name, found.join(',')));
    errs.push(...versionErrors(v, `spec.versions[${i}]`, schemas));
  });
  if (!unique) errs.push(invalid('spec.versions', versions, 'must contain unique version names'));
  if (storage !== 1) errs.push(invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  if (!names.plural) errs.push(required('spec.names.plural'));
  if (!names.singular) errs.push(required('spec.names.singular'));
  if (!names.kind) errs.push(required('spec.names.kind'));
  if (!names.listKind) errs.push(required('spec.names.listKind'));
  errs.push(...namesErrors(names, 'spec.names'));
  const strategy = spec.conversion?.strategy;
  if (!strategy) errs.push(required('spec.conversion.strategy'));
  else if (strategy !== 'None' && strategy !== 'Webhook') errs.push({ type: 'FieldValueNotSupported', field: 'spec.conversion.strategy', value: strategy, supported: ['None', 'Webhook'] });
  else if (strategy === 'Webhook' && !spec.conversion?.webhook?.clientConfig) errs.push({ type: 'FieldValueRequired', field: 'spec.conversion.webhook', detail: 'required when strategy is set to Webhook' });
  else if (strategy === 'None' && spec.conversion?.webhook) errs.push({ type: 'FieldValueForbidden', field: 'spec.conversion.webhook', detail: 'should not be set when strategy is not set to Webhook' });
  return errs;
}

/** Upstream's ValidateCustomResourceDefinitionUpdate: the above, and group and plural (and, once established, scope and kind) unchanged. */
export function validateCustomResourceDefinitionUpdate(obj: Record<string, unknown>, old: Record<string, unknown>, schemas: CustomResourceSchema): FieldError[] {
  const errs = [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateCustomResourceDefinition(obj, schemas).filter((e) => !e.field.startsWith('metadata'))];
  const spec = crdSpecOf(obj);
  const oldSpec = crdSpecOf(old);
  const immutable = (value: unknown, oldValue: unknown, field: string) => {
    if (value !== oldValue) errs.push(invalid(field, value, 'field is immutable'));
  };
  const established = ((old.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
  if (established) {
    immutable(spec.scope, oldSpec.scope, 'spec.scope');
    immutable(spec.names?.kind, oldSpec.names?.kind, 'spec.names.kind');
  }
  immutable(spec.group, oldSpec.group, 'spec.group');
  immutable(spec.names?.plural, oldSpec.names?.plural, 'spec.names.plural');
  return errs;
}
