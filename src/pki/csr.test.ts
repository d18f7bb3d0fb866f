import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createCertificateRequest, parseCertificateRequest } from './csr.js';
import { generatePrivateKey, subjectAltNames, subjectName, extendedKeyUsages } from './x509.js';
import { CertificateAuthority } from './ca.js';

test('a request round-trips: subject, SANs and key; a CA signs a certificate for that key', async () => {
  const key = generatePrivateKey();
  const pem = createCertificateRequest(key, { subject: { commonName: 'system:node:n1', organizations: ['system:nodes'] }, dnsNames: ['n1'], ips: ['10.0.0.5'] });
  assert.match(pem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
  const parsed = parseCertificateRequest(pem);
  assert.deepEqual(parsed.subject, { commonName: 'system:node:n1', organizations: ['system:nodes'] });
  assert.deepEqual(parsed.dnsNames, ['n1']);
  assert.deepEqual(parsed.ips, ['10.0.0.5']);
  const dir = await mkdtemp(join(tmpdir(), 'csr-'));
  try {
    const ca = await CertificateAuthority.loadOrCreate({ dir, name: 'client-ca' });
    const cert = new X509Certificate(ca.signPublicKey({ subject: parsed.subject, publicKey: parsed.publicKey, extKeyUsages: ['clientAuth'], validSeconds: 3600 }));
    assert.ok(ca.signed(cert));
    assert.ok(cert.checkPrivateKey(key));
    assert.deepEqual(subjectName(cert), { commonName: 'system:node:n1', organizations: ['system:nodes'] });
    assert.deepEqual(extendedKeyUsages(cert), ['clientAuth']);
    assert.deepEqual(subjectAltNames(cert), { dnsNames: [], ips: [] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a request without SANs parses; bad PEM, a wrong block type and a forged signature are refused', () => {
  const key = generatePrivateKey();
  const pem = createCertificateRequest(key, { subject: { commonName: 'x' } });
  assert.deepEqual(parseCertificateRequest(pem).subject, { commonName: 'x', organizations: [] });
  assert.throws(() => parseCertificateRequest('hello'), /PEM block type must be CERTIFICATE REQUEST/);
  assert.throws(() => parseCertificateRequest(pem.replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE')), /PEM block type must be CERTIFICATE REQUEST/);
  // The subject changed after signing: the signature no longer verifies.
  const other = createCertificateRequest(key, { subject: { commonName: 'y' } });
  const body = Buffer.from(pem.split('\n').slice(1, -2).join(''), 'base64');
  const forgedBody = Buffer.from(body);
  const at = forgedBody.indexOf(Buffer.from('x'), 10);
  forgedBody[at] = 'y'.charCodeAt(0);
  const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${forgedBody.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  assert.throws(() => parseCertificateRequest(forged), /verification/);
  assert.doesNotThrow(() => parseCertificateRequest(other));
  assert.throws(() => parseCertificateRequest('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'), /asn1/);
});
