/**
 * The authorizer chain as upstream's union authorizer: each authorizer allows, denies or has no
 * opinion; the first allow or deny decides, and a request nobody allows is forbidden.
 */
import type { Authorizer, UserInfo } from '../auth.js';
import type { RequestInfo } from '../request-info.js';
import { requestAttributes } from './attributes.js';
import type { RequestAttributes } from './rules.js';

/** One authorizer's answer. */
export type Decision = 'allow' | 'deny' | 'noOpinion';

/** What an authorizer in the chain returns: its decision and, when it has one, why. */
export interface DecisionResult {
  decision: Decision;
  reason?: string;
}

/** An authorizer of the chain (Node, RBAC, system:masters...). */
export interface ChainedAuthorizer {
  decide(user: UserInfo, attributes: RequestAttributes): DecisionResult;
}

/** The group whose members may do everything, whatever RBAC says (upstream's SystemPrivilegedGroup). */
export const SYSTEM_MASTERS = 'system:masters';

/** Allows every request of a `system:masters` member; no opinion on anyone else. */
export const systemMastersAuthorizer: ChainedAuthorizer = {
  decide: (user) => (user.groups.includes(SYSTEM_MASTERS) ? { decision: 'allow' } : { decision: 'noOpinion' }),
};

/** Runs authorizers in order; implements the server's {@link Authorizer}. */
export class AuthorizerChain implements Authorizer {
  constructor(private readonly authorizers: readonly ChainedAuthorizer[]) {}

  /** The chain's answer for a request as the API server parsed it. */
  authorize(user: UserInfo, info: RequestInfo): { allowed: boolean; reason?: string } {
    return this.authorizeAttributes(user, requestAttributes(info));
  }

  /** The chain's answer for request attributes (access reviews ask with these). */
  authorizeAttributes(user: UserInfo, attributes: RequestAttributes): { allowed: boolean; reason?: string } {
    const reasons: string[] = [];
    for (const authorizer of this.authorizers) {
      const { decision, reason } = authorizer.decide(user, attributes);
      if (reason) reasons.push(reason);
      if (decision === 'allow') return { allowed: true, reason };
      if (decision === 'deny') return { allowed: false, reason: reasons.join('\n') || undefined };
    }
    return { allowed: false, reason: reasons.join('\n') || undefined };
  }
}
