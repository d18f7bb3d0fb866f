import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearerToken, clientIdentityFromCert, parseTokenFile, TokenAuthenticator, withAuthenticatedGroup } from './verify.js';
import { createCertificate, generatePrivateKey } from './x509.js';
import type { ExtendedKeyUsage } from './x509.js';

function selfSigned(commonName: string, organizations: string[], extKeyUsages?: ExtendedKeyUsage[]): X509Certificate {
  const key = generatePrivateKey();
  return new X509Certificate(
    createCertificate({ subject: { commonName, organizations }, publicKey: createPublicKey(key), selfSigningKey: key, validDays: 1, extKeyUsages }),
  );
}

describe('clientIdentityFromCert', () => {
  test('CN is the user and each O a group', () => {
    assert.deepEqual(clientIdentityFromCert(selfSigned('system:admin', ['system:masters'], ['clientAuth'])), {
      user: 'system:admin',
      groups: ['system:masters'],
    });
    assert.deepEqual(clientIdentityFromCert(selfSigned('jane', ['a', 'b'])), { user: 'jane', groups: ['a', 'b'] });
  });

  test('rejects an empty CN and serving-only certificates', () => {
    assert.equal(clientIdentityFromCert(selfSigned('', ['g'], ['clientAuth'])), undefined);
    assert.equal(clientIdentityFromCert(selfSigned('web', [], ['serverAuth'])), undefined);
  });
});

describe('bearerToken', () => {
  test('reads Bearer tokens as upstream does', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer abc'), 'abc');
    assert.equal(bearerToken('  Bearer abc  '), 'abc');
    assert.equal(bearerToken('Bearer abc extra'), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken('Bearer'), undefined);
    assert.equal(bearerToken('Bearer  abc'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});

describe('token file', () => {
  test('parses upstream static token CSV', () => {
    const entries = parseTokenFile('t1,alice,uid1,"dev,ops"\nt2,bob,uid2\n\n,skipped,x\nt1,carol,uid3\n"t""3",dan,uid4,g\r\n');
    const authenticator = new TokenAuthenticator(entries);
    assert.deepEqual(authenticator.authenticateToken('t1'), { user: 'carol', uid: 'uid3', groups: [] });
    assert.deepEqual(authenticator.authenticateToken('t2'), { user: 'bob', uid: 'uid2', groups: [] });
    assert.deepEqual(authenticator.authenticateToken('t"3'), { user: 'dan', uid: 'uid4', groups: ['g'] });
    assert.equal(authenticator.authenticateToken(''), undefined);
    assert.equal(authenticator.size, 3);
    assert.deepEqual(parseTokenFile('t1,alice,uid1,"dev,ops"')[0], ['t1', { user: 'alice', uid: 'uid1', groups: ['dev', 'ops'] }]);
  });

  test('rejects records with fewer than 3 columns', () => {
    assert.throws(() => parseTokenFile('t1,alice\n', 'f.csv'), /token file 'f.csv' must have at least 3 columns \(token, user name, user uid\), found 2/);
  });

  test('loads from a file; a missing file is empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-pki-tokens-'));
    try {
      assert.equal((await TokenAuthenticator.fromFile(join(dir, 'missing.csv'))).size, 0);
      await writeFile(join(dir, 'tokens.csv'), 'secret,jane,42,"system:masters"\n');
      const authenticator = await TokenAuthenticator.fromFile(join(dir, 'tokens.csv'));
      assert.deepEqual(authenticator.authenticateToken('secret'), { user: 'jane', uid: '42', groups: ['system:masters'] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test('withAuthenticatedGroup adds system:authenticated once, never to anonymous', () => {
  assert.deepEqual(withAuthenticatedGroup({ user: 'u', groups: ['g'] }).groups, ['g', 'system:authenticated']);
  assert.deepEqual(withAuthenticatedGroup({ user: 'u', groups: ['system:authenticated'] }).groups, ['system:authenticated']);
  assert.deepEqual(withAuthenticatedGroup({ user: 'system:anonymous', groups: ['system:unauthenticated'] }).groups, ['system:unauthenticated']);
});
