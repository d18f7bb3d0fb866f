import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from './files.js';

/** The key pair that signs and verifies service-account tokens. */
export interface ServiceAccountKey {
  /** Where the private key lives (PKCS#8 PEM, mode 0600). */
  keyFile: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * Loads the service-account signing key from `<tlsDir>/service.key`, or creates an ECDSA P-256
 * key there once (as k3s keeps its `service.key` beside the server's certificates). An RSA key
 * someone put there is used as it is.
 */
export async function loadOrCreateServiceAccountKey(tlsDir: string): Promise<ServiceAccountKey> {
  const keyFile = join(tlsDir, 'service.key');
  let pem = await readFileIfExists(keyFile);
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await writeFileAtomic(keyFile, pem, 0o600);
  }
  const privateKey = createPrivateKey(pem);
  return { keyFile, privateKey, publicKey: createPublicKey(privateKey) };
}
