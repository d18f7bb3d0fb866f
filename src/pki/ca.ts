import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from './files.js';
import { createCertificate, generatePrivateKey, privateKeyToPem } from './x509.js';

/** Where a certificate authority lives and how a new one is made. */
export interface CertificateAuthorityOptions {
  /** Directory holding `<name>.crt` and `<name>.key`. */
  dir: string;
  /** Base file name. Default `server-ca`. */
  name?: string;
  /** Common name of a newly created CA. Default `skiff-<name>@<unix seconds>` (as k3s names its CAs). */
  commonName?: string;
  /** Validity of a newly created CA in days. Default 3650 (ten years, as k3s). */
  validDays?: number;
}

/** Request for a TLS serving certificate. */
export interface ServingCertRequest {
  commonName: string;
  /** DNS subject alternative names. */
  dnsNames: string[];
  /** IP subject alternative names. */
  ips: string[];
  /** Validity in days. Default 365. */
  validDays?: number;
}

/** Request for a TLS client certificate; Kubernetes reads the user from CN and groups from O. */
export interface ClientCertRequest {
  /** The user name, e.g. `system:admin` or `system:node:<name>`. */
  commonName: string;
  /** The groups, e.g. `system:masters` or `system:nodes`. */
  organizations: string[];
  /** Validity in days. Default 365. */
  validDays?: number;
}

/** A certificate for a public key the requester holds (see {@link CertificateAuthority.signPublicKey}). */
export interface PublicKeyCertRequest {
  subject: { commonName: string; organizations?: string[] };
  publicKey: KeyObject;
  extKeyUsages: ('serverAuth' | 'clientAuth')[];
  dnsNames?: string[];
  ips?: string[];
  /** Validity in seconds. Default 365 days. */
  validSeconds?: number;
}

/** A freshly issued certificate with its new private key. */
export interface IssuedCertificate {
  certificate: X509Certificate;
  certificatePem: string;
  privateKeyPem: string;
}

/** Default validity of leaf certificates, as k3s. */
export const DEFAULT_LEAF_VALID_DAYS = 365;

/**
 * A certificate authority: a self-signed EC P-256 CA certificate and key kept as PEM files
 * `<dir>/<name>.crt` and `<dir>/<name>.key` (key mode 0600). Like k3s, a cluster uses two: `server-ca`
 * signs serving certificates and `client-ca` signs client certificates (see `loadOrCreateClusterCAs`).
 */
export class CertificateAuthority {
  /** The CA certificate. */
  readonly certificate: X509Certificate;
  /** The CA certificate as PEM (what clients put in certificate-authority-data / `ca`). */
  readonly certificatePem: string;
  /** Path of the certificate file. */
  readonly certFile: string;
  /** Path of the private key file. */
  readonly keyFile: string;
  readonly #privateKey: KeyObject;

  private constructor(certificatePem: string, privateKey: KeyObject, certFile: string, keyFile: string) {
    this.certificatePem = certificatePem;
    this.certificate = new X509Certificate(certificatePem);
    this.#privateKey = privateKey;
    this.certFile = certFile;
    this.keyFile = keyFile;
  }

  /**
   * Loads the CA from its files, or creates and writes a new one when neither file exists. Throws when
   * only one of the two exists, the key does not match the certificate, or the certificate is not a CA:
   * silently replacing a CA would invalidate every credential it issued.
   */
  static async loadOrCreate(options: CertificateAuthorityOptions): Promise<CertificateAuthority> {
    const name = options.name ?? 'server-ca';
    const certFile = join(options.dir, `${name}.crt`);
    const keyFile = join(options.dir, `${name}.key`);
    const [certPem, keyPem] = await Promise.all([readFileIfExists(certFile), readFileIfExists(keyFile)]);
    if (certPem !== undefined && keyPem !== undefined) {
      const privateKey = createPrivateKey(keyPem);
      const ca = new CertificateAuthority(certPem, privateKey, certFile, keyFile);
      if (!ca.certificate.ca) throw new Error(`${certFile} is not a CA certificate`);
      if (!ca.certificate.checkPrivateKey(privateKey)) throw new Error(`${keyFile} does not match ${certFile}`);
      return ca;
    }
    if (certPem !== undefined || keyPem !== undefined) {
      throw new Error(`CA ${name} in ${options.dir} is incomplete: ${certPem === undefined ? certFile : keyFile} is missing`);
    }
    const privateKey = generatePrivateKey();
    const commonName = options.commonName ?? `skiff-${name}@${Math.floor(Date.now() / 1000)}`;
    const pem = createCertificate({
      subject: { commonName },
      publicKey: createPublicKey(privateKey),
      selfSigningKey: privateKey,
      isCA: true,
      validDays: options.validDays ?? 3650,
    });
    // Key first: a crash in between leaves a key without a certificate, reported on the next start.
    await writeFileAtomic(keyFile, privateKeyToPem(privateKey), 0o600);
    await writeFileAtomic(certFile, pem, 0o600);
    return new CertificateAuthority(pem, privateKey, certFile, keyFile);
  }

  /** Issues a serving certificate (serverAuth) with a new key, for the given SANs. */
  issueServingCert(request: ServingCertRequest): IssuedCertificate {
    return this.#issue(
      { commonName: request.commonName },
      request.validDays,
      { extKeyUsages: ['serverAuth'], dnsNames: request.dnsNames, ips: request.ips },
    );
  }

  /** Issues a client certificate (clientAuth) with a new key: CN is the user, each O a group. */
  issueClientCert(request: ClientCertRequest): IssuedCertificate {
    return this.#issue(
      { commonName: request.commonName, organizations: request.organizations },
      request.validDays,
      { extKeyUsages: ['clientAuth'] },
    );
  }

  /**
   * Signs a certificate for a key someone else holds (a certificate signing request's): the
   * subject, usages and SANs are the caller's decision. Returns the certificate PEM.
   */
  signPublicKey(request: PublicKeyCertRequest): string {
    return createCertificate({
      subject: request.subject,
      publicKey: request.publicKey,
      issuer: { certificate: this.certificate, privateKey: this.#privateKey },
      validDays: request.validSeconds !== undefined ? request.validSeconds / 86400 : DEFAULT_LEAF_VALID_DAYS,
      extKeyUsages: request.extKeyUsages,
      dnsNames: request.dnsNames,
      ips: request.ips,
    });
  }

  /** Whether this CA signed the certificate (issuer name matches and the signature verifies). */
  signed(certificate: X509Certificate): boolean {
    return certificate.checkIssued(this.certificate) && certificate.verify(this.certificate.publicKey);
  }

  #issue(
    subject: { commonName: string; organizations?: string[] },
    validDays: number | undefined,
    extra: { extKeyUsages: ('serverAuth' | 'clientAuth')[]; dnsNames?: string[]; ips?: string[] },
  ): IssuedCertificate {
    const privateKey = generatePrivateKey();
    const certificatePem = createCertificate({
      subject,
      publicKey: createPublicKey(privateKey),
      issuer: { certificate: this.certificate, privateKey: this.#privateKey },
      validDays: validDays ?? DEFAULT_LEAF_VALID_DAYS,
      ...extra,
    });
    return { certificate: new X509Certificate(certificatePem), certificatePem, privateKeyPem: privateKeyToPem(privateKey) };
  }
}

/** The two CAs of a cluster, as k3s keeps them. */
export interface ClusterCAs {
  /** Signs the API server's serving certificate; clients trust it (kubeconfig certificate-authority-data). */
  serverCA: CertificateAuthority;
  /** Signs client certificates; the API server trusts it for client authentication. */
  clientCA: CertificateAuthority;
}

/** Loads or creates `server-ca` and `client-ca` in `dir`. */
export async function loadOrCreateClusterCAs(dir: string): Promise<ClusterCAs> {
  const serverCA = await CertificateAuthority.loadOrCreate({ dir, name: 'server-ca' });
  const clientCA = await CertificateAuthority.loadOrCreate({ dir, name: 'client-ca' });
  return { serverCA, clientCA };
}
