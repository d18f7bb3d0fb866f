import { createHash, createPublicKey, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The signing algorithms Skiff issues and accepts (JWS names). */
export type JwtAlgorithm = 'ES256' | 'RS256';

/** A JWT's protected header. */
export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

/** A JWT taken apart: header, claims, and what the signature covers. Nothing in it is verified. */
export interface DecodedJwt {
  header: JwtHeader;
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Why a token could not be read or verified. */
export class JwtError extends Error {}

/** The JWS algorithm for a key: ES256 for P-256 EC keys, RS256 for RSA keys. */
export function algorithmOf(key: KeyObject): JwtAlgorithm {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  throw new JwtError(`unsupported signing key type ${key.asymmetricKeyType ?? 'unknown'}`);
}

/**
 * The key ID of a public key as upstream computes it for service-account tokens: the
 * unpadded base64url SHA-256 of its DER (PKIX) encoding.
 */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('base64url');
}

/** The public key as a JSON Web Key with `kid`, `use: sig` and `alg`, as served at /openid/v1/jwks. */
export function publicJwk(publicKey: KeyObject): JsonWebKey {
  const jwk = publicKey.export({ format: 'jwk' });
  return { use: 'sig', kty: jwk.kty, kid: keyIdOf(publicKey), alg: algorithmOf(publicKey), ...jwk };
}

function encodePart(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs claims as a compact JWS with the private key (ES256 or RS256 by key type) and key ID. */
export function signJwt(claims: Record<string, unknown>, privateKey: KeyObject, kid: string): string {
  const alg = algorithmOf(privateKey);
  const signingInput = `${encodePart({ alg, kid, typ: 'JWT' })}.${encodePart(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput), alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

const base64url = /^[A-Za-z0-9_-]*$/;

function decodeJSONPart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError(`malformed ${what}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JwtError(`malformed ${what}`);
  return value as Record<string, unknown>;
}

/** Takes a compact JWS apart without verifying it; a JwtError when it is not one. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => base64url.test(p)) || parts[0] === '' || parts[1] === '') {
    throw new JwtError('not a compact JWS');
  }
  const header = decodeJSONPart(parts[0]!, 'header');
  if (typeof header.alg !== 'string') throw new JwtError('malformed header: no alg');
  return {
    header: header as unknown as JwtHeader,
    claims: decodeJSONPart(parts[1]!, 'claims'),
    signingInput: `${parts[0]}.${parts[1]}`,
    signature: Buffer.from(parts[2]!, 'base64url'),
  };
}

/**
 * Checks a decoded token's signature against one of the public keys (by `kid` when the header
 * names one, else each). The header's `alg` must be the key's; `none` and HMAC never pass.
 */
export function verifyJwtSignature(jwt: DecodedJwt, publicKeys: readonly KeyObject[]): boolean {
  for (const key of publicKeys) {
    const publicKey = key.type === 'private' ? createPublicKey(key) : key;
    if (jwt.header.kid !== undefined && jwt.header.kid !== keyIdOf(publicKey)) continue;
    const alg = algorithmOf(publicKey);
    if (jwt.header.alg !== alg) continue;
    const ok = verify('sha256', Buffer.from(jwt.signingInput), alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey, jwt.signature);
    if (ok) return true;
  }
  return false;
}
