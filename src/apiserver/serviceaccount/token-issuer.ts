import { randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { systemClock, type NowClock } from '../../apimachinery/clock.js';
import { decodeJwt, JwtError, keyIdOf, publicJwk, signJwt, verifyJwtSignature, algorithmOf } from '../../pki/jwt.js';

/** Upstream's default --service-account-issuer (kubeadm's and k3s's). */
export const defaultIssuer = 'https://kubernetes.default.svc.cluster.local';

/** The issuer of legacy (Secret-based) tokens, as upstream's. */
export const legacyIssuer = 'kubernetes/serviceaccount';

/** The user name of a service account, `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** An object a token names: its name and UID. */
export interface ObjectRef {
  name: string;
  uid: string;
}

/** What a TokenRequest asks to be signed. */
export interface TokenClaimsRequest {
  namespace: string;
  serviceAccount: ObjectRef;
  audiences: string[];
  expirationSeconds: number;
  /** The pod the token is bound to (it dies with the pod). */
  pod?: ObjectRef;
  /** The secret the token is bound to. */
  secret?: ObjectRef;
  /** The node of the bound pod, as upstream records it. */
  node?: ObjectRef;
}

/** A token's verified claims, as the authenticator needs them. */
export interface ServiceAccountClaims {
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  /** The token's ID (`jti`), absent in legacy tokens. */
  id?: string;
  /** The audiences the token was accepted for (its own that intersect the wanted ones). */
  audiences: string[];
  /** True for a legacy token from a `kubernetes.io/service-account-token` Secret. */
  legacy: boolean;
}

/** Why a token is refused (its message is what TokenReview reports). */
export class InvalidTokenError extends Error {}

/** Options of {@link ServiceAccountTokenIssuer}. */
export interface ServiceAccountTokenIssuerOptions {
  /** The signing key (ECDSA P-256 or RSA). */
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The `iss` of issued tokens (upstream's --service-account-issuer). Default {@link defaultIssuer}. */
  issuer?: string;
  /** The audiences the API server accepts (upstream's --api-audiences). Default: `[issuer]`. */
  apiAudiences?: string[];
  /** The `jwks_uri` of the discovery document. Default: the issuer's `/openid/v1/jwks`. */
  jwksURI?: string;
  /** Default: the system clock. */
  clock?: NowClock;
}

type Claims = Record<string, unknown>;

function objectRef(value: unknown): ObjectRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, uid } = value as Record<string, unknown>;
  return typeof name === 'string' && typeof uid === 'string' ? { name, uid } : undefined;
}

function audiencesOf(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

/**
 * Signs and verifies service-account tokens as upstream's token generator and validator:
 * bound tokens (TokenRequest) with `iss`, `sub`, `aud`, `exp`, `iat`, `nbf`, `jti` and the
 * `kubernetes.io` claim; legacy tokens (Secrets) with upstream's legacy claims and no expiry.
 * Verification here covers signature, issuer, time and audience; whether the service
 * account and bound objects still exist is the authenticator's part.
 */
export class ServiceAccountTokenIssuer {
  /** The `iss` of issued tokens. */
  readonly issuer: string;
  /** The audiences the API server accepts. */
  readonly apiAudiences: readonly string[];
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly kid: string;
  private readonly clock: NowClock;
  private readonly jwksURI: string;

  constructor(options: ServiceAccountTokenIssuerOptions) {
    this.privateKey = options.privateKey;
    this.publicKey = options.publicKey;
    algorithmOf(this.publicKey);
    this.kid = keyIdOf(this.publicKey);
    this.issuer = options.issuer ?? defaultIssuer;
    this.apiAudiences = options.apiAudiences ?? [this.issuer];
    this.clock = options.clock ?? systemClock;
    this.jwksURI = options.jwksURI ?? new URL('/openid/v1/jwks', this.issuer).toString();
  }

  /** Signs a bound token; returns it with its expiry. */
  issue(request: TokenClaimsRequest): { token: string; expirationTimestamp: Date } {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const exp = now + request.expirationSeconds;
    const privateClaims: Claims = {
      namespace: request.namespace,
      ...(request.node ? { node: request.node } : {}),
      ...(request.pod ? { pod: request.pod } : {}),
      ...(request.secret ? { secret: request.secret } : {}),
      serviceaccount: request.serviceAccount,
    };
    const claims: Claims = {
      aud: request.audiences,
      exp,
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': privateClaims,
      nbf: now,
      sub: serviceAccountUsername(request.namespace, request.serviceAccount.name),
    };
    return { token: signJwt(claims, this.privateKey, this.kid), expirationTimestamp: new Date(exp * 1000) };
  }

  /** Signs a legacy token for a `kubernetes.io/service-account-token` Secret (no audience, no expiry). */
  issueLegacy(namespace: string, serviceAccount: ObjectRef, secretName: string): string {
    const claims: Claims = {
      iss: legacyIssuer,
      'kubernetes.io/serviceaccount/namespace': namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': serviceAccount.name,
      'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.uid,
      sub: serviceAccountUsername(namespace, serviceAccount.name),
    };
    return signJwt(claims, this.privateKey, this.kid);
  }

  /**
   * Whether a token looks like one of ours (a JWT whose `iss` is this issuer or the legacy one),
   * so that other bearer tokens go to other authenticators.
   */
  isOurs(token: string): boolean {
    // A compact JWS has three parts; other bearer tokens (static, bootstrap) are not worth a
    // thrown error each on every request.
    const first = token.indexOf('.');
    if (first < 0 || token.indexOf('.', first + 1) < 0) return false;
    try {
      const { claims } = decodeJwt(token);
      return claims.iss === this.issuer || claims.iss === legacyIssuer;
    } catch (err) {
      if (err instanceof JwtError) return false;
      throw err;
    }
  }

  /**
   * Verifies a token's signature, issuer, validity period and (for bound tokens) audience:
   * it must share one with `audiences` (default: the API audiences). Throws
   * {@link InvalidTokenError} saying why not.
   */
  verify(token: string, audiences: readonly string[] = this.apiAudiences): ServiceAccountClaims {
    let jwt;
    try {
      jwt = decodeJwt(token);
    } catch (err) {
      if (err instanceof JwtError) throw new InvalidTokenError(`invalid bearer token, ${err.message}`);
      throw err;
    }
    if (!verifyJwtSignature(jwt, [this.publicKey])) throw new InvalidTokenError('invalid bearer token, token could not be validated.');
    const claims = jwt.claims;
    if (claims.iss === legacyIssuer) return this.legacyClaims(claims);
    if (claims.iss !== this.issuer) throw new InvalidTokenError('invalid bearer token, token issuer is not accepted');
    const now = Math.floor(this.clock.now().getTime() / 1000);
    if (typeof claims.exp !== 'number' || now >= claims.exp) throw new InvalidTokenError('invalid bearer token, service account token has expired');
    if (typeof claims.nbf === 'number' && now < claims.nbf) throw new InvalidTokenError('invalid bearer token, service account token is not valid yet');
    const accepted = audiencesOf(claims.aud).filter((a) => audiences.includes(a));
    if (accepted.length === 0) throw new InvalidTokenError('invalid bearer token, token audiences ' + JSON.stringify(audiencesOf(claims.aud)) + ' is invalid for the target audiences ' + JSON.stringify(audiences));
    const k8s = claims['kubernetes.io'] as Claims | undefined;
    const namespace = k8s?.namespace;
    const serviceAccount = objectRef(k8s?.serviceaccount);
    if (typeof namespace !== 'string' || !serviceAccount) throw new InvalidTokenError('invalid bearer token, token has no kubernetes.io claim');
    if (claims.sub !== serviceAccountUsername(namespace, serviceAccount.name)) throw new InvalidTokenError('invalid bearer token, sub does not match the service account');
    return {
      namespace,
      serviceAccount,
      pod: objectRef(k8s?.pod),
      secret: objectRef(k8s?.secret),
      node: objectRef(k8s?.node),
      id: typeof claims.jti === 'string' ? claims.jti : undefined,
      audiences: accepted,
      legacy: false,
    };
  }

  private legacyClaims(claims: Claims): ServiceAccountClaims {
    const namespace = claims['kubernetes.io/serviceaccount/namespace'];
    const name = claims['kubernetes.io/serviceaccount/service-account.name'];
    const uid = claims['kubernetes.io/serviceaccount/service-account.uid'];
    const secretName = claims['kubernetes.io/serviceaccount/secret.name'];
    if (typeof namespace !== 'string' || typeof name !== 'string' || typeof uid !== 'string' || typeof secretName !== 'string') {
      throw new InvalidTokenError('invalid bearer token, token lacks legacy service account claims');
    }
    return { namespace, serviceAccount: { name, uid }, secret: { name: secretName, uid: '' }, audiences: [...this.apiAudiences], legacy: true };
  }

  /** The key set served at /openid/v1/jwks. */
  jwks(): { keys: JsonWebKey[] } {
    return { keys: [publicJwk(this.publicKey)] };
  }

  /** The document served at /.well-known/openid-configuration, as upstream's. */
  openIDConfiguration(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: this.jwksURI,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [algorithmOf(this.publicKey)],
    };
  }
}
