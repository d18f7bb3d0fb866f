import { setMaxListeners } from 'node:events';
import { request } from 'node:https';
import { HttpsClient } from '../client/https-client.js';
import { systemClock } from '../apimachinery/clock.js';
import { SimulatedNode } from '../kubelet/simulated/node.js';
import { NodeAgent } from '../kubelet/agent.js';
import { nodeConfig, nodeFlags } from './node-flags.js';
import { nodePreflightPasses } from './node-preflight.js';
import { restrictDataDir } from './data-dir-modes.js';
import { caCertificateHash, parseJoinToken } from '../pki/token.js';
import { defaultDataDir, flagHelp, UsageError, type FlagSpec } from './flags.js';
import { configFlags, parseFlagsWithConfig } from './config-file.js';
import { loggerFromFlags } from './log-flags.js';
import { Registry } from '../apimachinery/metrics.js';
import { registerProcessMetrics } from '../apimachinery/process-metrics.js';
import { errorMessage, isStatusError } from '../apimachinery/errors.js';
import { resources } from '../client/client.js';
import { join } from 'node:path';
import { loadOrBootstrapNodeCredentials } from '../kubelet/certificate/node-credentials.js';
import { servingCertFromCSR } from '../kubelet/certificate/serving-cert-request.js';
import { defaultClusterDNS, readClusterSettings, runServiceProxy, type ClusterNetworkSettings } from './service-networking.js';

/** `skiff agent`'s flags, in k3s's manner. */
export const agentFlags: FlagSpec[] = [
  { name: 'server', type: 'string', help: 'the server to join, e.g. https://10.0.0.1:6443', default: '' },
  { name: 'token', type: 'string', help: 'the join token from the server (<data-dir>/server/token)', default: '' },
  { name: 'data-dir', type: 'string', help: 'where the agent keeps containerd, pod volumes and logs (under agent/)', default: defaultDataDir() },
  ...nodeFlags,
  { name: 'cluster-dns', type: 'string', help: "the cluster DNS Service IP written into pods' resolv.conf (default: the server's, else 10.43.0.10)", default: '' },
  { name: 'cluster-domain', type: 'string', help: "the cluster DNS domain (default: the server's, else cluster.local)", default: '' },
  { name: 'cluster-cidr', type: 'string', help: "the pod network (default: the server's, else 10.42.0.0/16)", default: '' },
  { name: 'service-cidr', type: 'string', help: "the Service network (default: the server's, else 10.43.0.0/16)", default: '' },
  { name: 'simulated', type: 'boolean', help: 'run a simulated node (no containers, as KWOK)', default: false },
];

/**
 * Fetches the server CA from /cacerts and checks it against the hash in a full-form token, as
 * k3s agents do: the token, not the network, says which server is the right one.
 */
export async function fetchServerCA(server: string, token: string): Promise<string> {
  const { caHash } = parseJoinToken(token);
  if (!caHash) throw new Error('the token must be the full form K10<ca hash>::server:<secret> (see <data-dir>/server/token)');
  const pem = await new Promise<string>((resolve, reject) => {
    // Not verified by TLS: nothing is trusted yet. The hash check below is what trusts it.
    const req = request(new URL('/cacerts', server), { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`/cacerts answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
  if (caCertificateHash(pem) !== caHash) throw new Error('the server CA does not match the token: wrong server or token');
  return pem;
}

/** `skiff agent ARGS`: joins a server and runs the node until SIGINT or SIGTERM. */
export async function runAgent(args: string[]): Promise<number> {
  const flags = parseFlagsWithConfig(args, agentFlags);
  if (flags.help) {
    console.log(`Usage: skiff agent --server URL --token TOKEN [flags]\n\nFlags:\n${flagHelp([...agentFlags, ...configFlags])}`);
    return 0;
  }
  const server = String(flags.server ?? '');
  const token = String(flags.token ?? '');
  const node = nodeConfig(flags);
  const nodeName = node.nodeName;
  if (!server || !token) throw new UsageError('--server and --token are required');
  const ca = await fetchServerCA(server, token);
  const userAgent = `skiff-agent/${nodeName}`;
  const controller = new AbortController();
  // Every informer, queue and server of the process listens on this one signal.
  setMaxListeners(0, controller.signal);
  const stop = (sig: string) => {
    console.error(`skiff agent: ${sig} received, stopping`);
    controller.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const logger = loggerFromFlags(flags);
  const log = logger.child('agent').info;
  // TLS bootstrap: the join token only gets this node's client certificate; the node uses that alone.
  const credentials = await loadOrBootstrapNodeCredentials({
    dir: join(String(flags['data-dir']), 'agent', 'tls'),
    nodeName,
    bootstrapClient: () => new HttpsClient({ server, ca, token: parseJoinToken(token).secret, userAgent }),
    accepted: async (stored) => {
      const probe = new HttpsClient({ server, ca, cert: stored.cert, key: stored.key, userAgent });
      try {
        await probe.get(resources.nodes, '', nodeName);
        return true;
      } catch (err) {
        return !isStatusError(err, 401);
      } finally {
        probe.close();
      }
    },
    signal: controller.signal,
    log,
  });
  const client = new HttpsClient({ server, ca, cert: credentials.cert, key: credentials.key, userAgent });
  try {
    // Flags win; then what the server publishes; then k3s's defaults.
    const published = flags.simulated ? undefined : await readClusterSettings(client, controller.signal, log);
    const setting = (flag: string, key: keyof ClusterNetworkSettings, fallback: string): string => String(flags[flag] ?? '') || published?.[key] || fallback;
    const serviceCIDR = setting('service-cidr', 'serviceCIDR', '10.43.0.0/16');
    const clusterCIDR = setting('cluster-cidr', 'clusterCIDR', '10.42.0.0/16');
    const clusterDNS = setting('cluster-dns', 'clusterDNS', defaultClusterDNS(serviceCIDR));
    const clusterDomain = setting('cluster-domain', 'clusterDomain', 'cluster.local');
    if (flags.simulated) {
      log(`simulated node ${nodeName} joining ${server}`);
      await new SimulatedNode(client, nodeName, systemClock, { onError: (err, where) => log(`${where}: ${String(err)}`) }).start(controller.signal);
    } else {
      log(`node ${nodeName} joining ${server} (pods ${clusterCIDR}, Services ${serviceCIDR}, DNS ${clusterDNS})`);
      const dataDir = String(flags['data-dir']);
      await restrictDataDir(dataDir, { onError: (path, err) => log(`cannot make ${path} owner-only: ${errorMessage(err)}`) });
      if (!(await nodePreflightPasses({ dataDir, kubeletPort: node.kubeletPort, containerRuntimeEndpoint: node.containerRuntimeEndpoint }, log))) return 1;
      const metrics = processRegistry();
      const agent = new NodeAgent({
        client,
        nodeName,
        nodeIP: node.nodeIP || undefined,
        dataDir: String(flags['data-dir']),
        clusterDNS: [clusterDNS],
        clusterDomain,
        containerRuntimeEndpoint: node.containerRuntimeEndpoint || undefined,
        kubeletPort: node.kubeletPort,
        trustedClientCAPem: ca,
        servingCertificate: servingCertFromCSR(client, ca, controller.signal),
        // The process's registry, served at the node's /metrics.
        metrics,
        log,
        debug: logger.child('agent').debug,
      });
      const running = [agent.start(controller.signal)];
      if (!node.disableKubeProxy) {
        const facts = { nodeName, nodeIPs: [agent.nodeIP], clusterCIDR, serviceCIDR };
        running.push(runServiceProxy({ client, node: facts, signal: controller.signal, log: logger.child('proxy').info, metrics }).catch((err: unknown) => log(`service proxy stopped: ${errorMessage(err)}`)));
      }
      await Promise.all(running);
    }
  } finally {
    client.close();
  }
  return 0;
}

/** The process's metric registry, with the process gauges every component serves. */
function processRegistry(): Registry {
  const registry = new Registry();
  registerProcessMetrics(registry);
  return registry;
}
