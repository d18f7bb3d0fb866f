import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateAuthority, loadOrCreateClusterCAs } from './ca.js';
import { extendedKeyUsages, subjectAltNames, subjectName } from './x509.js';

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-pki-ca-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('CertificateAuthority', () => {
  test('creates once, then loads the same CA', () =>
    withTempDir(async (dir) => {
      const created = await CertificateAuthority.loadOrCreate({ dir, name: 'server-ca' });
      assert.equal(created.certificate.ca, true);
      assert.match(created.certificate.subject, /CN=skiff-server-ca@\d+/);
      assert.equal((await stat(created.keyFile)).mode & 0o777, 0o600);
      const loaded = await CertificateAuthority.loadOrCreate({ dir, name: 'server-ca' });
      assert.equal(loaded.certificate.fingerprint256, created.certificate.fingerprint256);
      const issued = loaded.issueClientCert({ commonName: 'x', organizations: [] });
      assert.ok(created.signed(issued.certificate));
    }));

  test('refuses an incomplete CA instead of replacing it', () =>
    withTempDir(async (dir) => {
      const ca = await CertificateAuthority.loadOrCreate({ dir, name: 'client-ca' });
      await rm(ca.keyFile);
      await assert.rejects(CertificateAuthority.loadOrCreate({ dir, name: 'client-ca' }), /incomplete/);
    }));

  test('issues serving and client certificates with the right SANs, names and usages', () =>
    withTempDir(async (dir) => {
      const { serverCA, clientCA } = await loadOrCreateClusterCAs(dir);
      assert.notEqual(serverCA.certificate.fingerprint256, clientCA.certificate.fingerprint256);

      const serving = serverCA.issueServingCert({
        commonName: 'kube-apiserver',
        dnsNames: ['kubernetes', 'localhost'],
        ips: ['127.0.0.1', '10.43.0.1'],
      });
      assert.ok(serving.certificate.checkIssued(serverCA.certificate));
      assert.ok(serving.certificate.verify(serverCA.certificate.publicKey));
      assert.ok(serverCA.signed(serving.certificate));
      assert.equal(clientCA.signed(serving.certificate), false);
      assert.deepEqual(subjectAltNames(serving.certificate), { dnsNames: ['kubernetes', 'localhost'], ips: ['127.0.0.1', '10.43.0.1'] });
      assert.deepEqual(extendedKeyUsages(serving.certificate), ['serverAuth']);
      assert.equal(serving.certificate.checkHost('kubernetes'), 'kubernetes');
      assert.equal(serving.certificate.checkIP('10.43.0.1'), '10.43.0.1');
      assert.match(serving.privateKeyPem, /BEGIN EC PRIVATE KEY/);
      const days = (new Date(serving.certificate.validTo).getTime() - new Date(serving.certificate.validFrom).getTime()) / 86400000;
      assert.equal(days, 365);

      const node = clientCA.issueClientCert({ commonName: 'system:node:n1', organizations: ['system:nodes'] });
      assert.ok(clientCA.signed(node.certificate));
      assert.deepEqual(subjectName(node.certificate), { commonName: 'system:node:n1', organizations: ['system:nodes'] });
      assert.deepEqual(extendedKeyUsages(node.certificate), ['clientAuth']);
      assert.deepEqual(subjectAltNames(node.certificate), { dnsNames: [], ips: [] });
    }));
});
