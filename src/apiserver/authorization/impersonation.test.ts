import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusError } from '../../apimachinery/errors.js';
import type { Authorizer, UserInfo } from '../auth.js';
import type { RequestInfo } from '../request-info.js';
import { Impersonation, impersonationRequestInfo, parseImpersonationHeaders, splitServiceAccountUsername } from './impersonation.js';

const raw = (...pairs: [string, string][]) => pairs.flat();

test('headers become impersonation requests in upstream\'s order; repeated groups stay apart', () => {
  assert.deepEqual(parseImpersonationHeaders(raw(['Accept', 'application/json'])), []);
  assert.deepEqual(
    parseImpersonationHeaders(
      raw(['Impersonate-Group', 'devs'], ['Impersonate-Uid', 'u-1'], ['Impersonate-User', 'jane'], ['Impersonate-Group', 'a,b'], ['Impersonate-Extra-Scopes', 'view'], ['impersonate-extra-scopes', 'edit'], ['Impersonate-Extra-Example.com%2fteam', 'x']),
    ),
    [
      { kind: 'User', name: 'jane' },
      { kind: 'Group', name: 'devs' },
      { kind: 'Group', name: 'a,b' },
      { kind: 'UserExtra', name: 'view', extraKey: 'scopes' },
      { kind: 'UserExtra', name: 'edit', extraKey: 'scopes' },
      { kind: 'UserExtra', name: 'x', extraKey: 'example.com/team' },
      { kind: 'UID', name: 'u-1' },
    ],
  );
});

test('a service account user name is impersonated as the service account', () => {
  assert.deepEqual(parseImpersonationHeaders(raw(['Impersonate-User', 'system:serviceaccount:ns:sa'])), [{ kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }]);
  assert.deepEqual(splitServiceAccountUsername('system:serviceaccount:kube-system:default'), { namespace: 'kube-system', name: 'default' });
  for (const name of ['system:serviceaccount:ns', 'system:serviceaccount:ns:sa:x', 'system:serviceaccount:NS:sa', 'system:serviceaccount::sa', 'jane']) {
    assert.equal(splitServiceAccountUsername(name), undefined, name);
  }
});

test('groups, extras or a UID without a user are a 500, as upstream', () => {
  assert.throws(
    () => parseImpersonationHeaders(raw(['Impersonate-Group', 'devs'])),
    (err: unknown) => err instanceof StatusError && err.code === 500 && err.message === 'Internal error occurred: requested [{Group  devs    }] without impersonating a user',
  );
  assert.throws(() => parseImpersonationHeaders(raw(['Impersonate-Uid', 'u'])), (err: unknown) => err instanceof StatusError && err.code === 500);
});

test('each request is an impersonate question on users, groups, serviceaccounts, uids or userextras', () => {
  const info = (r: Parameters<typeof impersonationRequestInfo>[0]) => {
    const i = impersonationRequestInfo(r);
    return [i.verb, i.apiGroup, i.resource, i.subresource, i.namespace, i.name];
  };
  assert.deepEqual(info({ kind: 'User', name: 'jane' }), ['impersonate', '', 'users', '', '', 'jane']);
  assert.deepEqual(info({ kind: 'Group', name: 'devs' }), ['impersonate', '', 'groups', '', '', 'devs']);
  assert.deepEqual(info({ kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }), ['impersonate', '', 'serviceaccounts', '', 'ns', 'sa']);
  assert.deepEqual(info({ kind: 'UID', name: 'u' }), ['impersonate', 'authentication.k8s.io', 'uids', '', '', 'u']);
  assert.deepEqual(info({ kind: 'UserExtra', name: 'v', extraKey: 'scopes' }), ['impersonate', 'authentication.k8s.io', 'userextras', 'scopes', '', 'v']);
});

/** An authorizer that records the questions and refuses what `refuse` says. */
function recording(refuse: (info: RequestInfo) => boolean = () => false): Authorizer & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    authorize(user: UserInfo, info: RequestInfo) {
      asked.push(`${user.user} ${info.verb} ${info.resource}/${info.name}`);
      return refuse(info) ? { allowed: false, reason: 'not you' } : { allowed: true };
    },
  };
}

const forbidden = (user: UserInfo, info: RequestInfo, reason?: string) => new StatusError(403, 'Forbidden', `${info.resource} "${info.name}" is forbidden: User "${user.user}" cannot ${info.verb}: ${reason}`);
const admin: UserInfo = { user: 'admin', groups: ['system:masters', 'system:authenticated'] };

test('without headers the caller acts as itself and nothing is asked', () => {
  const authorizer = recording();
  assert.equal(new Impersonation({ authorizer, forbidden }).actAs(admin, raw(['Accept', '*/*'])), admin);
  assert.deepEqual(authorizer.asked, []);
});

test('an impersonated user gets the groups asked for plus system:authenticated, its extras and UID', () => {
  const authorizer = recording();
  const user = new Impersonation({ authorizer, forbidden }).actAs(admin, raw(['Impersonate-User', 'jane'], ['Impersonate-Group', 'devs'], ['Impersonate-Extra-Scopes', 'view'], ['Impersonate-Uid', 'j-1']));
  assert.deepEqual(user, { user: 'jane', groups: ['devs', 'system:authenticated'], uid: 'j-1', extra: { scopes: ['view'] } });
  assert.deepEqual(authorizer.asked, ['admin impersonate users/jane', 'admin impersonate groups/devs', 'admin impersonate userextras/view', 'admin impersonate uids/j-1']);
});

test('a service account gets its groups unless groups are asked for; system:unauthenticated is kept, anonymous gets it', () => {
  const impersonation = new Impersonation({ authorizer: recording(), forbidden });
  assert.deepEqual(impersonation.actAs(admin, raw(['Impersonate-User', 'system:serviceaccount:ns:sa'])).groups, ['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated']);
  assert.deepEqual(impersonation.actAs(admin, raw(['Impersonate-User', 'system:serviceaccount:ns:sa'], ['Impersonate-Group', 'g'])).groups, ['g', 'system:authenticated']);
  assert.deepEqual(impersonation.actAs(admin, raw(['Impersonate-User', 'jane'], ['Impersonate-Group', 'system:unauthenticated'])).groups, ['system:unauthenticated']);
  assert.deepEqual(impersonation.actAs(admin, raw(['Impersonate-User', 'system:anonymous'])).groups, ['system:unauthenticated']);
});

test('a caller without the impersonate verb on one part gets the server\'s 403 for that question', () => {
  const authorizer = recording((info) => info.resource === 'groups');
  const impersonation = new Impersonation({ authorizer, forbidden });
  assert.throws(
    () => impersonation.actAs(admin, raw(['Impersonate-User', 'jane'], ['Impersonate-Group', 'admins'])),
    (err: unknown) => err instanceof StatusError && err.code === 403 && err.message === 'groups "admins" is forbidden: User "admin" cannot impersonate: not you',
  );
});
