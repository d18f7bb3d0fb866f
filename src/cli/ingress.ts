/**
 * Composition of the node's Ingress data plane: the Ingress controller and the nginx it
 * supervises, with `skiff server`'s flags for it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../apimachinery/clock.js';
import { errorMessage } from '../apimachinery/errors.js';
import type { Client } from '../client/client.js';
import { ApiEventRecorder } from '../client/events.js';
import { IngressController } from '../ingress/controller.js';
import { NginxProcess } from '../ingress/nginx-process.js';
import { installGatewayApi } from '../ingress/gateway-install.js';
import { skiffGatewayController } from '../ingress/gateway-model.js';
import { setTimeout as delay } from 'node:timers/promises';
import { UsageError, type FlagSpec } from './flags.js';
import type { Registry } from '../apimachinery/metrics.js';

/** The Ingress flags of `skiff server`. */
export const ingressFlags: FlagSpec[] = [
  { name: 'ingress-http-port', type: 'string', help: 'the port nginx serves Ingresses on over HTTP', default: '80' },
  { name: 'ingress-https-port', type: 'string', help: 'the port nginx serves Ingresses on over HTTPS', default: '443' },
  { name: 'disable-ingress', type: 'boolean', help: 'run no Ingress controller (no nginx) on this node', default: false },
];

/** The Ingress settings after flag parsing; undefined when disabled. */
export interface IngressConfig {
  httpPort: number;
  httpsPort: number;
}

/** Turns the parsed flags into an {@link IngressConfig}; throws a usage error on a bad port. */
export function ingressConfig(flags: Record<string, string | boolean | undefined>): IngressConfig | undefined {
  if (flags['disable-ingress'] === true) return undefined;
  const port = (name: string, fallback: number): number => {
    const n = Number(flags[name] ?? fallback);
    if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new UsageError(`--${name}: invalid port ${String(flags[name])}`);
    return n;
  };
  return { httpPort: port('ingress-http-port', 80), httpsPort: port('ingress-https-port', 443) };
}

/** What {@link runIngress} needs. */
export interface IngressRun {
  client: Client;
  config: IngressConfig;
  dataDir: string;
  nodeName: string;
  /** The node's addresses, written into the Ingresses' status. */
  addresses: string[];
  /** Default `/usr/sbin/nginx`. */
  nginxBinary?: string;
  /** The server's registry: requests per Service port from nginx's access log are counted there. Default none (no access log). */
  metrics?: Registry;
  signal: AbortSignal;
  log: (msg: string) => void;
}

/** Runs the Ingress controller and its nginx (under `<data-dir>/ingress`) until `signal` aborts. */
export async function runIngress(o: IngressRun): Promise<void> {
  const binary = o.nginxBinary ?? '/usr/sbin/nginx';
  if (!existsSync(binary)) {
    o.log(`ingress: ${binary} is not installed: no Ingress controller runs (install nginx, or pass --disable-ingress)`);
    return;
  }
  const dir = join(o.dataDir, 'ingress');
  const events = new ApiEventRecorder({ client: o.client, clock: systemClock, component: 'nginx-ingress-controller', host: o.nodeName, onError: (err) => o.log(`ingress: event: ${errorMessage(err)}`) });
  const nginx = new NginxProcess({ binary, prefixDir: dir, configFile: join(dir, 'nginx.conf'), pidFile: join(dir, 'nginx.pid'), log: (line) => o.log(`nginx: ${line}`) });
  let gatewayController: string | undefined;
  try {
    if (await installGatewayApi({ client: o.client, sleep: (ms) => delay(ms), signal: o.signal, log: (msg) => o.log(`ingress: ${msg}`) })) gatewayController = skiffGatewayController;
  } catch (err) {
    o.log(`ingress: Gateway API not installed, only Ingresses are served: ${errorMessage(err)}`);
  }
  const controller = new IngressController({
    gatewayController,
    metrics: o.metrics,
    client: o.client,
    dir,
    httpPort: o.config.httpPort,
    httpsPort: o.config.httpsPort,
    addresses: o.addresses,
    nginx,
    events,
    onError: (err) => o.log(`ingress: ${errorMessage(err)}`),
    log: (msg) => o.log(`ingress: ${msg}`),
  });
  if (!(await controller.prepare(o.signal))) return;
  o.log(`ingress: nginx serving Ingresses on :${o.config.httpPort} and :${o.config.httpsPort}`);
  await Promise.all([nginx.run(o.signal), controller.run(o.signal)]);
}
