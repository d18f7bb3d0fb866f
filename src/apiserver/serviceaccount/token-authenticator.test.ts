import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { Pod, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../apimachinery/clock.js';
import { ServiceAccountTokenIssuer } from './token-issuer.js';
import { ServiceAccountTokenAuthenticator, type ServiceAccountObjects } from './token-authenticator.js';

const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

function fixture() {
  const clock = new FakeClock();
  const issuer = new ServiceAccountTokenIssuer({ ...keys, clock });
  const serviceAccounts = new Map<string, ServiceAccount>([['ns/sa', { metadata: { name: 'sa', namespace: 'ns', uid: 'sa-uid' } }]]);
  const pods = new Map<string, Pod>([['ns/p', { metadata: { name: 'p', namespace: 'ns', uid: 'p-uid' } }]]);
  const secrets = new Map<string, Secret>();
  const objects: ServiceAccountObjects = {
    serviceAccount: (ns, name) => serviceAccounts.get(`${ns}/${name}`),
    pod: (ns, name) => pods.get(`${ns}/${name}`),
    secret: (ns, name) => secrets.get(`${ns}/${name}`),
  };
  const authenticator = new ServiceAccountTokenAuthenticator({ issuer, objects, clock });
  return { clock, issuer, serviceAccounts, pods, secrets, authenticator };
}

test('a token authenticates as its service account', () => {
  const { issuer, authenticator } = fixture();
  const { token } = issuer.issue({ namespace: 'ns', serviceAccount: { name: 'sa', uid: 'sa-uid' }, audiences: [...issuer.apiAudiences], expirationSeconds: 3600 });
  assert.ok(authenticator.handles(token));
  const user = authenticator.authenticateToken(token);
  assert.equal(user?.user, 'system:serviceaccount:ns:sa');
  assert.equal(user?.uid, 'sa-uid');
  assert.deepEqual(user?.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns']);
  assert.deepEqual(Object.keys(user?.extra ?? {}), ['authentication.kubernetes.io/credential-id']);
});

test('a pod-bound token carries the pod and dies with it', () => {
  const { issuer, authenticator, pods, clock } = fixture();
  const { token } = issuer.issue({ namespace: 'ns', serviceAccount: { name: 'sa', uid: 'sa-uid' }, audiences: [...issuer.apiAudiences], expirationSeconds: 3600, pod: { name: 'p', uid: 'p-uid' }, node: { name: 'n', uid: 'n-uid' } });
  const user = authenticator.authenticateToken(token);
  assert.deepEqual(user?.extra?.['authentication.kubernetes.io/pod-name'], ['p']);
  assert.deepEqual(user?.extra?.['authentication.kubernetes.io/pod-uid'], ['p-uid']);
  assert.deepEqual(user?.extra?.['authentication.kubernetes.io/node-name'], ['n']);
  // Being deleted with a grace period: still good until the deadline.
  pods.set('ns/p', { metadata: { name: 'p', namespace: 'ns', uid: 'p-uid', deletionTimestamp: new Date(clock.now().getTime() + 30_000).toISOString() } });
  assert.ok(authenticator.authenticateToken(token));
  clock.advance(31_000);
  assert.equal(authenticator.authenticateToken(token), undefined);
  // A new pod of the same name is another pod.
  pods.set('ns/p', { metadata: { name: 'p', namespace: 'ns', uid: 'other' } });
  assert.throws(() => authenticator.review(token), /invalidated/);
  pods.delete('ns/p');
  assert.equal(authenticator.authenticateToken(token), undefined);
});

test('a recreated or deleted service account invalidates its tokens; wrong audience is refused', () => {
  const { issuer, authenticator, serviceAccounts } = fixture();
  const { token } = issuer.issue({ namespace: 'ns', serviceAccount: { name: 'sa', uid: 'sa-uid' }, audiences: ['vault'], expirationSeconds: 3600 });
  assert.equal(authenticator.authenticateToken(token), undefined, 'not for the API');
  assert.equal(authenticator.review(token, ['vault']).user.user, 'system:serviceaccount:ns:sa');
  serviceAccounts.set('ns/sa', { metadata: { name: 'sa', namespace: 'ns', uid: 'new' } });
  assert.throws(() => authenticator.review(token, ['vault']), /invalidated/);
});

test('legacy secret tokens authenticate while the secret holds them', () => {
  const { issuer, authenticator, secrets } = fixture();
  const token = issuer.issueLegacy('ns', { name: 'sa', uid: 'sa-uid' }, 'sa-token');
  assert.equal(authenticator.authenticateToken(token), undefined, 'no secret yet');
  secrets.set('ns/sa-token', { metadata: { name: 'sa-token', namespace: 'ns', uid: 's' }, data: { token: Buffer.from(token).toString('base64') } });
  assert.equal(authenticator.authenticateToken(token)?.user, 'system:serviceaccount:ns:sa');
  secrets.set('ns/sa-token', { metadata: { name: 'sa-token', namespace: 'ns', uid: 's' }, data: { token: Buffer.from('other').toString('base64') } });
  assert.throws(() => authenticator.review(token), /does not match/);
});
