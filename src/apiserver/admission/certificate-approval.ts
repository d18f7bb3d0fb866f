/**
 * Upstream's CertificateApproval admission: approving or denying a CertificateSigningRequest
 * (a write of its /approval subresource) needs, besides `update` on that subresource, the
 * `approve` verb on the `signers` resource of certificates.k8s.io named by the request's
 * signerName, or by its domain wildcard (`kubernetes.io/*`). Components inside the server
 * (no user) are trusted.
 */
import { StatusError } from '../../apimachinery/errors.js';
import type { UserInfo } from '../auth.js';
import type { RequestAttributes } from '../authorization/rules.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin } from './admission.js';

/** Options of {@link CertificateApprovalAdmission}. */
export interface CertificateApprovalOptions {
  /** The authorizer chain's decision. */
  allows(user: UserInfo, attributes: RequestAttributes): boolean;
}

/** The attributes of `verb` on the signer `name`. */
function signerAttributes(verb: string, name: string): RequestAttributes {
  return { isResourceRequest: true, verb, apiGroup: 'certificates.k8s.io', namespace: '', resource: 'signers', subresource: '', name, path: '' };
}

/** Whether `user` holds `verb` on the signer `signerName` or its domain wildcard (upstream's IsAuthorizedForSignerName). */
export function authorizedForSigner(allows: CertificateApprovalOptions['allows'], user: UserInfo, verb: string, signerName: string): boolean {
  if (allows(user, signerAttributes(verb, signerName))) return true;
  const slash = signerName.indexOf('/');
  return slash > 0 && allows(user, signerAttributes(verb, `${signerName.slice(0, slash)}/*`));
}

/** Refuses approvals and denials by users not allowed to approve for the request's signer. */
export class CertificateApprovalAdmission implements MutatingAdmissionPlugin {
  readonly name = 'CertificateApproval';

  constructor(private readonly options: CertificateApprovalOptions) {}

  handles(a: AdmissionAttributes): boolean {
    return a.operation === 'UPDATE' && a.subresource === 'approval' && a.type.group === 'certificates.k8s.io' && a.type.kind === 'CertificateSigningRequest';
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (!a.user) return;
    const signerName = String((a.oldObject?.spec as { signerName?: unknown } | undefined)?.signerName ?? '');
    if (authorizedForSigner(this.options.allows, a.user, 'approve', signerName)) return;
    const name = a.object.metadata?.name ?? '';
    throw new StatusError(403, 'Forbidden', `certificatesigningrequests.certificates.k8s.io "${name}" is forbidden: user not permitted to approve requests with signerName "${signerName}"`, {
      name,
      group: 'certificates.k8s.io',
      kind: 'certificatesigningrequests',
    });
  }
}
