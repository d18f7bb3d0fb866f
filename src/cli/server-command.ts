import { setMaxListeners } from 'node:events';
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ApiServer } from '../apiserver/server.js';
import { CertAndTokenAuthenticator } from '../apiserver/auth.js';
import { ServiceAccountObjectCache } from '../apiserver/serviceaccount/object-cache.js';
import { ServiceAccountTokenAuthenticator } from '../apiserver/serviceaccount/token-authenticator.js';
import { ServiceAccountTokenIssuer } from '../apiserver/serviceaccount/token-issuer.js';
import { loadOrCreateServiceAccountKey } from '../pki/service-account-key.js';
import { bootstrapCluster } from '../apiserver/bootstrap.js';
import type { InFlightLimits } from '../apiserver/inflight.js';
import { RbacAuthorization } from '../apiserver/authorization/rbac-authorization.js';
import { firstAddressInCIDR, parseCIDR } from '../apimachinery/net.js';
import { errorMessage } from '../apimachinery/errors.js';
import { createTokenAuthenticator, ensureServerCredentials } from '../pki/bootstrap.js';
import { openStore, type DatastoreTLSFiles } from '../storage/open.js';
import type { EncryptionConfiguration } from '../apiserver/encryption/config.js';
import { defaultEncryptionConfigFile, ensureEncryptionConfig, loadEncryptionConfig } from '../apiserver/encryption/config-file.js';
import { EncryptingStore } from '../apiserver/encryption/encrypting-store.js';
import { startAutoCompaction } from '../storage/auto-compaction.js';
import { InProcessClient } from '../apiserver/in-process-client.js';
import { systemClock } from '../apimachinery/clock.js';
import { Registry } from '../apimachinery/metrics.js';
import { registerProcessMetrics } from '../apimachinery/process-metrics.js';
import { allControllers } from '../controllers/all.js';
import { rootCAPublisherFactory } from '../controllers/serviceaccount/root-ca-publisher.js';
import { tokensControllerFactory } from '../controllers/serviceaccount/tokens-controller.js';
import { ControllerManager } from '../controllers/manager.js';
import { schedulerFactory } from '../scheduler/scheduler.js';
import { RegistryDiscovery } from '../apiserver/served-resources.js';
import { boundHeapGrowth, serverHeapGrowingPercent } from './heap-growth.js';
import { SimulatedNodePool } from '../kubelet/simulated/pool.js';
import { NodeAgent } from '../kubelet/agent.js';
import { servingCertFromCA } from '../kubelet/serving-cert.js';
import { BootstrapAuthorizer } from '../apiserver/authorization/bootstrap-authorizer.js';
import { NodeAuthorizer } from '../apiserver/authorization/node-authorizer.js';
import { NodeGraph } from '../apiserver/authorization/node-graph.js';
import { feedNodeGraph } from '../apiserver/authorization/node-graph-informers.js';
import { CSRSigningController } from '../apiserver/certificates/csr-signing-controller.js';
import { defaultNodeIP } from '../kubelet/machine-info.js';
import { coreDnsServiceAccount, serviceAccountUser, systemNamespace } from '../apiserver/authorization/controller-policy.js';
import { controllerManagerUser, controllerServiceAccounts, controllerUser, ensureSystemServiceAccounts, k3sControllerUser, kubeProxyUser, nodeUser } from './controller-identities.js';
import { defaultDataDir, flagHelp, UsageError, type FlagSpec } from './flags.js';
import { configFlags, parseFlagsWithConfig } from './config-file.js';
import { loggerFromFlags } from './log-flags.js';
import { defaultServerPointerFile, removeServerPointer, writeServerPointer } from './server-pointer.js';
import type { Logger } from '../apimachinery/logger.js';
import { nodePreflightPasses } from './node-preflight.js';
import { restrictDataDir } from './data-dir-modes.js';
import { containerdAvailable, nodeConfig, nodeFlags, type NodeConfig } from './node-flags.js';
import type { Upstream } from '../dns/upstream.js';
import { ingressConfig, ingressFlags, runIngress, type IngressConfig } from './ingress.js';
import { clusterConfigData, defaultClusterDNS, firstBindablePort, parseDnsUpstreams, runClusterDns, runServiceProxy } from './service-networking.js';

/** `skiff server`'s flags, in k3s's manner. */
export const serverFlags: FlagSpec[] = [
  { name: 'data-dir', type: 'string', help: 'where state, credentials and the kubeconfig live', default: defaultDataDir() },
  {
    name: 'datastore-endpoint',
    type: 'string',
    help: 'empty: an embedded SQLite file in the data dir; http://host:port,... or https://...: etcd',
    default: '',
  },
  { name: 'datastore-cafile', type: 'string', help: "the CA of etcd's serving certificate, for https:// endpoints (default: the system's roots)", default: '' },
  { name: 'datastore-certfile', type: 'string', help: 'the client certificate presented to etcd', default: '' },
  { name: 'datastore-keyfile', type: 'string', help: "the client certificate's key", default: '' },
  { name: 'secrets-encryption', type: 'boolean', help: 'encrypt Secrets at rest (aescbc; the key is made in <data-dir>/server/cred/encryption-config.json when absent)', default: false },
  { name: 'encryption-provider-config', type: 'string', help: 'an EncryptionConfiguration file (as kube-apiserver) saying which resources are encrypted how', default: '' },
  { name: 'https-port', type: 'string', help: 'the API server port', default: '6443' },
  { name: 'bind-address', type: 'string', help: 'the address the API server listens on', default: '0.0.0.0' },
  { name: 'advertise-address', type: 'string', help: "the address clients, nodes and pods reach the server (and the cluster DNS server) at (default: --node-ip, a specific --bind-address, else this machine's first non-loopback IPv4 address)", default: '' },
  { name: 'cluster-cidr', type: 'string', help: 'pod network', default: '10.42.0.0/16' },
  { name: 'service-cidr', type: 'string', help: 'Service ClusterIPs', default: '10.43.0.0/16' },
  { name: 'cluster-dns', type: 'string', help: 'the cluster DNS Service IP (kube-dns; default: the tenth address of --service-cidr, 10.43.0.10)', default: '' },
  { name: 'cluster-dns-port', type: 'string', help: 'the port (UDP and TCP) the cluster DNS server listens on at the advertised address; 0 disables it (default: 53 when free there, else 10053)', default: '' },
  {
    name: 'dns-upstream',
    type: 'string',
    help: "resolvers for names outside the cluster: address[:port],... or 'none' (default: the host's /etc/resolv.conf)",
    default: '',
  },
  { name: 'cluster-domain', type: 'string', help: 'the cluster DNS domain', default: 'cluster.local' },
  { name: 'token', type: 'string', help: 'the join token (generated and kept in the data dir when absent)', default: '' },
  { name: 'simulated-nodes', type: 'string', help: 'run this many simulated nodes (no containers, as KWOK) in the server', default: '0' },
  { name: 'disable-controllers', type: 'boolean', help: 'run the API server only: no controllers and no scheduler', default: false },
  { name: 'disable-agent', type: 'boolean', help: 'run no node agent in the server (no containers on this machine)', default: false },
  { name: 'max-requests-inflight', type: 'string', help: 'read-only requests served at once; more get 429 (as kube-apiserver)', default: '400' },
  { name: 'max-mutating-requests-inflight', type: 'string', help: 'writes served at once; more get 429 (as kube-apiserver)', default: '200' },
  { name: 'min-request-timeout', type: 'string', help: 'seconds: a watch ends after a random time between this and twice this (as kube-apiserver)', default: '1800' },
  { name: 'metric-resolution', type: 'string', help: 'how long a node\'s /stats/summary is reused by metrics.k8s.io, e.g. 15s (as metrics-server)', default: '15s' },
  { name: 'horizontal-pod-autoscaler-sync-period', type: 'string', help: 'how often each HorizontalPodAutoscaler is reconciled (as kube-controller-manager)', default: '15s' },
  { name: 'horizontal-pod-autoscaler-downscale-stabilization', type: 'string', help: 'the scale-down stabilization window of HPAs whose behavior names none (as kube-controller-manager)', default: '5m0s' },
  { name: 'request-timeout', type: 'string', help: 'how long a request other than a watch or stream may take before 504, e.g. 60s, 1m0s (as kube-apiserver)', default: '1m0s' },
  ...nodeFlags,
  ...ingressFlags,
];

/** The settings of a running server, after flag parsing. */
export interface ServerConfig {
  dataDir: string;
  datastoreEndpoint: string;
  /** PEM files for an https:// etcd; empty fields are not given. */
  datastoreTLS: DatastoreTLSFiles;
  /** `--secrets-encryption`. */
  secretsEncryption: boolean;
  /** `--encryption-provider-config`; '' for none (then `--secrets-encryption` uses the data dir's). */
  encryptionProviderConfig: string;
  httpsPort: number;
  bindAddress: string;
  advertiseAddress: string;
  clusterCIDR: string;
  serviceCIDR: string;
  clusterDNS: string;
  clusterDomain: string;
  /** The cluster DNS server's port; 0: no DNS server. */
  /** undefined: 53 when it can be bound at the advertised address, else 10053. 0: no DNS server. */
  clusterDNSPort: number | undefined;
  /** undefined: the host's resolv.conf. */
  dnsUpstreams: Upstream[] | undefined;
  token: string;
  disableControllers: boolean;
  simulatedNodes: number;
  disableAgent: boolean;
  /** The API server's request limits (`--max-*-inflight`, `--min-request-timeout`, `--request-timeout`). */
  requestLimits: { inFlight: InFlightLimits; minRequestTimeoutSeconds: number; requestTimeoutSeconds: number };
  /** `--metric-resolution`, `--horizontal-pod-autoscaler-sync-period` and `-downscale-stabilization`, in ms. */
  autoscaling: { metricResolutionMs: number; syncPeriodMs: number; downscaleStabilizationMs: number };
  node: NodeConfig;
  /** undefined: `--disable-ingress`. */
  ingress: IngressConfig | undefined;
}

/** A flag's value as a positive whole number, else a usage error naming the flag. */
function positiveCount(flags: Record<string, string | boolean | undefined>, name: string): number {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name}: not a positive whole number: ${String(flags[name])}`);
  return n;
}

/** Seconds in a Go-style duration (`60s`, `1m0s`, `1h`) or a bare number of seconds. */
export function durationSeconds(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!parts || text === '') return undefined;
  return Number(parts[1] ?? 0) * 3600 + Number(parts[2] ?? 0) * 60 + Number(parts[3] ?? 0);
}

function str(v: string | boolean | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** `--datastore-cafile/certfile/keyfile` as given (empty ones left out). */
export function datastoreTLSFiles(flags: Record<string, string | boolean | undefined>): DatastoreTLSFiles {
  const files: DatastoreTLSFiles = {};
  if (str(flags['datastore-cafile'])) files.caFile = str(flags['datastore-cafile']);
  if (str(flags['datastore-certfile'])) files.certFile = str(flags['datastore-certfile']);
  if (str(flags['datastore-keyfile'])) files.keyFile = str(flags['datastore-keyfile']);
  return files;
}

/**
 * The encryption configuration a server runs with: `--encryption-provider-config`'s, else with
 * `--secrets-encryption` the data dir's (made with a fresh key when absent), else none.
 */
export async function serverEncryptionConfig(config: Pick<ServerConfig, 'dataDir' | 'secretsEncryption' | 'encryptionProviderConfig'>): Promise<EncryptionConfiguration | undefined> {
  if (config.encryptionProviderConfig) return loadEncryptionConfig(config.encryptionProviderConfig);
  if (config.secretsEncryption) return ensureEncryptionConfig(defaultEncryptionConfigFile(config.dataDir));
  return undefined;
}

/** Turns parsed flags into a checked {@link ServerConfig}; throws on bad values. */
export function serverConfig(flags: Record<string, string | boolean | undefined>): ServerConfig {
  const port = Number(flags['https-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--https-port: invalid port ${String(flags['https-port'])}`);
  for (const f of ['cluster-cidr', 'service-cidr']) {
    try {
      parseCIDR(str(flags[f]));
    } catch (err) {
      throw new UsageError(`--${f}: ${errorMessage(err)}`);
    }
  }
  const dnsPort = str(flags['cluster-dns-port']) === '' ? undefined : Number(flags['cluster-dns-port']);
  if (dnsPort !== undefined && (!Number.isInteger(dnsPort) || dnsPort < 0 || dnsPort > 65535)) throw new UsageError(`--cluster-dns-port: invalid port ${String(flags['cluster-dns-port'])}`);
  const simulated = Number(flags['simulated-nodes'] ?? 0);
  if (!Number.isInteger(simulated) || simulated < 0) throw new UsageError(`--simulated-nodes: not a count: ${String(flags['simulated-nodes'])}`);
  const bind = str(flags['bind-address']);
  const advertise =
    str(flags['advertise-address']) || str(flags['node-ip']) || (bind && bind !== '0.0.0.0' && bind !== '::' ? bind : defaultNodeIP());
  return {
    dataDir: str(flags['data-dir']),
    datastoreEndpoint: str(flags['datastore-endpoint']),
    datastoreTLS: datastoreTLSFiles(flags),
    secretsEncryption: flags['secrets-encryption'] === true,
    encryptionProviderConfig: str(flags['encryption-provider-config']),
    httpsPort: port,
    bindAddress: bind,
    advertiseAddress: advertise,
    clusterCIDR: str(flags['cluster-cidr']),
    serviceCIDR: str(flags['service-cidr']),
    clusterDNS: str(flags['cluster-dns']) || defaultClusterDNS(str(flags['service-cidr'])),
    clusterDomain: str(flags['cluster-domain']),
    clusterDNSPort: dnsPort,
    dnsUpstreams: parseDnsUpstreams(str(flags['dns-upstream'])),
    token: str(flags.token),
    disableControllers: flags['disable-controllers'] === true,
    simulatedNodes: Number(flags['simulated-nodes'] ?? 0),
    disableAgent: flags['disable-agent'] === true,
    requestLimits: requestLimits(flags),
    autoscaling: {
      metricResolutionMs: durationFlagMs(flags, 'metric-resolution'),
      syncPeriodMs: durationFlagMs(flags, 'horizontal-pod-autoscaler-sync-period'),
      downscaleStabilizationMs: durationFlagMs(flags, 'horizontal-pod-autoscaler-downscale-stabilization'),
    },
    node: nodeConfig(flags),
    ingress: ingressConfig(flags),
  };
}

/** A duration flag (`15s`, `5m0s`, seconds) in ms; a usage error when it is not one. */
function durationFlagMs(flags: Record<string, string | boolean | undefined>, name: string): number {
  const seconds = durationSeconds(str(flags[name]));
  if (seconds === undefined || seconds <= 0) throw new UsageError(`--${name}: not a duration: ${String(flags[name])}`);
  return Math.round(seconds * 1000);
}

function requestLimits(flags: Record<string, string | boolean | undefined>): ServerConfig['requestLimits'] {
  const timeout = durationSeconds(str(flags['request-timeout']));
  if (timeout === undefined || timeout <= 0) throw new UsageError(`--request-timeout: not a duration: ${String(flags['request-timeout'])}`);
  return {
    inFlight: { readOnly: positiveCount(flags, 'max-requests-inflight'), mutating: positiveCount(flags, 'max-mutating-requests-inflight') },
    minRequestTimeoutSeconds: positiveCount(flags, 'min-request-timeout'),
    requestTimeoutSeconds: timeout,
  };
}

/**
 * Runs the control plane until `signal` aborts: credentials, the datastore, the API server
 * and the objects every cluster starts with. Resolves once everything is stopped. Components
 * log through `logger`'s children named after them when given, else all into `log`.
 */
export async function startControlPlane(config: ServerConfig, signal: AbortSignal, log: (msg: string) => void, logger?: Logger): Promise<void> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const restrictModes = () => restrictDataDir(config.dataDir, { onError: (path, err) => log(`cannot make ${path} owner-only: ${errorMessage(err)}`) });
  await restrictModes();
  const credentials = await ensureServerCredentials({
    dataDir: config.dataDir,
    token: config.token || undefined,
    bindAddress: config.bindAddress,
    advertiseAddresses: [config.advertiseAddress],
    httpsPort: config.httpsPort,
    serviceCIDR: config.serviceCIDR,
    clusterDomain: config.clusterDomain,
    hostname: hostname(),
  });
  const encryption = await serverEncryptionConfig(config);
  const rawStore = await openStore(config.datastoreEndpoint, config.dataDir, config.datastoreTLS);
  const store = encryption ? new EncryptingStore(rawStore, encryption) : rawStore;
  if (encryption) log(`encrypting at rest: ${encryption.resources.map((r) => `${r.resources.join(', ')} (${r.providers[0]?.type ?? 'identity'})`).join('; ')}`);
  try {
    await restrictModes();
    startAutoCompaction(store, signal);
    const tokens = await createTokenAuthenticator(credentials);
    const serviceAccountIssuer = new ServiceAccountTokenIssuer({
      ...(await loadOrCreateServiceAccountKey(credentials.tlsDir)),
      issuer: `https://kubernetes.default.svc.${config.clusterDomain}`,
      jwksURI: `https://${config.advertiseAddress}:${config.httpsPort}/openid/v1/jwks`,
    });
    const serviceAccountObjects = new ServiceAccountObjectCache();
    // One registry for the process: every component records into it, the API server serves it.
    const metrics = new Registry();
    registerProcessMetrics(metrics);
    // system:masters, the join token (CSRs only), the Node authorizer on a graph from informers,
    // then RBAC, as upstream's chain.
    const nodeGraph = new NodeGraph();
    const authorization = new RbacAuthorization({ authorizers: [new BootstrapAuthorizer(), new NodeAuthorizer({ graph: nodeGraph })] });
    // Simulated nodes run in this process: metrics.k8s.io reads their figures directly.
    let simulatedPool: SimulatedNodePool | undefined;
    const api = new ApiServer({
      store,
      metrics,
      ...config.requestLimits,
      metricsAPI: { resolutionMs: config.autoscaling.metricResolutionMs, localSummary: (name) => simulatedPool?.statsSummary(name) },
      authorizer: authorization.authorizer,
      ruleResolver: authorization.rbac,
      admissionPlugins: authorization.admissionPlugins,
      serviceCIDR: config.serviceCIDR,
      authenticator: new CertAndTokenAuthenticator(tokens, new ServiceAccountTokenAuthenticator({ issuer: serviceAccountIssuer, objects: serviceAccountObjects })),
      serviceAccountIssuer,
      advertiseAddress: `${config.advertiseAddress}:${config.httpsPort}`,
      serverCAPem: credentials.serverCA.certificatePem,
      nodeProxy: { kubeletTLS: { cert: credentials.kubeletClient.certificatePem, key: credentials.kubeletClient.privateKeyPem, ca: credentials.serverCA.certificatePem } },
      onError: (err) => (logger?.child('apiserver').error ?? log)(`apiserver error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    });
    const address = await api.listen(
      {
        key: credentials.serving.privateKeyPem,
        cert: credentials.serving.certificatePem,
        clientCA: credentials.clientCA.certificatePem,
      },
      config.bindAddress,
      config.httpsPort,
      signal,
    );
    log(`API server listening on https://${address.address}:${address.port}`);
    // Port 53 lets NetworkPolicies that allow DNS by port (as written for CoreDNS) work unchanged.
    const dnsPort = config.clusterDNSPort ?? (await firstBindablePort(config.advertiseAddress, [53, 10053]));
    await bootstrapCluster({
      kubernetesServiceIP: firstAddressInCIDR(config.serviceCIDR),
      endpointAddress: config.advertiseAddress,
      endpointPort: address.port,
      clusterDNS: dnsPort > 0 ? { serviceIP: config.clusterDNS, endpointPort: dnsPort } : undefined,
      clusterConfig: clusterConfigData(config),
      store: (g, v, p) => api.store(g, v, p),
    });
    // Components inside the server use the in-process client: privileged for bootstrap steps that
    // run before RBAC is ready; every other component acts as its own identity (`client.as`).
    const forbiddenLog = logger?.child('authorization').warn ?? log;
    const client = new InProcessClient(api.operations, {
      authorizer: authorization.authorizer,
      runAsUser: (user, write) => api.runAsUser(user, write),
      onForbidden: (err) => forbiddenLog(`in-process request refused: ${err.message}`),
      metrics: api.metricsAPI,
    });
    await authorization.start(client, signal, {
      onError: (err) => log(`rbac informer: ${errorMessage(err)}`),
    });
    await serviceAccountObjects.start({ client, signal, onError: (err) => log(`service-account token caches: ${errorMessage(err)}`) });
    await ensureSystemServiceAccounts(client);
    await api.startAdmissionPolicies(client, signal, (err) => log(`admission policy caches: ${errorMessage(err)}`));
    api.setReady(true);
    log(`cluster ready; kubeconfig: ${credentials.kubeconfigFile}`);
    // Parts that use the store must finish before it closes.
    const running: Promise<void>[] = [];
    const apiLog = logger?.child('apiserver').error ?? log;
    running.push(feedNodeGraph({ client, graph: nodeGraph, clock: systemClock, signal, onError: (err) => apiLog(`node authorizer graph: ${errorMessage(err)}`) }));
    // kube-controller-manager's CSR approving and signing controllers, under their identity.
    const signer = new CSRSigningController({
      client: client.as(serviceAccountUser(systemNamespace, 'certificate-controller')),
      clientCA: credentials.clientCA,
      servingCA: credentials.serverCA,
      clock: systemClock,
      onError: (err, where) => apiLog(`${where}: ${errorMessage(err)}`),
    });
    running.push(signer.run(signal).catch((err: unknown) => log(`certificate signer stopped: ${errorMessage(err)}`)));
    if (dnsPort > 0) {
      running.push(
        runClusterDns({
          client: client.as(serviceAccountUser(systemNamespace, coreDnsServiceAccount)),
          listenAddress: config.advertiseAddress,
          port: dnsPort,
          clusterDomain: config.clusterDomain,
          upstreams: config.dnsUpstreams,
          signal,
          log: logger?.child('dns').info ?? log,
        }).catch((err: unknown) => log(`cluster DNS stopped: ${errorMessage(err)}`)),
      );
    }
    if (!config.disableControllers) {
      const rootCAPublisher = rootCAPublisherFactory(credentials.serverCA.certificatePem);
      const tokensController = tokensControllerFactory((ns, sa, secret) => serviceAccountIssuer.issueLegacy(ns, sa, secret), credentials.serverCA.certificatePem);
      const serviceAccounts = controllerServiceAccounts([
        [rootCAPublisher, 'root-ca-cert-publisher'],
        [tokensController, 'tokens-controller'],
      ]);
      const managerClient = client.as(controllerManagerUser);
      const manager = new ControllerManager({
        client: managerClient,
        clientFor: (controller) => client.as(controllerUser(controller, serviceAccounts)),
        clock: systemClock,
        // The scheduler runs under the same leader election as the controllers.
        controllers: [
          ...allControllers,
          rootCAPublisher,
          tokensController,
          schedulerFactory,
        ],
        discovery: new RegistryDiscovery(api.served),
        metrics,
        settings: {
          clusterCIDR: config.clusterCIDR,
          serviceCIDR: config.serviceCIDR,
          clusterDomain: config.clusterDomain,
          clusterDNS: config.clusterDNS,
          dataDir: config.dataDir,
          horizontalPodAutoscaler: { syncPeriodMs: config.autoscaling.syncPeriodMs, downscaleStabilizationMs: config.autoscaling.downscaleStabilizationMs },
        },
        log: logger?.child('controller-manager').info ?? log,
        debug: logger?.child('controller-manager').debug,
      });
      running.push(manager.start(signal).catch((err: unknown) => log(`controller manager stopped: ${String(err)}`)));
    }
    if (!config.disableAgent) {
      const preflight = { dataDir: config.dataDir, kubeletPort: config.node.kubeletPort, containerRuntimeEndpoint: config.node.containerRuntimeEndpoint };
      if ((config.node.containerRuntimeEndpoint || containerdAvailable()) && (await nodePreflightPasses(preflight, log))) {
        const agent = new NodeAgent({
          client: client.as(nodeUser(config.node.nodeName)),
          nodeName: config.node.nodeName,
          nodeIP: config.node.nodeIP || (config.advertiseAddress !== '127.0.0.1' ? config.advertiseAddress : undefined),
          dataDir: config.dataDir,
          clusterDNS: [config.clusterDNS],
          clusterDomain: config.clusterDomain,
          containerRuntimeEndpoint: config.node.containerRuntimeEndpoint || undefined,
          kubeletPort: config.node.kubeletPort,
          trustedClientCAPem: credentials.serverCA.certificatePem,
          servingCertificate: servingCertFromCA(credentials.serverCA),
          labels: { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true' },
          metrics,
          log: logger?.child('agent').info ?? log,
          debug: logger?.child('agent').debug,
        });
        running.push(agent.start(signal).catch((err: unknown) => log(`node agent stopped: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)));
        if (!config.node.disableKubeProxy) {
          const node = { nodeName: agent.nodeName, nodeIPs: [agent.nodeIP], clusterCIDR: config.clusterCIDR, serviceCIDR: config.serviceCIDR };
          running.push(runServiceProxy({ client: client.as(kubeProxyUser), policyClient: client.as(k3sControllerUser), node, signal, log: logger?.child('proxy').info ?? log, metrics }).catch((err: unknown) => log(`service proxy stopped: ${errorMessage(err)}`)));
        }
        if (config.ingress) {
          const ingressRun = { client, config: config.ingress, dataDir: config.dataDir, nodeName: agent.nodeName, addresses: [agent.nodeIP], metrics, signal, log: logger?.child('ingress').info ?? log };
          running.push(runIngress(ingressRun).catch((err: unknown) => log(`ingress stopped: ${errorMessage(err)}`)));
        }
      } else if (!config.node.containerRuntimeEndpoint && !containerdAvailable()) {
        log('containerd is not installed: no node agent runs in this server (install containerd, or use --simulated-nodes)');
      }
    }
    if (config.simulatedNodes > 0) {
      const pool = new SimulatedNodePool(client, systemClock, {
        count: config.simulatedNodes,
        node: { onError: (err, where) => log(`simulated node ${where}: ${String(err)}`) },
      });
      simulatedPool = pool;
      running.push(pool.start(signal).catch((err: unknown) => log(`simulated nodes stopped: ${String(err)}`)));
      log(`running ${config.simulatedNodes} simulated nodes`);
    }
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.all(running);
  } finally {
    await store.close();
  }
}

/** `skiff server ARGS`: parses flags, runs until SIGINT or SIGTERM, and stops cleanly. */
export async function runServer(args: string[]): Promise<number> {
  const flags = parseFlagsWithConfig(args, serverFlags);
  if (flags.help) {
    console.log(`Usage: skiff server [flags]\n\nFlags:\n${flagHelp([...serverFlags, ...configFlags])}`);
    return 0;
  }
  const config = serverConfig(flags);
  // Resident memory tracks the live heap (caches of every object) instead of up to 4 times it.
  boundHeapGrowth(serverHeapGrowingPercent);
  const controller = new AbortController();
  // Every informer, queue and server of the process listens on this one signal.
  setMaxListeners(0, controller.signal);
  const stop = (sig: string) => {
    if (controller.signal.aborted) return;
    console.error(`skiff: ${sig} received, stopping`);
    controller.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const logger = loggerFromFlags(flags);
  const log = logger.child('server').info;
  if (flags.config) log(`flags from ${String(flags.config)}`);
  // Tells `skiff kubectl` and `skiff images` on this machine where this cluster lives.
  const pointerFile = defaultServerPointerFile();
  const dataDir = resolve(config.dataDir);
  try {
    writeServerPointer(pointerFile, { dataDir, kubeconfig: join(dataDir, 'kubeconfig.yaml'), pid: process.pid });
  } catch (err) {
    logger.child('server').warn(`cannot write ${pointerFile} (client commands need --data-dir): ${errorMessage(err)}`);
  }
  try {
    await startControlPlane(config, controller.signal, log, logger);
  } finally {
    removeServerPointer(pointerFile, process.pid);
  }
  log('stopped');
  return 0;
}
