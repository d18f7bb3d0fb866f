import { createHash, randomBytes } from 'node:crypto';

/**
 * A cluster join token in k3s's formats: the full ("secure") form `K10<sha256 of the server CA PEM>::<username>:<secret>`
 * lets a joining node check the CA it is served; the short form is just the secret.
 */
export interface JoinToken {
  /** Hex SHA-256 of the server CA certificate PEM, when the token is in full form. */
  caHash?: string;
  /** The user part of the full form (`server` for the server token). */
  username?: string;
  /** The secret that authenticates. */
  secret: string;
}

const fullFormPrefix = 'K10';

/** Parses a join token in full or short form. Throws on an empty secret. */
export function parseJoinToken(token: string): JoinToken {
  const text = token.trim();
  const match = /^K10([0-9a-f]{64})::([^:]+):(.+)$/.exec(text);
  const parsed: JoinToken = match ? { caHash: match[1]!, username: match[2]!, secret: match[3]! } : { secret: text };
  if (parsed.secret === '') throw new Error('join token is empty');
  return parsed;
}

/** The full form of a token: `K10<caHash>::<username>:<secret>`. */
export function formatJoinToken(token: Required<JoinToken>): string {
  return `${fullFormPrefix}${token.caHash}::${token.username}:${token.secret}`;
}

/** The CA hash used in the full token form: hex SHA-256 of the CA certificate PEM as served. */
export function caCertificateHash(caCertificatePem: string): string {
  return createHash('sha256').update(caCertificatePem).digest('hex');
}

/** A new random secret (32 random bytes, hex), for join and admin tokens. */
export function randomTokenSecret(): string {
  return randomBytes(32).toString('hex');
}
