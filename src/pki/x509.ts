import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as der from './der.js';
import { bytesToIp, ipToBytes } from '../apimachinery/net.js';

/** Object identifiers used in the certificates this module writes and reads. */
export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  anyExtendedKeyUsage: '2.5.29.37.0',
  extensionRequest: '1.2.840.113549.1.9.14',
} as const;

/** Extended key usages a certificate can be issued for. */
export type ExtendedKeyUsage = 'serverAuth' | 'clientAuth';

/** Subject or issuer name: one CN and any number of O (each its own RDN, O before CN as Go orders them). */
export interface DistinguishedName {
  commonName: string;
  organizations?: string[];
}

/** The certificate that signs a new one, and its key. */
export interface Signer {
  certificate: X509Certificate;
  privateKey: KeyObject;
}

/** What to put in a new certificate. */
export interface CertificateTemplate {
  subject: DistinguishedName;
  /** The subject's public key. */
  publicKey: KeyObject;
  /** The issuing CA; absent for a self-signed certificate, which `selfSigningKey` then signs. */
  issuer?: Signer;
  /** Private key matching `publicKey`; required when `issuer` is absent. */
  selfSigningKey?: KeyObject;
  /** Whether this is a CA certificate (basicConstraints CA:TRUE, keyCertSign). Default false. */
  isCA?: boolean;
  /** Validity in days from `notBefore`. */
  validDays: number;
  /** Start of validity. Default: five minutes ago, to tolerate small clock skew between machines. */
  notBefore?: Date;
  /** Extended key usages. Default none. */
  extKeyUsages?: ExtendedKeyUsage[];
  /** DNS subject alternative names. Default none. */
  dnsNames?: string[];
  /** IP subject alternative names. Default none. */
  ips?: string[];
}

/** Subject alternative names of a certificate, IPs in canonical text form. */
export interface SubjectAltNames {
  dnsNames: string[];
  ips: string[];
}

/** A new EC P-256 (prime256v1) private key, as k3s uses. */
export function generatePrivateKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

/** PEM of a private key: SEC1 `EC PRIVATE KEY` for EC keys (as k3s writes them), PKCS#1 for RSA. */
export function privateKeyToPem(key: KeyObject): string {
  const type = key.asymmetricKeyType === 'ec' ? 'sec1' : key.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'pkcs8';
  return key.export({ type, format: 'pem' }).toString();
}

/** Builds and signs an X.509 v3 certificate; returns it as PEM. */
export function createCertificate(template: CertificateTemplate): string {
  const signingKey = template.issuer?.privateKey ?? template.selfSigningKey;
  if (!signingKey) throw new Error('createCertificate: either issuer or selfSigningKey is required');
  const spki = template.publicKey.export({ type: 'spki', format: 'der' });
  const subjectKeyId = keyIdentifier(spki);
  const subjectName = encodeName(template.subject);
  const issuerName = template.issuer ? certificateFields(template.issuer.certificate.raw).subject : subjectName;
  const authorityKeyId = template.issuer ? issuerKeyIdentifier(template.issuer.certificate) : subjectKeyId;

  const notBefore = template.notBefore ?? new Date(Date.now() - 5 * 60 * 1000);
  const notAfter = new Date(notBefore.getTime() + template.validDays * 24 * 60 * 60 * 1000);
  const signatureAlgorithm = signatureAlgorithmFor(signingKey);

  const extensions: Buffer[] = [
    extension(OID.keyUsage, true, template.isCA ? der.namedBitString([0, 5, 6]) : der.namedBitString([0])),
  ];
  if (template.extKeyUsages?.length) {
    extensions.push(extension(OID.extKeyUsage, false, der.sequence(...template.extKeyUsages.map((u) => der.oid(OID[u])))));
  }
  extensions.push(extension(OID.basicConstraints, true, template.isCA ? der.sequence(der.boolean(true)) : der.sequence()));
  extensions.push(extension(OID.subjectKeyIdentifier, false, der.octetString(subjectKeyId)));
  if (template.issuer) {
    extensions.push(extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicitPrimitive(0, authorityKeyId))));
  }
  const altNames = encodeAltNames(template.dnsNames ?? [], template.ips ?? []);
  if (altNames) extensions.push(extension(OID.subjectAltName, false, altNames));

  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // positive, at most 20 octets (RFC 5280 4.1.2.2)
  serial[0]! |= 0x01; // never zero
  const tbs = der.sequence(
    der.explicit(0, der.unsignedInteger(2)),
    der.unsignedInteger(serial),
    signatureAlgorithm,
    issuerName,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    subjectName,
    spki,
    der.explicit(3, der.sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, { key: signingKey, dsaEncoding: 'der' });
  const certificate = der.sequence(tbs, signatureAlgorithm, der.bitStringBytes(signature));
  return toPem('CERTIFICATE', certificate);
}

/** The subjectAltName extension value for DNS names and IPs, or undefined when there are none. */
export function encodeAltNames(dnsNames: string[], ips: string[]): Buffer | undefined {
  const altNames = [
    ...dnsNames.map((name) => der.implicitPrimitive(2, Buffer.from(name, 'ascii'))),
    ...ips.map((ip) => der.implicitPrimitive(7, ipToBytes(ip))),
  ];
  return altNames.length ? der.sequence(...altNames) : undefined;
}

/** Subject alternative names read from a certificate's extension (empty lists when it has none). */
export function subjectAltNames(certificate: X509Certificate): SubjectAltNames {
  return decodeAltNames(certificateExtensions(certificate.raw).get(OID.subjectAltName)?.value);
}

/** DNS names and IPs of a subjectAltName extension value (empty lists for undefined). */
export function decodeAltNames(value: Buffer | undefined): SubjectAltNames {
  const result: SubjectAltNames = { dnsNames: [], ips: [] };
  if (!value) return result;
  for (const name of der.readChildren(der.readElement(value).content)) {
    if (name.tag === 0x82) result.dnsNames.push(name.content.toString('ascii'));
    else if (name.tag === 0x87) result.ips.push(bytesToIp(name.content));
  }
  return result;
}

/** The extended key usage OIDs of a certificate, or undefined when it has no such extension. */
export function extendedKeyUsageOids(certificate: X509Certificate): string[] | undefined {
  const value = certificateExtensions(certificate.raw).get(OID.extKeyUsage)?.value;
  if (!value) return undefined;
  return der.readChildren(der.readElement(value).content).map((element) => der.decodeOid(element.content));
}

/** Extended key usages of a certificate (only the ones this module knows by name). */
export function extendedKeyUsages(certificate: X509Certificate): ExtendedKeyUsage[] {
  const usages: ExtendedKeyUsage[] = [];
  for (const dotted of extendedKeyUsageOids(certificate) ?? []) {
    if (dotted === OID.serverAuth) usages.push('serverAuth');
    else if (dotted === OID.clientAuth) usages.push('clientAuth');
  }
  return usages;
}

/** Common name and organizations of a certificate's subject. */
export function subjectName(certificate: X509Certificate): Required<DistinguishedName> {
  return decodeName(certificateFields(certificate.raw).subject);
}

/** Whether a host entry (from a SAN list) is an IP address rather than a DNS name. */
export function isIPAddress(host: string): boolean {
  return isIP(host) !== 0;
}

/** Canonical text of an IP (so `::0001` and `::1` compare equal). */
export function canonicalIP(ip: string): string {
  return bytesToIp(ipToBytes(ip));
}

/** PEM text of a DER body under `label` (64-column base64). */
export function toPem(label: string, body: Buffer): string {
  const base64 = body.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}

/** One X.509 extension (id, critical flag when set, value). */
export function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? der.sequence(der.oid(id), der.boolean(true), der.octetString(value))
    : der.sequence(der.oid(id), der.octetString(value));
}

/** DER of a name: each O its own RDN, then CN (as Go orders them). */
export function encodeName(name: DistinguishedName): Buffer {
  const rdn = (type: string, value: string): Buffer => der.set(der.sequence(der.oid(type), der.utf8String(value)));
  return der.sequence(
    ...(name.organizations ?? []).map((o) => rdn(OID.organization, o)),
    rdn(OID.commonName, name.commonName),
  );
}

/** CN and O of a DER name. */
export function decodeName(encoded: Buffer): Required<DistinguishedName> {
  const result: Required<DistinguishedName> = { commonName: '', organizations: [] };
  for (const rdn of der.readChildren(der.readElement(encoded).content)) {
    for (const attribute of der.readChildren(rdn.content)) {
      const [type, value] = der.readChildren(attribute.content);
      if (!type || !value) continue;
      const dotted = der.decodeOid(type.content);
      const text = value.content.toString('utf8');
      if (dotted === OID.commonName) result.commonName = text;
      else if (dotted === OID.organization) result.organizations.push(text);
    }
  }
  return result;
}

/** The AlgorithmIdentifier a key signs with (SHA-256 with ECDSA or RSA). */
export function signatureAlgorithmFor(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'ec') return der.sequence(der.oid(OID.ecdsaWithSHA256));
  if (key.asymmetricKeyType === 'rsa') return der.sequence(der.oid(OID.sha256WithRSAEncryption), der.tlv(der.Tag.NULL, Buffer.alloc(0)));
  throw new Error(`unsupported signing key type ${key.asymmetricKeyType ?? 'unknown'}`);
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: Buffer): Buffer {
  const [, publicKeyBits] = der.readChildren(der.readElement(spki).content);
  if (!publicKeyBits) throw new Error('malformed SubjectPublicKeyInfo');
  return createHash('sha1').update(publicKeyBits.content.subarray(1)).digest();
}

function issuerKeyIdentifier(issuer: X509Certificate): Buffer {
  const value = certificateExtensions(issuer.raw).get(OID.subjectKeyIdentifier)?.value;
  if (value) return der.readElement(value).content;
  return keyIdentifier(createPublicKey(issuer.publicKey).export({ type: 'spki', format: 'der' }));
}

interface CertificateFields {
  subject: Buffer;
  extensions: Buffer | undefined;
}

function certificateFields(raw: Buffer): CertificateFields {
  const [tbs] = der.readChildren(der.readElement(raw).content);
  if (!tbs) throw new Error('malformed certificate');
  const fields = der.readChildren(tbs.content);
  const start = fields[0]?.tag === 0xa0 ? 1 : 0;
  // serial, signature, issuer, validity, subject, subjectPublicKeyInfo follow the optional version.
  const subject = fields[start + 4];
  if (!subject) throw new Error('malformed certificate: no subject');
  const extensions = fields.slice(start + 6).find((f) => f.tag === 0xa3);
  return { subject: subject.encoded, extensions: extensions?.content };
}

function certificateExtensions(raw: Buffer): Map<string, { critical: boolean; value: Buffer }> {
  const result = new Map<string, { critical: boolean; value: Buffer }>();
  const { extensions } = certificateFields(raw);
  if (!extensions) return result;
  for (const ext of der.readChildren(der.readElement(extensions).content)) {
    const parts = der.readChildren(ext.content);
    const id = parts[0];
    const value = parts[parts.length - 1];
    if (!id || !value || value.tag !== der.Tag.OCTET_STRING) continue;
    const critical = parts.length === 3 && parts[1]?.content[0] === 0xff;
    result.set(der.decodeOid(id.content), { critical, value: value.content });
  }
  return result;
}
