import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterPolling, TestCluster } from '../harness/cluster.js';
import { waitFor } from '../../src/testing/wait.js';
import { createCertificateRequest } from '../../src/pki/csr.js';
import { generatePrivateKey, privateKeyToPem } from '../../src/pki/x509.js';

/** A CSR object for the kube-apiserver-client signer, and the key behind it. */
function clientCSR(name: string, commonName: string, organizations: string[]) {
  const key = generatePrivateKey();
  const pem = createCertificateRequest(key, { subject: { commonName, organizations } });
  const manifest = JSON.stringify({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 3600 },
  });
  return { keyPem: privateKeyToPem(key), manifest };
}

describe('CertificateSigningRequests for kube-apiserver-client with kubectl', { concurrency: 1 }, () => {
  let c: TestCluster;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-csr-'));
    c = await TestCluster.start({ serverArgs: ['--service-cidr', '10.172.0.0/16', '--disable-controllers'] });
  });
  after(async () => {
    await c?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('approve issues a client certificate for the CSR subject, valid for expirationSeconds; whoami shows it', async () => {
    const { keyPem, manifest } = clientCSR('jane', 'jane', ['devs', 'qa']);
    await c.kubectlOK(['create', '-f', '-'], { input: manifest });
    assert.match(await c.kubectlOK(['get', 'csr', 'jane']), /^jane\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+system:admin\s+60m\s+Pending$/m);
    await c.kubectlOK(['certificate', 'approve', 'jane']);
    const certificate = await waitFor('the certificate', async () => (await c.kubectlOK(['get', 'csr', 'jane', '-o', 'jsonpath={.status.certificate}'])).trim(), clusterPolling);
    assert.match(await c.kubectlOK(['get', 'csr', 'jane']), /\sApproved,Issued$/m);
    const certPem = Buffer.from(certificate, 'base64').toString('utf8');
    const cert = new X509Certificate(certPem);
    const seconds = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 1000;
    assert.ok(seconds <= 3600 && seconds >= 3000, `validity ${seconds}s`);
    assert.match(cert.subject, /CN=jane/);
    const kubeconfig = join(dir, 'jane.kubeconfig');
    await copyFile(c.kubeconfig, kubeconfig);
    await writeFile(join(dir, 'jane.key'), keyPem, { mode: 0o600 });
    await writeFile(join(dir, 'jane.crt'), certPem);
    await c.kubectlOK(['--kubeconfig', kubeconfig, 'config', 'set-credentials', 'jane', `--client-certificate=${join(dir, 'jane.crt')}`, `--client-key=${join(dir, 'jane.key')}`, '--embed-certs=true']);
    const whoami = JSON.parse(await c.kubectlOK(['--kubeconfig', kubeconfig, '--user', 'jane', 'auth', 'whoami', '-o', 'json'])) as { status: { userInfo: { username: string; groups: string[] } } };
    assert.equal(whoami.status.userInfo.username, 'jane');
    assert.deepEqual(whoami.status.userInfo.groups, ['devs', 'qa', 'system:authenticated']);
  });

  test('deny leaves the request unissued with a Denied condition', async () => {
    await c.kubectlOK(['create', '-f', '-'], { input: clientCSR('bob', 'bob', []).manifest });
    await c.kubectlOK(['certificate', 'deny', 'bob']);
    const csr = JSON.parse(await c.kubectlOK(['get', 'csr', 'bob', '-o', 'json'])) as { status: { certificate?: string; conditions: { type: string; status: string }[] } };
    assert.deepEqual(csr.status.conditions.map((x) => [x.type, x.status]), [['Denied', 'True']]);
    assert.equal(csr.status.certificate, undefined);
    assert.match(await c.kubectlOK(['get', 'csr', 'bob']), /\sDenied$/m);
  });

  test('approving needs the approve verb on the signer, as upstream', async () => {
    await c.kubectlOK(['create', '-f', '-'], { input: clientCSR('carol', 'carol', []).manifest });
    await c.kubectlOK(['create', 'clusterrole', 'csr-approver', '--verb=get,list,update', '--resource=certificatesigningrequests,certificatesigningrequests/approval']);
    await c.kubectlOK(['create', 'clusterrolebinding', 'csr-approver', '--clusterrole=csr-approver', '--user=alice']);
    const refused = await waitFor('alice to reach the approval check', async () => {
      const r = await c.kubectl(['certificate', 'approve', 'carol', '--as=alice']);
      return /not permitted/.test(r.stderr) && r.stderr;
    }, clusterPolling);
    assert.match(refused, /certificatesigningrequests\.certificates\.k8s\.io "carol" is forbidden: user not permitted to approve requests with signerName "kubernetes\.io\/kube-apiserver-client"/);
    // `signers` is no served resource (as upstream), so the role is written as a manifest.
    const signerRole = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'signer-approver' },
      rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/*'], verbs: ['approve'] }],
    };
    await c.kubectlOK(['create', '-f', '-'], { input: JSON.stringify(signerRole) });
    await c.kubectlOK(['create', 'clusterrolebinding', 'signer-approver', '--clusterrole=signer-approver', '--user=alice']);
    await waitFor('alice to approve', async () => (await c.kubectl(['certificate', 'approve', 'carol', '--as=alice'])).code === 0, clusterPolling);
    await waitFor('the certificate', async () => (await c.kubectlOK(['get', 'csr', 'carol', '-o', 'jsonpath={.status.certificate}'])).trim(), clusterPolling);
  });

  test('a system:masters subject is refused at create', async () => {
    const r = await c.kubectl(['create', '-f', '-'], { input: clientCSR('root', 'root', ['system:masters']).manifest });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(Forbidden\).*"root" is forbidden: use of kubernetes\.io\/kube-apiserver-client signer with system:masters group is not allowed/);
  });
});
