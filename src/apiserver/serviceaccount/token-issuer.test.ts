import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { FakeClock } from '../../apimachinery/clock.js';
import { decodeJwt, keyIdOf, signJwt } from '../../pki/jwt.js';
import { InvalidTokenError, ServiceAccountTokenIssuer, defaultIssuer } from './token-issuer.js';

const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

function issuerAt(clock: FakeClock, apiAudiences?: string[]): ServiceAccountTokenIssuer {
  return new ServiceAccountTokenIssuer({ ...keys, clock, ...(apiAudiences ? { apiAudiences } : {}) });
}

test('a bound token carries upstream claims', () => {
  const clock = new FakeClock();
  const issuer = issuerAt(clock);
  const { token, expirationTimestamp } = issuer.issue({
    namespace: 'ns',
    serviceAccount: { name: 'sa', uid: 'sa-uid' },
    audiences: ['api'],
    expirationSeconds: 3600,
    pod: { name: 'p', uid: 'p-uid' },
    node: { name: 'n', uid: 'n-uid' },
  });
  const { header, claims } = decodeJwt(token);
  assert.equal(header.alg, 'ES256');
  assert.equal(header.kid, keyIdOf(keys.publicKey));
  const now = clock.now().getTime() / 1000;
  assert.equal(claims.iss, defaultIssuer);
  assert.equal(claims.sub, 'system:serviceaccount:ns:sa');
  assert.deepEqual(claims.aud, ['api']);
  assert.equal(claims.iat, now);
  assert.equal(claims.nbf, now);
  assert.equal(claims.exp, now + 3600);
  assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
  assert.deepEqual(claims['kubernetes.io'], {
    namespace: 'ns',
    node: { name: 'n', uid: 'n-uid' },
    pod: { name: 'p', uid: 'p-uid' },
    serviceaccount: { name: 'sa', uid: 'sa-uid' },
  });
  assert.equal(expirationTimestamp.getTime(), (now + 3600) * 1000);
});

test('verify: accepted audiences, expiry, issuer, forgery', () => {
  const clock = new FakeClock();
  const issuer = issuerAt(clock, ['api', 'other']);
  const { token } = issuer.issue({ namespace: 'ns', serviceAccount: { name: 'sa', uid: 'u' }, audiences: ['api', 'vault'], expirationSeconds: 600 });
  const claims = issuer.verify(token);
  assert.deepEqual(claims.audiences, ['api']);
  assert.equal(claims.namespace, 'ns');
  assert.deepEqual(claims.serviceAccount, { name: 'sa', uid: 'u' });
  assert.equal(claims.legacy, false);
  assert.deepEqual(issuer.verify(token, ['vault']).audiences, ['vault']);
  assert.throws(() => issuer.verify(token, ['nope']), InvalidTokenError);
  clock.advance(599_000);
  issuer.verify(token);
  clock.advance(1000);
  assert.throws(() => issuer.verify(token), /has expired/);
  // Another issuer name with the same key, and the same claims signed by another key.
  const stranger = new ServiceAccountTokenIssuer({ ...keys, issuer: 'https://elsewhere', clock: new FakeClock() });
  const theirs = stranger.issue({ namespace: 'ns', serviceAccount: { name: 'sa', uid: 'u' }, audiences: ['api'], expirationSeconds: 600 }).token;
  assert.ok(!issuer.isOurs(theirs));
  assert.throws(() => issuerAt(new FakeClock()).verify(theirs), /issuer is not accepted/);
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const forged = signJwt(decodeJwt(issuerAt(new FakeClock()).issue({ namespace: 'ns', serviceAccount: { name: 'sa', uid: 'u' }, audiences: ['api'], expirationSeconds: 600 }).token).claims, other.privateKey, keyIdOf(keys.publicKey));
  assert.throws(() => issuer.verify(forged), /could not be validated/);
  assert.throws(() => issuer.verify('not-a-jwt'), InvalidTokenError);
});

test('legacy tokens: upstream legacy claims, no expiry', () => {
  const clock = new FakeClock();
  const issuer = issuerAt(clock);
  const token = issuer.issueLegacy('ns', { name: 'sa', uid: 'u' }, 'sa-token');
  assert.deepEqual(decodeJwt(token).claims, {
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': 'ns',
    'kubernetes.io/serviceaccount/secret.name': 'sa-token',
    'kubernetes.io/serviceaccount/service-account.name': 'sa',
    'kubernetes.io/serviceaccount/service-account.uid': 'u',
    sub: 'system:serviceaccount:ns:sa',
  });
  assert.ok(issuer.isOurs(token));
  clock.advance(10 * 365 * 86_400_000);
  const claims = issuer.verify(token);
  assert.equal(claims.legacy, true);
  assert.equal(claims.secret?.name, 'sa-token');
});

test('discovery documents', () => {
  const issuer = new ServiceAccountTokenIssuer({ ...keys, jwksURI: 'https://10.0.0.1:6443/openid/v1/jwks' });
  assert.deepEqual(issuer.openIDConfiguration(), {
    issuer: defaultIssuer,
    jwks_uri: 'https://10.0.0.1:6443/openid/v1/jwks',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
  });
  assert.equal(issuer.jwks().keys[0]?.kid, keyIdOf(keys.publicKey));
});
