import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, IngressLoadBalancerIngress } from 'kubernetes-types/networking/v1.js';
import { systemClock, type Clock } from '../apimachinery/clock.js';
import { errorMessage, isStatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type Client } from '../client/client.js';
import type { EventRecorder } from '../client/events.js';
import { Informer, objectKey } from '../client/informer.js';
import { runWorkers, WorkQueue } from '../client/work-queue.js';
import { buildIngressDataPlane, defaultClassAnnotation, ingressNginxController, type IngressProblem } from './ingress-model.js';
import { renderNginxConfig, type NginxSettings } from './nginx-config.js';
import { buildGatewayDataPlane, mergeDataPlanes, skiffGatewayController, type GatewayDataPlane, type StatusUpdate } from './gateway-model.js';
import { gatewayGroup, type Gateway, type GatewayClass, type GRPCRoute, type HTTPRoute, type ReferenceGrant } from './gateway-types.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { ResourceRef } from '../client/client.js';
import type { Registry } from '../apimachinery/metrics.js';
import { AccessLogReceiver } from './access-log-receiver.js';
import { UpstreamTraffic, type UpstreamBackend } from './upstream-traffic.js';
import { ingressFingerprint, loadedAnnotation } from './loaded-annotation.js';

/** The Gateway API resources the controller watches (gateway.networking.k8s.io/v1). */
export const gatewayResources = {
  gatewayclasses: { group: gatewayGroup, version: 'v1', resource: 'gatewayclasses' },
  gateways: { group: gatewayGroup, version: 'v1', resource: 'gateways' },
  httproutes: { group: gatewayGroup, version: 'v1', resource: 'httproutes' },
  grpcroutes: { group: gatewayGroup, version: 'v1', resource: 'grpcroutes' },
  referencegrants: { group: gatewayGroup, version: 'v1', resource: 'referencegrants' },
} satisfies Record<string, ResourceRef>;

/** The Gateway API informers, present when the controller serves Gateways. */
interface GatewayInformers {
  classes: Informer<GatewayClass & KubeObject>;
  gateways: Informer<Gateway & KubeObject>;
  routes: Informer<HTTPRoute & KubeObject>;
  grpcRoutes: Informer<GRPCRoute & KubeObject>;
  grants: Informer<ReferenceGrant & KubeObject>;
  namespaces: Informer<Namespace & KubeObject>;
}

/** What the controller needs of nginx (an {@link NginxProcess}, or a fake in tests). */
export interface NginxControl {
  /** undefined when the file is a valid configuration, else nginx's message. */
  test(configFile: string): Promise<string | undefined>;
  /** Loads the configuration file again, gracefully; true once every worker accepting connections runs it. */
  reload(): Promise<boolean>;
  /** True once nginx runs (with the configuration file as it was when it started). */
  serving(): Promise<boolean>;
}

/** Options of {@link IngressController}. */
export interface IngressControllerOptions {
  client: Client;
  /** Where the configuration, certificates and nginx's temp files live (made owner-only). */
  dir: string;
  /** The configuration file nginx runs; default `<dir>/nginx.conf`. */
  configFile?: string;
  httpPort: number;
  httpsPort: number;
  /** The addresses written into the served Ingresses' status.loadBalancer.ingress. */
  addresses: string[];
  nginx: NginxControl;
  events: EventRecorder;
  /** Create the IngressClass `nginx` (default class) when missing. Default true. */
  createIngressClass?: boolean;
  /** Serve Gateways of GatewayClasses with this controllerName (the Gateway API CRDs must be served). Default: no Gateway API. */
  gatewayController?: string;
  /** Default: the system clock. */
  clock?: Clock;
  /** nginx's keepalive_min_timeout (needs nginx 1.27.4 or later). Default none. */
  keepaliveMinTimeoutMs?: number;
  /**
   * Where the requests nginx proxied to each Service port are counted, from its access log (a
   * UDP socket on 127.0.0.1): the server's registry, which the API server serves at /metrics.
   * Default none: nginx keeps no access log.
   */
  metrics?: Registry;
  /** Told about sync failures and informer errors. */
  onError: (err: unknown) => void;
  /** Told what happened (reloads, rejected configurations). */
  log: (msg: string) => void;
}

const rebuildKey = 'nginx';
/** The line source of configuration made from an HTTPRoute. */
const routeSource = 'httproute:';

/**
 * The Ingress controller: watches Ingresses, IngressClasses, Services, EndpointSlices and TLS
 * Secrets; every change queues the one key, whose sync translates everything into the data
 * plane model, renders the nginx configuration, writes it beside the running one, checks it with
 * `nginx -t` and only then moves it in place and reloads. A version of an Ingress whose
 * configuration nginx rejects is replaced by the last version that loaded (or left out), with a
 * Warning event naming it; the previous configuration keeps serving meanwhile. Once nginx's
 * workers run the new configuration, each served Ingress gets the {@link loadedAnnotation} of
 * the version loaded and the Gateway API objects their status (conditions' observedGeneration):
 * what clients such as `skiff canary` wait on.
 */
export class IngressController {
  private readonly ingresses: Informer<Ingress & KubeObject>;
  private readonly classes: Informer<IngressClass & KubeObject>;
  private readonly services: Informer<Service & KubeObject>;
  private readonly slices: Informer<EndpointSlice & KubeObject>;
  private readonly secrets: Informer<Secret & KubeObject>;
  private readonly queue: WorkQueue<string>;
  private readonly configFile: string;
  private readonly certDir: string;
  private loaded: string | undefined;
  /** Whether nginx is known to run the configuration `loaded` (not yet when it was only written before nginx started). */
  private confirmed = false;
  /** Ingress versions (`ns/name@resourceVersion`) and Secret versions (`secret:ns/name@resourceVersion`) nginx rejected. */
  private readonly rejected = new Set<string>();
  /** The last loaded version of each Ingress. */
  private readonly lastGood = new Map<string, Ingress & KubeObject>();
  /** HTTPRoute versions (`ns/name@resourceVersion`) nginx rejected, with nginx's message. */
  private readonly rejectedRoutes = new Map<string, string>();
  /** The last loaded version of each TLS Secret. */
  private readonly lastGoodSecrets = new Map<string, Secret & KubeObject>();
  private reported = new Set<string>();
  private readonly gw: GatewayInformers | undefined;
  private readonly clock: Clock;
  private readonly accessLog: { traffic: UpstreamTraffic; receiver: AccessLogReceiver } | undefined;
  private accessLogPort: number | undefined;
  /** Service ports by `clusterIP|port`, rebuilt after a Service changed. */
  private backendsByAddress: Map<string, UpstreamBackend> | undefined;

  constructor(private readonly options: IngressControllerOptions) {
    const clock = options.clock ?? systemClock;
    const informer = <T extends KubeObject>(ref: (typeof resources)[keyof typeof resources]) => new Informer<T>(options.client, ref, { clock, onError: options.onError });
    this.ingresses = informer(resources.ingresses);
    this.classes = informer(resources.ingressclasses);
    this.services = informer(resources.services);
    this.slices = informer(resources.endpointslices);
    this.secrets = informer(resources.secrets);
    this.clock = clock;
    this.gw =
      options.gatewayController === undefined
        ? undefined
        : {
            classes: new Informer(options.client, gatewayResources.gatewayclasses, { clock, onError: options.onError }),
            gateways: new Informer(options.client, gatewayResources.gateways, { clock, onError: options.onError }),
            routes: new Informer(options.client, gatewayResources.httproutes, { clock, onError: options.onError }),
            grpcRoutes: new Informer(options.client, gatewayResources.grpcroutes, { clock, onError: options.onError }),
            grants: new Informer(options.client, gatewayResources.referencegrants, { clock, onError: options.onError }),
            namespaces: informer(resources.namespaces),
          };
    this.queue = new WorkQueue<string>({ name: 'ingress', clock });
    this.configFile = options.configFile ?? join(options.dir, 'nginx.conf');
    this.certDir = join(options.dir, 'certs');
    if (options.metrics) {
      const traffic = new UpstreamTraffic({ registry: options.metrics, clock });
      this.accessLog = { traffic, receiver: new AccessLogReceiver({ traffic, resolve: (address, port) => this.backendAt(address, port), onError: options.onError }) };
    }
  }

  /** The Service port whose ClusterIP and port these are. */
  private backendAt(address: string, port: number): UpstreamBackend | undefined {
    if (!this.backendsByAddress) {
      const index = new Map<string, UpstreamBackend>();
      for (const svc of this.services.list()) {
        const namespace = svc.metadata?.namespace ?? '';
        const service = svc.metadata?.name ?? '';
        const ips = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []);
        for (const ip of ips) {
          if (ip === 'None') continue;
          for (const p of svc.spec?.ports ?? []) index.set(`${ip.toLowerCase()}|${p.port}`, { namespace, service, port: String(p.port) });
        }
      }
      this.backendsByAddress = index;
    }
    return this.backendsByAddress.get(`${address}|${port}`);
  }

  /** The settings the configuration is rendered with. */
  get nginxSettings(): NginxSettings {
    return {
      httpPort: this.options.httpPort,
      httpsPort: this.options.httpsPort,
      pidFile: join(this.options.dir, 'nginx.pid'),
      tempDir: join(this.options.dir, 'tmp'),
      ...(this.accessLogPort !== undefined ? { accessLogPort: this.accessLogPort } : {}),
      ...(this.options.keepaliveMinTimeoutMs !== undefined ? { keepaliveMinTimeoutMs: this.options.keepaliveMinTimeoutMs } : {}),
    };
  }

  /** Writes the configuration nginx starts with: the current state once the caches are synced. */
  async prepare(signal: AbortSignal): Promise<boolean> {
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    await chmod(this.options.dir, 0o700);
    await mkdir(this.certDir, { recursive: true, mode: 0o700 });
    for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(this.options.dir, 'tmp', d), { recursive: true, mode: 0o700 });
    if (this.options.createIngressClass !== false) await this.ensureIngressClass();
    if (this.accessLog) {
      this.accessLogPort = await this.accessLog.receiver.start(signal);
      signal.addEventListener('abort', () => this.accessLog?.traffic.close(), { once: true });
    }
    const enqueue = (): void => this.queue.add(rebuildKey);
    const onService = (): void => {
      this.backendsByAddress = undefined;
      enqueue();
    };
    const onSecret = (s: Secret): void => {
      if (s.type === 'kubernetes.io/tls') enqueue();
    };
    const gw = this.gw ? ([this.gw.classes, this.gw.gateways, this.gw.routes, this.gw.grpcRoutes, this.gw.grants, this.gw.namespaces] as unknown as Informer<KubeObject>[]) : [];
    this.services.addEventHandler({ onAdd: onService, onUpdate: onService, onDelete: onService });
    for (const inf of [this.ingresses, this.classes, this.slices, ...gw] as Informer<KubeObject>[]) inf.addEventHandler({ onAdd: enqueue, onUpdate: enqueue, onDelete: enqueue });
    this.secrets.addEventHandler({ onAdd: onSecret, onUpdate: (_, s) => onSecret(s), onDelete: onSecret });
    const all = [this.ingresses, this.classes, this.services, this.slices, this.secrets, ...gw] as unknown as Informer<KubeObject>[];
    this.running = all.map((i) => i.start(signal));
    const synced = await Promise.all(all.map((i) => i.waitForSync(signal)));
    if (!synced.every(Boolean)) return false;
    await this.sync(false);
    return true;
  }

  private running: Promise<void>[] = [];

  /** Keeps nginx's configuration current until `signal` aborts ({@link prepare} first). */
  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, 1, () => this.sync(true), signal, (err) => this.options.onError(err));
    await Promise.all(this.running);
  }

  private async ensureIngressClass(): Promise<void> {
    const cls: IngressClass & KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'nginx', annotations: { [defaultClassAnnotation]: 'true' }, labels: { 'app.kubernetes.io/managed-by': 'skiff' } },
      spec: { controller: ingressNginxController },
    };
    try {
      await this.options.client.create(resources.ingressclasses, '', cls);
      this.options.log('created IngressClass nginx (default)');
    } catch (err) {
      if (!isStatusError(err, 409)) throw err;
    }
  }

  /** One rebuild: render, check, load; then events and status. */
  private async sync(reload: boolean): Promise<void> {
    const { dir } = this.options;
    // Ingresses left out of this sync: even their last loaded version was rejected (a Secret they name changed).
    const dropped = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      const ingresses = this.ingresses.list().flatMap((ing) => {
        const key = objectKey(ing);
        if (dropped.has(key)) return [];
        if (!this.rejected.has(`${key}@${ing.metadata?.resourceVersion}`)) return [ing];
        const good = this.lastGood.get(key);
        return good ? [good] : [];
      });
      const tlsSecrets = this.secrets.list().flatMap((secret) => {
        if (secret.type !== 'kubernetes.io/tls') return [];
        const key = objectKey(secret);
        if (!this.rejected.has(`secret:${key}@${secret.metadata?.resourceVersion}`)) return [secret];
        const good = this.lastGoodSecrets.get(key);
        return good ? [good] : [];
      });
      const built = buildIngressDataPlane(
        {
          ingresses,
          ingressClasses: this.classes.list(),
          services: this.services.list(),
          endpointSlices: this.slices.list(),
          secrets: tlsSecrets,
        },
        { certificateDir: this.certDir },
      );
      const gateway = this.buildGateway(tlsSecrets);
      const certificates = [...built.certificates, ...(gateway?.certificates ?? []).filter((c) => !built.certificates.some((b) => b.file === c.file))];
      const rendered = renderNginxConfig(gateway ? mergeDataPlanes(built.plane, gateway.plane) : built.plane, this.nginxSettings);
      if (rendered.text !== this.loaded) {
        for (const c of certificates) await writeFile(c.file, c.pem, { mode: 0o600 });
        const candidate = join(dir, 'nginx.conf.next');
        await writeFile(candidate, rendered.text, { mode: 0o600 });
        const problem = await this.options.nginx.test(candidate);
        if (problem !== undefined) {
          const line = Number(/:(\d+)\s*$/m.exec(problem.split('\n').find((l) => l.includes(candidate)) ?? '')?.[1] ?? 0);
          // Certificates are loaded after parsing: nginx names the file, not a line. The Secret's last loaded version stays.
          const badCertificate = certificates.find((cert) => problem.includes(cert.file));
          const badSecret = badCertificate ? this.secrets.store.getByKey(badCertificate.secret) : undefined;
          if (line === 0 && badCertificate && badSecret && !this.rejected.has(`secret:${badCertificate.secret}@${badSecret.metadata?.resourceVersion}`)) {
            this.rejected.add(`secret:${badCertificate.secret}@${badSecret.metadata?.resourceVersion}`);
            const host = built.plane.virtualHosts.find((h) => h.tls?.file === badCertificate.file);
            const [namespace = '', name = ''] = (host?.tls?.source ?? '').split('/');
            const ing = this.ingresses.get(namespace, name);
            this.options.log(`nginx rejected the certificate of Secret ${badCertificate.secret}: ${problem}`);
            if (ing) this.options.events.event(ing, 'Warning', 'RejectedByNginx', `nginx -t rejected the certificate in Secret ${badCertificate.secret}, which is not loaded (the previous one keeps serving): ${problem.split('\n').find((l) => l.includes('[emerg]')) ?? problem}`);
            continue;
          }
          const culprit = line > 0 ? rendered.lineSources[line - 1] : undefined;
          const route = culprit?.startsWith(routeSource) ? this.gw?.routes.store.getByKey(culprit.slice(routeSource.length)) : undefined;
          if (culprit && route && attempt < 20) {
            const version = `${culprit.slice(routeSource.length)}@${route.metadata?.resourceVersion}`;
            if (this.rejectedRoutes.has(version)) throw new Error(`nginx rejected the configuration of HTTPRoute ${version} again: ${problem}`);
            const message = problem.split('\n').find((l) => l.includes('[emerg]')) ?? problem;
            this.rejectedRoutes.set(version, message);
            this.options.log(`nginx rejected the configuration of HTTPRoute ${culprit.slice(routeSource.length)}: ${problem}`);
            continue;
          }
          const ing = culprit ? this.ingresses.store.getByKey(culprit) : undefined;
          if (!culprit || !ing || attempt >= 20) throw new Error(`nginx rejected the configuration and no Ingress could be blamed; the previous one keeps serving: ${problem}`);
          const version = `${culprit}@${ing.metadata?.resourceVersion}`;
          if (this.rejected.has(version)) {
            dropped.add(culprit);
            continue;
          }
          this.rejected.add(version);
          this.options.log(`nginx rejected the configuration of Ingress ${culprit}: ${problem}`);
          this.options.events.event(ing, 'Warning', 'RejectedByNginx', `nginx -t rejected the configuration made from this Ingress, which is not loaded (the previous configuration keeps serving): ${problem.split('\n').find((l) => l.includes('[emerg]')) ?? problem}`);
          continue;
        }
        await rename(candidate, this.configFile);
        if (reload) {
          this.confirmed = false;
          if (!(await this.options.nginx.reload())) throw new Error('nginx did not take the new configuration in time (its previous workers keep serving); trying again');
          this.confirmed = true;
        }
        this.loaded = rendered.text;
        this.options.log(`nginx configuration ${reload ? 'reloaded' : 'written'}: ${built.served.length} Ingresses`);
        await this.removeUnusedCertificates(new Set(certificates.map((c) => c.file)));
      }
      for (const ing of ingresses) this.lastGood.set(objectKey(ing), ing);
      for (const secret of this.secrets.list()) {
        if (secret.type === 'kubernetes.io/tls' && !this.rejected.has(`secret:${objectKey(secret)}@${secret.metadata?.resourceVersion}`)) this.lastGoodSecrets.set(objectKey(secret), secret);
      }
      this.report(built.problems);
      // Before nginx runs (the first configuration, written for it to start with), nothing is loaded yet.
      if (!reload) return;
      if (!this.confirmed) {
        if (!(await this.options.nginx.serving())) throw new Error('nginx is not running yet; its status waits');
        this.confirmed = true;
      }
      await this.writeStatus(built.served);
      await this.markLoaded(ingresses, built.served);
      if (gateway) await this.writeGatewayStatus(gateway);
      return;
    }
  }

  private buildGateway(secrets: Secret[]): GatewayDataPlane | undefined {
    const gw = this.gw;
    if (!gw) return undefined;
    const routes = gw.routes.list();
    const rejectedRoutes = new Map<string, string>();
    for (const route of routes) {
      const message = this.rejectedRoutes.get(`${objectKey(route)}@${route.metadata?.resourceVersion}`);
      if (message !== undefined) rejectedRoutes.set(objectKey(route), message);
    }
    return buildGatewayDataPlane(
      {
        gatewayClasses: gw.classes.list(),
        gateways: gw.gateways.list(),
        httpRoutes: routes,
        grpcRoutes: gw.grpcRoutes.list(),
        referenceGrants: gw.grants.list(),
        services: this.services.list(),
        endpointSlices: this.slices.list(),
        namespaces: gw.namespaces.list(),
        secrets,
      },
      {
        controllerName: this.options.gatewayController ?? skiffGatewayController,
        httpPort: this.options.httpPort,
        httpsPort: this.options.httpsPort,
        certificateDir: this.certDir,
        addresses: this.options.addresses,
        now: this.clock.now().toISOString().replace(/\.\d+Z$/, 'Z'),
        rejectedRoutes,
      },
    );
  }

  /** Writes the status subresource of each Gateway API object whose status differs. */
  private async writeGatewayStatus(built: GatewayDataPlane): Promise<void> {
    const gw = this.gw;
    if (!gw) return;
    const write = async <T extends KubeObject & { status?: unknown }>(kind: string, ref: ResourceRef, informer: Informer<T>, updates: StatusUpdate<unknown>[]): Promise<void> => {
      for (const u of updates) {
        const obj = informer.get(u.namespace, u.name);
        if (!obj || JSON.stringify(obj.status ?? {}) === JSON.stringify(u.status)) continue;
        try {
          await this.options.client.update(ref, u.namespace, { ...obj, status: u.status }, { subresource: 'status' });
        } catch (err) {
          // A newer version is in flight: its event queues another sync.
          if (!isStatusError(err, 409) && !isStatusError(err, 404)) this.options.onError(new Error(`status of ${kind} ${u.namespace}/${u.name}: ${errorMessage(err)}`));
        }
      }
    };
    await write('GatewayClass', gatewayResources.gatewayclasses, gw.classes, built.gatewayClasses);
    await write('Gateway', gatewayResources.gateways, gw.gateways, built.gateways);
    await write('HTTPRoute', gatewayResources.httproutes, gw.routes, built.httpRoutes);
    await write('GRPCRoute', gatewayResources.grpcroutes, gw.grpcRoutes, built.grpcRoutes);
  }

  private async removeUnusedCertificates(used: Set<string>): Promise<void> {
    for (const name of await readdir(this.certDir)) {
      const file = join(this.certDir, name);
      if (!used.has(file)) await rm(file, { force: true });
    }
  }

  /** A Warning event for each problem not reported before. */
  private report(problems: IngressProblem[]): void {
    const now = new Set<string>();
    for (const p of problems) {
      const line = `${p.ingress} ${p.reason} ${p.message}`;
      now.add(line);
      if (this.reported.has(line)) continue;
      const [namespace = '', name = ''] = p.ingress.split('/');
      const ing = this.ingresses.get(namespace, name);
      if (ing) this.options.events.event(ing, 'Warning', p.reason, p.message);
      this.options.log(`Ingress ${p.ingress}: ${p.message}`);
    }
    this.reported = now;
  }

  /** Writes on each served Ingress the fingerprint of the version nginx now runs (`loaded`: the versions the configuration was made from). */
  private async markLoaded(loaded: (Ingress & KubeObject)[], served: string[]): Promise<void> {
    const isServed = new Set(served);
    for (const version of loaded) {
      const key = objectKey(version);
      const current = isServed.has(key) ? this.ingresses.store.getByKey(key) : undefined;
      const fingerprint = ingressFingerprint(version);
      if (!current || current.metadata?.annotations?.[loadedAnnotation] === fingerprint) continue;
      try {
        await this.options.client.patch(resources.ingresses, current.metadata?.namespace ?? '', current.metadata?.name ?? '', 'merge', { metadata: { annotations: { [loadedAnnotation]: fingerprint } } }, { fieldManager: 'skiff-ingress-controller' });
      } catch (err) {
        // Deleted meanwhile: nothing to mark.
        if (!isStatusError(err, 404)) this.options.onError(new Error(`marking Ingress ${key} loaded: ${errorMessage(err)}`));
      }
    }
  }

  private async writeStatus(served: string[]): Promise<void> {
    const want: IngressLoadBalancerIngress[] = this.options.addresses.map((ip) => ({ ip }));
    for (const key of served) {
      const [namespace = '', name = ''] = key.split('/');
      const ing = this.ingresses.get(namespace, name);
      if (!ing || JSON.stringify(ing.status?.loadBalancer?.ingress ?? []) === JSON.stringify(want)) continue;
      try {
        await this.options.client.update(resources.ingresses, namespace, { ...ing, status: { loadBalancer: { ingress: want } } }, { subresource: 'status' });
      } catch (err) {
        // A newer version is in flight: its event queues another sync.
        if (!isStatusError(err, 409) && !isStatusError(err, 404)) this.options.onError(new Error(`status of Ingress ${key}: ${errorMessage(err)}`));
      }
    }
  }
}
