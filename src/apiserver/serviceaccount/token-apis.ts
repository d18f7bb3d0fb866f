import type { Node, Pod, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { BoundObjectReference, TokenRequestSpec } from 'kubernetes-types/authentication/v1.js';
import { badRequest, conflict, invalid, type FieldError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { systemClock, type NowClock } from '../../apimachinery/clock.js';
import type { TokenReviewResult } from '../auth.js';
import type { ObjectRef, ServiceAccountTokenIssuer } from './token-issuer.js';

/** Upstream's default TokenRequest lifetime (one hour). */
export const defaultExpirationSeconds = 3600;
/** Upstream's shortest TokenRequest lifetime (ten minutes). */
export const minExpirationSeconds = 600;
const maxExpirationSeconds = 2 ** 32;

/** Options of {@link ServiceAccountTokenApis}. */
export interface ServiceAccountTokenApisOptions {
  issuer: ServiceAccountTokenIssuer;
  /** Reads an object of the core group (a 404 StatusError when missing). */
  getCore(plural: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes', namespace: string, name: string): Promise<KubeObject>;
  /** Reviews a bearer token with the server's authenticators. Default: every token is invalid. */
  reviewToken?(token: string, audiences?: readonly string[]): TokenReviewResult;
  /** Default: the system clock. */
  clock?: NowClock;
}

const group = 'authentication.k8s.io';
const apiVersion = `${group}/v1`;

/**
 * The service-account issuer's API surface, as upstream serves it: the TokenRequest subresource
 * (`serviceaccounts/token`), TokenReview, and the OIDC discovery documents.
 */
export class ServiceAccountTokenApis {
  private readonly clock: NowClock;

  constructor(private readonly options: ServiceAccountTokenApisOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** POST serviceaccounts/NAME/token: checks the request, the account and the bound object, and signs a token. */
  async createToken(namespace: string, name: string, body: KubeObject): Promise<KubeObject> {
    const spec = (body.spec ?? {}) as TokenRequestSpec;
    const audiences = spec.audiences && spec.audiences.length > 0 ? spec.audiences : [...this.options.issuer.apiAudiences];
    const expirationSeconds = spec.expirationSeconds ?? defaultExpirationSeconds;
    const errors: FieldError[] = [];
    if (expirationSeconds < minExpirationSeconds) {
      errors.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration less than 10 minutes' });
    } else if (expirationSeconds > maxExpirationSeconds) {
      errors.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration larger than 2^32 seconds' });
    }
    if (errors.length > 0) throw invalid({ resource: 'tokenrequests', group, kind: 'TokenRequest', name }, errors);
    const serviceAccount = (await this.options.getCore('serviceaccounts', namespace, name)) as ServiceAccount & KubeObject;
    const bound = spec.boundObjectRef ? await this.boundObject(namespace, name, spec.boundObjectRef) : {};
    const { token, expirationTimestamp } = this.options.issuer.issue({
      namespace,
      serviceAccount: { name, uid: serviceAccount.metadata?.uid ?? '' },
      audiences,
      expirationSeconds,
      ...bound,
    });
    return {
      kind: 'TokenRequest',
      apiVersion,
      metadata: { name, namespace, creationTimestamp: this.clock.now().toISOString().replace(/\.\d+Z$/, 'Z') },
      spec: { audiences, expirationSeconds, ...(spec.boundObjectRef ? { boundObjectRef: spec.boundObjectRef } : {}) },
      status: { token, expirationTimestamp: expirationTimestamp.toISOString().replace(/\.\d+Z$/, 'Z') },
    };
  }

  /** The pod or secret a token is to be bound to (and the pod's node), checked as upstream does. */
  private async boundObject(namespace: string, serviceAccount: string, ref: BoundObjectReference): Promise<{ pod?: ObjectRef; secret?: ObjectRef; node?: ObjectRef }> {
    const coreGroup = ref.apiVersion === undefined || ref.apiVersion === '' || ref.apiVersion === 'v1';
    const refName = ref.name ?? '';
    let found: { pod?: ObjectRef; secret?: ObjectRef; node?: ObjectRef };
    let uid: string;
    if (coreGroup && ref.kind === 'Pod') {
      const pod = (await this.options.getCore('pods', namespace, refName)) as Pod & KubeObject;
      if ((pod.spec?.serviceAccountName || 'default') !== serviceAccount) {
        throw badRequest(`cannot bind token for serviceaccount "${serviceAccount}" to pod running with different serviceaccount name.`);
      }
      uid = pod.metadata?.uid ?? '';
      found = { pod: { name: refName, uid } };
      const nodeName = pod.spec?.nodeName;
      if (nodeName) {
        const node = (await this.options.getCore('nodes', '', nodeName).catch(() => undefined)) as (Node & KubeObject) | undefined;
        if (node?.metadata?.uid) found.node = { name: nodeName, uid: node.metadata.uid };
      }
    } else if (coreGroup && ref.kind === 'Secret') {
      const secret = (await this.options.getCore('secrets', namespace, refName)) as Secret & KubeObject;
      uid = secret.metadata?.uid ?? '';
      found = { secret: { name: refName, uid } };
    } else {
      const gvk = `${ref.apiVersion ? `${ref.apiVersion}, ` : ''}Kind=${ref.kind ?? ''}`;
      throw badRequest(`cannot bind token to object of type ${ref.apiVersion?.includes('/') ? gvk : `/${gvk}`}`);
    }
    if (ref.uid && ref.uid !== uid) {
      throw conflict(
        { resource: ref.kind ?? '', group: '', name: refName },
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    return found;
  }

  /** POST tokenreviews: who the token in spec.token is, for the audiences in spec.audiences. */
  createTokenReview(body: KubeObject): KubeObject {
    const spec = (body.spec ?? {}) as { token?: string; audiences?: string[] };
    if (!spec.token) throw badRequest('token is required for TokenReview in authentication');
    const apiAudiences = this.options.issuer.apiAudiences;
    const wanted = spec.audiences && spec.audiences.length > 0 ? spec.audiences : undefined;
    let result: TokenReviewResult = this.options.reviewToken?.(spec.token, wanted) ?? { error: 'invalid bearer token' };
    if (result.user && !result.audiences) {
      // An authenticator that knows no audiences (static tokens) speaks for the API's own, as upstream's wrapper.
      const accepted = wanted ? wanted.filter((a) => apiAudiences.includes(a)) : [...apiAudiences];
      result = accepted.length > 0 ? { ...result, audiences: accepted } : { error: 'token audiences are invalid for the target audiences' };
    }
    const status: Record<string, unknown> = result.user
      ? {
          authenticated: true,
          user: {
            username: result.user.user,
            ...(result.user.uid ? { uid: result.user.uid } : {}),
            groups: result.user.groups,
            ...(result.user.extra ? { extra: result.user.extra } : {}),
          },
          audiences: result.audiences,
        }
      : { user: {}, error: result.error ?? 'invalid bearer token' };
    return { kind: 'TokenReview', apiVersion, metadata: {}, spec, status };
  }

  /** The OIDC discovery document or key set for these paths, else undefined. */
  discoveryDocument(path: string): { contentType: string; body: string } | undefined {
    if (path === '/.well-known/openid-configuration') {
      return { contentType: 'application/json', body: JSON.stringify(this.options.issuer.openIDConfiguration()) };
    }
    if (path === '/openid/v1/jwks') {
      return { contentType: 'application/jwk-set+json', body: JSON.stringify(this.options.issuer.jwks()) };
    }
    return undefined;
  }
}
