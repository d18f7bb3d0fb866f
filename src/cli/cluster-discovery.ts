import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { load } from 'js-yaml';
import { errorMessage } from '../apimachinery/errors.js';
import { defaultDataDir } from './flags.js';
import { defaultConfigFile } from './config-file.js';
import { defaultServerPointerFile, processAlive, readServerPointer } from './server-pointer.js';

/** Where this machine's cluster lives, and which source said so (for messages). */
export interface ClusterLocation {
  dataDir: string;
  /** The admin kubeconfig (a KUBECONFIG list when it came from the environment). */
  kubeconfig: string;
  /** Where the answer came from, e.g. `--data-dir` or `the running server (pid 42)`. */
  source: string;
}

/** Options of {@link findCluster}: what the user gave, and where to look (defaults: this machine's). */
export interface FindClusterOptions {
  /** `--data-dir`. */
  dataDir?: string;
  /** `--kubeconfig`. */
  kubeconfig?: string;
  /** The config file. Default {@link defaultConfigFile}. */
  configFile?: string;
  /** The running server's pointer file. Default {@link defaultServerPointerFile}. */
  pointerFile?: string;
  /** The environment (KUBECONFIG). Default process.env. */
  env?: Record<string, string | undefined>;
  /** The last resort. Default {@link defaultDataDir}. */
  defaultDataDir?: string;
  /** Whether a process exists. Default {@link processAlive}. */
  alive?: (pid: number) => boolean;
}

/** The `data-dir` of a config file, read leniently: the server and agent check the rest. */
function configFileDataDir(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  let doc: unknown;
  try {
    doc = load(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not YAML: ${errorMessage(err)}`);
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const value = (doc as Record<string, unknown>)['data-dir'];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Finds the cluster the client commands (`skiff kubectl`, `skiff images`) talk to, as k3s's do:
 * `--kubeconfig`/`--data-dir`, then the config file's `data-dir`, then the pointer file the running
 * server wrote (a stale one, whose process is gone, is ignored), then $KUBECONFIG, then the
 * default data dir.
 */
export function findCluster(options: FindClusterOptions = {}): ClusterLocation {
  const env = options.env ?? process.env;
  const fallbackDataDir = options.defaultDataDir ?? defaultDataDir();
  const inDataDir = (dataDir: string, source: string): ClusterLocation => ({ dataDir, kubeconfig: join(dataDir, 'kubeconfig.yaml'), source });
  if (options.kubeconfig) return { dataDir: options.dataDir ?? fallbackDataDir, kubeconfig: options.kubeconfig, source: '--kubeconfig' };
  if (options.dataDir) return inDataDir(options.dataDir, '--data-dir');
  const configFile = options.configFile ?? defaultConfigFile();
  const configured = configFileDataDir(configFile);
  if (configured) return inDataDir(configured, `data-dir in ${configFile}`);
  const pointerFile = options.pointerFile ?? defaultServerPointerFile();
  const pointer = readServerPointer(pointerFile, { alive: options.alive ?? processAlive });
  if (pointer) return { dataDir: pointer.dataDir, kubeconfig: pointer.kubeconfig, source: `the running server (pid ${pointer.pid}, ${pointerFile})` };
  if (env.KUBECONFIG) return { dataDir: fallbackDataDir, kubeconfig: env.KUBECONFIG, source: '$KUBECONFIG' };
  return inDataDir(fallbackDataDir, 'the default data dir');
}

/** Whether a location's kubeconfig exists (any file of a KUBECONFIG list). */
export function kubeconfigExists(location: ClusterLocation): boolean {
  return location.kubeconfig.split(delimiter).some((file) => file !== '' && existsSync(file));
}
