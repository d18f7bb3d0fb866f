import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { readFileIfExists } from './files.js';
import { extendedKeyUsageOids, OID, subjectName } from './x509.js';

/** An authenticated user, as upstream's user.Info (name, uid, groups). */
export interface UserIdentity {
  user: string;
  uid?: string;
  groups: string[];
  /** Further facts about the user (upstream's user.Info extra), e.g. the pod a service-account token is bound to. */
  extra?: Record<string, string[]>;
}

/** The group every authenticated user is in (upstream adds it after authentication). */
export const AUTHENTICATED_GROUP = 'system:authenticated';

/**
 * The identity a client certificate asserts, as upstream's x509 authenticator: CN is the user, each O a
 * group. Returns undefined when the CN is empty or the certificate's extended key usages exclude client
 * authentication. It does NOT check the chain: call it only for a certificate the TLS layer verified
 * against the client CA (see `identityFromTLSSocket`).
 */
export function clientIdentityFromCert(cert: X509Certificate | PeerCertificate): UserIdentity | undefined {
  const x509 = cert instanceof X509Certificate ? cert : new X509Certificate(cert.raw);
  const usages = extendedKeyUsageOids(x509);
  if (usages && !usages.includes(OID.clientAuth) && !usages.includes(OID.anyExtendedKeyUsage)) return undefined;
  const name = subjectName(x509);
  if (name.commonName === '') return undefined;
  return { user: name.commonName, groups: name.organizations };
}

/**
 * The identity of the client certificate on a TLS connection, when the client sent one and it chained
 * to the server's `ca` (`socket.authorized`); undefined otherwise. Pair with `requestCert: true,
 * rejectUnauthorized: false` so that clients without certificates can still use bearer tokens.
 */
export function identityFromTLSSocket(socket: TLSSocket): UserIdentity | undefined {
  if (!socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer || !peer.raw) return undefined;
  return clientIdentityFromCert(peer);
}

/** The identity with `system:authenticated` added, unless it is already there or the user is anonymous. */
export function withAuthenticatedGroup(identity: UserIdentity): UserIdentity {
  if (identity.user === 'system:anonymous' || identity.groups.includes(AUTHENTICATED_GROUP)) return identity;
  return { ...identity, groups: [...identity.groups, AUTHENTICATED_GROUP] };
}

/**
 * The token of an `Authorization: Bearer <token>` header, as upstream's bearer token authenticator reads
 * it (scheme case-insensitive); undefined when the header is absent, not Bearer, or the token is empty.
 * A defined token that no authenticator knows is a 401, not anonymous.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  const header = authorization?.trim() ?? '';
  if (header === '') return undefined;
  const parts = header.split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
  const token = parts[1]!;
  return token === '' ? undefined : token;
}

/**
 * Static bearer tokens → identities: upstream's token file authenticator, plus tokens added in code
 * (the generated admin token). Lookups are exact matches.
 */
export class TokenAuthenticator {
  readonly #tokens = new Map<string, UserIdentity>();

  /** An authenticator holding the given token → identity entries (later entries win). */
  constructor(entries: Iterable<readonly [string, UserIdentity]> = []) {
    for (const [token, identity] of entries) this.add(token, identity);
  }

  /**
   * Reads upstream's static token file format (`--token-auth-file`): CSV lines `token,user,uid[,"group1,group2"]`.
   * A missing file gives an empty authenticator.
   */
  static async fromFile(path: string): Promise<TokenAuthenticator> {
    const text = await readFileIfExists(path);
    return new TokenAuthenticator(text === undefined ? [] : parseTokenFile(text, path));
  }

  /** Adds (or replaces) a token. */
  add(token: string, identity: UserIdentity): void {
    if (token === '') throw new Error('token must not be empty');
    this.#tokens.set(token, { ...identity, groups: [...identity.groups] });
  }

  /** The identity for a token, or undefined when it is unknown. */
  authenticateToken(token: string): UserIdentity | undefined {
    const identity = this.#tokens.get(token);
    return identity && { ...identity, groups: [...identity.groups] };
  }

  /** Number of known tokens. */
  get size(): number {
    return this.#tokens.size;
  }
}

/**
 * Parses a static token file as upstream does: CSV (quoted fields, `""` escapes, blank lines skipped),
 * at least 3 columns (token, user name, uid) else an error, an optional 4th column of comma-separated
 * groups, empty tokens skipped, later duplicates winning.
 */
export function parseTokenFile(text: string, source = 'token file'): [string, UserIdentity][] {
  const entries: [string, UserIdentity][] = [];
  for (const record of parseCSV(text)) {
    if (record.length < 3) {
      throw new Error(`token file '${source}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    }
    const [token, user, uid, groups] = record as [string, string, string, string | undefined];
    if (token === '') continue;
    const identity: UserIdentity = { user, uid, groups: groups === undefined ? [] : groups.split(',') };
    entries.push([token, identity]);
  }
  return entries;
}

/** RFC 4180-style CSV as Go's encoding/csv reads it by default (no trimming, blank lines ignored). */
function parseCSV(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  const endRecord = (): void => {
    if (fieldStarted || record.length > 0) {
      record.push(field);
      records.push(record);
    }
    record = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      endRecord();
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new Error('token file: unterminated quoted field');
  endRecord();
  return records;
}
