import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../apimachinery/clock.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { loadOrCreateClusterCAs } from '../../pki/ca.js';
import { createCertificateRequest } from '../../pki/csr.js';
import { generatePrivateKey } from '../../pki/x509.js';
import { apiServerClient } from '../../testing/controllers.js';
import { waitFor } from '../../testing/wait.js';
import { CSRSigningController, csrResource } from './csr-signing-controller.js';

interface CSR extends KubeObject {
  status?: { certificate?: string; conditions?: { type: string; reason?: string }[] };
}

test('a node client CSR from a bootstrapper is approved and signed by the client CA; another subject waits', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'csr-signer-'));
  const { client, close } = await apiServerClient();
  const abort = new AbortController();
  try {
    const { clientCA, serverCA } = await loadOrCreateClusterCAs(dir);
    const errors: string[] = [];
    const running = new CSRSigningController({ client, clientCA, servingCA: serverCA, clock: systemClock, onError: (err, where) => errors.push(`${where}: ${String(err)}`) }).run(abort.signal);
    const csr = (name: string, cn: string, o: string[]) => ({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: {
        request: Buffer.from(createCertificateRequest(generatePrivateKey(), { subject: { commonName: cn, organizations: o } })).toString('base64'),
        signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        usages: ['digital signature', 'key encipherment', 'client auth'],
        // In-process writes keep the requester as given (over HTTPS the server fills it in).
        username: 'system:bootstrap:abc',
        groups: ['system:bootstrappers', 'system:authenticated'],
      },
    });
    await client.create(csrResource, '', csr('good', 'system:node:n1', ['system:nodes']) as KubeObject);
    await client.create(csrResource, '', csr('masters', 'system:node:n1', ['system:masters']) as KubeObject);
    const issued = await waitFor('the certificate', async () => (await client.get<CSR>(csrResource, '', 'good')).status?.certificate, { timeoutMs: 10_000, intervalMs: 20 });
    const cert = new X509Certificate(Buffer.from(issued, 'base64').toString());
    assert.ok(clientCA.signed(cert));
    assert.match(cert.subject, /CN=system:node:n1/);
    const good = await client.get<CSR>(csrResource, '', 'good');
    assert.deepEqual(good.status?.conditions?.map((c) => [c.type, c.reason]), [['Approved', 'AutoApproved']]);
    const masters = await client.get<CSR>(csrResource, '', 'masters');
    assert.equal(masters.status?.conditions, undefined);
    assert.equal(masters.status?.certificate, undefined);
    assert.deepEqual(errors, []);
    abort.abort();
    await running;
  } finally {
    abort.abort();
    await close();
    await rm(dir, { recursive: true, force: true });
  }
});
