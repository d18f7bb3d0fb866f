import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../apimachinery/clock.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { Authorizer, UserInfo } from '../auth.js';
import { decodeBody } from '../body.js';
import type { RequestInfo } from '../request-info.js';
import { AccessReviews, reviewRequestInfo } from './reviews.js';
import { allowAllRuleResolver, type RuleResolver } from './rule-resolver.js';

const jane: UserInfo = { user: 'jane', uid: 'j-1', groups: ['devs', 'system:authenticated'], extra: { scopes: ['view'] } };

/** Allows jane to get pods in default; explicitly denies deleting secrets; records who was asked about what. */
function policy(): Authorizer & { asked: [UserInfo, RequestInfo][] } {
  const asked: [UserInfo, RequestInfo][] = [];
  return {
    asked,
    authorize(user, info) {
      asked.push([user, info]);
      if (info.resource === 'secrets' && info.verb === 'delete') return { allowed: false, denied: true, reason: 'never' };
      return { allowed: user.user === 'jane' && info.verb === 'get' && info.resource === 'pods' && info.namespace === 'default', reason: 'jane reads pods' };
    },
  };
}

const reviews = (authorizer: Authorizer, ruleResolver?: RuleResolver) =>
  new AccessReviews({ authorizer, ruleResolver, decode: (body, type) => decodeBody(body, type), clock: new FakeClock(new Date('2025-01-02T03:04:05.678Z')) });

test('resource and non-resource attributes become the authorizer\'s question (an empty version is any version)', () => {
  assert.deepEqual(reviewRequestInfo({ resourceAttributes: { verb: 'get', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'ns', name: 'd' } }), {
    isResourceRequest: true,
    verb: 'get',
    apiGroup: 'apps',
    apiVersion: '*',
    namespace: 'ns',
    resource: 'deployments',
    subresource: 'scale',
    name: 'd',
    parts: [],
  });
  const nonResource = reviewRequestInfo({ nonResourceAttributes: { verb: 'get', path: '/healthz/etcd' } });
  assert.deepEqual([nonResource.isResourceRequest, nonResource.verb, nonResource.parts], [false, 'get', ['healthz', 'etcd']]);
});

test('SelfSubjectAccessReview asks about the caller; the answer is the body with status', () => {
  const authorizer = policy();
  const answer = reviews(authorizer).review('SelfSubjectAccessReview', { spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } } }, '', jane);
  assert.deepEqual(answer, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } },
    status: { allowed: true, reason: 'jane reads pods' },
  });
  assert.equal(authorizer.asked[0][0], jane);
});

test('SubjectAccessReview asks about its subject as given (no groups added); an explicit deny is reported', () => {
  const authorizer = policy();
  const r = reviews(authorizer);
  const denied = r.review('SubjectAccessReview', { spec: { user: 'bob', groups: ['g'], extra: { k: ['v'] }, uid: 'b', resourceAttributes: { verb: 'delete', resource: 'secrets' } } }, '', jane);
  assert.deepEqual(denied.status, { allowed: false, denied: true, reason: 'never' });
  assert.deepEqual(authorizer.asked[0][0], { user: 'bob', groups: ['g'], uid: 'b', extra: { k: ['v'] } });
  const notAllowed = r.review('SubjectAccessReview', { spec: { groups: ['g'], nonResourceAttributes: { verb: 'get', path: '/metrics' } } }, '', jane);
  assert.deepEqual(notAllowed.status, { allowed: false, reason: 'jane reads pods' });
});

test('LocalSubjectAccessReview takes the URL\'s namespace and refuses another', () => {
  const r = reviews(policy());
  const body = () => ({ spec: { user: 'jane', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } } });
  const answer = r.review('LocalSubjectAccessReview', body(), 'default', jane);
  assert.deepEqual([answer.metadata, answer.status], [{ namespace: 'default' }, { allowed: true, reason: 'jane reads pods' }]);
  assert.throws(() => r.review('LocalSubjectAccessReview', body(), 'kube-system', jane), (err: unknown) => err instanceof StatusError && err.code === 422 && /must match metadata.namespace/.test(err.message));
  assert.throws(
    () => r.review('LocalSubjectAccessReview', { ...body(), metadata: { namespace: 'other' } }, 'default', jane),
    (err: unknown) => err instanceof StatusError && err.code === 400 && err.message === 'the namespace of the provided object does not match the namespace sent on the request',
  );
});

test('a body of another kind or version is a 400; an invalid one a 422 naming the kind', () => {
  const r = reviews(policy());
  assert.throws(() => r.review('SelfSubjectAccessReview', { kind: 'Pod', spec: {} }, '', jane), (err: unknown) => err instanceof StatusError && err.code === 400 && err.message === 'the kind in the data (Pod) does not match the expected kind (SelfSubjectAccessReview)');
  assert.throws(() => r.review('SelfSubjectReview', { apiVersion: 'authentication.k8s.io/v1beta1' }, '', jane), (err: unknown) => err instanceof StatusError && err.code === 400 && /expected API version \(authentication.k8s.io\/v1\)/.test(err.message));
  assert.throws(
    () => r.review('SubjectAccessReview', { spec: {} }, '', jane),
    (err: unknown) => err instanceof StatusError && err.code === 422 && err.message.startsWith('SubjectAccessReview.authorization.k8s.io "" is invalid: [spec.resourceAttributes: Invalid value: "null": exactly one of'),
  );
});

test('SelfSubjectRulesReview lists the resolver\'s rules for the caller in the namespace asked', () => {
  const seen: [UserInfo, string][] = [];
  const resolver: RuleResolver = {
    rulesFor(user, namespace) {
      seen.push([user, namespace]);
      return { resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], nonResourceRules: [], incomplete: true, evaluationError: 'partly' };
    },
  };
  const answer = reviews(policy(), resolver).review('SelfSubjectRulesReview', { spec: { namespace: 'ns' } }, '', jane);
  assert.deepEqual(answer.status, { resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], nonResourceRules: [], incomplete: true, evaluationError: 'partly' });
  assert.deepEqual(seen, [[jane, 'ns']]);
  assert.throws(() => reviews(policy()).review('SelfSubjectRulesReview', { spec: {} }, '', jane), (err: unknown) => err instanceof StatusError && err.code === 400 && err.message === 'no namespace on request');
});

test('the default rule resolver allows everything, as an allow-all authorizer', () => {
  assert.deepEqual(allowAllRuleResolver.rulesFor(jane, 'ns'), {
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  });
});

test('SelfSubjectReview returns the caller: name, UID, groups and extra, stamped with the time', () => {
  assert.deepEqual(reviews(policy()).review('SelfSubjectReview', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, '', jane), {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: { creationTimestamp: '2025-01-02T03:04:05Z' },
    status: { userInfo: { username: 'jane', uid: 'j-1', groups: ['devs', 'system:authenticated'], extra: { scopes: ['view'] } } },
  });
  const plain = reviews(policy()).review('SelfSubjectReview', {}, '', { user: 'admin', groups: ['system:masters'] });
  assert.deepEqual(plain.status, { userInfo: { username: 'admin', groups: ['system:masters'] } });
});
