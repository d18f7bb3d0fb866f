/**
 * The health check ports of LoadBalancer Services with `externalTrafficPolicy: Local`, as
 * kube-proxy serves them: on each node, `http://<node>:<healthCheckNodePort>/` answers 200 while
 * the node has ready endpoints of the Service and 503 otherwise, so an external load balancer
 * sends traffic only to nodes that keep it (the client address is kept, nothing is forwarded).
 */
import { createServer, type Server } from 'node:http';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { systemClock, type Clock } from '../apimachinery/clock.js';
import { errorMessage } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { sliceOwner } from './desired-ruleset.js';

/** One health check port and what it reports. */
export interface HealthCheck {
  port: number;
  namespace: string;
  name: string;
  /** Ready endpoints of the Service on this node. */
  localEndpoints: number;
}

/**
 * The health checks this node serves: one per LoadBalancer Service with the Local policy and a
 * healthCheckNodePort, counting the ready endpoints on `nodeName`. Pure.
 */
export function desiredHealthChecks(services: Service[], slices: EndpointSlice[], nodeName: string): HealthCheck[] {
  const local = new Map<string, number>();
  for (const slice of slices) {
    const owner = sliceOwner(slice);
    if (!owner) continue;
    const count = slice.endpoints.filter((e) => e.nodeName === nodeName && e.conditions?.ready !== false).length;
    local.set(owner, (local.get(owner) ?? 0) + count);
  }
  const checks: HealthCheck[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    const port = spec?.healthCheckNodePort;
    if (spec?.type !== 'LoadBalancer' || spec.externalTrafficPolicy !== 'Local' || !port) continue;
    const namespace = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    checks.push({ port, namespace, name, localEndpoints: local.get(`${namespace}/${name}`) ?? 0 });
  }
  return checks.sort((a, b) => a.port - b.port);
}

/** Options of {@link HealthCheckServer}. */
export interface HealthCheckServerOptions {
  client: Client;
  nodeName: string;
  /** The address the ports listen on. Default all addresses (`0.0.0.0`). */
  address?: string;
  /** Default: the system clock. */
  clock?: Clock;
  /** Told about ports that cannot be opened and informer failures. Default: console.error. */
  onError?: (error: unknown) => void;
}

/** Opens and closes the health check ports as Services come and go; `start(signal)` runs it. */
export class HealthCheckServer {
  private readonly services: Informer<Service & KubeObject>;
  private readonly slices: Informer<EndpointSlice & KubeObject>;
  private readonly listening = new Map<number, { server: Server; check: HealthCheck }>();
  private readonly onError: (error: unknown) => void;

  constructor(private readonly options: HealthCheckServerOptions) {
    const clock = options.clock ?? systemClock;
    this.onError = options.onError ?? ((error: unknown) => console.error('health check server:', error));
    this.services = new Informer<Service & KubeObject>(options.client, resources.services, { clock, onError: this.onError });
    this.slices = new Informer<EndpointSlice & KubeObject>(options.client, resources.endpointslices, { clock, onError: this.onError });
  }

  /** Runs until `signal` aborts, then closes every port. */
  async start(signal: AbortSignal): Promise<void> {
    const reconcile = (): void => this.reconcile();
    for (const informer of [this.services, this.slices] as Informer<KubeObject>[]) {
      informer.addEventHandler({ onAdd: reconcile, onUpdate: reconcile, onDelete: reconcile });
    }
    const running = Promise.all([this.services.start(signal), this.slices.start(signal)]);
    // Events before both caches synced were not acted on.
    if ((await this.services.waitForSync(signal)) && (await this.slices.waitForSync(signal))) reconcile();
    await running;
    for (const { server } of this.listening.values()) server.close();
    this.listening.clear();
  }

  /** The checks served now (for tests and status). */
  served(): HealthCheck[] {
    return [...this.listening.values()].map((l) => l.check);
  }

  private reconcile(): void {
    if (!this.services.hasSynced() || !this.slices.hasSynced()) return;
    const desired = desiredHealthChecks(this.services.list(), this.slices.list(), this.options.nodeName);
    const wanted = new Set(desired.map((c) => c.port));
    for (const [port, { server }] of this.listening) {
      if (wanted.has(port)) continue;
      server.close();
      this.listening.delete(port);
    }
    for (const check of desired) {
      const open = this.listening.get(check.port);
      if (open) {
        // The handler reads the entry at request time: an update changes the answer at once.
        open.check = check;
        continue;
      }
      this.open(check);
    }
  }

  private open(check: HealthCheck): void {
    const entry = { server: createServer(), check };
    entry.server.on('request', (_req, res) => {
      const { namespace, name, localEndpoints } = entry.check;
      const body = JSON.stringify({ service: { namespace, name }, localEndpoints, serviceProxyHealthy: true });
      res.writeHead(localEndpoints > 0 ? 200 : 503, {
        'Content-Type': 'application/json',
        'X-Content-Type-Options': 'nosniff',
        'X-Load-Balancing-Endpoint-Weight': String(localEndpoints),
      });
      res.end(body);
    });
    entry.server.on('error', (err) => {
      this.onError(new Error(`health check port ${check.port} of ${check.namespace}/${check.name}: ${errorMessage(err)}`));
      if (this.listening.get(check.port) === entry) this.listening.delete(check.port);
    });
    entry.server.listen(check.port, this.options.address ?? '0.0.0.0');
    this.listening.set(check.port, entry);
  }
}
