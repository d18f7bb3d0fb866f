import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import type { Secret } from 'kubernetes-types/core/v1.js';

/** A certificate file the data plane needs: PEM certificate chain then key, to be written owner-only. */
export interface CertificateFile {
  file: string;
  pem: string;
  /** The Secret it comes from, `namespace/name`. */
  secret: string;
}

/**
 * The certificate file of a kubernetes.io/tls Secret (`tls.crt` then `tls.key`), named in `dir`
 * by the Secret and a digest of its content, or why there is none. With `verify`, the
 * certificate must parse as X.509 and the key must be its private key.
 */
export function certificateFromSecret(secret: Secret | undefined, dir: string, verify = false): { certificate: CertificateFile } | { problem: string } {
  const key = `${secret?.metadata?.namespace ?? ''}/${secret?.metadata?.name ?? ''}`;
  if (!secret) return { problem: 'not found' };
  const crtData = secret.data?.['tls.crt'];
  const keyData = secret.data?.['tls.key'];
  if (secret.type !== 'kubernetes.io/tls' || !crtData || !keyData) return { problem: 'not a kubernetes.io/tls Secret with tls.crt and tls.key' };
  const crt = Buffer.from(crtData, 'base64').toString('utf8').trim();
  const pkey = Buffer.from(keyData, 'base64').toString('utf8').trim();
  if (verify) {
    try {
      const x509 = new X509Certificate(crt);
      if (!x509.checkPrivateKey(createPrivateKey(pkey))) return { problem: 'tls.key is not the private key of the certificate in tls.crt' };
    } catch (err) {
      return { problem: `tls.crt and tls.key are not a PEM certificate and key: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const pem = `${crt}\n${pkey}\n`;
  const digest = createHash('sha256').update(pem).digest('hex').slice(0, 16);
  return { certificate: { file: `${dir}/${key.replace('/', '_')}-${digest}.pem`, pem, secret: key } };
}
