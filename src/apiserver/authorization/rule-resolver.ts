/**
 * What a user may do in a namespace, as a list of rules: the question SelfSubjectRulesReview
 * (`kubectl auth can-i --list`) asks, as upstream's authorizer.RuleResolver answers it.
 */
import type { NonResourceRule, ResourceRule } from 'kubernetes-types/authorization/v1.js';
import type { UserInfo } from '../auth.js';

/** The rules a user holds in a namespace, in SelfSubjectRulesReview's status shape. */
export interface SubjectRules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** True when the list may leave out rules (an authorizer that cannot enumerate its rules). */
  incomplete: boolean;
  /** Why the rules could not all be worked out, if they could not. */
  evaluationError?: string;
}

/** Lists the rules a user holds in a namespace (the RBAC authorizer implements this). */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): SubjectRules;
}

/**
 * The rules of an authorizer that allows everything (upstream's AlwaysAllow): every verb on
 * every resource of every group, and every verb on every non-resource URL.
 */
export const allowAllRuleResolver: RuleResolver = {
  rulesFor: () => ({
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  }),
};
