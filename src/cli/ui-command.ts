import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { errorMessage } from '../apimachinery/errors.js';
import type { Client } from '../client/client.js';
import { HttpsClient } from '../client/https-client.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import { ClusterObserver, type TextGetter } from '../inspect/observer.js';
import { UiServer, type TraceFunction } from '../inspect/ui-server.js';
import { inspectViews, type InspectViewOptions } from '../inspect/views/index.js';
import { explainConnection } from '../inspect/trace/explain-connection.js';
import { uiViewOptions } from './ui-views.js';
import { canaryKubeconfig } from './canary/canary-command.js';
import { chooseClusterDomain, parseClusterDomainFlag } from './cluster-domain.js';
import type { FindClusterOptions } from './cluster-discovery.js';
import { UsageError } from './flags.js';

const usage = `Usage: skiff ui [flags]

Serves the seed's pictures of this cluster, drawn live, on http://127.0.0.1:PORT and prints the
URL to open (it carries a token: the page shows what your credentials may read, so keep it to
yourself). The page talks to the API server with your kubeconfig's credentials, so RBAC applies,
and follows the cluster through watches. Stop it with Ctrl-C.

Flags:
  --port N               the port on 127.0.0.1 (default 0: any free port)
  --kubeconfig FILE      the cluster and credentials (default $KUBECONFIG, then this machine's server's kubeconfig)
  --data-dir DIR         this machine's server's data dir, to find its kubeconfig
  -n, --namespace NS     draw only this namespace (default every namespace you may list)
  --cluster-domain DOM   the cluster's DNS zone, for StatefulSet pods' addresses and "why?" traces
                         (default: what the server publishes in kube-system/skiff-cluster-config
                         when you may read it, else cluster.local)
  --open-nothing         only print the URL (default: also open it in a browser when there is a display)`;

/** A client and its text reader for a kubeconfig. */
export interface UiConnection {
  client: Client;
  getText: TextGetter;
  close(): void;
}

/** Options of {@link runUi}: what talks to the cluster and the outside world (defaults: this process's). */
export interface UiCommandOptions {
  /** How this machine's server is found. Default this machine's. */
  discovery?: FindClusterOptions;
  /** The environment (KUBECONFIG, DISPLAY). Default process.env. */
  env?: Record<string, string | undefined>;
  /** A client for a kubeconfig. Default an {@link HttpsClient} from {@link loadKubeconfig}. */
  connect?: (kubeconfig: string) => UiConnection;
  /** The "why?" reasoning. Default `skiff trace`'s ({@link explainConnection}). */
  trace?: TraceFunction;
  /** What views that need outside functions get. Default {@link uiViewOptions} (`skiff canary`'s readers). */
  views?: InspectViewOptions;
  /** Standard output and error. Default process.stdout / console.error. */
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Opens a URL in a browser. Default xdg-open, when $DISPLAY or $WAYLAND_DISPLAY is set. */
  openBrowser?: (url: string) => void;
  /** Stops the command. Default SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

function connectHttps(kubeconfig: string): UiConnection {
  const creds = loadKubeconfig(kubeconfig);
  const client = new HttpsClient({ server: creds.server, ca: creds.ca, cert: creds.cert, key: creds.key, token: creds.token, userAgent: 'skiff-ui/v0' });
  return { client, getText: (path, signal) => client.getText(path, signal), close: () => client.close() };
}

function xdgOpen(env: Record<string, string | undefined>): (url: string) => void {
  return (url) => {
    if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return;
    const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined); // No xdg-open: the printed URL is enough.
    child.unref();
  };
}

function stopSignal(): AbortSignal {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  stop.signal.addEventListener('abort', () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  return stop.signal;
}

/**
 * `skiff ui`: the live pictures of the cluster on 127.0.0.1, read with the user's own
 * credentials. Prints the URL, serves until stopped. Exit codes: 0 stopped, 1 could not start,
 * 2 usage error.
 */
export async function runUi(args: string[], options: UiCommandOptions = {}): Promise<number> {
  const out = options.out ?? ((t: string) => process.stdout.write(`${t}\n`));
  const err = options.err ?? ((t: string) => console.error(t));
  const env = options.env ?? process.env;
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      'cluster-domain': { type: 'string' },
      'open-nothing': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out(usage);
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${values.port}: not a port (0-65535)`);
  const clusterDomainFlag = parseClusterDomainFlag(values['cluster-domain']);
  const kubeconfig = canaryKubeconfig({ kubeconfig: values.kubeconfig, dataDir: values['data-dir'] }, env, options.discovery);
  if (!options.connect && !existsSync(kubeconfig)) {
    err(`skiff ui: no kubeconfig at ${kubeconfig}: give --kubeconfig FILE or set KUBECONFIG, or start \`skiff server\``);
    return 1;
  }
  let connection: UiConnection;
  try {
    connection = (options.connect ?? connectHttps)(kubeconfig);
  } catch (e) {
    err(`skiff ui: ${kubeconfig}: ${errorMessage(e)}`);
    return 1;
  }
  const signal = options.signal ?? stopSignal();
  const zone = await chooseClusterDomain(connection.client, clusterDomainFlag);
  if (zone.reason) err(`skiff ui: ${zone.reason}: StatefulSet pods' addresses and traces use ${zone.domain} (give --cluster-domain if the cluster's zone is another)`);
  const stopObserver = new AbortController();
  const observer = new ClusterObserver({
    client: connection.client,
    getText: connection.getText,
    namespace: values.namespace ?? '',
    onError: (e) => err(`skiff ui: ${errorMessage(e)}`),
  });
  const watching = observer.start(stopObserver.signal);
  const trace: TraceFunction = options.trace ?? ((from, to, snapshot) => explainConnection(snapshot, from, to, { clusterDomain: zone.domain }));
  const server = new UiServer({ source: observer, views: inspectViews(options.views ?? uiViewOptions(zone.domain)), port, trace });
  let url: string;
  try {
    url = await server.start();
  } catch (e) {
    err(`skiff ui: cannot listen on 127.0.0.1:${port}: ${errorMessage(e)}`);
    stopObserver.abort();
    await watching;
    connection.close();
    return 1;
  }
  out(url);
  if (!values['open-nothing']) (options.openBrowser ?? xdgOpen(env))(url);
  void observer.ready(signal).then(() => {
    const forbidden = observer.snapshot().forbidden;
    if (forbidden.length && !signal.aborted) err(`skiff ui: your credentials may not list ${forbidden.join(', ')}: the pictures leave them out`);
  });
  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await server.close();
  stopObserver.abort();
  await watching;
  connection.close();
  return 0;
}
