import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import {
  bearerToken,
  identityFromTLSSocket,
  withAuthenticatedGroup,
  type TokenAuthenticator,
  type UserIdentity,
} from '../pki/verify.js';
import type { RequestInfo } from './request-info.js';
import type { ServiceAccountTokenAuthenticator } from './serviceaccount/token-authenticator.js';
import { InvalidTokenError } from './serviceaccount/token-issuer.js';

/** Who made a request. */
export type UserInfo = UserIdentity;

/** Finds the user behind a request, or undefined for an anonymous one. */
export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined;
  /** A bearer token alone, as TokenReview asks (default audiences: the API's). */
  reviewToken?(token: string, audiences?: readonly string[]): TokenReviewResult;
}

/** What a token review finds: the user and the audiences the token is good for, or why not. */
export interface TokenReviewResult {
  user?: UserInfo;
  audiences?: string[];
  error?: string;
}

/** Decides whether a user may do what a request asks; the one pluggable authorization step. */
export interface Authorizer {
  /** `denied` (optional) tells an explicit deny from no opinion, as access reviews report it. */
  authorize(user: UserInfo, info: RequestInfo): { allowed: boolean; denied?: boolean; reason?: string };
}

/** Allows every authenticated request (RBAC comes later, behind the same interface). */
export const allowAuthenticated: Authorizer = {
  authorize: () => ({ allowed: true }),
};

/**
 * The TLS connection a request came on, one object per connection: on HTTP/2, `req.socket` is a
 * new proxy for each stream, while the session's `socket` stays the same for all its streams.
 */
function connectionOf(req: IncomingMessage): TLSSocket {
  const session = (req as unknown as Partial<Http2ServerRequest>).stream?.session;
  return (session?.socket ?? req.socket) as TLSSocket;
}

/**
 * Authenticates by bearer token or by a client certificate that the client CA signed
 * (CN is the user, O the groups, as upstream). An unknown bearer token is anonymous.
 */
export class CertAndTokenAuthenticator implements Authenticator {
  /** A connection's certificate never changes, so its identity is worked out once (parsing X.509 is costly). */
  private readonly bySocket = new WeakMap<TLSSocket, UserInfo | null>();

  /** `serviceAccounts` (optional) authenticates service-account JWTs before the static tokens are tried. */
  constructor(
    private readonly tokens: TokenAuthenticator,
    private readonly serviceAccounts?: ServiceAccountTokenAuthenticator,
  ) {}

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const token = bearerToken(req.headers.authorization);
    if (token !== undefined) {
      const identity = this.serviceAccounts?.handles(token) ? this.serviceAccounts.authenticateToken(token) : this.tokens.authenticateToken(token);
      return identity && withAuthenticatedGroup(identity);
    }
    const socket = connectionOf(req);
    let identity = this.bySocket.get(socket);
    if (identity === undefined) {
      const found = identityFromTLSSocket(socket);
      identity = found ? withAuthenticatedGroup(found) : null;
      this.bySocket.set(socket, identity);
    }
    return identity ?? undefined;
  }

  reviewToken(token: string, audiences?: readonly string[]): TokenReviewResult {
    if (this.serviceAccounts?.handles(token)) {
      try {
        const { user, audiences: accepted } = this.serviceAccounts.review(token, audiences);
        return { user: withAuthenticatedGroup(user), audiences: accepted };
      } catch (err) {
        if (err instanceof InvalidTokenError) return { error: err.message };
        throw err;
      }
    }
    const identity = this.tokens.authenticateToken(token);
    return identity ? { user: withAuthenticatedGroup(identity) } : { error: 'invalid bearer token' };
  }
}
