import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, JwtError, keyIdOf, publicJwk, signJwt, verifyJwtSignature } from './jwt.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

test('an ES256 token verifies with its public key and no other', () => {
  const token = signJwt({ sub: 'me', n: 1 }, ec.privateKey, keyIdOf(ec.publicKey));
  const jwt = decodeJwt(token);
  assert.deepEqual(jwt.header, { alg: 'ES256', kid: keyIdOf(ec.publicKey), typ: 'JWT' });
  assert.deepEqual(jwt.claims, { sub: 'me', n: 1 });
  assert.equal(jwt.signature.length, 64, 'raw r||s as JWS wants');
  assert.ok(verifyJwtSignature(jwt, [ec.publicKey]));
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  assert.ok(!verifyJwtSignature(jwt, [other.publicKey]));
});

test('an RS256 token verifies; a changed payload or a swapped alg does not', () => {
  const token = signJwt({ sub: 'me' }, rsa.privateKey, 'k');
  const jwt = decodeJwt(token);
  assert.equal(jwt.header.alg, 'RS256');
  assert.ok(verifyJwtSignature({ ...jwt, header: { ...jwt.header, kid: undefined } }, [rsa.publicKey]));
  const [h, , s] = token.split('.');
  const forged = decodeJwt(`${h}.${Buffer.from(JSON.stringify({ sub: 'admin' })).toString('base64url')}.${s}`);
  assert.ok(!verifyJwtSignature({ ...forged, header: { alg: 'RS256' } }, [rsa.publicKey]));
  const none = decodeJwt(`${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${token.split('.')[1]}.`);
  assert.ok(!verifyJwtSignature(none, [rsa.publicKey, ec.publicKey]));
});

test('malformed tokens are refused with a JwtError', () => {
  for (const bad of ['', 'abc', 'a.b', 'a.b.c.d', '!!.e30.x', `${Buffer.from('[1]').toString('base64url')}.e30.x`, 'e30.e30.x', `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.bm90IGpzb24.x`]) {
    assert.throws(() => decodeJwt(bad), JwtError, bad);
  }
});

test('the JWK carries kid, alg and use as upstream serves them', () => {
  const jwk = publicJwk(ec.publicKey);
  assert.equal(jwk.kty, 'EC');
  assert.equal(jwk.crv, 'P-256');
  assert.equal(jwk.alg, 'ES256');
  assert.equal(jwk.use, 'sig');
  assert.equal(jwk.kid, keyIdOf(ec.publicKey));
  assert.equal(jwk.d, undefined);
  assert.equal(publicJwk(rsa.publicKey).alg, 'RS256');
});
