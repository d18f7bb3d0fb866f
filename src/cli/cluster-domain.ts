/**
 * The cluster's DNS zone as `skiff trace` and `skiff ui` learn it: the `--cluster-domain` flag
 * when given, else the `clusterDomain` that `skiff server` publishes in
 * `kube-system/skiff-cluster-config` (readable by whoever may get ConfigMaps in kube-system), else
 * `cluster.local`, the server's default.
 */
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { clusterConfigMapName } from '../apiserver/bootstrap.js';
import { errorMessage, isStatusError } from '../apimachinery/errors.js';
import { isDNS1123Subdomain } from '../apimachinery/names.js';
import { resources, type Client } from '../client/client.js';
import { UsageError } from './flags.js';

/** `skiff server`'s default `--cluster-domain`. */
export const defaultClusterDomain = 'cluster.local';

/** The zone to use and where it came from. */
export interface ClusterDomainChoice {
  domain: string;
  /** `flag`, `cluster` (the published setting) or `default`. */
  source: 'flag' | 'cluster' | 'default';
  /** With `default`: why the cluster's setting was not used, in words. */
  reason?: string;
}

/** A DNS zone as Skiff compares zones: lower case, without a trailing dot. */
function normalizeDomain(domain: string): string {
  return domain.toLowerCase().replace(/\.$/, '');
}

/** Reads `--cluster-domain`: lower case, a trailing dot dropped; anything but a DNS subdomain is a {@link UsageError}. */
export function parseClusterDomainFlag(flag: string | undefined): string | undefined {
  if (flag === undefined) return undefined;
  const domain = normalizeDomain(flag);
  const problems = isDNS1123Subdomain(domain);
  if (problems.length) throw new UsageError(`--cluster-domain ${JSON.stringify(flag)}: ${problems.join('; ')}`);
  return domain;
}

/**
 * Chooses the cluster's DNS zone: `flag` ({@link parseClusterDomainFlag}) when given, else the
 * server's published setting, else {@link defaultClusterDomain} with the reason (forbidden, not
 * published, unreachable, no answer within `timeoutMs`, default 5 s). Throws only for a bad
 * flag: a zone is always chosen.
 */
export async function chooseClusterDomain(client: Client, flag: string | undefined, options: { timeoutMs?: number } = {}): Promise<ClusterDomainChoice> {
  const given = parseClusterDomainFlag(flag);
  if (given !== undefined) return { domain: given, source: 'flag' };
  const where = `kube-system/${clusterConfigMapName}`;
  try {
    const timeoutMs = options.timeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    const cm = (await Promise.race([client.get(resources.configmaps, 'kube-system', clusterConfigMapName), late]).finally(() => clearTimeout(timer))) as ConfigMap;
    const published = cm.data?.clusterDomain === undefined ? undefined : normalizeDomain(cm.data.clusterDomain);
    if (!published) return { domain: defaultClusterDomain, source: 'default', reason: `${where} names no clusterDomain` };
    if (isDNS1123Subdomain(published).length) return { domain: defaultClusterDomain, source: 'default', reason: `${where} names clusterDomain ${JSON.stringify(published)}, not a DNS name` };
    return { domain: published, source: 'cluster' };
  } catch (error) {
    const reason = isStatusError(error, 403) || isStatusError(error, 401)
      ? `your credentials may not read ${where}`
      : isStatusError(error, 404)
        ? `the server publishes no ${where}`
        : `${where} could not be read: ${errorMessage(error)}`;
    return { domain: defaultClusterDomain, source: 'default', reason };
  }
}
