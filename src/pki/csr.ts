/**
 * PKCS#10 certificate signing requests (RFC 2986), as a node writes one for its client or
 * serving certificate and as the API server reads one from a CertificateSigningRequest's
 * `spec.request`.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import * as der from './der.js';
import {
  decodeAltNames,
  decodeName,
  encodeAltNames,
  encodeName,
  extension,
  OID,
  signatureAlgorithmFor,
  toPem,
  type DistinguishedName,
} from './x509.js';

/** What a request asks for. */
export interface CertificateRequestTemplate {
  subject: DistinguishedName;
  /** DNS subject alternative names. Default none. */
  dnsNames?: string[];
  /** IP subject alternative names. Default none. */
  ips?: string[];
}

/** A request read and checked: its subject, SANs and the public key it certifies. */
export interface ParsedCertificateRequest {
  subject: Required<DistinguishedName>;
  dnsNames: string[];
  ips: string[];
  publicKey: KeyObject;
}

const pemLabel = 'CERTIFICATE REQUEST';

/** Writes a PKCS#10 request for `privateKey`'s public key, signed with it; returns PEM. */
export function createCertificateRequest(privateKey: KeyObject, template: CertificateRequestTemplate): string {
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const altNames = encodeAltNames(template.dnsNames ?? [], template.ips ?? []);
  const attributes = altNames
    ? [der.sequence(der.oid(OID.extensionRequest), der.set(der.sequence(extension(OID.subjectAltName, false, altNames))))]
    : [];
  // attributes is [0] IMPLICIT SET OF Attribute: a constructed context tag 0 around the SET's content.
  const info = der.sequence(der.unsignedInteger(0), encodeName(template.subject), spki, der.tlv(0xa0, Buffer.concat(attributes)));
  const signature = sign('sha256', info, { key: privateKey, dsaEncoding: 'der' });
  return toPem(pemLabel, der.sequence(info, signatureAlgorithmFor(privateKey), der.bitStringBytes(signature)));
}

/**
 * Reads a PEM request and verifies its self-signature, as upstream's ParseCSR and
 * CheckSignature do. Throws an Error whose message says what is wrong (for a 422 detail).
 */
export function parseCertificateRequest(pem: string): ParsedCertificateRequest {
  const match = /-----BEGIN ([A-Z ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/.exec(pem);
  if (!match) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  if (match[1] !== pemLabel) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const body = Buffer.from(match[2]!.replace(/\s/g, ''), 'base64');
  let info: der.DerElement;
  let algorithm: string;
  let signature: Buffer;
  let fields: der.DerElement[];
  try {
    const outer = der.readElement(body);
    const parts = der.readChildren(outer.content);
    if (outer.tag !== der.Tag.SEQUENCE || parts.length !== 3) throw new Error('not a SEQUENCE of three');
    info = parts[0]!;
    algorithm = der.decodeOid(der.readChildren(parts[1]!.content)[0]!.content);
    signature = parts[2]!.content.subarray(1);
    fields = der.readChildren(info.content);
    if (fields.length < 3) throw new Error('short certificationRequestInfo');
  } catch (err) {
    throw new Error(`asn1: structure error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: fields[2]!.encoded, format: 'der', type: 'spki' });
  } catch (err) {
    throw new Error('x509: unsupported public key', { cause: err });
  }
  if (algorithm !== OID.ecdsaWithSHA256 && algorithm !== OID.sha256WithRSAEncryption) {
    throw new Error(`x509: cannot verify signature: algorithm ${algorithm} is unimplemented`);
  }
  if (!verify('sha256', info.encoded, { key: publicKey, dsaEncoding: 'der' }, signature)) {
    throw new Error(publicKey.asymmetricKeyType === 'ec' ? 'x509: ECDSA verification failure' : 'crypto/rsa: verification error');
  }
  const subject = decodeName(fields[1]!.encoded);
  let altNames: Buffer | undefined;
  const attributes = fields[3];
  if (attributes && attributes.tag === 0xa0) {
    for (const attribute of der.readChildren(attributes.content)) {
      const [type, values] = der.readChildren(attribute.content);
      if (!type || !values || der.decodeOid(type.content) !== OID.extensionRequest) continue;
      for (const extensions of der.readChildren(values.content)) {
        for (const ext of der.readChildren(extensions.content)) {
          const parts = der.readChildren(ext.content);
          if (parts[0] && der.decodeOid(parts[0].content) === OID.subjectAltName) altNames = parts[parts.length - 1]!.content;
        }
      }
    }
  }
  return { subject, ...decodeAltNames(altNames), publicKey };
}
