import type { KubeObject } from '../../apimachinery/object.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { Client, ResourceRef } from '../../client/client.js';

const csrResource: ResourceRef = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };

/** What to ask for. */
export interface CertificateRequestSpec {
  /** The PEM request (see pki/csr.ts). */
  requestPem: string;
  signerName: string;
  usages: string[];
  /** The object's generateName. Default `csr-`. */
  generateName?: string;
}

interface CSRObject extends KubeObject {
  status?: { certificate?: string; conditions?: { type: string; status?: string; reason?: string; message?: string }[] };
}

/** The certificate (PEM) once issued; throws when the request was denied or failed; undefined while pending. */
function outcome(csr: CSRObject): string | undefined {
  for (const c of csr.status?.conditions ?? []) {
    if ((c.type === 'Denied' || c.type === 'Failed') && (c.status ?? 'True') === 'True') {
      throw new Error(`certificate signing request ${csr.metadata?.name ?? ''} was ${c.type.toLowerCase()}: ${c.reason ?? ''} ${c.message ?? ''}`.trim());
    }
  }
  const certificate = csr.status?.certificate;
  return certificate ? Buffer.from(certificate, 'base64').toString('utf8') : undefined;
}

/**
 * Submits a CertificateSigningRequest and waits (watching it by name) until it carries a
 * certificate, as the kubelet's certificate manager does; throws when it is denied or fails, or
 * when `signal` aborts.
 */
export async function requestCertificate(client: Client, spec: CertificateRequestSpec, signal: AbortSignal): Promise<string> {
  const created = await client.create<CSRObject>(csrResource, '', {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: spec.generateName ?? 'csr-' },
    spec: { request: Buffer.from(spec.requestPem).toString('base64'), signerName: spec.signerName, usages: spec.usages },
  } as CSRObject);
  const name = created.metadata?.name ?? '';
  let current = created;
  while (!signal.aborted) {
    const done = outcome(current);
    if (done !== undefined) return done;
    try {
      for await (const event of client.watch<CSRObject>(csrResource, '', { fieldSelector: `metadata.name=${name}`, resourceVersion: current.metadata?.resourceVersion, timeoutSeconds: 60 }, signal)) {
        if (event.type === 'BOOKMARK') continue;
        if (event.type === 'DELETED') throw new Error(`certificate signing request ${name} was deleted`);
        current = event.object;
        const issued = outcome(current);
        if (issued !== undefined) return issued;
      }
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 410)) throw err;
    }
    current = await client.get<CSRObject>(csrResource, '', name);
  }
  throw new Error(`waiting for certificate signing request ${name}: aborted`);
}
