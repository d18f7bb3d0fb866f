import type { Authorizer, UserInfo } from '../auth.js';
import type { RequestInfo } from '../request-info.js';

/** An authorizer's answer, as upstream's authorizer.Decision. */
export type Decision = 'allow' | 'deny' | 'noOpinion';

/** What a deciding authorizer answers: the decision and, for a denial, why. */
export interface DecisionResult {
  decision: Decision;
  reason?: string;
}

/**
 * An authorizer that may decline to decide, so that it can sit in a chain (upstream's
 * authorizer.Authorizer): the first allow or deny wins, noOpinion passes to the next.
 */
export interface DecidingAuthorizer {
  decide(user: UserInfo, info: RequestInfo): DecisionResult;
}

/**
 * A chain of deciding authorizers in front of `fallback` (asked when all have no opinion), as
 * upstream's union authorizer; `system:masters` is always allowed first, as upstream's
 * privileged group authorizer.
 */
export function chainAuthorizers(chain: readonly DecidingAuthorizer[], fallback: Authorizer): Authorizer {
  return {
    authorize(user, info) {
      if (user.groups.includes('system:masters')) return { allowed: true };
      for (const authorizer of chain) {
        const { decision, reason } = authorizer.decide(user, info);
        if (decision === 'allow') return { allowed: true };
        if (decision === 'deny') return { allowed: false, reason };
      }
      return fallback.authorize(user, info);
    },
  };
}
