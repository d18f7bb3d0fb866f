/**
 * Upstream's CertificateSubjectRestriction admission: a CertificateSigningRequest for the
 * `kubernetes.io/kube-apiserver-client` signer may not ask for the `system:masters` group
 * (which would make a cluster administrator of whoever approves it by mistake).
 */
import { StatusError } from '../../apimachinery/errors.js';
import { parseCertificateRequest } from '../../pki/csr.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin } from './admission.js';

/** The signer of client certificates for the API server, as upstream names it. */
export const kubeAPIServerClientSigner = 'kubernetes.io/kube-apiserver-client';

/** Refuses kube-apiserver-client requests whose subject has O=system:masters. */
export class CertificateSubjectRestrictionAdmission implements MutatingAdmissionPlugin {
  readonly name = 'CertificateSubjectRestriction';

  handles(a: AdmissionAttributes): boolean {
    return a.operation === 'CREATE' && a.subresource === '' && a.type.group === 'certificates.k8s.io' && a.type.kind === 'CertificateSigningRequest';
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    const spec = (a.object.spec ?? {}) as { signerName?: string; request?: string };
    if (spec.signerName !== kubeAPIServerClientSigner) return;
    let organizations: string[];
    try {
      organizations = parseCertificateRequest(Buffer.from(spec.request ?? '', 'base64').toString('utf8')).subject.organizations;
    } catch (err) {
      // Validation answers an unparsable request with its own field error.
      if (err instanceof Error) return;
      throw err;
    }
    if (!organizations.includes('system:masters')) return;
    const name = a.object.metadata?.name ?? '';
    throw new StatusError(403, 'Forbidden', `certificatesigningrequests.certificates.k8s.io "${name}" is forbidden: use of ${kubeAPIServerClientSigner} signer with system:masters group is not allowed`, {
      name,
      group: 'certificates.k8s.io',
      kind: 'certificatesigningrequests',
    });
  }
}
