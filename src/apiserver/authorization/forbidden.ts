/** Upstream's 403 for a request the authorizers refused (responsewriters.Forbidden). */
import { StatusError } from '../../apimachinery/errors.js';
import type { UserInfo } from '../auth.js';
import type { RequestAttributes } from './rules.js';

/** `User "bob" cannot list resource "secrets" in API group "" in the namespace "ns"` and its cluster and path variants. */
export function forbiddenMessage(user: UserInfo, a: RequestAttributes): string {
  if (!a.isResourceRequest) return `User ${JSON.stringify(user.user)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const what = `User ${JSON.stringify(user.user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)}`;
  return a.namespace ? `${what} in the namespace ${JSON.stringify(a.namespace)}` : `${what} at the cluster scope`;
}

/**
 * The 403 Status: `<resource>[.<group>] ["name"] is forbidden: <message>[: reason]`, details
 * {group, kind: resource, name}; `forbidden: <message>` for non-resource paths.
 */
export function forbiddenError(user: UserInfo, a: RequestAttributes, reason?: string): StatusError {
  const message = forbiddenMessage(user, a) + (reason ? `: ${reason}` : '');
  if (!a.isResourceRequest || !a.resource) return new StatusError(403, 'Forbidden', `forbidden: ${message}`, {});
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const subject = a.name ? `${qualified} ${JSON.stringify(a.name)}` : qualified;
  return new StatusError(403, 'Forbidden', `${subject} is forbidden: ${message}`, {
    ...(a.name ? { name: a.name } : {}),
    ...(a.apiGroup ? { group: a.apiGroup } : {}),
    kind: a.resource,
  });
}
