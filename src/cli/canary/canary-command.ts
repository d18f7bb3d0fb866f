import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { dump } from 'js-yaml';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { errorMessage, StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources, type Client, type ResourceRef } from '../../client/client.js';
import { HttpsClient } from '../../client/https-client.js';
import { loadKubeconfig } from '../../client/kubeconfig.js';
import { findCluster, type FindClusterOptions } from '../cluster-discovery.js';
import { UsageError } from '../flags.js';
import { durationSeconds } from '../server-command.js';
import { CanaryLookupError, findCanaryPair } from './canary-pair.js';
import { describeIngressCanary, describeRouteCanary, type AccessLogShares } from './canary-status.js';
import { metricsAccessLogShares } from './recent-shares.js';
import { reportsLoaded, waitUntilLoaded } from './data-plane-wait.js';
import { formatStep, type CanaryStep } from './canary-step.js';
import { migrateToGateway } from './gateway-migration.js';
import { findRouteCanary, planRouteAbort, planRoutePromote, planRouteSetWeight, routeWeightProblem } from './httproute-canary.js';
import { backendService } from './ingress-canary.js';
import { planAbort, planPromote, planSetWeight, weightProblem } from './ingress-plans.js';

/** The Gateway API resources the canary commands use. */
export const gatewayResources = {
  gateways: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways' },
  httproutes: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes' },
} satisfies Record<string, ResourceRef>;

const usage = `Usage: skiff canary COMMAND TARGET [flags]

TARGET is an Ingress (NAME or ingress/NAME: the main or its ingress-nginx canary) or httproute/NAME.

Commands:
  status TARGET          main and canary backends, weight, header and cookie rules
  set-weight TARGET N    send N of canary-weight-total (an HTTPRoute: of the two weights' sum) to the canary
  promote TARGET         make the canary the only version, never leaving a request without a backend
  abort TARGET           send nothing to the canary (--delete: delete the canary Ingress)
  migrate INGRESS        write the equivalent Gateway API Gateway and HTTPRoute (-o yaml / --dry-run: print them)

Flags:
  -n, --namespace NS     the namespace (default "default")
  --kubeconfig FILE      the cluster (default $KUBECONFIG, then this machine's server's kubeconfig)
  --data-dir DIR         this machine's server's data dir, to find its kubeconfig
  --dry-run              print the changes without making them
  -o, --output yaml      migrate: print the objects instead of applying them
  --delete               abort: delete the canary Ingress instead of zeroing it
  --force                promote: even when the canary's Service has no ready endpoints
  --timeout DURATION     how long each step may take to reach the data plane, which reports what it
                         loaded (the Ingress annotation ingress.skiff.dev/loaded, HTTPRoute status) (default 60s)
  --settle DURATION      where the data plane reports nothing (another controller), the pause between
                         steps instead (default 2s)
  -v, --verbose          say how long each step took to reach the data plane
  --gateway-class NAME   migrate: the GatewayClass (default skiff)`;

/** What the commands talk to the cluster with: a client, and GET of a non-resource path when it has one. */
export type CanaryClient = Client & { close?: () => void; getText?: (path: string) => Promise<string> };

/** Options of {@link runCanary}: where output goes and what talks to the cluster (defaults: this process's). */
export interface CanaryCommandOptions {
  /** How {@link findCluster} looks for this machine's server. Default this machine's. */
  discovery?: FindClusterOptions;
  /** The environment (KUBECONFIG). Default process.env. */
  env?: Record<string, string | undefined>;
  /** A client for a kubeconfig. Default an {@link HttpsClient} from {@link loadKubeconfig}. */
  connect?: (kubeconfig: string) => CanaryClient;
  /** Standard output and error. Default console.log / console.error. */
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Recent requests per backend, for status. Default the API server's /metrics through the client's getText ({@link metricsAccessLogShares}); none without it. */
  shares?: AccessLogShares;
  /** Waits between two steps of a change. Default a pause of --settle. */
  settle?: (seconds: number) => Promise<void>;
}

/**
 * The kubeconfig, found as kubectl does: `--kubeconfig`, then $KUBECONFIG (its first existing
 * file), then this machine's server's (as {@link findCluster} finds it, `--data-dir` included).
 */
export function canaryKubeconfig(flags: { kubeconfig?: string; dataDir?: string }, env: Record<string, string | undefined>, discovery: FindClusterOptions = {}): string {
  if (flags.kubeconfig) return flags.kubeconfig;
  if (!flags.dataDir && env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(delimiter).filter((f) => f !== '');
    return files.find((f) => existsSync(f)) ?? files[0] ?? env.KUBECONFIG;
  }
  return findCluster({ ...discovery, dataDir: flags.dataDir, env: {} }).kubeconfig;
}

function connectHttps(kubeconfig: string): HttpsClient {
  const creds = loadKubeconfig(kubeconfig);
  return new HttpsClient({ server: creds.server, ca: creds.ca, cert: creds.cert, key: creds.key, token: creds.token, userAgent: 'skiff-canary/v0' });
}

/** A target as the user wrote it. */
interface Target {
  kind: 'Ingress' | 'HTTPRoute';
  name: string;
}

function parseTarget(text: string): Target {
  const slash = text.indexOf('/');
  if (slash === -1) return { kind: 'Ingress', name: text };
  const kind = text.slice(0, slash).toLowerCase();
  const name = text.slice(slash + 1);
  if (!name) throw new UsageError(`${text}: no name after the slash`);
  if (['ingress', 'ingresses', 'ing', 'ingress.networking.k8s.io', 'ingresses.networking.k8s.io'].includes(kind)) return { kind: 'Ingress', name };
  if (['httproute', 'httproutes', 'httproute.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io'].includes(kind)) return { kind: 'HTTPRoute', name };
  throw new UsageError(`${text}: the target is an Ingress or an httproute/NAME`);
}

/** Whether a Service has a ready endpoint (an EndpointSlice endpoint not marked unready). */
async function hasReadyEndpoints(client: Client, namespace: string, service: string): Promise<boolean> {
  const slices = await client.list<EndpointSlice & KubeObject>(resources.endpointslices, namespace, { labelSelector: `kubernetes.io/service-name=${service}` });
  return slices.items.some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready !== false));
}

const refOf = (kind: CanaryStep['kind']): ResourceRef => (kind === 'Ingress' ? resources.ingresses : kind === 'Service' ? resources.services : gatewayResources.httproutes);

/** Options of a run after parsing. */
interface RunContext {
  client: Client;
  /** Recent requests per Service, when known. */
  shares: AccessLogShares | undefined;
  namespace: string;
  dryRun: boolean;
  settleSeconds: number;
  /** How long a step may take to reach the data plane. */
  timeoutSeconds: number;
  /** Progress lines shown with --verbose. */
  verbose: (text: string) => void;
  options: CanaryCommandOptions;
  out: (text: string) => void;
}

/**
 * Makes the steps one after the other. After a patch, waits until the data plane reports that it
 * serves the change ({@link waitUntilLoaded}; an error after --timeout, leaving the later steps
 * undone: each step leaves every request a backend); where the object carries no such report,
 * pauses --settle before the next step instead. A delete is not waited on: the plans delete only
 * what no request needs any more (the states before and after it both serve every request).
 */
async function runSteps(ctx: RunContext, steps: CanaryStep[]): Promise<void> {
  let pauseBeforeNext = false;
  for (const step of steps) {
    if (pauseBeforeNext && ctx.settleSeconds > 0) await (ctx.options.settle ?? ((s: number) => sleep(s * 1000)))(ctx.settleSeconds);
    pauseBeforeNext = false;
    if (ctx.dryRun) {
      ctx.out(`${formatStep(step)} (dry run)`);
      continue;
    }
    if (step.op === 'delete') {
      await ctx.client.delete(refOf(step.kind), ctx.namespace, step.name);
      ctx.out(formatStep(step));
      continue;
    }
    const kind = step.kind;
    const read = () => ctx.client.get(refOf(kind), ctx.namespace, step.name);
    const reporting = reportsLoaded(kind, await read());
    await ctx.client.patch(refOf(kind), ctx.namespace, step.name, 'merge', step.patch, { fieldManager: 'skiff-canary' });
    ctx.out(formatStep(step));
    if (!reporting) {
      pauseBeforeNext = true;
      continue;
    }
    const started = performance.now();
    const loaded = await waitUntilLoaded({ kind, read, timeoutMs: ctx.timeoutSeconds * 1000, now: () => performance.now(), sleep: (ms) => sleep(ms) });
    if (!loaded) throw new CanaryLookupError(`${kind.toLowerCase()}/${step.name}: the data plane has not loaded this change after ${ctx.timeoutSeconds}s (see the events of ${kind.toLowerCase()}/${step.name}); the later steps are not made, every request still has a backend`);
    ctx.verbose(`  served by the data plane after ${((performance.now() - started) / 1000).toFixed(1)}s`);
  }
}

function parseWeight(text: string | undefined): number {
  if (text === undefined) throw new UsageError('set-weight needs the weight: skiff canary set-weight TARGET N');
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${text}: the weight is a whole number`);
  return Number(text);
}

async function runOnIngress(ctx: RunContext, command: string, name: string, values: Record<string, string | boolean | undefined>, weightArg: string | undefined): Promise<number> {
  const { client, namespace, out } = ctx;
  const ingresses = (await client.list<Ingress & KubeObject>(resources.ingresses, namespace)).items;
  const pair = findCanaryPair(ingresses, name);
  switch (command) {
    case 'status': {
      const services = [...new Set(pair.routes.flatMap((r) => [backendService(r.mainBackend), backendService(r.canaryBackend)]).filter((s): s is string => s !== undefined))];
      out(describeIngressCanary(pair, await ctx.shares?.(namespace, services)));
      return 0;
    }
    case 'set-weight': {
      const n = parseWeight(weightArg);
      const problem = weightProblem(pair, n);
      if (problem) throw new CanaryLookupError(problem);
      await runSteps(ctx, planSetWeight(pair, n));
      return 0;
    }
    case 'abort':
      await runSteps(ctx, planAbort(pair, { deleteCanary: values.delete === true }));
      return 0;
    case 'promote': {
      const canaryServices = [...new Set(pair.routes.map((r) => backendService(r.canaryBackend)).filter((s): s is string => s !== undefined))];
      await checkReady(ctx, canaryServices, values.force === true);
      const others = ingresses.filter((i) => i.metadata?.name !== pair.main.metadata?.name && i.metadata?.name !== pair.canary.metadata?.name);
      await runSteps(ctx, planPromote(pair, { otherIngresses: others }));
      return 0;
    }
    case 'migrate': {
      const services = new Map<string, Service>();
      for (const r of pair.routes) {
        for (const b of [r.mainBackend, r.canaryBackend]) {
          if (b.service?.port?.name && !services.has(b.service.name)) services.set(b.service.name, await client.get<Service & KubeObject>(resources.services, namespace, b.service.name));
        }
      }
      const objects = migrateToGateway(pair, {
        gatewayClassName: typeof values['gateway-class'] === 'string' ? values['gateway-class'] : undefined,
        servicePortNumber: (service, portName) => services.get(service)?.spec?.ports?.find((p) => p.name === portName)?.port,
      });
      if (values.output === 'yaml' || ctx.dryRun) {
        out(objects.map((o) => dump(o, { noRefs: true, lineWidth: -1 }).trimEnd()).join('\n---\n'));
        return 0;
      }
      for (const o of objects) {
        const ref = o.kind === 'Gateway' ? gatewayResources.gateways : gatewayResources.httproutes;
        await client.patch(ref, namespace, o.metadata?.name ?? '', 'apply', o, { fieldManager: 'skiff-canary', force: true });
        out(`${o.kind?.toLowerCase()}.gateway.networking.k8s.io/${o.metadata?.name} applied`);
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

async function checkReady(ctx: RunContext, services: string[], force: boolean): Promise<void> {
  for (const s of services) {
    if (force || (await hasReadyEndpoints(ctx.client, ctx.namespace, s))) continue;
    throw new CanaryLookupError(`service "${s}" has no ready endpoints: promoting would leave requests without a backend (--force to promote anyway)`);
  }
}

async function runOnRoute(ctx: RunContext, command: string, name: string, values: Record<string, string | boolean | undefined>, weightArg: string | undefined): Promise<number> {
  const route = await ctx.client.get(gatewayResources.httproutes, ctx.namespace, name);
  const canary = findRouteCanary(route);
  switch (command) {
    case 'status':
      ctx.out(describeRouteCanary(canary, await ctx.shares?.(ctx.namespace, [canary.main, canary.canary])));
      return 0;
    case 'set-weight': {
      const n = parseWeight(weightArg);
      const problem = routeWeightProblem(canary, n);
      if (problem) throw new CanaryLookupError(problem);
      await runSteps(ctx, planRouteSetWeight(canary, n));
      return 0;
    }
    case 'abort':
      await runSteps(ctx, planRouteAbort(canary));
      return 0;
    case 'promote':
      await checkReady(ctx, [canary.canary], values.force === true);
      await runSteps(ctx, planRoutePromote(canary));
      return 0;
    case 'migrate':
      throw new UsageError('migrate takes an Ingress: an HTTPRoute is already Gateway API');
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

/**
 * `skiff canary status|set-weight|promote|abort|migrate TARGET`: canary releases on an
 * ingress-nginx canary Ingress pair or an HTTPRoute with weighted backendRefs. Exit codes: 0
 * done, 1 the cluster said no or the target is not a canary (nothing changed), 2 usage error.
 */
export async function runCanary(args: string[], options: CanaryCommandOptions = {}): Promise<number> {
  const out = options.out ?? ((t: string) => console.log(t));
  const err = options.err ?? ((t: string) => console.error(t));
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
      'dry-run': { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      delete: { type: 'boolean' },
      force: { type: 'boolean' },
      settle: { type: 'string' },
      timeout: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      'gateway-class': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, targetText, weightArg, ...extra] = positionals;
  if (values.help || command === undefined || command === 'help') {
    out(usage);
    return 0;
  }
  if (!['status', 'set-weight', 'promote', 'abort', 'migrate'].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  if (targetText === undefined) throw new UsageError(`${command} needs a target: an Ingress or httproute/NAME`);
  if ((command !== 'set-weight' && weightArg !== undefined) || extra.length > 0) throw new UsageError(`unexpected arguments: ${[...(command === 'set-weight' ? [] : [weightArg]), ...extra].join(' ')}`);
  if (values.output !== undefined && values.output !== 'yaml') throw new UsageError(`--output ${values.output}: only yaml is supported`);
  const settleSeconds = values.settle === undefined ? 2 : durationSeconds(values.settle);
  if (settleSeconds === undefined) throw new UsageError(`--settle ${values.settle}: not a duration`);
  const timeoutSeconds = values.timeout === undefined ? 60 : durationSeconds(values.timeout);
  if (timeoutSeconds === undefined) throw new UsageError(`--timeout ${values.timeout}: not a duration`);
  const target = parseTarget(targetText);
  const kubeconfig = canaryKubeconfig({ kubeconfig: values.kubeconfig, dataDir: values['data-dir'] }, options.env ?? process.env, options.discovery);
  if (!options.connect && !existsSync(kubeconfig)) {
    err(`skiff canary: no kubeconfig at ${kubeconfig}: give --kubeconfig FILE or set KUBECONFIG, or start \`skiff server\``);
    return 1;
  }
  const client = (options.connect ?? connectHttps)(kubeconfig);
  const getText = client.getText?.bind(client);
  const shares = options.shares ?? (getText ? metricsAccessLogShares(getText) : undefined);
  const ctx: RunContext = { client, shares, namespace: values.namespace ?? 'default', dryRun: values['dry-run'] === true, settleSeconds, timeoutSeconds, verbose: values.verbose ? out : () => undefined, options, out };
  try {
    return target.kind === 'Ingress' ? await runOnIngress(ctx, command, target.name, values, weightArg) : await runOnRoute(ctx, command, target.name, values, weightArg);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (!(e instanceof StatusError || e instanceof CanaryLookupError || e instanceof Error)) throw e;
    err(`error: ${errorMessage(e)}`);
    return 1;
  } finally {
    client.close?.();
  }
}
