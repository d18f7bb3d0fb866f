/**
 * A real API server on 127.0.0.1 over HTTPS for tests that need the wire: SQLite in memory,
 * bootstrapped, authenticating the certificates and tokens of the given credentials.
 */
import type { KubeObject } from '../apimachinery/object.js';
import { CertAndTokenAuthenticator } from '../apiserver/auth.js';
import { bootstrapCluster } from '../apiserver/bootstrap.js';
import { ApiServer, type ApiServerOptions } from '../apiserver/server.js';
import { createTokenAuthenticator, type ServerCredentials } from '../pki/bootstrap.js';
import { SqliteStore } from '../storage/sqlite.js';

/** Options of {@link startHttpsApiServer}. */
export interface HttpsApiServerOptions {
  /** The cluster's CAs and the server's serving certificate (from `ensureServerCredentials`). */
  credentials: ServerCredentials;
  /** Stops the server. */
  signal: AbortSignal;
  /** Proxying to nodes (logs, exec, port-forward). Default: none. */
  nodeProxy?: ApiServerOptions['nodeProxy'];
  /** How the proxy subresources connect to pods, endpoints and nodes. Default: TCP to their address. */
  proxyDial?: ApiServerOptions['proxyDial'];
  /** Any other options of the server (limits, timeouts). */
  server?: Partial<Omit<ApiServerOptions, 'store' | 'authenticator'>>;
}

/** A running {@link startHttpsApiServer}. */
export interface HttpsApiServer {
  /** The port it listens on at 127.0.0.1. */
  port: number;
  /**
   * Creates a core/v1 object through the resource's REST store, without HTTP or authorization,
   * status included: for fixtures such as a Node with a status no kubelet posts.
   */
  createRaw(resource: string, namespace: string, object: KubeObject): Promise<KubeObject>;
  /** Closes the store (after `signal` aborted). */
  close(): Promise<void>;
}

/** Starts an API server over a fresh in-memory store on an ephemeral port of 127.0.0.1. */
export async function startHttpsApiServer(options: HttpsApiServerOptions): Promise<HttpsApiServer> {
  const { credentials } = options;
  const store = SqliteStore.open(':memory:');
  const api = new ApiServer({
    ...options.server,
    store,
    authenticator: new CertAndTokenAuthenticator(await createTokenAuthenticator(credentials)),
    ...(options.nodeProxy ? { nodeProxy: options.nodeProxy } : {}),
    ...(options.proxyDial ? { proxyDial: options.proxyDial } : {}),
  });
  await bootstrapCluster({ kubernetesServiceIP: '10.43.0.1', endpointAddress: '127.0.0.1', endpointPort: 6443, store: (g, v, p) => api.store(g, v, p) });
  // Bootstrapped, as `skiff server` marks it: /readyz answers ok.
  api.setReady(true);
  const tls = { key: credentials.serving.privateKeyPem, cert: credentials.serving.certificatePem, clientCA: credentials.clientCA.certificatePem };
  const { port } = await api.listen(tls, '127.0.0.1', 0, options.signal);
  return {
    port,
    createRaw: (resource, namespace, object) => api.store('', 'v1', resource).create(namespace, object),
    close: () => store.close(),
  };
}
