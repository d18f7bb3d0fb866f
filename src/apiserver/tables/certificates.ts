/** The CertificateSigningRequest printer, as upstream's printCertificateSigningRequest. */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { ageColumn, column, metaOf, nameColumn } from './columns.js';
import { humanDuration, timestampSince } from './duration.js';
import type { TypePrinter } from './types.js';

/** Denied, Approved or Pending, then `,Failed` and `,Issued` when they apply (upstream's extractCSRStatus). */
export function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (csr.status?.certificate) status += ',Issued';
  return status;
}

/** NAME, AGE, SIGNERNAME, REQUESTOR, REQUESTEDDURATION, CONDITION. */
export const csrPrinter: TypePrinter = {
  columns: [
    nameColumn(),
    ageColumn(),
    column('SignerName', 'Name of the signer the request is for.'),
    column('Requestor', 'Name of the user that created the request.'),
    column('RequestedDuration', 'Requested validity of the issued certificate.'),
    column('Condition', 'State of the request: Approved, Denied, Pending, and whether a certificate was issued.'),
  ],
  print(obj, now) {
    const csr = obj as CertificateSigningRequest;
    const meta = metaOf(csr);
    const seconds = csr.spec?.expirationSeconds;
    return {
      cells: [
        meta.name ?? '',
        timestampSince(meta.creationTimestamp, now),
        csr.spec?.signerName ?? '',
        csr.spec?.username ?? '',
        seconds ? humanDuration(seconds * 1000) : '<none>',
        csrCondition(csr),
      ],
    };
  },
};
