import type { Client } from '../../client/client.js';
import { createCertificateRequest } from '../../pki/csr.js';
import type { NodeServingCertSource } from '../serving-cert.js';
import { requestCertificate } from './csr-client.js';
import { kubeletServingSignerName, nodeUserName } from './node-credentials.js';

/**
 * A serving certificate source that asks the cluster through a CertificateSigningRequest to the
 * kubelet-serving signer (with the node's own credential), as upstream's kubelet with
 * serverTLSBootstrap; the API server approves requests that name only the node itself.
 */
export function servingCertFromCSR(client: Client, caPem: string, signal: AbortSignal): NodeServingCertSource {
  return {
    caPem,
    issue: (privateKey, nodeName, ips) =>
      requestCertificate(
        client,
        {
          requestPem: createCertificateRequest(privateKey, { subject: { commonName: nodeUserName(nodeName), organizations: ['system:nodes'] }, dnsNames: [nodeName], ips }),
          signerName: kubeletServingSignerName,
          usages: ['digital signature', 'key encipherment', 'server auth'],
        },
        signal,
      ),
  };
}
