import { delimiter, join } from 'node:path';

/** Where to look for the cluster's kubeconfig. */
export interface ClusterKubeconfigSources {
  /** `--kubeconfig`, when given. */
  flag?: string;
  /** The environment (KUBECONFIG); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The server's data dir, which holds `kubeconfig.yaml`. */
  dataDir: string;
}

/**
 * The kubeconfig a client command uses: `--kubeconfig`, else the first file of $KUBECONFIG,
 * else `<data-dir>/kubeconfig.yaml` (what `skiff server` writes).
 */
export function clusterKubeconfigPath(sources: ClusterKubeconfigSources): string {
  if (sources.flag) return sources.flag;
  const fromEnv = (sources.env ?? process.env).KUBECONFIG?.split(delimiter).find((p) => p !== '');
  return fromEnv ?? join(sources.dataDir, 'kubeconfig.yaml');
}
