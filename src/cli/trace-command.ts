import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { errorMessage } from '../apimachinery/errors.js';
import type { Client } from '../client/client.js';
import { HttpsClient } from '../client/https-client.js';
import { loadKubeconfig, type KubeconfigCredentials } from '../client/kubeconfig.js';
import { execInPod } from '../client/pod-exec.js';
import { readSnapshot } from '../inspect/read-snapshot.js';
import type { SnapshotKind } from '../inspect/snapshot.js';
import { probeConnection, type ProbeExec } from '../inspect/trace/probe-connection.js';
import { renderTrace } from '../inspect/trace/render-trace.js';
import { parseTraceArgs, TraceArgumentError } from '../inspect/trace/trace-args.js';
import { traceConnection } from '../inspect/trace/trace-connection.js';
import type { TraceSource, TraceStep } from '../inspect/trace/trace-step.js';
import { canaryKubeconfig } from './canary/canary-command.js';
import { chooseClusterDomain, parseClusterDomainFlag } from './cluster-domain.js';
import type { FindClusterOptions } from './cluster-discovery.js';
import { UsageError } from './flags.js';

const usage = `Usage: skiff trace FROM TO [flags]

Explains, step by step, what a connection from FROM to TO meets and where it stops: the name's
DNS resolution (the pod's search path), the Service and its ports, the endpoints and the
container behind the port, NetworkPolicies, the route between nodes, and for a URL the Ingress
or HTTPRoute rule. The last line is the answer.

FROM  a pod (NAME or pod/NAME, in -n NS) or node/NAME
TO    ADDRESS:PORT, a Service NAME[.NS]:PORT or any DNS name with :PORT (add /udp for UDP),
      or an http:// or https:// URL

Examples:
  skiff trace client 10.170.11.11:6379
  skiff trace pod/client cluster-service-test:99 --probe
  skiff trace client http://tomcat.example.test/

Flags:
  -n, --namespace NS     the pod's namespace (default "default")
  --probe                also send one real connection from the pod (exec into one of its containers)
  -o, --output json      the steps as JSON
  --cluster-domain DOM   the cluster's DNS zone (default: what the server publishes in
                         kube-system/skiff-cluster-config when you may read it, else cluster.local)
  --kubeconfig FILE      the cluster (default $KUBECONFIG, then this machine's server's kubeconfig)
  --data-dir DIR         this machine's server's data dir, to find its kubeconfig

Exit codes: 0 the connection gets through (with --probe: the probe connected), 1 it does not
or the trace cannot tell, 2 usage error.`;

/** The snapshot kinds a trace reads (workloads, events and claims do not matter to it). */
const traceKinds: SnapshotKind[] = ['namespaces', 'nodes', 'pods', 'services', 'endpointSlices', 'ingresses', 'ingressClasses', 'networkPolicies', 'gateways', 'httpRoutes'];

/** Options of {@link runTrace}: where output goes and what talks to the cluster (defaults: this process's). */
export interface TraceCommandOptions {
  /** How the kubeconfig is found. Default this machine's. */
  discovery?: FindClusterOptions;
  /** The environment (KUBECONFIG). Default process.env. */
  env?: Record<string, string | undefined>;
  /** A client for a kubeconfig. Default an {@link HttpsClient}. */
  connect?: (kubeconfig: string) => Client & { close?: () => void };
  /** Runs a command in a container of the source pod. Default the API's exec with the kubeconfig's credentials. */
  exec?: (kubeconfig: string, source: Extract<TraceSource, { kind: 'pod' }>) => ProbeExec;
  /** Standard output and error. Default console.log / console.error. */
  out?: (text: string) => void;
  err?: (text: string) => void;
}

function credentials(kubeconfig: string): KubeconfigCredentials {
  return loadKubeconfig(kubeconfig);
}

function connectHttps(kubeconfig: string): HttpsClient {
  const c = credentials(kubeconfig);
  return new HttpsClient({ server: c.server, ca: c.ca, cert: c.cert, key: c.key, token: c.token, userAgent: 'skiff-trace/v0' });
}

function apiExec(kubeconfig: string, source: Extract<TraceSource, { kind: 'pod' }>): ProbeExec {
  const c = credentials(kubeconfig);
  return (container, command) => execInPod(c, { namespace: source.namespace, pod: source.name, container, command }, { timeoutMs: 30_000 });
}

/**
 * `skiff trace FROM TO [--probe]`: the steps a connection meets, in words (or JSON), reasoned
 * from what the user may read; with --probe, one real connection from the pod too.
 */
export async function runTrace(args: string[], options: TraceCommandOptions = {}): Promise<number> {
  const out = options.out ?? ((t: string) => console.log(t));
  const err = options.err ?? ((t: string) => console.error(t));
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      probe: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      'cluster-domain': { type: 'string' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] === 'help') {
    out(usage);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(positionals.length < 2 ? 'trace needs FROM and TO: skiff trace FROM TO' : `unexpected arguments: ${positionals.slice(2).join(' ')}`);
  if (values.output !== undefined && values.output !== 'json') throw new UsageError(`--output ${values.output}: only json is supported`);
  const namespace = values.namespace ?? 'default';
  const clusterDomainFlag = parseClusterDomainFlag(values['cluster-domain']);
  let parsed: ReturnType<typeof parseTraceArgs>;
  try {
    parsed = parseTraceArgs(positionals[0]!, positionals[1]!, namespace);
  } catch (error) {
    if (error instanceof TraceArgumentError) throw new UsageError(error.message);
    throw error;
  }
  const kubeconfig = canaryKubeconfig({ kubeconfig: values.kubeconfig, dataDir: values['data-dir'] }, options.env ?? process.env, options.discovery);
  if (!options.connect && !existsSync(kubeconfig)) {
    err(`skiff trace: no kubeconfig at ${kubeconfig}: give --kubeconfig FILE or set KUBECONFIG, or start \`skiff server\``);
    return 1;
  }
  const client = (options.connect ?? connectHttps)(kubeconfig);
  try {
    const snapshot = await readSnapshot(client, { kinds: traceKinds, accessChecks: [], fallbackNamespaces: [namespace] });
    const zone = await chooseClusterDomain(client, clusterDomainFlag);
    if (zone.reason) err(`skiff trace: ${zone.reason}: DNS names are reasoned under ${zone.domain} (give --cluster-domain if the cluster's zone is another)`);
    const clusterDomain = zone.domain;
    const steps: TraceStep[] = traceConnection(snapshot, parsed.from, parsed.to, { clusterDomain, namespace });
    let probe: TraceStep | undefined;
    if (values.probe) {
      const exec = parsed.from.kind === 'pod' ? (options.exec ?? apiExec)(kubeconfig, parsed.from) : async () => ({ exitCode: undefined, stdout: '', stderr: '', failure: 'no exec on a node' });
      try {
        probe = await probeConnection(snapshot, parsed.from, parsed.to, exec);
      } catch (error) {
        if (!(error instanceof Error)) throw error;
        probe = { kind: 'probe', outcome: 'warn', text: `No probe: ${errorMessage(error)}`, details: [], objects: [] };
      }
      const verdict = steps[steps.length - 1]!;
      const agrees = (probe.outcome === 'pass') === (verdict.outcome === 'pass');
      if (probe.text.startsWith('Probe') && !agrees) probe.details.push(`the trace ${verdict.outcome === 'pass' ? 'expected it to get through' : 'expected it not to get through'}: the cluster differs from what the objects say (or changed meanwhile)`);
      steps.splice(steps.length - 1, 0, probe);
    }
    out(values.output === 'json' ? JSON.stringify(steps, null, 2) : renderTrace(steps).trimEnd());
    const verdict = steps[steps.length - 1]!;
    if (probe?.text.startsWith('Probe')) return probe.outcome === 'pass' ? 0 : 1;
    return verdict.outcome === 'pass' ? 0 : 1;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    err(`error: ${errorMessage(error)}`);
    return 1;
  } finally {
    client.close?.();
  }
}
