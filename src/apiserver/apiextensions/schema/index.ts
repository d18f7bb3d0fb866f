/**
 * The schema half of CustomResourceDefinitions: structural-schema checks of a CRD's
 * openAPIV3Schema, validation, defaulting and pruning of custom objects, and CEL
 * `x-kubernetes-validations` rules, all as upstream's apiextensions-apiserver words them.
 */
export { checkStructuralSchema } from './structural.js';
export type { StructuralCheckOptions } from './structural.js';
export { validateCustomObject } from './validate.js';
export { applySchemaDefaults } from './defaults.js';
export { pruneUnknownFields } from './prune.js';
export { CelRules, celPropertyName } from './cel-rules.js';
export type { CelRulesOptions, CompiledRule } from './cel-rules.js';
export type { FieldCause, JSONSchemaProps, ValidationRule } from './types.js';
