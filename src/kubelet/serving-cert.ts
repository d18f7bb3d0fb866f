/**
 * The node endpoint's serving certificate: signed by a CA of the node's own, kept in the
 * agent's data dir. The API server does not verify it (upstream's default without
 * --kubelet-certificate-authority); the node verifies the API server's client certificate.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateAuthority } from '../pki/ca.js';

/** Loads `<dir>/serving-kubelet.crt/.key`, or issues them for `nodeName` and `ips`. */
export async function loadOrCreateNodeServingCert(dir: string, nodeName: string, ips: string[]): Promise<{ key: string; cert: string }> {
  const certFile = join(dir, 'serving-kubelet.crt');
  const keyFile = join(dir, 'serving-kubelet.key');
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const ca = await CertificateAuthority.loadOrCreate({ dir, name: 'kubelet-ca', commonName: `skiff-kubelet-ca@${nodeName}` });
  const issued = ca.issueServingCert({ commonName: nodeName, dnsNames: [nodeName, 'localhost'], ips: [...new Set([...ips, '127.0.0.1'])] });
  await writeFile(keyFile, issued.privateKeyPem, { mode: 0o600 });
  await writeFile(certFile, issued.certificatePem + ca.certificatePem);
  return { cert: issued.certificatePem + ca.certificatePem, key: issued.privateKeyPem };
}
