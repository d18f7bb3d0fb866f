import type { Pod, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { systemClock, type NowClock } from '../../apimachinery/clock.js';
import type { UserIdentity } from '../../pki/verify.js';
import { InvalidTokenError, serviceAccountUsername, type ServiceAccountTokenIssuer } from './token-issuer.js';

/**
 * Synchronous lookups of the objects a token names (backed by watch caches, so that checking a
 * token costs no store read).
 */
export interface ServiceAccountObjects {
  serviceAccount(namespace: string, name: string): ServiceAccount | undefined;
  pod(namespace: string, name: string): Pod | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

/** The extra keys upstream puts on service-account users. */
export const podNameExtra = 'authentication.kubernetes.io/pod-name';
export const podUIDExtra = 'authentication.kubernetes.io/pod-uid';
export const nodeNameExtra = 'authentication.kubernetes.io/node-name';
export const nodeUIDExtra = 'authentication.kubernetes.io/node-uid';
export const credentialIDExtra = 'authentication.kubernetes.io/credential-id';

/** Options of {@link ServiceAccountTokenAuthenticator}. */
export interface ServiceAccountTokenAuthenticatorOptions {
  issuer: ServiceAccountTokenIssuer;
  objects: ServiceAccountObjects;
  /** Default: the system clock. */
  clock?: NowClock;
}

/** An object whose deletion deadline has passed no longer backs a token (upstream waits out the grace period). */
function gone(obj: { metadata?: { deletionTimestamp?: string } } | undefined, uid: string | undefined, now: Date): boolean {
  if (!obj) return true;
  if (uid !== undefined && (obj.metadata as { uid?: string } | undefined)?.uid !== uid) return true;
  const deletion = obj.metadata?.deletionTimestamp;
  return deletion !== undefined && new Date(deletion).getTime() < now.getTime();
}

/**
 * Authenticates service-account tokens as upstream's service-account authenticator: a valid
 * signature from this issuer, not expired, an audience the caller accepts, the service account
 * still there with the same UID, and the pod or secret the token is bound to likewise. The user
 * is `system:serviceaccount:<ns>:<name>` in the groups `system:serviceaccounts` and
 * `system:serviceaccounts:<ns>`, with the bound pod (and its node) in `extra`.
 */
export class ServiceAccountTokenAuthenticator {
  private readonly issuer: ServiceAccountTokenIssuer;
  private readonly objects: ServiceAccountObjects;
  private readonly clock: NowClock;

  constructor(options: ServiceAccountTokenAuthenticatorOptions) {
    this.issuer = options.issuer;
    this.objects = options.objects;
    this.clock = options.clock ?? systemClock;
  }

  /** Whether the token is a JWT this issuer would have signed (else other authenticators try it). */
  handles(token: string): boolean {
    return this.issuer.isOurs(token);
  }

  /** The identity behind a token and the audiences it was accepted for; throws {@link InvalidTokenError} saying why not. */
  review(token: string, audiences?: readonly string[]): { user: UserIdentity; audiences: string[] } {
    const claims = this.issuer.verify(token, audiences);
    const now = this.clock.now();
    const { namespace } = claims;
    const serviceAccount = this.objects.serviceAccount(namespace, claims.serviceAccount.name);
    if (gone(serviceAccount, claims.serviceAccount.uid, now)) throw new InvalidTokenError('Token has been invalidated');
    if (claims.legacy) {
      const secret = this.objects.secret(namespace, claims.secret?.name ?? '');
      if (gone(secret, undefined, now)) throw new InvalidTokenError('Token has been invalidated');
      const stored = secret?.data?.token === undefined ? '' : Buffer.from(secret.data.token, 'base64').toString('utf8');
      if (stored !== token) throw new InvalidTokenError("Token does not match server's copy");
    } else if (claims.secret && gone(this.objects.secret(namespace, claims.secret.name), claims.secret.uid, now)) {
      throw new InvalidTokenError('Token has been invalidated');
    }
    if (claims.pod && gone(this.objects.pod(namespace, claims.pod.name), claims.pod.uid, now)) throw new InvalidTokenError('Token has been invalidated');
    const extra: Record<string, string[]> = {};
    if (claims.pod) {
      extra[podNameExtra] = [claims.pod.name];
      extra[podUIDExtra] = [claims.pod.uid];
    }
    if (claims.node) {
      extra[nodeNameExtra] = [claims.node.name];
      extra[nodeUIDExtra] = [claims.node.uid];
    }
    if (claims.id) extra[credentialIDExtra] = [`JTI=${claims.id}`];
    const user: UserIdentity = {
      user: serviceAccountUsername(namespace, claims.serviceAccount.name),
      uid: claims.serviceAccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
      ...(Object.keys(extra).length > 0 ? { extra } : {}),
    };
    return { user, audiences: claims.audiences };
  }

  /** The identity behind a token for the API's own audiences, or undefined when it does not authenticate. */
  authenticateToken(token: string): UserIdentity | undefined {
    try {
      return this.review(token).user;
    } catch (err) {
      if (err instanceof InvalidTokenError) return undefined;
      throw err;
    }
  }
}
