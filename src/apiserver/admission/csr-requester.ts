/**
 * Records who asked for a certificate: a CertificateSigningRequest created over HTTPS gets the
 * requester's user name, uid and groups in spec.username, spec.uid and spec.groups, whatever
 * the client wrote there (as upstream's CSR strategy fills them from the request's user).
 */
import type { UserInfo } from '../auth.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin } from './admission.js';

/** Fills a new CertificateSigningRequest's requester fields from the request's user. */
export class CSRRequesterAdmission implements MutatingAdmissionPlugin {
  readonly name = 'CertificateSigningRequestRequester';

  /** @param currentUser the user of the request being admitted (undefined for in-process components, whose spec is kept). */
  constructor(private readonly currentUser: () => UserInfo | undefined) {}

  handles(a: AdmissionAttributes): boolean {
    return a.operation === 'CREATE' && a.type.group === 'certificates.k8s.io' && a.type.kind === 'CertificateSigningRequest';
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    const user = this.currentUser();
    if (!user) return;
    const spec = (a.object.spec ?? {}) as Record<string, unknown>;
    spec.username = user.user;
    spec.groups = user.groups;
    if (user.uid) spec.uid = user.uid;
    else delete spec.uid;
    a.object.spec = spec;
  }
}
