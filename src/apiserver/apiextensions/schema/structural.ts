import { CelRules, checkRuleFields } from './cel-rules.js';
import { fieldErrorBody } from '../../../apimachinery/errors.js';
import { pruneValue } from './prune.js';
import type { FieldCause, JSONSchemaProps } from './types.js';
import { additionalSchema, itemsSchema, key } from './types.js';
import { validateCustomObject } from './validate.js';

const openapiV3Types = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const metaFields = new Set(['apiVersion', 'kind', 'metadata']);

type Level = 'root' | 'item' | 'field';

/** What the walk of upstream's ValidateCustomResourceDefinitionOpenAPISchema carries down. */
interface SpecContext {
  isRoot: boolean;
  insideResourceMeta: boolean;
  /** Set when defaults are forbidden here, with why (`in top-level metadata`). */
  forbidDefaults?: string;
  /** Set below a list or atomic map whose items cannot be correlated with their old values. */
  uncorrelatable?: string;
}

interface RuleNode {
  schema: JSONSchemaProps;
  path: string;
  uncorrelatable?: string;
}

/** Upstream's checks of a schema's keywords (not yet its structure); collects nodes with rules. */
function checkSpec(s: JSONSchemaProps, path: string, ctx: SpecContext, errs: FieldCause[], rules: RuleNode[]): void {
  const c = (name: string): string => `${path}.${name}`;
  if (s.type && !openapiV3Types.includes(s.type) && s.type !== 'null') {
    errs.push({ type: 'FieldValueNotSupported', field: c('type'), value: s.type, supported: openapiV3Types });
  }
  if (s.default !== undefined && ctx.forbidDefaults !== undefined) {
    errs.push({ type: 'FieldValueForbidden', field: c('default'), detail: `must not be set ${ctx.forbidDefaults}`.trim() });
  }
  if (s.id) errs.push({ type: 'FieldValueForbidden', field: c('id'), detail: 'id is not supported' });
  if (s.additionalItems !== undefined) errs.push({ type: 'FieldValueForbidden', field: c('additionalItems'), detail: 'additionalItems is not supported' });
  if (s.patternProperties && Object.keys(s.patternProperties).length) {
    errs.push({ type: 'FieldValueForbidden', field: c('patternProperties'), detail: 'patternProperties is not supported' });
  }
  if (s.definitions && Object.keys(s.definitions).length) {
    errs.push({ type: 'FieldValueForbidden', field: c('definitions'), detail: 'definitions is not supported' });
  }
  if (s.dependencies) errs.push({ type: 'FieldValueForbidden', field: c('dependencies'), detail: 'dependencies is not supported' });
  if (s.$ref !== undefined) errs.push({ type: 'FieldValueForbidden', field: c('$ref'), detail: '$ref is not supported' });
  if (s.type === 'null') errs.push({ type: 'FieldValueForbidden', field: c('type'), detail: 'type cannot be set to null, use nullable as an alternative' });
  if (Array.isArray(s.items)) errs.push({ type: 'FieldValueForbidden', field: c('items'), detail: 'items must be a schema object and not an array' });
  if (ctx.insideResourceMeta && s['x-kubernetes-embedded-resource']) {
    errs.push({ type: 'FieldValueForbidden', field: c('x-kubernetes-embedded-resource'), detail: 'must not be used inside of resource meta' });
  }
  if (s.uniqueItems) {
    errs.push({ type: 'FieldValueForbidden', field: c('uniqueItems'), detail: 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic' });
  }

  const props = Object.keys(s.properties ?? {}).sort();
  const sub: SpecContext = { isRoot: false, insideResourceMeta: false, forbidDefaults: ctx.forbidDefaults, uncorrelatable: ctx.uncorrelatable };
  if (s.additionalProperties !== undefined) {
    if (props.length && (s.additionalProperties === false || typeof s.additionalProperties === 'object')) {
      errs.push({ type: 'FieldValueForbidden', field: c('additionalProperties'), detail: 'additionalProperties and properties are mutual exclusive' });
    }
    const add = additionalSchema(s);
    if (add) {
      const addCtx = { ...sub, insideResourceMeta: ctx.insideResourceMeta };
      if (ctx.insideResourceMeta) addCtx.forbidDefaults = 'inside additionalProperties applying to object metadata';
      checkSpec(add, c('additionalProperties'), addCtx, errs, rules);
    }
  }
  for (const name of props) {
    const ps = s.properties![name];
    const pctx: SpecContext = { ...sub };
    if (s['x-kubernetes-map-type'] === 'atomic' && !pctx.uncorrelatable) pctx.uncorrelatable = path;
    if ((ctx.isRoot || s['x-kubernetes-embedded-resource']) && metaFields.has(name)) {
      pctx.insideResourceMeta = true;
      if (ctx.isRoot) pctx.forbidDefaults = `in top-level ${name}`;
    }
    checkSpec(ps, key(c('properties'), name), pctx, errs, rules);
  }
  if (s.not) checkSpec(s.not, c('not'), sub, errs, []);
  (s.allOf ?? []).forEach((x, i) => checkSpec(x, `${c('allOf')}[${i}]`, sub, errs, []));
  (s.oneOf ?? []).forEach((x, i) => checkSpec(x, `${c('oneOf')}[${i}]`, sub, errs, []));
  (s.anyOf ?? []).forEach((x, i) => checkSpec(x, `${c('anyOf')}[${i}]`, sub, errs, []));
  const items = itemsSchema(s);
  if (items) {
    const ictx: SpecContext = { ...sub };
    if (s['x-kubernetes-list-type'] !== 'map' && !ictx.uncorrelatable) ictx.uncorrelatable = path;
    checkSpec(items, c('items'), ictx, errs, rules);
  }

  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push({ type: 'FieldValueInvalid', field: c('x-kubernetes-preserve-unknown-fields'), value: false, detail: 'must be true or undefined' });
  }
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && s.type !== 'object') {
    errs.push(s.type
      ? { type: 'FieldValueInvalid', field: c('type'), value: s.type, detail: 'must be object if x-kubernetes-map-type is specified' }
      : { type: 'FieldValueRequired', field: c('type'), detail: 'must be object if x-kubernetes-map-type is specified' });
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') {
    errs.push({ type: 'FieldValueNotSupported', field: c('x-kubernetes-map-type'), value: mapType, supported: ['atomic', 'granular'] });
  }
  const listType = s['x-kubernetes-list-type'];
  if (listType !== undefined && s.type !== 'array') {
    errs.push(s.type
      ? { type: 'FieldValueInvalid', field: c('type'), value: s.type, detail: 'must be array if x-kubernetes-list-type is specified' }
      : { type: 'FieldValueRequired', field: c('type'), detail: 'must be array if x-kubernetes-list-type is specified' });
  } else if (listType === 'set' && items) {
    if (items.type === 'array' && items['x-kubernetes-list-type'] !== undefined && items['x-kubernetes-list-type'] !== 'atomic') {
      errs.push({ type: 'FieldValueInvalid', field: `${c('items')}.x-kubernetes-list-type`, value: items['x-kubernetes-list-type'], detail: 'must be atomic as item of a list with x-kubernetes-list-type=set' });
    }
    if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      errs.push({ type: 'FieldValueInvalid', field: `${c('items')}.x-kubernetes-map-type`, value: items['x-kubernetes-map-type'] ?? null, detail: 'must be atomic as item of a list with x-kubernetes-list-type=set' });
    }
  }
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) {
    errs.push({ type: 'FieldValueNotSupported', field: c('x-kubernetes-list-type'), value: listType, supported: ['atomic', 'set', 'map'] });
  }
  const mapKeys = s['x-kubernetes-list-map-keys'] ?? [];
  if (mapKeys.length) {
    if (listType === undefined) {
      errs.push({ type: 'FieldValueRequired', field: c('x-kubernetes-list-type'), detail: 'must be map if x-kubernetes-list-map-keys is non-empty' });
    } else if (listType !== 'map') {
      errs.push({ type: 'FieldValueInvalid', field: c('x-kubernetes-list-type'), value: listType, detail: 'must be map if x-kubernetes-list-map-keys is non-empty' });
    }
  }
  if (listType === 'map') {
    if (!mapKeys.length) errs.push({ type: 'FieldValueRequired', field: c('x-kubernetes-list-map-keys'), detail: 'must not be empty if x-kubernetes-list-type is map' });
    if (s.items === undefined) errs.push({ type: 'FieldValueRequired', field: c('items'), detail: 'must have a schema if x-kubernetes-list-type is map' });
    if (Array.isArray(s.items)) errs.push({ type: 'FieldValueInvalid', field: c('items'), value: s.items, detail: 'must only have a single schema if x-kubernetes-list-type is map' });
    if (items && items.type !== 'object') {
      errs.push({ type: 'FieldValueInvalid', field: `${c('items')}.type`, value: items.type ?? '', detail: "must be object if parent array's x-kubernetes-list-type is map" });
    }
    if (items && items.type === 'object') {
      const seen = new Set<string>();
      for (const k of mapKeys) {
        const ks = items.properties?.[k];
        if (ks) {
          if (ks.type === 'array' || ks.type === 'object') {
            errs.push({ type: 'FieldValueInvalid', field: `${key(`${c('items')}.properties`, k)}.type`, value: items.type, detail: "must be a scalar type if parent array's x-kubernetes-list-type is map" });
          }
        } else {
          errs.push({ type: 'FieldValueInvalid', field: c('x-kubernetes-list-map-keys'), value: mapKeys, detail: 'entries must all be names of item properties' });
        }
        if (seen.has(k)) errs.push({ type: 'FieldValueInvalid', field: c('x-kubernetes-list-map-keys'), value: mapKeys, detail: 'must not contain duplicate entries' });
        seen.add(k);
      }
    }
  }
  if (items && (listType === 'set' || listType === 'map')) {
    if (items.nullable) errs.push({ type: 'FieldValueForbidden', field: `${c('items')}.nullable`, detail: `cannot be nullable when x-kubernetes-list-type is ${listType}` });
    if (listType === 'map') {
      const required = new Set(items.required ?? []);
      for (const k of mapKeys) {
        const ks = items.properties?.[k];
        if (!ks) continue;
        if (!required.has(k) && ks.default === undefined) {
          errs.push({ type: 'FieldValueRequired', field: `${key(`${c('items')}.properties`, k)}.default`, detail: 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property' });
        }
        if (ks.nullable) errs.push({ type: 'FieldValueForbidden', field: `${key(`${c('items')}.properties`, k)}.nullable`, detail: 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable' });
      }
    }
  }
  const xv = s['x-kubernetes-validations'] ?? [];
  xv.forEach((rule, i) => errs.push(...checkRuleFields(s, rule, `${c('x-kubernetes-validations')}[${i}]`)));
  if (xv.length) rules.push({ schema: s, path, uncorrelatable: ctx.uncorrelatable });
}

/** Upstream's ValidateStructural invariants of one node of the structural part. */
function checkStructure(s: JSONSchemaProps, level: Level, path: string, errs: FieldCause[]): void {
  const c = (name: string): string => `${path}.${name}`;
  const items = itemsSchema(s);
  if (s.type === 'array' && !items) errs.push({ type: 'FieldValueRequired', field: c('items'), detail: 'must be specified' });
  if (items) checkStructure(items, 'item', c('items'), errs);
  for (const [name, ps] of Object.entries(s.properties ?? {})) checkStructure(ps, 'field', key(c('properties'), name), errs);
  if (s.additionalProperties !== undefined) {
    if (level === 'root') errs.push({ type: 'FieldValueForbidden', field: c('additionalProperties'), detail: 'must not be used at the root' });
    const add = additionalSchema(s);
    if (add) checkStructure(add, 'field', c('additionalProperties'), errs);
  }
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (intOrString && preserve) {
    errs.push({ type: 'FieldValueInvalid', field: c('x-kubernetes-preserve-unknown-fields'), value: true, detail: 'must be false if x-kubernetes-int-or-string is true' });
  }
  if (intOrString && embedded) {
    errs.push({ type: 'FieldValueInvalid', field: c('x-kubernetes-embedded-resource'), value: true, detail: 'must be false if x-kubernetes-int-or-string is true' });
  }
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = !!s.allOf?.length && isIntOrStringAnyOf(s.allOf[0].anyOf);
  checkValueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, level, path, errs);

  const checkMetadata = level === 'root' || embedded;
  if (embedded && s.type !== 'object') {
    errs.push(s.type
      ? { type: 'FieldValueInvalid', field: c('type'), value: s.type, detail: 'must be object if x-kubernetes-embedded-resource is true' }
      : { type: 'FieldValueRequired', field: c('type'), detail: 'must be object if x-kubernetes-embedded-resource is true' });
  } else if (!s.type && !intOrString && !preserve) {
    const where = { root: 'at the root', item: 'for specified array items', field: 'for specified object fields' }[level];
    errs.push({ type: 'FieldValueRequired', field: c('type'), detail: `must not be empty ${where}` });
  }
  if (embedded && s.additionalProperties !== undefined) {
    errs.push({ type: 'FieldValueForbidden', field: c('additionalProperties'), detail: 'must not be used if x-kubernetes-embedded-resource is set' });
  }
  if (level === 'root' && s.type && s.type !== 'object') {
    errs.push({ type: 'FieldValueInvalid', field: c('type'), value: s.type, detail: 'must be object at the root' });
  }
  for (const meta of ['kind', 'apiVersion']) {
    const ms = s.properties?.[meta];
    if (ms && checkMetadata && ms.type !== 'string') {
      errs.push({ type: 'FieldValueInvalid', field: `${key(c('properties'), meta)}.type`, value: ms.type ?? '', detail: 'must be string' });
    }
  }
  const metadata = s.properties?.metadata;
  if (metadata) {
    const mpath = key(c('properties'), 'metadata');
    if (checkMetadata && metadata.type !== 'object') {
      errs.push({ type: 'FieldValueInvalid', field: `${mpath}.type`, value: metadata.type ?? '', detail: 'must be object' });
    }
    if (level === 'root' && !onlyNameRestrictions(metadata)) {
      errs.push({ type: 'FieldValueForbidden', field: mpath, detail: 'must not specify anything other than name and generateName, but metadata is implicitly specified' });
    }
  }
  if (embedded && !preserve && !Object.keys(s.properties ?? {}).length) {
    errs.push({ type: 'FieldValueRequired', field: c('properties'), detail: 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields' });
  }
}

/** The root's metadata schema may say only its type, a default, and the schemas of name and generateName. */
function onlyNameRestrictions(m: JSONSchemaProps): boolean {
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue;
    if (k === 'type' || k === 'default') continue;
    if (k === 'properties') {
      const names = Object.keys(v as object);
      if (names.every((n) => n === 'name' || n === 'generateName')) continue;
    }
    return false;
  }
  return true;
}

function isIntOrStringAnyOf(anyOf: JSONSchemaProps[] | undefined): boolean {
  if (anyOf?.length !== 2) return false;
  const only = (x: JSONSchemaProps, t: string): boolean => Object.keys(x).length === 1 && x.type === t;
  return only(anyOf[0], 'integer') && only(anyOf[1], 'string');
}

/** Upstream's validateValueValidation: the junctors of a node, and its pattern. */
function checkValueValidation(s: JSONSchemaProps, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, level: Level, path: string, errs: FieldCause[]): void {
  if (!skipAnyOf) (s.anyOf ?? []).forEach((x, i) => checkNested(x, false, level, `${path}.anyOf[${i}]`, errs));
  (s.allOf ?? []).forEach((x, i) => checkNested(x, skipFirstAllOfAnyOf && i === 0, level, `${path}.allOf[${i}]`, errs));
  (s.oneOf ?? []).forEach((x, i) => checkNested(x, false, level, `${path}.oneOf[${i}]`, errs));
  if (s.not) checkNested(s.not, false, level, `${path}.not`, errs);
  if (s.pattern) {
    try {
      new RegExp(s.pattern, 'u');
    } catch (err) {
      errs.push({ type: 'FieldValueInvalid', field: `${path}.pattern`, value: s.pattern, detail: `must be a valid regular expression, but isn't: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
}

/** Upstream's validateNestedValueValidation: what may not appear under allOf/anyOf/oneOf/not. */
function checkNested(v: JSONSchemaProps, skipAnyOf: boolean, level: Level, path: string, errs: FieldCause[]): void {
  const c = (name: string): string => `${path}.${name}`;
  checkValueValidation(v, skipAnyOf, false, level, path, errs);
  const items = itemsSchema(v);
  if (items) checkNested(items, false, level, c('items'), errs);
  for (const [name, ps] of Object.entries(v.properties ?? {})) checkNested(ps, false, 'field', key(c('properties'), name), errs);
  const forbid = (name: string, detail: string): void => {
    errs.push({ type: 'FieldValueForbidden', field: c(name), detail });
  };
  if (v.type) forbid('type', 'must be empty to be structural');
  if (v.additionalProperties !== undefined) forbid('additionalProperties', 'must be undefined to be structural');
  if (v.default !== undefined) forbid('default', 'must be undefined to be structural');
  if (v.title) forbid('title', 'must be empty to be structural');
  if (v.description) forbid('description', 'must be empty to be structural');
  if (v.nullable) forbid('nullable', 'must be false to be structural');
  if (v.externalDocs) forbid('externalDocs', 'must be undefined to be structural');
  if (v['x-kubernetes-preserve-unknown-fields']) forbid('x-kubernetes-preserve-unknown-fields', 'must be false to be structural');
  if (v['x-kubernetes-embedded-resource']) forbid('x-kubernetes-embedded-resource', 'must be false to be structural');
  if (v['x-kubernetes-int-or-string']) forbid('x-kubernetes-int-or-string', 'must be false to be structural');
  if (v['x-kubernetes-list-map-keys']?.length) forbid('x-kubernetes-list-map-keys', 'must be empty to be structural');
  if (v['x-kubernetes-list-type'] !== undefined) forbid('x-kubernetes-list-type', 'must be undefined to be structural');
  if (v['x-kubernetes-map-type'] !== undefined) forbid('x-kubernetes-map-type', 'must be undefined to be structural');
  if (v['x-kubernetes-validations']?.length) forbid('x-kubernetes-validations', 'must be empty to be structural');
  if (v.properties?.metadata) {
    errs.push({ type: 'FieldValueForbidden', field: key(c('properties'), 'metadata'), detail: 'must not be specified in a nested context' });
  }
}

/** Upstream's validateStructuralCompleteness: what value validations name must exist in the structure. */
function checkCompleteness(v: JSONSchemaProps, s: JSONSchemaProps | undefined, sPath: string, vPath: string, errs: FieldCause[], nested: boolean): void {
  if (!s) {
    errs.push({ type: 'FieldValueRequired', field: sPath, detail: `because it is defined in ${vPath}` });
    return;
  }
  if (v.not) checkCompleteness(v.not, s, sPath, `${vPath}.not`, errs, true);
  (v.allOf ?? []).forEach((x, i) => checkCompleteness(x, s, sPath, `${vPath}.allOf[${i}]`, errs, true));
  (v.anyOf ?? []).forEach((x, i) => checkCompleteness(x, s, sPath, `${vPath}.anyOf[${i}]`, errs, true));
  (v.oneOf ?? []).forEach((x, i) => checkCompleteness(x, s, sPath, `${vPath}.oneOf[${i}]`, errs, true));
  if (!nested) return;
  const vItems = itemsSchema(v);
  if (vItems) checkCompleteness(vItems, itemsSchema(s), `${sPath}.items`, `${vPath}.items`, errs, true);
  for (const [k, vf] of Object.entries(v.properties ?? {})) {
    const sf = s.properties?.[k];
    if (!sf) errs.push({ type: 'FieldValueRequired', field: key(`${sPath}.properties`, k), detail: `because it is defined in ${key(`${vPath}.properties`, k)}` });
    else checkCompleteness(vf, sf, key(`${sPath}.properties`, k), key(`${vPath}.properties`, k), errs, true);
  }
}

/** Upstream's ValidateDefaults: each default validates against its schema and has nothing to prune. */
function checkDefaults(s: JSONSchemaProps, path: string, errs: FieldCause[], insideMeta: boolean): void {
  if (s.default !== undefined && !insideMeta) {
    const pruned = structuredClone(s.default);
    pruneValue(s, pruned);
    if (JSON.stringify(pruned) !== JSON.stringify(s.default)) {
      errs.push({ type: 'FieldValueInvalid', field: `${path}.default`, value: s.default, detail: 'must not have unknown fields' });
    }
    errs.push(...validateCustomObject(s, s.default, `${path}.default`));
  }
  const items = itemsSchema(s);
  if (items) checkDefaults(items, `${path}.items`, errs, insideMeta);
  for (const [k, ps] of Object.entries(s.properties ?? {})) {
    const meta = s['x-kubernetes-embedded-resource'] && metaFields.has(k);
    checkDefaults(ps, key(`${path}.properties`, k), errs, insideMeta || !!meta);
  }
}

/** Options of {@link checkStructuralSchema}. */
export interface StructuralCheckOptions {
  /** The compiled rules of this schema, when the caller keeps them; by default they are compiled here. */
  celRules?: CelRules;
}

/**
 * Checks a CustomResourceDefinition version's `openAPIV3Schema` as upstream does when the CRD is
 * written: the keywords it allows, the structural-schema rules (every node has a type except
 * under int-or-string/preserve-unknown-fields, no additionalProperties at the root or with
 * properties, metadata only restricting name and generateName, nothing structural nested under
 * allOf/anyOf/oneOf/not), list and map types, defaults that validate and are pruned, and the
 * `x-kubernetes-validations` rules (which must compile: `compilation failed: ...`). `path` is the
 * schema's field path, e.g. `spec.versions[0].schema.openAPIV3Schema`; causes are worded as
 * upstream's (`...properties[spec].type: Required value: must not be empty for specified object fields`).
 */
export function checkStructuralSchema(schema: JSONSchemaProps, path: string, options: StructuralCheckOptions = {}): FieldCause[] {
  const specErrs: FieldCause[] = [];
  const ruleNodes: RuleNode[] = [];
  checkSpec(schema, path, { isRoot: true, insideResourceMeta: false }, specErrs, ruleNodes);

  const structural: FieldCause[] = [];
  checkStructure(schema, 'root', path, structural);
  checkCompleteness(schema, schema, path, path, structural, false);
  structural.sort((a, b) => causeString(a).localeCompare(causeString(b)));

  const errs = [...specErrs, ...structural];
  if (errs.length) return errs;

  const celRules = options.celRules ?? new CelRules(schema);
  for (const node of ruleNodes) {
    celRules.rulesOf(node.schema).forEach((c, i) => {
      const rpath = `${node.path}.x-kubernetes-validations[${i}]`;
      if (c.error) errs.push({ type: 'FieldValueInvalid', field: `${rpath}.rule`, value: c.rule, detail: c.error });
      if (c.messageError) errs.push({ type: 'FieldValueInvalid', field: `${rpath}.messageExpression`, value: c.rule, detail: c.messageError });
      if (c.usesOldSelf && node.uncorrelatable !== undefined) {
        errs.push({ type: 'FieldValueInvalid', field: `${rpath}.rule`, value: c.rule.rule, detail: `oldSelf cannot be used on the uncorrelatable portion of the schema within ${node.uncorrelatable}` });
      } else if (!c.usesOldSelf && c.program && c.rule.optionalOldSelf !== undefined) {
        errs.push({ type: 'FieldValueInvalid', field: `${rpath}.optionalOldSelf`, value: c.rule.optionalOldSelf, detail: 'may not be set if oldSelf is not used in rule' });
      }
    });
  }
  if (errs.length) return errs;

  checkDefaults(schema, path, errs, false);
  return errs;
}

function causeString(e: FieldCause): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}
