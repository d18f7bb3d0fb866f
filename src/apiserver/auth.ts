import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  bearerToken,
  identityFromTLSSocket,
  withAuthenticatedGroup,
  type TokenAuthenticator,
  type UserIdentity,
} from '../pki/verify.js';
import type { RequestInfo } from './request-info.js';

/** Who made a request. */
export type UserInfo = UserIdentity;

/** Finds the user behind a request, or undefined for an anonymous one. */
export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined;
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
 * Authenticates by bearer token or by a client certificate that the client CA signed
 * (CN is the user, O the groups, as upstream). An unknown bearer token is anonymous.
 */
export class CertAndTokenAuthenticator implements Authenticator {
  /** A connection's certificate never changes, so its identity is worked out once (parsing X.509 is costly). */
  private readonly bySocket = new WeakMap<TLSSocket, UserInfo | null>();

  constructor(private readonly tokens: TokenAuthenticator) {}

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const token = bearerToken(req.headers.authorization);
    if (token !== undefined) {
      const identity = this.tokens.authenticateToken(token);
      return identity && withAuthenticatedGroup(identity);
    }
    const socket = req.socket as TLSSocket;
    let identity = this.bySocket.get(socket);
    if (identity === undefined) {
      const found = identityFromTLSSocket(socket);
      identity = found ? withAuthenticatedGroup(found) : null;
      this.bySocket.set(socket, identity);
    }
    return identity ?? undefined;
  }
}
