/**
 * The node's client credential, as upstream's kubelet TLS bootstrap: a key of the node's own and
 * a certificate for `system:node:<name>` in `system:nodes`, obtained once with the join token
 * through a CertificateSigningRequest and kept in the data dir; afterwards (and after restarts)
 * the node authenticates with it alone.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '../../client/client.js';
import { createCertificateRequest } from '../../pki/csr.js';
import { generatePrivateKey, privateKeyToPem, subjectName } from '../../pki/x509.js';
import { readIfExists } from '../serving-cert.js';
import { requestCertificate } from './csr-client.js';

/** Upstream's signer of node client certificates. */
export const kubeletClientSignerName = 'kubernetes.io/kube-apiserver-client-kubelet';
/** Upstream's signer of kubelet serving certificates. */
export const kubeletServingSignerName = 'kubernetes.io/kubelet-serving';

/** A client certificate and its key (PEM). */
export interface NodeClientCredentials {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** Options of {@link loadOrBootstrapNodeCredentials}. */
export interface NodeCredentialsOptions {
  /** Where `client-kubelet.crt/.key` live (created if missing). */
  dir: string;
  nodeName: string;
  /** A client that authenticates with the join token: used only to ask for the certificate. */
  bootstrapClient(): Client & { close(): void };
  /**
   * Whether the server still accepts a stored certificate (false on 401: another cluster, a new
   * client CA). Default: accepted.
   */
  accepted?(credentials: NodeClientCredentials): Promise<boolean>;
  signal: AbortSignal;
  log(message: string): void;
  /** Default Date.now(). */
  now?: number;
}

/** The node identity's user name. */
export function nodeUserName(nodeName: string): string {
  return `system:node:${nodeName}`;
}

function usable(cert: string, key: string, nodeName: string, now: number): boolean {
  try {
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) return false;
    const name = subjectName(x509);
    const from = new Date(x509.validFrom).getTime();
    const to = new Date(x509.validTo).getTime();
    // Renewed once less than a tenth of its life is left.
    return name.commonName === nodeUserName(nodeName) && name.organizations.includes('system:nodes') && now < to - (to - from) / 10;
  } catch (err) {
    if (err instanceof Error) return false; // unreadable files are replaced
    throw err;
  }
}

/**
 * The node's client credential: the stored one while it names this node, is not near expiry and
 * the server accepts it; otherwise a new key and a certificate from a CertificateSigningRequest
 * (signer kube-apiserver-client-kubelet) made with the join token.
 */
export async function loadOrBootstrapNodeCredentials(options: NodeCredentialsOptions): Promise<NodeClientCredentials> {
  const certFile = join(options.dir, 'client-kubelet.crt');
  const keyFile = join(options.dir, 'client-kubelet.key');
  const [cert, key] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  if (cert !== undefined && key !== undefined && usable(cert, key, options.nodeName, options.now ?? Date.now())) {
    const stored = { cert, key, certFile, keyFile };
    if (!options.accepted || (await options.accepted(stored))) return stored;
    options.log('the server no longer accepts the stored node certificate: requesting a new one with the join token');
  }
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const privateKey = generatePrivateKey();
  const requestPem = createCertificateRequest(privateKey, { subject: { commonName: nodeUserName(options.nodeName), organizations: ['system:nodes'] } });
  options.log(`requesting a client certificate for ${nodeUserName(options.nodeName)}`);
  const client = options.bootstrapClient();
  let issued: string;
  try {
    issued = await requestCertificate(
      client,
      { requestPem, signerName: kubeletClientSignerName, usages: ['digital signature', 'key encipherment', 'client auth'], generateName: 'node-csr-' },
      options.signal,
    );
  } finally {
    client.close();
  }
  const keyPem = privateKeyToPem(privateKey);
  await writeFile(keyFile, keyPem, { mode: 0o600 });
  await writeFile(certFile, issued, { mode: 0o644 });
  options.log(`node certificate stored in ${certFile}`);
  return { cert: issued, key: keyPem, certFile, keyFile };
}
