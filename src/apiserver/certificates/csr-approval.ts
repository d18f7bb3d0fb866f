/**
 * Which CertificateSigningRequests the cluster approves by itself, and which requests a signer
 * accepts: pure decisions over a request's spec and its parsed PEM.
 */
import type { ParsedCertificateRequest } from '../../pki/csr.js';

/** Upstream's signer of node client certificates. */
export const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';
/** Upstream's signer of client certificates for any user (approved by a person, never automatically). */
export const kubeAPIServerClientSigner = 'kubernetes.io/kube-apiserver-client';
/** Upstream's signer of kubelet serving certificates. */
export const kubeletServingSigner = 'kubernetes.io/kubelet-serving';

/** The parts of a CSR's spec the decisions read. */
export interface CSRFacts {
  signerName: string;
  username: string;
  groups: string[];
  usages: string[];
  request: ParsedCertificateRequest;
}

const nodePrefix = 'system:node:';

function isNodeSubject(request: ParsedCertificateRequest): boolean {
  const { commonName, organizations } = request.subject;
  return commonName.startsWith(nodePrefix) && commonName.length > nodePrefix.length && organizations.length === 1 && organizations[0] === 'system:nodes';
}

function usagesWithin(usages: string[], required: string, allowed: string[]): boolean {
  return usages.includes(required) && usages.every((u) => u === required || allowed.includes(u));
}

/**
 * Why the signer refuses the request, or undefined when it fits the signer's rules (upstream's
 * signer constraints): a kube-apiserver-client certificate has only client usages; kubelet ones: subject CN=system:node:<name>, O=system:nodes;
 * a client certificate has no SANs and the client auth usage; a serving certificate names the
 * node (DNS SANs only the node's name), has at least one SAN, and the server auth usage.
 */
export function signerRefusal(facts: CSRFacts): string | undefined {
  const { request } = facts;
  if (facts.signerName === kubeAPIServerClientSigner) {
    // Any subject (admission already refused system:masters); only client usages.
    const wrong = facts.usages.find((u) => !['client auth', 'digital signature', 'key encipherment'].includes(u));
    return wrong === undefined ? undefined : `invalid usage for client certificate: ${wrong}`;
  }
  if (!isNodeSubject(request)) return 'subject must be CN=system:node:<name>, O=system:nodes';
  const nodeName = request.subject.commonName.slice(nodePrefix.length);
  if (facts.signerName === kubeletClientSigner) {
    if (request.dnsNames.length || request.ips.length) return 'a node client certificate may not have subject alternative names';
    if (!usagesWithin(facts.usages, 'client auth', ['digital signature', 'key encipherment'])) return 'usages must be client auth (with digital signature, key encipherment)';
    return undefined;
  }
  if (facts.signerName === kubeletServingSigner) {
    if (!request.dnsNames.length && !request.ips.length) return 'a serving certificate must have at least one DNS or IP subject alternative name';
    if (request.dnsNames.some((n) => n !== nodeName)) return `DNS subject alternative names must be the node's name "${nodeName}"`;
    if (!usagesWithin(facts.usages, 'server auth', ['digital signature', 'key encipherment'])) return 'usages must be server auth (with digital signature, key encipherment)';
    return undefined;
  }
  return `unknown signer ${facts.signerName}`;
}

/**
 * Whether the cluster approves the request by itself, as upstream's CSR approving controller
 * (nodeclient and selfnodeclient) and k3s's serving certificates: a node client certificate
 * asked for by a bootstrap token or by that same node, and a serving certificate asked for by
 * the node it names. Anything else waits for someone to approve it.
 */
export function autoApproves(facts: CSRFacts): boolean {
  if (facts.signerName === kubeAPIServerClientSigner || signerRefusal(facts) !== undefined) return false;
  const cn = facts.request.subject.commonName;
  const requesterIsNode = facts.username === cn && facts.groups.includes('system:nodes');
  if (facts.signerName === kubeletClientSigner) return facts.groups.includes('system:bootstrappers') || requesterIsNode;
  return requesterIsNode;
}
