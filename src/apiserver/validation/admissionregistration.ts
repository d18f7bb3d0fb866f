/**
 * Upstream's validation of admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and
 * ValidatingAdmissionPolicyBinding (pkg/apis/admissionregistration/validation), with each CEL
 * expression compiled as the policy plugin will compile it.
 */
import type { ValidatingAdmissionPolicySpec } from 'kubernetes-types/admissionregistration/v1.js';
import type { FieldError } from '../../apimachinery/errors.js';
import { nameIsDNSSubdomain } from '../../apimachinery/names.js';
import { asObject, objectsIn, type JsonObject } from '../defaults/util.js';
import { PolicyProgram } from '../admission/policy/policy-program.js';
import { at, child, forbidden, invalid, notSupported, required, str } from './field.js';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(str) : [];
}

const operations = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];

function validateRule(rule: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const ops = strings(rule.operations);
  if (!ops.length) errs.push(required(child(field, 'operations')));
  ops.forEach((op, i) => {
    if (!operations.includes(op)) errs.push(notSupported(at(child(field, 'operations'), i), op, operations));
  });
  if (ops.length > 1 && ops.includes('*')) errs.push(invalid(child(field, 'operations'), ops, "if '*' is present, must not specify other operations"));
  if (!strings(rule.apiGroups).length) errs.push(required(child(field, 'apiGroups')));
  if (!strings(rule.apiVersions).length) errs.push(required(child(field, 'apiVersions')));
  if (!strings(rule.resources).length) errs.push(required(child(field, 'resources')));
  if (rule.scope !== undefined && !['*', 'Cluster', 'Namespaced'].includes(str(rule.scope))) {
    errs.push(notSupported(child(field, 'scope'), rule.scope, ['*', 'Cluster', 'Namespaced']));
  }
  return errs;
}

function validateMatchResources(match: JsonObject | undefined, field: string, requireRules: boolean): FieldError[] {
  if (!match) return requireRules ? [required(field)] : [];
  const errs: FieldError[] = [];
  if (requireRules && !objectsIn(match.resourceRules).length) errs.push(required(child(field, 'resourceRules')));
  objectsIn(match.resourceRules).forEach((r, i) => errs.push(...validateRule(r, at(child(field, 'resourceRules'), i))));
  objectsIn(match.excludeResourceRules).forEach((r, i) => errs.push(...validateRule(r, at(child(field, 'excludeResourceRules'), i))));
  if (match.matchPolicy !== undefined && !['Equivalent', 'Exact'].includes(str(match.matchPolicy))) {
    errs.push(notSupported(child(field, 'matchPolicy'), match.matchPolicy, ['Equivalent', 'Exact']));
  }
  errs.push(...validateLabelSelector(match.namespaceSelector, child(field, 'namespaceSelector')));
  errs.push(...validateLabelSelector(match.objectSelector, child(field, 'objectSelector')));
  return errs;
}

const reasons = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized'];

/** Upstream's ValidateValidatingAdmissionPolicy. */
export function validateValidatingAdmissionPolicy(obj: JsonObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain });
  const spec = asObject(obj.spec) ?? {};
  if (spec.failurePolicy !== undefined && !['Fail', 'Ignore'].includes(str(spec.failurePolicy))) {
    errs.push(notSupported('spec.failurePolicy', spec.failurePolicy, ['Fail', 'Ignore']));
  }
  const paramKind = asObject(spec.paramKind);
  if (paramKind) {
    if (!str(paramKind.apiVersion)) errs.push(required('spec.paramKind.apiVersion'));
    if (!str(paramKind.kind)) errs.push(required('spec.paramKind.kind'));
  }
  errs.push(...validateMatchResources(asObject(spec.matchConstraints), 'spec.matchConstraints', true));
  const validations = objectsIn(spec.validations);
  if (!validations.length && !objectsIn(spec.auditAnnotations).length) {
    errs.push(required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
  }
  validations.forEach((v, i) => {
    const field = at('spec.validations', i);
    if (!str(v.expression).trim()) errs.push(required(child(field, 'expression'), 'expression is not specified'));
    if (v.message !== undefined && /[\n\r]/.test(str(v.message))) errs.push(invalid(child(field, 'message'), v.message, 'message must not contain line breaks'));
    if (v.reason !== undefined && !reasons.includes(str(v.reason))) errs.push(notSupported(child(field, 'reason'), v.reason, reasons));
  });
  const names = new Set<string>();
  objectsIn(spec.matchConditions).forEach((c, i) => {
    const field = at('spec.matchConditions', i);
    const name = str(c.name);
    if (!name) errs.push(required(child(field, 'name')));
    else if (names.has(name)) errs.push({ type: 'FieldValueDuplicate', field: child(field, 'name'), value: name });
    names.add(name);
    if (!str(c.expression).trim()) errs.push(required(child(field, 'expression')));
  });
  objectsIn(spec.variables).forEach((v, i) => {
    const field = at('spec.variables', i);
    if (!str(v.name)) errs.push(required(child(field, 'name')));
    else if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(str(v.name))) errs.push(invalid(child(field, 'name'), v.name, 'name is not a valid CEL identifier'));
    if (!str(v.expression).trim()) errs.push(required(child(field, 'expression')));
  });
  if (!errs.length) {
    const program = new PolicyProgram(spec as ValidatingAdmissionPolicySpec);
    for (const e of program.errors) errs.push(invalid(e.field, e.expression, e.detail));
  }
  return errs;
}

const actions = ['Audit', 'Deny', 'Warn'];

/** Upstream's ValidateValidatingAdmissionPolicyBinding. */
export function validateValidatingAdmissionPolicyBinding(obj: JsonObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain });
  const spec = asObject(obj.spec) ?? {};
  if (!str(spec.policyName)) errs.push(required('spec.policyName'));
  const acts = strings(spec.validationActions);
  if (!acts.length) errs.push(required('spec.validationActions', 'at least one validation action is required'));
  const seen = new Set<string>();
  acts.forEach((a, i) => {
    if (!actions.includes(a)) errs.push(notSupported(at('spec.validationActions', i), a, actions));
    else if (seen.has(a)) errs.push({ type: 'FieldValueDuplicate', field: at('spec.validationActions', i), value: a });
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.push(forbidden('spec.validationActions', 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
  }
  const ref = asObject(spec.paramRef);
  if (ref) {
    if (ref.name !== undefined && ref.selector !== undefined) errs.push(forbidden('spec.paramRef.name', 'name and selector are mutually exclusive'));
    if (ref.name === undefined && ref.selector === undefined) errs.push(required('spec.paramRef', 'one of name or selector must be specified'));
    if (ref.parameterNotFoundAction === undefined) errs.push(required('spec.paramRef.parameterNotFoundAction'));
    else if (!['Allow', 'Deny'].includes(str(ref.parameterNotFoundAction))) errs.push(notSupported('spec.paramRef.parameterNotFoundAction', ref.parameterNotFoundAction, ['Allow', 'Deny']));
    errs.push(...validateLabelSelector(ref.selector, 'spec.paramRef.selector'));
  }
  errs.push(...validateMatchResources(asObject(spec.matchResources), 'spec.matchResources', false));
  return errs;
}

/** Validates a create of either kind. */
export function validateAdmissionRegistrationCreate(kind: string, obj: JsonObject): FieldError[] {
  if (kind === 'ValidatingAdmissionPolicy') return validateValidatingAdmissionPolicy(obj);
  if (kind === 'ValidatingAdmissionPolicyBinding') return validateValidatingAdmissionPolicyBinding(obj);
  return [];
}

/** Validates an update of either kind (metadata identity, then the new object). */
export function validateAdmissionRegistrationUpdate(kind: string, obj: JsonObject, old: JsonObject): FieldError[] {
  return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateAdmissionRegistrationCreate(kind, obj).filter((e) => !e.field.startsWith('metadata'))];
}
