import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import * as der from './der.js';
import { createCertificate, extendedKeyUsages, generatePrivateKey, subjectAltNames, subjectName } from './x509.js';

describe('der', () => {
  test('encodes OIDs, integers and long lengths', () => {
    assert.equal(der.oid('1.2.840.10045.4.3.2').toString('hex'), '06082a8648ce3d040302');
    assert.equal(der.oid('2.5.29.17').toString('hex'), '0603551d11');
    assert.equal(der.decodeOid(der.oid('1.3.6.1.5.5.7.3.2').subarray(2)), '1.3.6.1.5.5.7.3.2');
    assert.equal(der.unsignedInteger(0).toString('hex'), '020100');
    assert.equal(der.unsignedInteger(2).toString('hex'), '020102');
    assert.equal(der.unsignedInteger(Buffer.from([0x00, 0x80])).toString('hex'), '02020080');
    const long = der.octetString(Buffer.alloc(300));
    assert.equal(long.subarray(0, 4).toString('hex'), '0482012c');
    assert.equal(der.readElement(long).content.length, 300);
  });

  test('named bit strings drop trailing zero bits', () => {
    assert.equal(der.namedBitString([0]).toString('hex'), '03020780');
    assert.equal(der.namedBitString([0, 5, 6]).toString('hex'), '03020186');
  });

  test('times switch to GeneralizedTime from 2050', () => {
    assert.equal(der.time(new Date(Date.UTC(2030, 0, 2, 3, 4, 5))).subarray(2).toString(), '300102030405Z');
    assert.equal(der.time(new Date(Date.UTC(2050, 0, 1))).subarray(2).toString(), '20500101000000Z');
  });
});

describe('createCertificate', () => {
  test('self-signed CA and an issued leaf parse with node and chain', () => {
    const caKey = generatePrivateKey();
    const ca = new X509Certificate(
      createCertificate({ subject: { commonName: 'test-ca' }, publicKey: createPublicKey(caKey), selfSigningKey: caKey, isCA: true, validDays: 10 }),
    );
    assert.equal(ca.ca, true);
    assert.ok(ca.verify(ca.publicKey));
    const leafKey = generatePrivateKey();
    const leaf = new X509Certificate(
      createCertificate({
        subject: { commonName: 'u', organizations: ['g1', 'g2'] },
        publicKey: createPublicKey(leafKey),
        issuer: { certificate: ca, privateKey: caKey },
        validDays: 1,
        extKeyUsages: ['clientAuth', 'serverAuth'],
        dnsNames: ['a.example'],
        ips: ['10.0.0.1', 'fd00::2'],
      }),
    );
    assert.equal(leaf.ca, false);
    assert.ok(leaf.checkIssued(ca));
    assert.ok(leaf.verify(ca.publicKey));
    assert.ok(leaf.checkPrivateKey(leafKey));
    assert.deepEqual(subjectName(leaf), { commonName: 'u', organizations: ['g1', 'g2'] });
    assert.deepEqual(subjectAltNames(leaf), { dnsNames: ['a.example'], ips: ['10.0.0.1', 'fd00::2'] });
    assert.deepEqual(extendedKeyUsages(leaf), ['clientAuth', 'serverAuth']);
    const lifetime = new Date(leaf.validTo).getTime() - new Date(leaf.validFrom).getTime();
    assert.equal(lifetime, 24 * 60 * 60 * 1000);
  });
});
