/** Printers of rbac.authorization.k8s.io types, as upstream's printers.go and default table convertor. */
import type { ClusterRoleBinding, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { ageColumn, column, creationTimestampDescription, metaOf, nameColumn } from './columns.js';
import { timestampSince } from './duration.js';
import type { TypePrinter } from './types.js';

/** Roles have no printer upstream: the default convertor's NAME and CREATED AT (RFC 3339, UTC). */
const rolePrinter: TypePrinter = {
  columns: [nameColumn(), column('Created At', creationTimestampDescription, { type: 'date' })],
  print(obj) {
    const meta = metaOf(obj as RoleBinding);
    const created = meta.creationTimestamp ? new Date(meta.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
    return { cells: [meta.name ?? '', created] };
  },
};

/** Users, groups and service accounts (`namespace/name`) of a binding, as upstream's SubjectsStrings. */
function subjectStrings(subjects: readonly Subject[]): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of subjects) {
    if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
    else if (s.kind === 'ServiceAccount') serviceAccounts.push(s.namespace ? `${s.namespace}/${s.name}` : s.name);
  }
  return [users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
}

const roleRefDescription = 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.';

function bindingPrinter(what: string): TypePrinter {
  return {
    columns: [
      nameColumn(),
      column('Role', roleRefDescription),
      ageColumn(),
      column('Users', `Users in the ${what}`, { priority: 1 }),
      column('Groups', `Groups in the ${what}`, { priority: 1 }),
      column('ServiceAccounts', `ServiceAccounts in the ${what}`, { priority: 1 }),
    ],
    print(obj, now) {
      const binding = obj as RoleBinding | ClusterRoleBinding;
      const meta = metaOf(binding);
      const role = `${binding.roleRef?.kind ?? ''}/${binding.roleRef?.name ?? ''}`;
      return { cells: [meta.name ?? '', role, timestampSince(meta.creationTimestamp, now), ...subjectStrings(binding.subjects ?? [])] };
    },
  };
}

/** Printers of RBAC types, by `group/Kind`. */
export const rbacPrinters: Readonly<Record<string, TypePrinter>> = {
  'rbac.authorization.k8s.io/Role': rolePrinter,
  'rbac.authorization.k8s.io/ClusterRole': rolePrinter,
  'rbac.authorization.k8s.io/RoleBinding': bindingPrinter('roleBinding'),
  'rbac.authorization.k8s.io/ClusterRoleBinding': bindingPrinter('clusterRoleBinding'),
};
