import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage, isStatusError } from '../apimachinery/errors.js';
import { resources, type Client } from '../client/client.js';
import { HttpsClient } from '../client/https-client.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import { containerdPaths } from '../kubelet/containerd/config.js';
import { standInImages, writeStandInImages } from '../kubelet/images/stand-ins.js';
import { findCluster } from './cluster-discovery.js';
import { applySeed } from './demo/apply-seed.js';
import { seedManifests, seedNamespace, seedTryNext } from './demo/seed-manifests.js';
import { defaultDataDir } from './flags.js';
import { runImages } from './images-command.js';

const usage = `Usage:
  skiff demo [seed] [flags]    put the seed's scenarios ("K8S图例") on this cluster, in namespace ${seedNamespace}
  skiff demo --clean           delete namespace ${seedNamespace} and wait until it is gone

Builds the stand-in images from this machine's busybox-static (nothing is downloaded) and imports
them into this node's containerd:
${standInImages.map((i) => `  ${i.name.padEnd(26)} ${i.role}`).join('\n')}
then applies, in namespace ${seedNamespace}: the tomcat+redis pod whose third container also wants 8080
(it crash-loops), Service cluster-service-test (abc 80->8080, redis 99->6379), the canary by
Service (tomcat-stable x3 + tomcat-canary x1 behind cluster-service-02, 80->8080), StatefulSet
web with its headless Service nginx, the CronJobs (Allow, Forbid, Replace; startingDeadlineSeconds
600) and a client pod. Running it again updates them. It ends with the commands to try.
The seed's clusterIPs (10.170.11.11, 10.170.11.88) need a server started with
--service-cidr 10.170.0.0/16; elsewhere the Services get allocated IPs.

Flags:
  --kubeconfig value   the cluster's kubeconfig (default <data-dir>/kubeconfig.yaml)
  --data-dir value     the server's data dir (default: the config file's, the running server's, else ${defaultDataDir()})
  --address value      the node's containerd socket (default <data-dir>/agent/containerd/containerd.sock)
  --clean              delete the seed instead
  --timeout value      how long --clean waits, in seconds (default 180)`;

/** What `skiff demo` needs from the outside world (injected for tests). */
export interface DemoDependencies {
  /** A client for a kubeconfig; default an {@link HttpsClient} from {@link loadKubeconfig}. */
  connect?: (kubeconfig: string) => Client & { close?: () => void };
  /** Imports image tars into the node; default `skiff images import`. Returns an exit code. */
  importImages?: (files: string[], flags: string[]) => Promise<number>;
  /** Where lines go; default console.log. */
  log?: (line: string) => void;
  /** Waits between checks while cleaning; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** The time in ms; default Date.now. */
  now?: () => number;
}

function connectHttps(kubeconfig: string): HttpsClient {
  const creds = loadKubeconfig(kubeconfig);
  return new HttpsClient({ server: creds.server, ca: creds.ca, cert: creds.cert, key: creds.key, token: creds.token, userAgent: 'skiff-demo/v0' });
}

async function importStandIns(dataDir: string, address: string | undefined, deps: Required<DemoDependencies>): Promise<number> {
  const socket = address ?? containerdPaths(join(dataDir, 'agent', 'containerd')).address;
  if (!existsSync(socket)) {
    deps.log(`no containerd at ${socket}: images not imported (a node without them shows ErrImagePull; see 'skiff images build-busybox --help')`);
    return 0;
  }
  const dir = await mkdtemp(join(tmpdir(), 'skiff-demo-images-'));
  try {
    deps.log(`building ${standInImages.length} stand-in images from busybox-static and importing them into ${socket}`);
    const files = await writeStandInImages(dir);
    return await deps.importImages(files, ['--data-dir', dataDir, ...(address ? ['--address', address] : [])]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function namespaceGone(client: Client): Promise<boolean> {
  try {
    await client.get(resources.namespaces, '', seedNamespace);
    return false;
  } catch (err) {
    if (isStatusError(err, 404)) return true;
    throw err;
  }
}

async function waitNamespaceGone(client: Client, timeoutMs: number, deps: Required<DemoDependencies>): Promise<boolean> {
  const deadline = deps.now() + timeoutMs;
  while (!(await namespaceGone(client))) {
    if (deps.now() >= deadline) return false;
    await deps.sleep(500);
  }
  return true;
}

async function clean(client: Client, timeoutMs: number, deps: Required<DemoDependencies>): Promise<number> {
  try {
    await client.delete(resources.namespaces, '', seedNamespace);
  } catch (err) {
    if (!isStatusError(err, 404)) throw err;
    deps.log(`namespace ${seedNamespace} does not exist: nothing to clean`);
    return 0;
  }
  deps.log(`deleting namespace ${seedNamespace}...`);
  if (!(await waitNamespaceGone(client, timeoutMs, deps))) {
    deps.log(`namespace ${seedNamespace} still there after ${timeoutMs / 1000}s (kubectl get ns ${seedNamespace} -o yaml shows what it waits for)`);
    return 1;
  }
  deps.log(`namespace ${seedNamespace} deleted`);
  return 0;
}

/** `skiff demo [seed] [--clean]`: puts the seed's scenarios on the cluster, or removes them. Returns the exit code. */
export async function runDemo(args: string[], dependencies: DemoDependencies = {}): Promise<number> {
  const deps: Required<DemoDependencies> = {
    connect: dependencies.connect ?? connectHttps,
    importImages: dependencies.importImages ?? ((files, flags) => runImages(['import', ...flags, ...files])),
    log: dependencies.log ?? ((line) => console.log(line)),
    sleep: dependencies.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now: dependencies.now ?? Date.now,
  };
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        kubeconfig: { type: 'string' },
        'data-dir': { type: 'string' },
        address: { type: 'string' },
        clean: { type: 'boolean' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.positionals.some((p) => p !== 'seed')) throw new Error(`unknown scenario set ${JSON.stringify(parsed.positionals.find((p) => p !== 'seed'))} (there is one: seed)`);
  } catch (err) {
    console.error(`skiff demo: ${errorMessage(err)}\n\n${usage}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const timeoutSeconds = Number(values.timeout ?? 180);
  if (!(timeoutSeconds > 0)) {
    console.error(`skiff demo: --timeout: not a number of seconds: ${values.timeout}`);
    return 2;
  }
  const location = findCluster({ dataDir: values['data-dir'], kubeconfig: values.kubeconfig });
  const dataDir = location.dataDir;
  const kubeconfig = location.kubeconfig.split(delimiter).find((file) => file !== '' && existsSync(file));
  if (kubeconfig === undefined) {
    console.error(`skiff demo: no kubeconfig at ${location.kubeconfig} (from ${location.source}): start 'skiff server' first, or pass --kubeconfig or --data-dir`);
    return 1;
  }
  const client = deps.connect(kubeconfig);
  try {
    if (values.clean) return await clean(client, timeoutSeconds * 1000, deps);
    // A namespace still terminating from a --clean refuses new objects: let it go first.
    if (!(await namespaceGone(client))) {
      const ns = await client.get(resources.namespaces, '', seedNamespace);
      if (ns.metadata?.deletionTimestamp) {
        deps.log(`namespace ${seedNamespace} is still being deleted; waiting`);
        if (!(await waitNamespaceGone(client, timeoutSeconds * 1000, deps))) throw new Error(`namespace ${seedNamespace} still terminating after ${timeoutSeconds}s`);
      }
    }
    const imported = await importStandIns(dataDir, values.address, deps);
    if (imported !== 0) return imported;
    const clusterIPs = await applySeed(client, seedManifests(), deps.log);
    deps.log('');
    deps.log(`export KUBECONFIG=${kubeconfig}`);
    deps.log(seedTryNext(clusterIPs));
    return 0;
  } catch (err) {
    console.error(`skiff demo: ${errorMessage(err)}`);
    return 1;
  } finally {
    client.close?.();
  }
}
