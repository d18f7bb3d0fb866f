import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';

/**
 * How the API server talks TLS to a node's kubelet server, as upstream's kubelet client with
 * --kubelet-certificate-authority: the node's serving certificate must chain to `ca` and name
 * the node (a DNS SAN equal to the Node's name), and the server presents its kubelet client
 * certificate (CN kube-apiserver-kubelet-client, an identity only kubelets honour).
 */
export interface KubeletClientTLS {
  /** The client certificate and key (PEM) presented to kubelets. */
  cert: string;
  key: string;
  /** The CA (PEM) that signs nodes' serving certificates. */
  ca: string;
}

/**
 * TLS connect options for a node's kubelet server. Chain verification happens inside the
 * handshake, before the client sends its certificate, so a listener whose certificate the CA did
 * not sign never receives the API server's credential.
 */
export function kubeletConnectOptions(tls: KubeletClientTLS, nodeName: string): ConnectionOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    rejectUnauthorized: true,
    ALPNProtocols: ['http/1.1'],
    // The certificate must be the node's, whatever address the Node object gives.
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(nodeName, cert),
  };
}
