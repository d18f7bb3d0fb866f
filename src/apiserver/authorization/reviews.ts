/**
 * The access and identity reviews: `authorization.k8s.io/v1` SelfSubjectAccessReview,
 * SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectRulesReview and
 * `authentication.k8s.io/v1` SelfSubjectReview. Each is create-only and stores nothing: a POST
 * answers the body with its status filled in (`kubectl auth can-i`, `can-i --list`, `whoami`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, invalid, StatusError } from '../../apimachinery/errors.js';
import { isObject, type JSONObject, type KubeObject } from '../../apimachinery/object.js';
import { systemClock, type NowClock } from '../../apimachinery/clock.js';
import { formatTime } from '../../apimachinery/object.js';
import type { Authorizer, UserInfo } from '../auth.js';
import { mediaType, readBody, type BodyDecoder } from '../body.js';
import { sendObject } from '../handlers.js';
import { negotiateResource } from '../negotiate.js';
import { nonResourceRequestInfo, type RequestInfo } from '../request-info.js';
import { allowAllRuleResolver, type RuleResolver } from './rule-resolver.js';
import { checkReviewShape, validateReview, type ReviewKind } from './review-validation.js';

/** The served reviews by `group/version/plural`. */
const reviewKinds: ReadonlyMap<string, ReviewKind> = new Map([
  ['authorization.k8s.io/v1/selfsubjectaccessreviews', 'SelfSubjectAccessReview'],
  ['authorization.k8s.io/v1/subjectaccessreviews', 'SubjectAccessReview'],
  ['authorization.k8s.io/v1/localsubjectaccessreviews', 'LocalSubjectAccessReview'],
  ['authorization.k8s.io/v1/selfsubjectrulesreviews', 'SelfSubjectRulesReview'],
  ['authentication.k8s.io/v1/selfsubjectreviews', 'SelfSubjectReview'],
]);

function kindOf(info: RequestInfo): ReviewKind | undefined {
  if (!info.isResourceRequest) return undefined;
  return reviewKinds.get(`${info.apiGroup}/${info.apiVersion}/${info.resource}`);
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The authorization question of resource or non-resource attributes, as upstream's
 * ResourceAttributesFrom and NonResourceAttributesFrom: an empty version matches all versions.
 */
export function reviewRequestInfo(spec: JSONObject): RequestInfo {
  const r = spec.resourceAttributes;
  if (isObject(r)) {
    return {
      isResourceRequest: true,
      verb: str(r.verb),
      apiGroup: str(r.group),
      apiVersion: str(r.version) || '*',
      namespace: str(r.namespace),
      resource: str(r.resource),
      subresource: str(r.subresource),
      name: str(r.name),
      parts: [],
    };
  }
  const n = isObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : {};
  return nonResourceRequestInfo(str(n.verb), str(n.path).split('/').filter((p) => p !== ''));
}

/** The subject a SubjectAccessReview names, as upstream's AuthorizationAttributesFrom (no groups added). */
function subjectOf(spec: JSONObject): UserInfo {
  const groups = Array.isArray(spec.groups) ? spec.groups.filter((g): g is string => typeof g === 'string') : [];
  const uid = str(spec.uid);
  const extra = isObject(spec.extra) ? (spec.extra as Record<string, string[] | null>) : undefined;
  return {
    user: str(spec.user),
    groups,
    ...(uid ? { uid } : {}),
    ...(extra ? { extra: Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, v ?? []])) } : {}),
  };
}

/** Options of {@link AccessReviews}. */
export interface AccessReviewsOptions {
  /** Answers the access reviews (the server's own authorizer). */
  authorizer: Authorizer;
  /** Answers SelfSubjectRulesReview. Default: {@link allowAllRuleResolver}. */
  ruleResolver?: RuleResolver;
  /** Decodes request bodies (JSON, YAML, protobuf). */
  decode: BodyDecoder;
  /** Stamps SelfSubjectReview's creationTimestamp. Default: the system clock. */
  clock?: NowClock;
}

/** Serves the five review resources. */
export class AccessReviews {
  private readonly ruleResolver: RuleResolver;
  private readonly clock: NowClock;

  constructor(private readonly options: AccessReviewsOptions) {
    this.ruleResolver = options.ruleResolver ?? allowAllRuleResolver;
    this.clock = options.clock ?? systemClock;
  }

  /** True for a request that addresses one of the reviews. */
  static handles(info: RequestInfo): boolean {
    return kindOf(info) !== undefined;
  }

  /**
   * Answers a request to a review resource: POST to the collection creates (201); any other verb
   * is 405, as upstream registers no other route; a name, or a namespace where the review has
   * none (or none where it needs one), is 404.
   */
  async serve(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, user: UserInfo): Promise<void> {
    const kind = kindOf(info);
    if (!kind) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const namespaced = kind === 'LocalSubjectAccessReview';
    if (info.name || info.subresource || namespaced !== (info.namespace !== '')) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (info.verb !== 'create') {
      throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    const shape = negotiateResource(req.headers.accept, query);
    if (!shape) throw new StatusError(406, 'NotAcceptable', 'only the following media types are accepted: application/json, application/yaml');
    const body = this.options.decode(await readBody(req), mediaType(req.headers['content-type']));
    if (!isObject(body)) throw badRequest('the body of the request must be an object');
    const answer = this.review(kind, body, info.namespace, user);
    sendObject(res, 201, answer, shape.kind === 'object' ? shape.format : 'json');
  }

  /**
   * A review's answer: `body` (already decoded) with its status filled in for `user` (who made
   * the request, after impersonation). 400 for a body of another kind or of the wrong shape,
   * 422 for an invalid one, as upstream.
   */
  review(kind: ReviewKind, body: JSONObject, namespace: string, user: UserInfo): KubeObject {
    const apiVersion = kind === 'SelfSubjectReview' ? 'authentication.k8s.io/v1' : 'authorization.k8s.io/v1';
    if (body.apiVersion && body.apiVersion !== apiVersion) {
      throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (body.kind && body.kind !== kind) throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${kind})`);
    checkReviewShape(kind, body);
    const metadata: JSONObject = isObject(body.metadata) ? { ...body.metadata } : {};
    // As upstream's create handler: the URL's namespace fills an empty one and must match a given one.
    const objectNamespace = str(metadata.namespace);
    if (objectNamespace && namespace && objectNamespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (namespace) metadata.namespace = namespace;
    else delete metadata.namespace;
    const reviewed: JSONObject = { ...body, apiVersion, kind, metadata };
    const errors = validateReview(kind, reviewed);
    if (errors.length) {
      throw invalid({ kind, group: apiVersion.slice(0, apiVersion.indexOf('/')), resource: '', name: '' }, errors);
    }
    const spec = isObject(body.spec) ? body.spec : {};
    switch (kind) {
      case 'SelfSubjectAccessReview':
        return this.accessReview(reviewed, spec, user);
      case 'SubjectAccessReview':
      case 'LocalSubjectAccessReview':
        return this.accessReview(reviewed, spec, subjectOf(spec));
      case 'SelfSubjectRulesReview': {
        const ns = str(spec.namespace);
        if (!ns) throw badRequest('no namespace on request');
        const rules = this.ruleResolver.rulesFor(user, ns);
        return {
          apiVersion,
          kind,
          metadata: {},
          spec: {},
          status: {
            resourceRules: rules.resourceRules,
            nonResourceRules: rules.nonResourceRules,
            incomplete: rules.incomplete,
            ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}),
          },
        } as KubeObject;
      }
      case 'SelfSubjectReview':
        return {
          apiVersion,
          kind,
          metadata: { creationTimestamp: formatTime(this.clock.now()) },
          status: {
            userInfo: {
              username: user.user,
              ...(user.uid ? { uid: user.uid } : {}),
              groups: user.groups,
              ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
            },
          },
        } as KubeObject;
    }
  }

  private accessReview(reviewed: JSONObject, spec: JSONObject, subject: UserInfo): KubeObject {
    const decision = this.options.authorizer.authorize(subject, reviewRequestInfo(spec));
    const status: JSONObject = { allowed: decision.allowed };
    if (decision.denied) status.denied = true;
    if (decision.reason) status.reason = decision.reason;
    return { ...reviewed, status } as KubeObject;
  }
}
