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
  authorize(user: UserInfo, info: RequestInfo): { allowed: boolean; reason?: string };
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
  constructor(private readonly tokens: TokenAuthenticator) {}

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const token = bearerToken(req.headers.authorization);
    const identity = token !== undefined ? this.tokens.authenticateToken(token) : identityFromTLSSocket(req.socket as TLSSocket);
    return identity && withAuthenticatedGroup(identity);
  }
}
