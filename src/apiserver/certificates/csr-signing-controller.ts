import type { KubeObject } from '../../apimachinery/object.js';
import type { Clock } from '../../apimachinery/clock.js';
import type { Client, ResourceRef } from '../../client/client.js';
import { runController, type Controller, type KeyQueue } from '../../client/controller.js';
import { Informer, objectKey } from '../../client/informer.js';
import type { CertificateAuthority } from '../../pki/ca.js';
import { parseCertificateRequest, type ParsedCertificateRequest } from '../../pki/csr.js';
import { autoApproves, kubeAPIServerClientSigner, kubeletClientSigner, kubeletServingSigner, signerRefusal, type CSRFacts } from './csr-approval.js';

/** The CertificateSigningRequest resource. */
export const csrResource: ResourceRef = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };

interface CSRCondition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface CSRObject extends KubeObject {
  spec?: { request?: string; signerName?: string; usages?: string[]; username?: string; groups?: string[]; expirationSeconds?: number };
  status?: { conditions?: CSRCondition[]; certificate?: string };
}

/** Options of {@link CSRSigningController}. */
export interface CSRSigningControllerOptions {
  client: Client;
  /** Signs node client certificates (the CA the API server trusts for clients). */
  clientCA: CertificateAuthority;
  /** Signs kubelet serving certificates (the CA the API server verifies kubelets with). */
  servingCA: CertificateAuthority;
  clock: Clock;
  /** Longest validity issued, in seconds (upstream's --cluster-signing-duration). Default one year. */
  maxDurationSeconds?: number;
  onError(err: unknown, where: string): void;
}

/**
 * The cluster's CSR approver and signer, as kube-controller-manager's csrapproving and
 * csrsigning controllers: approves node client certificates asked for by a bootstrap token or
 * the node itself and serving certificates asked for by their node (see csr-approval.ts), and
 * signs every approved request for the kubelet client, kubelet serving and kube-apiserver-client
 * signers (the last only once someone approved it, with the client CA). It lives in
 * the API server's layer because it holds the CA keys.
 */
export class CSRSigningController implements Controller {
  readonly name = 'csrsigning';
  readonly workers = 1;
  readonly caches: Informer<CSRObject>[];
  private readonly informer: Informer<CSRObject>;

  constructor(private readonly options: CSRSigningControllerOptions) {
    this.informer = new Informer<CSRObject>(options.client, csrResource, { clock: options.clock, onError: (err) => options.onError(err, 'csr informer') });
    this.caches = [this.informer];
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.informer.start(signal).catch((err: unknown) => this.options.onError(err, 'csr informer'));
    await runController(this.options, this, signal);
  }

  watch(queue: KeyQueue): void {
    this.informer.addEventHandler({ onAdd: (o) => queue.add(objectKey(o)), onUpdate: (_o, n) => queue.add(objectKey(n)) });
  }

  async sync(key: string): Promise<void> {
    const csr = this.informer.get('', key);
    if (!csr?.spec) return;
    const conditions = csr.status?.conditions ?? [];
    const has = (type: string) => conditions.some((c) => c.type === type && (c.status ?? 'True') === 'True');
    if (has('Denied') || has('Failed') || csr.status?.certificate) return;
    const signerName = csr.spec.signerName ?? '';
    if (signerName !== kubeletClientSigner && signerName !== kubeletServingSigner && signerName !== kubeAPIServerClientSigner) return;
    let request: ParsedCertificateRequest;
    try {
      request = parseCertificateRequest(Buffer.from(csr.spec.request ?? '', 'base64').toString('utf8'));
    } catch (err) {
      // Validation let it in, so it parsed then: nothing to do for a request that no longer does.
      if (err instanceof Error) return;
      throw err;
    }
    const facts: CSRFacts = { signerName, username: csr.spec.username ?? '', groups: csr.spec.groups ?? [], usages: csr.spec.usages ?? [], request };
    if (!has('Approved')) {
      if (!autoApproves(facts)) return;
      const approved: CSRCondition = {
        type: 'Approved',
        status: 'True',
        reason: 'AutoApproved',
        message: signerName === kubeletClientSigner ? 'Auto approving kubelet client certificate after SubjectAccessReview.' : 'Auto approving kubelet serving certificate for its node.',
      };
      await this.options.client.update(csrResource, '', { ...csr, status: { ...csr.status, conditions: [...conditions, approved] } }, { subresource: 'approval' });
      // The approval's own update event brings the request back for signing.
      return;
    }
    const refusal = signerRefusal(facts);
    if (refusal !== undefined) {
      const failed: CSRCondition = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: refusal };
      await this.options.client.update(csrResource, '', { ...csr, status: { ...csr.status, conditions: [...conditions, failed] } }, { subresource: 'status' });
      return;
    }
    const maxSeconds = this.options.maxDurationSeconds ?? 365 * 24 * 3600;
    const asked = csr.spec.expirationSeconds;
    const client = signerName !== kubeletServingSigner;
    const certificatePem = (client ? this.options.clientCA : this.options.servingCA).signPublicKey({
      subject: request.subject,
      publicKey: request.publicKey,
      extKeyUsages: client ? ['clientAuth'] : ['serverAuth'],
      dnsNames: request.dnsNames,
      ips: request.ips,
      validSeconds: asked !== undefined ? Math.min(asked, maxSeconds) : maxSeconds,
    });
    await this.options.client.update(
      csrResource,
      '',
      { ...csr, status: { ...csr.status, certificate: Buffer.from(certificatePem).toString('base64') } },
      { subresource: 'status' },
    );
  }
}
