/**
 * The node endpoint's serving certificate: a key of the node's own, kept in the agent's data
 * dir, with a certificate from the cluster CA naming the node (DNS SAN = node name) and its
 * IPs, so that the API server can verify it (upstream's --kubelet-certificate-authority). A
 * stored certificate is reused while it chains to the CA, names the node and its IPs, matches
 * the key and is not within 30 days of expiry; otherwise a new one is requested.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { CertificateAuthority } from '../pki/ca.js';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generatePrivateKey, privateKeyToPem, subjectAltNames, canonicalIP } from '../pki/x509.js';

/** Where the serving certificate comes from. */
export interface NodeServingCertSource {
  /** The CA (PEM) the certificate must chain to. */
  caPem: string;
  /** Gets a certificate (PEM) for `privateKey`'s public key naming `nodeName` and `ips`. */
  issue(privateKey: KeyObject, nodeName: string, ips: string[]): Promise<string>;
}

const renewBeforeMs = 30 * 24 * 3600 * 1000;

/** A file's text, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function stillGood(certPem: string, keyPem: string, caPem: string, nodeName: string, ips: string[], now: number): boolean {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    ca = new X509Certificate(caPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
  } catch (err) {
    if (err instanceof Error) return false; // unreadable files are replaced
    throw err;
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  if (new Date(cert.validTo).getTime() - now < renewBeforeMs) return false;
  const sans = subjectAltNames(cert);
  const have = new Set(sans.ips.map(canonicalIP));
  return sans.dnsNames.includes(nodeName) && ips.every((ip) => have.has(canonicalIP(ip)));
}

/** Loads `<dir>/serving-kubelet.crt/.key` when still right, else gets a new one from `source` and writes it. */
export async function loadOrIssueNodeServingCert(
  dir: string,
  nodeName: string,
  ips: string[],
  source: NodeServingCertSource,
  now = Date.now(),
): Promise<{ key: string; cert: string }> {
  const certFile = join(dir, 'serving-kubelet.crt');
  const keyFile = join(dir, 'serving-kubelet.key');
  const [cert, key] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  if (cert !== undefined && key !== undefined && stillGood(cert, key, source.caPem, nodeName, ips, now)) return { cert, key };
  const privateKey = generatePrivateKey();
  const issued = await source.issue(privateKey, nodeName, [...new Set(ips)]);
  const keyPem = privateKeyToPem(privateKey);
  await writeFile(keyFile, keyPem, { mode: 0o600 });
  await writeFile(certFile, issued);
  return { cert: issued, key: keyPem };
}

/**
 * A source that signs with a CA held in this process (`skiff server`'s own node): the same
 * certificate a CertificateSigningRequest to the kubelet-serving signer would give.
 */
export function servingCertFromCA(ca: CertificateAuthority): NodeServingCertSource {
  return {
    caPem: ca.certificatePem,
    issue: async (privateKey, nodeName, ips) =>
      ca.signPublicKey({
        subject: { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'] },
        publicKey: createPublicKey(privateKey),
        extKeyUsages: ['serverAuth'],
        dnsNames: [nodeName],
        ips,
      }),
  };
}
