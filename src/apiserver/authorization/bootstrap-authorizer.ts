import type { UserInfo } from '../auth.js';
import type { ChainedAuthorizer, DecisionResult } from './chain.js';
import type { RequestAttributes } from './rules.js';

/** The group a join token authenticates into (upstream's bootstrap token group). */
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';

/** The verbs on CertificateSigningRequests a joining node needs (upstream's system:node-bootstrapper role). */
const bootstrapVerbs = new Set(['create', 'get', 'list', 'watch']);

/**
 * The join token's narrow rights, as upstream's TLS bootstrap: a member of
 * `system:bootstrappers` may create and read CertificateSigningRequests (to get its node client
 * certificate) and nothing else; every other request is denied. Other users: no opinion.
 * (The CA itself is public at /cacerts, checked by the joining node against its token.)
 */
export class BootstrapAuthorizer implements ChainedAuthorizer {
  decide(user: UserInfo, info: RequestAttributes): DecisionResult {
    if (!user.groups.includes(BOOTSTRAPPERS_GROUP)) return { decision: 'noOpinion' };
    if (
      info.isResourceRequest &&
      info.apiGroup === 'certificates.k8s.io' &&
      info.resource === 'certificatesigningrequests' &&
      info.subresource === '' &&
      bootstrapVerbs.has(info.verb)
    ) {
      return { decision: 'allow' };
    }
    return { decision: 'deny', reason: 'a bootstrap token may only request a node certificate' };
  }
}
