/**
 * Impersonation, as upstream's WithImpersonation filter: a caller who holds the `impersonate`
 * verb on users, groups, serviceaccounts, uids and userextras may act as another user by sending
 * `Impersonate-User`, `Impersonate-Group` (repeated), `Impersonate-Uid` and
 * `Impersonate-Extra-<key>` headers (what `kubectl --as` and `--as-group` send).
 */
import { internalError, type StatusError } from '../../apimachinery/errors.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../../apimachinery/names.js';
import type { Authorizer, UserInfo } from '../auth.js';
import type { RequestInfo } from '../request-info.js';

/** One thing a request asks to impersonate, as upstream's ObjectReference of the filter. */
export interface ImpersonationRequest {
  kind: 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';
  /** The user, group, service account, extra value or UID. */
  name: string;
  /** The service account's namespace. */
  namespace?: string;
  /** The extra's key (lower case, percent-decoded). */
  extraKey?: string;
}

const userHeader = 'impersonate-user';
const groupHeader = 'impersonate-group';
const uidHeader = 'impersonate-uid';
const extraPrefix = 'impersonate-extra-';

const serviceAccountPrefix = 'system:serviceaccount:';
const anonymousUser = 'system:anonymous';
const authenticatedGroup = 'system:authenticated';
const unauthenticatedGroup = 'system:unauthenticated';

/**
 * The namespace and name of a service account's user name (`system:serviceaccount:ns:name`),
 * as upstream's serviceaccount.SplitUsername: a DNS label and a DNS subdomain; undefined otherwise.
 */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(serviceAccountPrefix)) return undefined;
  const parts = username.slice(serviceAccountPrefix.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace, name] = parts;
  if (isDNS1123Label(namespace).length || isDNS1123Subdomain(name).length) return undefined;
  return { namespace, name };
}

/** Go's `%v` of an ObjectReference, as upstream's error about groups without a user prints it. */
function goReference(r: ImpersonationRequest): string {
  const apiVersion = r.kind === 'UserExtra' || r.kind === 'UID' ? 'authentication.k8s.io/v1' : '';
  return `{${[r.kind, r.namespace ?? '', r.name, '', apiVersion, '', r.extraKey ?? ''].join(' ')}}`;
}

/** Go's url.PathUnescape, or the key as it is when it does not decode (as upstream). */
function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    // Upstream keeps a key that does not unescape as it is.
    return key;
  }
}

/**
 * The impersonation a request asks for, from its raw headers (`[name, value, name, value...]`,
 * so that repeated headers stay apart), in upstream's order: user, groups, extras, UID. Groups,
 * extras or a UID without a user are an error (upstream answers 500 with this message).
 */
export function parseImpersonationHeaders(rawHeaders: readonly string[]): ImpersonationRequest[] {
  const requests: ImpersonationRequest[] = [];
  let user = '';
  let uid = '';
  const groups: string[] = [];
  const extras = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    if (name === userHeader) user ||= value;
    else if (name === uidHeader) uid ||= value;
    else if (name === groupHeader) groups.push(value);
    else if (name.startsWith(extraPrefix)) {
      const key = unescapeExtraKey(name.slice(extraPrefix.length));
      extras.set(key, [...(extras.get(key) ?? []), value]);
    }
  }
  if (user) {
    const sa = splitServiceAccountUsername(user);
    requests.push(sa ? { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name } : { kind: 'User', name: user });
  }
  for (const group of groups) requests.push({ kind: 'Group', name: group });
  for (const [key, values] of extras) for (const value of values) requests.push({ kind: 'UserExtra', name: value, extraKey: key });
  if (uid) requests.push({ kind: 'UID', name: uid });
  if (!user && requests.length > 0) {
    throw internalError(`requested [${requests.map(goReference).join(' ')}] without impersonating a user`);
  }
  return requests;
}

/** The authorization question of one impersonation: may the caller `impersonate` this? */
export function impersonationRequestInfo(r: ImpersonationRequest): RequestInfo {
  const resource = { User: 'users', ServiceAccount: 'serviceaccounts', Group: 'groups', UserExtra: 'userextras', UID: 'uids' }[r.kind];
  const authentication = r.kind === 'UserExtra' || r.kind === 'UID';
  return {
    isResourceRequest: true,
    verb: 'impersonate',
    apiGroup: authentication ? 'authentication.k8s.io' : '',
    apiVersion: authentication ? 'v1' : '',
    namespace: r.namespace ?? '',
    resource,
    subresource: r.extraKey ?? '',
    name: r.name,
    parts: [],
  };
}

/** Options of {@link Impersonation}. */
export interface ImpersonationOptions {
  /** Decides whether the caller may impersonate each thing it asks for. */
  authorizer: Authorizer;
  /** The 403 for a refused impersonation: the server's own forbidden Status for that question. */
  forbidden: (user: UserInfo, info: RequestInfo, reason?: string) => StatusError;
}

/** Turns a caller and its impersonation headers into the user a request acts as. */
export class Impersonation {
  constructor(private readonly options: ImpersonationOptions) {}

  /**
   * The user the request acts as: the caller itself without impersonation headers, else the
   * impersonated user once the caller may impersonate every part of it (403 otherwise). A
   * service account gets its groups unless groups were asked for; every impersonated user but
   * `system:anonymous` is in `system:authenticated` unless `system:unauthenticated` was asked for.
   */
  actAs(caller: UserInfo, rawHeaders: readonly string[]): UserInfo {
    const requests = parseImpersonationHeaders(rawHeaders);
    if (requests.length === 0) return caller;
    const groupsAsked = requests.some((r) => r.kind === 'Group');
    let user = '';
    let uid = '';
    let groups: string[] = [];
    const extra: Record<string, string[]> = {};
    for (const r of requests) {
      switch (r.kind) {
        case 'ServiceAccount':
          user = `${serviceAccountPrefix}${r.namespace}:${r.name}`;
          if (!groupsAsked) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
          break;
        case 'User':
          user = r.name;
          break;
        case 'Group':
          groups.push(r.name);
          break;
        case 'UserExtra':
          (extra[r.extraKey ?? ''] ??= []).push(r.name);
          break;
        case 'UID':
          uid = r.name;
          break;
      }
      const info = impersonationRequestInfo(r);
      const decision = this.options.authorizer.authorize(caller, info);
      if (!decision.allowed) throw this.options.forbidden(caller, info, decision.reason);
    }
    if (user !== anonymousUser) {
      if (!groups.includes(authenticatedGroup) && !groups.includes(unauthenticatedGroup)) groups.push(authenticatedGroup);
    } else if (!groups.includes(unauthenticatedGroup)) {
      groups.push(unauthenticatedGroup);
    }
    return { user, groups, ...(uid ? { uid } : {}), extra };
  }
}
