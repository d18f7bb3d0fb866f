import { AsyncLocalStorage } from 'node:async_hooks';
import { createSecureServer } from 'node:http2';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Node, Pod, Service, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Store } from '../storage/store.js';
import { clusterIPAllocator, nodePortAllocator } from './allocator.js';
import { allowAuthenticated, type Authenticator, type Authorizer, type UserInfo } from './auth.js';
import { AccessReviews } from './authorization/reviews.js';
import { Impersonation } from './authorization/impersonation.js';
import type { RuleResolver } from './authorization/rule-resolver.js';
import { nameSelectedBy, requestAttributes } from './authorization/attributes.js';
import { forbiddenError } from './authorization/forbidden.js';
import { NodeRestrictionAdmission } from './admission/node-restriction.js';
import { CSRRequesterAdmission } from './admission/csr-requester.js';
import { CertificateSubjectRestrictionAdmission } from './admission/certificate-subject-restriction.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { internalError, notFound, StatusError, errorMessage } from '../apimachinery/errors.js';
import { bodyDecoder } from './body.js';
import { inFlightKind, InFlightLimiter, type InFlightLimits } from './inflight.js';
import { ResourceHandler, sendObject, sendStatusError } from './handlers.js';
import { ResourceOperations, storeKeyOf } from './operations.js';
import { negotiateDiscovery } from './negotiate.js';
import { AdmissionChain, type MutatingAdmissionPlugin } from './admission/admission.js';
import { DefaultStorageClassAdmission } from './admission/default-storage-class.js';
import { ServiceAccountAdmission } from './admission/service-account.js';
import { policyAdmissionPlugins } from './admission/policy-plugins.js';
import type { Client } from '../client/client.js';
import { AdmissionPolicyCache } from './admission/policy/policy-cache.js';
import { ValidatingAdmissionPolicyAdmission } from './admission/policy/validating-admission-policy.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { NodeProxy, type NodeProxyOptions } from './node-proxy.js';
import { ResourceProxy, type Dialer } from './resource-proxy.js';
import { writeStatusToSocket } from '../apimachinery/upgrade-proxy.js';
import { systemClock, type NowClock as Clock } from '../apimachinery/clock.js';
import { OpenAPIService } from './openapi-service.js';
import { defaultManager, PatchEngine } from './patch-request.js';
import { resourceTypes, ServedTypes, type ResourceType } from './registry.js';
import type { CustomResourceSchema, JSONSchemaProps } from './apiextensions/custom-resource-schema.js';
import { structuralSchemas } from './apiextensions/structural-schema.js';
import { CustomResourceDefinitions } from './apiextensions/crd-controller.js';
import { CustomResourceDefinitionStore } from './apiextensions/crd-store.js';
import { customResourceDefinitionStrategy } from './apiextensions/crd-strategy.js';
import { customResourceStrategy } from './apiextensions/custom-resource-strategy.js';
import { cloneJSON, jsonEqual } from '../apimachinery/object.js';
import { parseRequestInfo, type RequestInfo } from './request-info.js';
import { RestStore, type StorageCodec } from './rest-store.js';
import { eventFromCore, eventToCore } from './event-conversion.js';
import { hpaV1StorageCodec } from './autoscaling/hpa-conversion.js';
import { MetricsAPI } from './metrics-api.js';
import type { Summary } from '../apimachinery/stats-summary.js';
import { strategyFor } from './strategy.js';
import { Registry, textFormatContentType } from '../apimachinery/metrics.js';
import { ApiServerRequestMetrics, type RequestLabels } from './request-metrics.js';
import { InstrumentedStore, trackStorageObjects } from './storage-metrics.js';
import { ServiceAccountTokenIssuer } from './serviceaccount/token-issuer.js';
import { ServiceAccountTokenApis } from './serviceaccount/token-apis.js';
import { generateKeyPairSync } from 'node:crypto';

/** Options of {@link ApiServer}. */
export interface ApiServerOptions {
  store: Store;
  /** Service CIDR for ClusterIPs (default 10.43.0.0/16). */
  serviceCIDR?: string;
  /** NodePort range (default 30000-32767). */
  nodePortRange?: [number, number];
  authenticator: Authenticator;
  /** Default: every authenticated user may do everything. */
  authorizer?: Authorizer;
  /** Lists a user's rules for SelfSubjectRulesReview (`kubectl auth can-i --list`). Default: everything allowed. */
  ruleResolver?: RuleResolver;
  /**
   * Admission plugins run after the built-in ones on every create and update; they see the
   * requesting user (undefined for in-process clients). Default: none.
   */
  admissionPlugins?: readonly MutatingAdmissionPlugin[];
  clock?: Clock;
  /** Where clients reach this server (for /api's serverAddressByClientCIDRs). */
  advertiseAddress?: string;
  /** Called for unexpected errors (default: console.error). */
  onError?: (err: unknown) => void;
  /** PEM served at /cacerts, so that joining nodes can check it against their token (as k3s). */
  serverCAPem?: string;
  /**
   * Forwards pods/log, exec, attach and portforward to the pod's node with this client
   * certificate. Default: none, and those subresources answer 503.
   */
  nodeProxy?: Omit<NodeProxyOptions, 'getPod' | 'getNode'>;
  /**
   * How the `proxy` subresources of pods, Services and nodes, and the node streaming
   * subresources, connect to their backends (default: a TCP connection to the pod, endpoint
   * or node address). Tests map addresses that validation accepts to servers on 127.0.0.1.
   */
  proxyDial?: Dialer;
  /**
   * The process's metrics, served at /metrics (with whatever other components record into it).
   * Default: a registry of this server's own.
   */
  metrics?: Registry;
  /**
   * metrics.k8s.io: how long a node's /stats/summary is reused (default 15000 ms), and where the
   * summaries of nodes inside this process come from (simulated nodes); other nodes are asked
   * through the node proxy's verified connection.
   */
  metricsAPI?: { resolutionMs?: number; localSummary?: (nodeName: string) => Summary | undefined };
  /** Concurrent requests and watches (default upstream's 400 read-only, 200 mutating; 10,000 watches). */
  inFlight?: InFlightLimits;
  /**
   * Upstream's --min-request-timeout: a watch without timeoutSeconds ends after a random time
   * between this and twice this (default 1800 s), so clients spread their re-lists.
   */
  minRequestTimeoutSeconds?: number;
  /**
   * Signs the tokens of `serviceaccounts/token` and publishes its keys at /openid/v1/jwks.
   * Default: an issuer with a key of this process's own (tokens die with it).
   */
  serviceAccountIssuer?: ServiceAccountTokenIssuer;
  /**
   * Upstream's --request-timeout: a request that is not long-running (not a watch, log, exec,
   * attach, port-forward or proxy) that has not finished by then gets 504 Timeout. Default 60.
   */
  requestTimeoutSeconds?: number;
  /** Structural schema checks of CustomResourceDefinitions and their objects. Default: upstream's, with CEL rules. */
  customResourceSchema?: CustomResourceSchema;
}

/** Subresources that stream for as long as the client wants, as upstream's long-running check. */
const longRunningSubresources = new Set(['attach', 'exec', 'log', 'portforward', 'proxy']);

/** True when a segment of the request's path is `.` or `..`, written plainly or percent-encoded. */
function hasDotSegment(rawUrl: string): boolean {
  const path = rawUrl.split('?')[0] ?? '';
  return path.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
}

/** Go's spelling of a duration of whole seconds, as upstream prints its timeout (60 s is "1m0s"). */
function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const sec = seconds % 60;
  if (h) return `${h}h${m}m${sec}s`;
  if (m) return `${m}m${sec}s`;
  return `${sec}s`;
}

/** events.k8s.io/v1 Events are core/v1 Events, converted on the way in and out. */
const eventsCodec: StorageCodec = { storageGroup: 'core', toStorage: eventToCore, fromStorage: eventFromCore };

/** Verbs that never reach admission. */
const readVerbs = new Set(['get', 'list', 'watch']);

/** Paths anyone may read without credentials, as upstream's system:public-info-viewer allows. */
const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

/**
 * The Kubernetes API over HTTPS: authentication, discovery, OpenAPI and every resource verb,
 * on top of one {@link Store}.
 */
export class ApiServer {
  readonly stores = new Map<string, RestStore>();
  /** The types served: built-in, and those CustomResourceDefinitions add. */
  readonly served = new ServedTypes();
  private readonly customResources: CustomResourceDefinitions;
  private readonly backend: Store;
  /** Every verb on every resource, without HTTP: what in-process clients call. */
  readonly operations: ResourceOperations;
  private readonly resources: ResourceHandler;
  private readonly inFlight: InFlightLimiter;
  private readonly openapi = new OpenAPIService();
  private readonly clock: Clock;
  private readonly authorizer: Authorizer;
  /** The user of the write being served, for admission (set around each write over HTTPS). */
  private readonly requestUser = new AsyncLocalStorage<UserInfo>();
  /** Warnings admission adds to the write being served (sent as Warning headers). */
  private readonly requestWarnings = new AsyncLocalStorage<string[]>();
  /** ValidatingAdmissionPolicies, bindings and params in memory; start with {@link startAdmissionPolicies}. */
  private readonly admissionPolicies = new AdmissionPolicyCache();
  private readonly onError: (err: unknown) => void;
  private readonly admission: AdmissionChain;
  private readonly schemas: CustomResourceSchema;
  private readonly nodeProxy?: NodeProxy;
  /** metrics.k8s.io NodeMetrics and PodMetrics (also read by the in-process client). */
  readonly metricsAPI: MetricsAPI;
  private readonly resourceProxy: ResourceProxy;
  private readonly registry: Registry;
  private readonly requestMetrics: ApiServerRequestMetrics;
  private readonly reviews: AccessReviews;
  private readonly impersonation: Impersonation;
  private readonly tokenApis: ServiceAccountTokenApis;
  private ready = false;

  constructor(private readonly options: ApiServerOptions) {
    this.clock = options.clock ?? systemClock;
    this.authorizer = options.authorizer ?? allowAuthenticated;
    this.onError = options.onError ?? ((err) => console.error('apiserver:', err));
    this.registry = options.metrics ?? new Registry();
    this.requestMetrics = new ApiServerRequestMetrics(this.registry);
    const store = new InstrumentedStore(options.store, this.registry);
    const serviceCIDR = options.serviceCIDR ?? '10.43.0.0/16';
    const [first, last] = options.nodePortRange ?? [30000, 32767];
    const allocators = {
      clusterIPs: clusterIPAllocator(store, serviceCIDR),
      nodePorts: nodePortAllocator(store, first, last),
      serviceCIDR,
    };
    // Mutating admission reads other types through their stores, made just below.
    const admission = new AdmissionChain(
      [
        new DefaultStorageClassAdmission(async () => (await this.store('storage.k8s.io', 'v1', 'storageclasses').list('', {})).items as unknown as StorageClass[]),
        new CSRRequesterAdmission(() => this.requestUser.getStore()),
        new CertificateSubjectRestrictionAdmission(),
        new NodeRestrictionAdmission(() => this.requestUser.getStore()),
        new ServiceAccountAdmission(async (ns, name) => {
          try {
            return (await this.store('', 'v1', 'serviceaccounts').get(ns, name)) as ServiceAccount;
          } catch (err) {
            if (err instanceof StatusError && err.code === 404) return undefined;
            throw err;
          }
        }),
        ...(options.admissionPlugins ?? []),
        // Last, as upstream: ResourceQuota charges only what every other plugin admitted.
        ...policyAdmissionPlugins((group, plural) => this.store(group, 'v1', plural)),
      ],
      () => this.requestUser.getStore(),
      [new ValidatingAdmissionPolicyAdmission({ source: this.admissionPolicies, warn: (w) => this.requestWarnings.getStore()?.push(w) })],
    );
    this.backend = store;
    this.admission = admission;
    const schemas = options.customResourceSchema ?? structuralSchemas();
    this.schemas = schemas;
    for (const type of resourceTypes) {
      const codec = type.group === 'events.k8s.io' ? eventsCodec : type.group === 'autoscaling' && type.version === 'v1' ? hpaV1StorageCodec : undefined;
      if (type.group === 'apiextensions.k8s.io') {
        this.stores.set(storeKeyOf(type), new CustomResourceDefinitionStore(type, store, customResourceDefinitionStrategy(schemas), this.clock, { admission }));
        continue;
      }
      this.stores.set(storeKeyOf(type), new RestStore(type, store, strategyFor(type, allocators, this.clock), this.clock, { codec, admission }));
    }
    this.customResources = new CustomResourceDefinitions({
      crds: this.stores.get('apiextensions.k8s.io/v1/customresourcedefinitions')!,
      serve: (crdName, types) => this.serveCustomTypes(crdName, types),
      clock: this.clock,
      onError: (err) => this.onError(err),
    });
    // Counted on the backend itself: a scrape's counts are not store requests of the API.
    trackStorageObjects(this.registry, options.store, [...this.stores.values()].map((s) => s.prefix('')));
    this.tokenApis = new ServiceAccountTokenApis({
      issuer: options.serviceAccountIssuer ?? new ServiceAccountTokenIssuer(generateKeyPairSync('ec', { namedCurve: 'prime256v1' })),
      getCore: (plural, ns, name) => this.store('', 'v1', plural).get(ns, name),
      ...(options.authenticator.reviewToken ? { reviewToken: options.authenticator.reviewToken.bind(options.authenticator) } : {}),
      clock: this.clock,
    });
    this.operations = new ResourceOperations({
      createOnly: new Map([
        ['/v1/serviceaccounts/token', (ns, name, obj) => this.tokenApis.createToken(ns, name, obj)],
        ['authentication.k8s.io/v1/tokenreviews', async (_ns, _name, obj) => this.tokenApis.createTokenReview(obj)],
      ]),
      stores: this.stores,
      patcher: new PatchEngine(this.openapi.schemas, this.clock),
      unknownFields: (type, obj) =>
        type.custom
          ? type.custom.schema
            ? this.schemas.pruneUnknownFields(type.custom.schema as JSONSchemaProps, cloneJSON(obj) as Record<string, unknown>)
            : []
          : this.openapi.unknownFields(type, obj),
      typeError: (definition, obj) => this.openapi.typeError(definition, obj),
      clock: this.clock,
    });
    this.inFlight = new InFlightLimiter(options.inFlight);
    this.reviews = new AccessReviews({ authorizer: this.authorizer, ruleResolver: options.ruleResolver, decode: bodyDecoder(this.openapi.schemas), clock: this.clock });
    this.impersonation = new Impersonation({ authorizer: this.authorizer, forbidden: (user, info, reason) => this.forbidden(user, info, '', reason) });
    this.resources = new ResourceHandler(this.operations, this.clock, bodyDecoder(this.openapi.schemas), {
      minRequestTimeoutSeconds: options.minRequestTimeoutSeconds,
      admissionWarnings: () => this.requestWarnings.getStore() ?? [],
    });
    this.resourceProxy = new ResourceProxy({
      getService: async (ns, name) => (await this.store('', 'v1', 'services').get(ns, name)) as Service,
      getPod: async (ns, name) => (await this.store('', 'v1', 'pods').get(ns, name)) as Pod,
      getNode: async (name) => (await this.store('', 'v1', 'nodes').get('', name)) as Node,
      endpointSlices: async (ns, service) => {
        const { items } = await this.store('discovery.k8s.io', 'v1', 'endpointslices').list(ns);
        return (items as unknown as EndpointSlice[]).filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === service);
      },
      ...(options.nodeProxy ? { kubeletTLS: options.nodeProxy.kubeletTLS, defaultNodePort: options.nodeProxy.defaultNodePort } : {}),
      ...(options.proxyDial ? { dial: options.proxyDial } : {}),
    });
    if (options.nodeProxy) {
      this.nodeProxy = new NodeProxy({
        ...options.nodeProxy,
        ...(options.proxyDial ? { dial: options.proxyDial } : {}),
        getPod: async (ns, name) => (await this.store('', 'v1', 'pods').get(ns, name)) as Pod,
        getNode: async (name) => (await this.store('', 'v1', 'nodes').get('', name)) as Node,
      });
    }
    this.metricsAPI = new MetricsAPI({
      listNodes: async () => (await this.store('', 'v1', 'nodes').list('', {})).items as unknown as Node[],
      listPods: async (ns) => (await this.store('', 'v1', 'pods').list(ns, {})).items as unknown as Pod[],
      summary: (node) => this.nodeSummary(node),
      clock: this.clock,
      resolutionMs: options.metricsAPI?.resolutionMs,
    });
  }

  /** A node's summary: from this process when the node runs here, else from its kubelet. */
  private async nodeSummary(node: Node): Promise<Summary> {
    const local = this.options.metricsAPI?.localSummary?.(node.metadata?.name ?? '');
    if (local) return local;
    if (!this.nodeProxy) throw new StatusError(503, 'ServiceUnavailable', 'no connection to nodes is configured');
    return this.nodeProxy.statsSummary(node);
  }

  /**
   * Serves the types of one CustomResourceDefinition (none: no longer): their stores, discovery
   * and OpenAPI. A type that did not change keeps its store (and its watchers).
   */
  private serveCustomTypes(crdName: string, types: ResourceType[]): RestStore[] {
    const before = this.served.all().filter((t) => t.custom?.crdName === crdName);
    const kept = (t: ResourceType) => before.some((b) => jsonEqual(b, t));
    for (const old of before) {
      if (types.some((t) => jsonEqual(t, old))) continue;
      this.stores.get(storeKeyOf(old))?.stopWatching();
      this.stores.delete(storeKeyOf(old));
      this.openapi.removeDefinitions(old);
    }
    for (const type of types) {
      if (kept(type)) continue;
      const storageVersion = `${type.group}/${type.custom?.storageVersion ?? type.version}`;
      const servedVersion = `${type.group}/${type.version}`;
      const codec: StorageCodec = {
        storageGroup: type.group,
        toStorage: (obj) => ({ ...obj, apiVersion: storageVersion }),
        fromStorage: (obj) => ({ ...obj, apiVersion: servedVersion }),
      };
      this.stores.set(storeKeyOf(type), new RestStore(type, this.backend, customResourceStrategy(type, this.schemas), this.clock, { codec, admission: this.admission }));
      this.openapi.addDefinitions(type);
    }
    if (before.length !== types.length || !types.every(kept)) {
      this.served.setCustom(crdName, types);
      this.openapi.setTypes(this.served.all());
    }
    return types.map((t) => this.stores.get(storeKeyOf(t))).filter((s): s is RestStore => s !== undefined);
  }

  /**
   * Serves CustomResourceDefinitions until `signal` aborts (listen starts it; in-process
   * servers that never listen call it themselves).
   */
  runCustomResources(signal: AbortSignal): Promise<void> {
    return this.customResources.run(signal);
  }

  /** The REST store of a type, for in-process clients and bootstrap. */
  store(group: string, version: string, plural: string): RestStore {
    return this.operations.storeFor(group, version, plural);
  }

  /**
   * Runs `write` as a request of `user`: admission (NodeRestriction, escalation checks, CSR
   * requester) sees that user, as for a write over HTTPS. For in-process clients acting as a user.
   */
  runAsUser<T>(user: UserInfo, write: () => Promise<T>): Promise<T> {
    return this.requestUser.run(user, write);
  }

  /**
   * Starts the caches ValidatingAdmissionPolicy admission reads (through `client`); resolves once
   * policies, bindings and namespaces have listed. Until then no policy applies.
   */
  startAdmissionPolicies(client: Client, signal: AbortSignal, onError?: (error: unknown) => void): Promise<void> {
    return this.admissionPolicies.start({ client, signal, ...(onError ? { onError } : {}) });
  }

  /** Marks the server ready (readyz answers ok) once bootstrap objects exist. */
  setReady(ready: boolean): void {
    this.ready = ready;
  }

  /** Serves HTTPS until `signal` aborts; resolves with the bound address. */
  async listen(
    tls: { key: string; cert: string; clientCA: string },
    host: string,
    port: number,
    signal: AbortSignal,
  ): Promise<AddressInfo> {
    void this.runCustomResources(signal).catch((err: unknown) => this.onError(err));
    // HTTP/2 as upstream (clients multiplex watches and can cancel one without closing the
    // connection), and HTTP/1.1 for clients that do not offer h2 and for upgrades.
    const server = createSecureServer(
      { key: tls.key, cert: tls.cert, ca: tls.clientCA, requestCert: true, rejectUnauthorized: false, allowHTTP1: true, settings: { maxConcurrentStreams: 1000 } },
      (req, res) => {
        void this.handle(req as unknown as IncomingMessage, res as unknown as ServerResponse);
      },
    );
    // HTTP/1.1 requests with `Connection: Upgrade` (exec, attach, port-forward) arrive here with their socket.
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const sessions = new Set<{ destroy(): void }>();
    server.on('session', (session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
    });
    const sockets = new Set<{ destroy(): void }>();
    server.on('secureConnection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    signal.addEventListener('abort', () => {
      server.close();
      this.nodeProxy?.close();
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
    });
    return server.address() as AddressInfo;
  }

  /** Handles one request: every error becomes a Status. Each request is counted and timed. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = this.registry.now();
    // A request whose URL does not parse is answered with a Status and not counted.
    let labels: RequestLabels | undefined;
    try {
      // WHATWG URLs resolve `%2e%2e` as `..`; upstream's paths keep them, and no object is named so.
      if (hasDotSegment(req.url ?? '/')) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      const url = new URL(req.url ?? '/', 'https://localhost');
      const method = req.method ?? 'GET';
      const info = parseRequestInfo(method, url.pathname, url.searchParams);
      const known = info.isResourceRequest && this.stores.has(storeKeyOf({ group: info.apiGroup, version: info.apiVersion, plural: info.resource === 'bindings' ? 'pods' : info.resource }));
      labels = ApiServerRequestMetrics.labelsOf(method, info, url.searchParams, req.headers['content-type'], known);
      const release = this.inFlight.acquire(inFlightKind(method, url.pathname, info, url.searchParams));
      try {
        const routed = this.route(req, res, url, info, labels);
        const longRunning = info.isResourceRequest && (info.verb === 'watch' || longRunningSubresources.has(info.subresource));
        await (longRunning ? routed : this.withDeadline(routed));
      } finally {
        release();
      }
    } catch (err) {
      if (err instanceof StatusError) {
        sendStatusError(res, err);
      } else {
        this.onError(err);
        sendStatusError(res, internalError(errorMessage(err), err));
      }
    }
    if (labels) this.requestMetrics.observe(labels, res.statusCode, (this.registry.now() - start) / 1000);
  }

  /**
   * Waits for a request's handling up to the request timeout; past it, answers 504 as upstream's
   * timeout filter does, and lets the handling finish unheard.
   */
  private async withDeadline(routed: Promise<void>): Promise<void> {
    const seconds = this.options.requestTimeoutSeconds ?? 60;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), seconds * 1000);
    });
    try {
      if ((await Promise.race([routed, expired])) !== 'expired') return;
    } finally {
      clearTimeout(timer);
    }
    routed.catch((err: unknown) => {
      // The client has its 504; an answer the handler tries to write now is expected to fail.
      if ((err as { code?: string } | undefined)?.code !== 'ERR_HTTP_HEADERS_SENT') this.onError(err);
    });
    throw new StatusError(504, 'Timeout', `Timeout: request did not complete within ${goDuration(seconds)}`, {});
  }

  /**
   * Handles an upgrade request: the node's streaming subresources are proxied to the node, the
   * `proxy` subresources to their backend; any other request is answered as if it had not asked to upgrade.
   */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://localhost');
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    const resourceProxied = ResourceProxy.handles(info);
    if (!resourceProxied && (!this.nodeProxy || !NodeProxy.handles(info) || info.subresource === 'log')) {
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket as Socket);
      res.on('finish', () => socket.end());
      return this.handle(req, res);
    }
    // A stream is counted and timed when its socket closes, with the answer it got (101 once upgraded).
    const start = this.registry.now();
    const labels = ApiServerRequestMetrics.labelsOf(req.method ?? 'GET', info, url.searchParams, req.headers['content-type'], true);
    const longRunning = this.requestMetrics.longRunningGauge(labels);
    let code = 101;
    longRunning.inc();
    socket.once('close', () => {
      longRunning.dec();
      this.requestMetrics.observe(labels, code, (this.registry.now() - start) / 1000);
    });
    try {
      this.authorize(req, info, url.pathname, url.searchParams);
      if (resourceProxied) await this.resourceProxy.upgrade(req, socket, head, info);
      else if (this.nodeProxy) await this.nodeProxy.upgrade(req, socket, head, info, url.searchParams);
    } catch (err) {
      if (!(err instanceof StatusError)) this.onError(err);
      const status = err instanceof StatusError ? err : internalError(errorMessage(err), err);
      code = status.code;
      writeStatusToSocket(socket, status);
    }
  }

  /**
   * Authenticates a request, applies its impersonation headers and authorizes it as the user it
   * acts as (401/403 as upstream); returns that user.
   */
  private authorize(req: IncomingMessage, info: RequestInfo, path: string, query: URLSearchParams): UserInfo {
    const caller = this.options.authenticator.authenticate(req);
    if (!caller) {
      throw new StatusError(401, 'Unauthorized', 'Unauthorized');
    }
    const user = this.impersonation.actAs(caller, req.rawHeaders);
    const decision = this.authorizer.authorize(user, authorizationInfo(info, query));
    if (!decision.allowed) throw this.forbidden(user, info, path, decision.reason);
    return user;
  }

  /** The 403 of a request the authorizer refused, in upstream's words. */
  private forbidden(user: UserInfo, info: RequestInfo, path: string, reason?: string): StatusError {
    return forbiddenError(user, requestAttributes(info, path), reason);
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, info: RequestInfo, labels: RequestLabels): Promise<void> {
    const path = url.pathname;
    if (path === '/cacerts' && this.options.serverCAPem) {
      // Public: it holds no secret, and a joining node verifies it against its token's hash.
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(this.options.serverCAPem) });
      res.end(this.options.serverCAPem);
      return;
    }
    if (publicPaths.has(path) || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/')) {
      return this.serveHealth(res, path, url.searchParams);
    }
    const user = this.authorize(req, info, path, url.searchParams);
    if (path === '/metrics') return this.serveMetrics(req, res);
    // Upstream lets system:service-account-issuer-discovery read these unauthenticated; here any authenticated caller may.
    const issuerDocument = this.tokenApis.discoveryDocument(path);
    if (issuerDocument) {
      res.writeHead(200, { 'Content-Type': issuerDocument.contentType, 'Content-Length': Buffer.byteLength(issuerDocument.body), 'Cache-Control': 'public, max-age=3600' });
      res.end(issuerDocument.body);
      return;
    }
    if (path.startsWith('/openapi/')) {
      const doc = this.openapi.serve(path, url.searchParams, req.headers.accept);
      if (!doc) throw notFound({ resource: '', group: '', name: path });
      res.writeHead(200, { 'Content-Type': doc.contentType, 'Content-Length': doc.body.length, ...doc.headers });
      res.end(doc.body);
      return;
    }
    if (!info.isResourceRequest) return this.serveDiscovery(req, res, info.parts);
    const resourceProxied = ResourceProxy.handles(info);
    const proxied = resourceProxied || (this.nodeProxy !== undefined && NodeProxy.handles(info));
    const longRunning = proxied || info.verb === 'watch' ? this.requestMetrics.longRunningGauge(labels) : undefined;
    longRunning?.inc();
    try {
      if (resourceProxied) return await this.resourceProxy.serve(req, res, info);
      if (this.nodeProxy && proxied) return await this.nodeProxy.serve(req, res, info, url.searchParams);
      if (AccessReviews.handles(info)) return await this.reviews.serve(req, res, info, url.searchParams, user);
      if (MetricsAPI.handles(info)) return await this.metricsAPI.serve(req, res, info, url.searchParams);
      const store = this.operations.storeFor(info.apiGroup, info.apiVersion, info.resource === 'bindings' ? 'pods' : info.resource);
      const manager = url.searchParams.get('fieldManager') ?? defaultManager(req.headers['user-agent']);
      const serve = () => this.resources.serve(req, res, info, store, url.searchParams, manager);
      // Admission sees who writes (escalation checks); reads need no context.
      if (readVerbs.has(info.verb)) await serve();
      else await this.requestUser.run(user, () => this.requestWarnings.run([], serve));
    } finally {
      longRunning?.dec();
    }
  }

  /** The process's metrics in the Prometheus text format. */
  private async serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    const text = await this.registry.render((err) => this.onError(err));
    res.writeHead(200, { 'Content-Type': textFormatContentType, 'Content-Length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  /**
   * /healthz, /livez, /readyz as upstream's healthz handlers: "ok", or with `?verbose` one
   * `[+]name ok` line per check and `<endpoint> check passed`; a failing check makes a 500 that
   * lists every check. `/healthz/<check>` answers one check.
   */
  private serveHealth(res: ServerResponse, path: string, query: URLSearchParams): void {
    if (path.startsWith('/version')) return sendObject(res, 200, versionInfo());
    const endpoint = path.split('/')[1] ?? 'healthz';
    const checks: [string, boolean][] = [['ping', true], ['log', true], ['etcd', true]];
    if (endpoint === 'readyz') checks.push(['poststarthook/skiff-bootstrap', this.ready]);
    const only = path.slice(endpoint.length + 2);
    const selected = only ? checks.filter(([name]) => name === only) : checks;
    if (!selected.length) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const ok = selected.every(([, passed]) => passed);
    const lines = selected.map(([name, passed]) => (passed ? `[+]${name} ok` : `[-]${name} failed: reason withheld`));
    const text = ok && !query.has('verbose') ? 'ok' : `${lines.join('\n')}\n${endpoint} check ${ok ? 'passed' : 'failed'}\n`;
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private serveDiscovery(req: IncomingMessage, res: ServerResponse, parts: string[]): void {
    const notFoundStatus = () => new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    if (parts[0] === 'api' || parts[0] === 'apis') {
      const core = parts[0] === 'api';
      if (parts.length === 1) {
        const form = negotiateDiscovery(req.headers.accept);
        if (!form) throw new StatusError(406, 'NotAcceptable', 'only the following media types are accepted: application/json');
        if (form !== 'legacy') {
          const body = JSON.stringify(aggregatedDiscovery(core, form, this.served.all()));
          res.writeHead(200, {
            'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${form};as=APIGroupDiscoveryList`,
            'Content-Length': Buffer.byteLength(body),
            Vary: 'Accept',
          });
          res.end(body);
          return;
        }
        return sendObject(res, 200, core ? apiVersions(this.options.advertiseAddress ?? '127.0.0.1:6443') : apiGroupList(this.served.all()));
      }
      if (core && parts.length === 2) {
        const list = apiResourceList('', parts[1], this.served.all());
        if (!list) throw notFoundStatus();
        return sendObject(res, 200, list);
      }
      if (!core && parts.length === 2) {
        const g = apiGroup(parts[1], this.served.all());
        if (!g) throw notFoundStatus();
        return sendObject(res, 200, g);
      }
      if (!core && parts.length === 3) {
        const list = apiResourceList(parts[1], parts[2], this.served.all());
        if (!list) throw notFoundStatus();
        return sendObject(res, 200, list);
      }
    }
    if (parts.length === 0) {
      const paths = ['/.well-known/openid-configuration', '/api', '/api/v1', '/apis', '/healthz', '/livez', '/metrics', '/openapi/v2', '/openapi/v3', '/openid/v1/jwks', '/readyz', '/version'];
      return sendObject(res, 200, { paths });
    }
    throw notFoundStatus();
  }
}

/**
 * The request as authorizers see it: a list or watch that selects one name by
 * `fieldSelector=metadata.name=<name>` names that object, as upstream's RequestInfoFactory sets
 * it (so a node may watch the one Secret its pod uses).
 */
function authorizationInfo(info: RequestInfo, query: URLSearchParams): RequestInfo {
  if (!info.isResourceRequest || info.name !== '' || (info.verb !== 'list' && info.verb !== 'watch')) return info;
  const name = nameSelectedBy(query.get('fieldSelector') ?? undefined);
  return name ? { ...info, name } : info;
}
