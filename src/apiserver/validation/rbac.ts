/** Upstream's validation of rbac.authorization.k8s.io/v1 (pkg/apis/rbac/validation). */
import type { FieldError } from '../../apimachinery/errors.js';
import { nameIsDNSSubdomain, nameIsPathSegment } from '../../apimachinery/names.js';
import { asObject, objectsIn, type JsonObject } from '../defaults/util.js';
import { at, child, invalid, notSupported, required, str } from './field.js';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { jsonEqual } from '../../apimachinery/json.js';

const rbacGroup = 'rbac.authorization.k8s.io';

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(str) : [];
}

/** Upstream's ValidatePolicyRule: verbs required; URLs only cluster-wide and alone; resource rules name groups and resources. */
function validatePolicyRule(rule: JsonObject, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (strings(rule.verbs).length === 0) errs.push(required(child(field, 'verbs'), 'verbs must contain at least one value'));
  const urls = strings(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(invalid(child(field, 'nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (strings(rule.apiGroups).length > 0 || strings(rule.resources).length > 0 || strings(rule.resourceNames).length > 0) {
      errs.push(invalid(child(field, 'nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (strings(rule.apiGroups).length === 0) errs.push(required(child(field, 'apiGroups'), 'resource rules must supply at least one api group'));
  if (strings(rule.resources).length === 0) errs.push(required(child(field, 'resources'), 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(obj: JsonObject, namespaced: boolean): FieldError[] {
  return objectsIn(obj.rules).flatMap((rule, i) => validatePolicyRule(rule, namespaced, at('rules', i)));
}

/** Upstream's ValidateRoleBindingSubject. */
function validateSubject(subject: JsonObject, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(subject.name);
  const apiGroup = str(subject.apiGroup);
  if (!name) errs.push(required(child(field, 'name')));
  switch (str(subject.kind)) {
    case 'ServiceAccount':
      if (name) errs.push(...nameIsDNSSubdomain(name, false).map((m) => invalid(child(field, 'name'), name, m)));
      if (apiGroup) errs.push(notSupported(child(field, 'apiGroup'), apiGroup, ['']));
      if (!namespaced && !str(subject.namespace)) errs.push(required(child(field, 'namespace')));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== rbacGroup) errs.push(notSupported(child(field, 'apiGroup'), apiGroup, [rbacGroup]));
      break;
    default:
      errs.push(notSupported(child(field, 'kind'), str(subject.kind), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** Upstream's ValidateRoleBinding / ValidateClusterRoleBinding (roleRef and subjects). */
function validateBinding(obj: JsonObject, namespaced: boolean): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced, nameValidator: nameIsPathSegment });
  const roleRef = asObject(obj.roleRef) ?? {};
  const apiGroup = str(roleRef.apiGroup);
  if (apiGroup !== rbacGroup) errs.push(notSupported('roleRef.apiGroup', apiGroup, [rbacGroup]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(roleRef.kind))) errs.push(notSupported('roleRef.kind', str(roleRef.kind), kinds));
  const name = str(roleRef.name);
  if (!name) errs.push(required('roleRef.name'));
  else errs.push(...nameIsPathSegment(name, false).map((m) => invalid('roleRef.name', name, m)));
  objectsIn(obj.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, at('subjects', i))));
  return errs;
}

/** Upstream's ValidateClusterRole: rules, and an aggregationRule with at least one valid selector. */
function validateClusterRole(obj: JsonObject): FieldError[] {
  const errs = [...validateObjectMeta(obj.metadata, { namespaced: false, nameValidator: nameIsPathSegment }), ...validateRules(obj, false)];
  const aggregation = asObject(obj.aggregationRule);
  if (aggregation) {
    const selectors = Array.isArray(aggregation.clusterRoleSelectors) ? aggregation.clusterRoleSelectors : [];
    if (selectors.length === 0) {
      errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    }
    selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, at('aggregationRule.clusterRoleSelectors', i))));
  }
  return errs;
}

/** Validates a new Role, ClusterRole, RoleBinding or ClusterRoleBinding. */
export function validateRbacCreate(kind: string, obj: JsonObject): FieldError[] {
  switch (kind) {
    case 'Role':
      return [...validateObjectMeta(obj.metadata, { namespaced: true, nameValidator: nameIsPathSegment }), ...validateRules(obj, true)];
    case 'ClusterRole':
      return validateClusterRole(obj);
    case 'RoleBinding':
      return validateBinding(obj, true);
    case 'ClusterRoleBinding':
      return validateBinding(obj, false);
    default:
      return [];
  }
}

/** Validates an update: metadata rules, the new object, and a binding's roleRef unchanged (`cannot change roleRef`). */
export function validateRbacUpdate(kind: string, obj: JsonObject, old: JsonObject): FieldError[] {
  const errs = [
    ...validateRbacCreate(kind, obj).filter((e) => !e.field.startsWith('metadata')),
    ...validateObjectMetaUpdate(obj.metadata, old.metadata),
  ];
  if ((kind === 'RoleBinding' || kind === 'ClusterRoleBinding') && !jsonEqual(obj.roleRef, old.roleRef)) {
    errs.push(invalid('roleRef', obj.roleRef, 'cannot change roleRef'));
  }
  return errs;
}
