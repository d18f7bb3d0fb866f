/**
 * The /etc/hosts file the node agent mounts into a pod's containers, as upstream's kubelet
 * writes it (managedHostsFileContent / nodeHostsFileContent).
 */
import type { HostAlias, Pod } from 'kubernetes-types/core/v1.js';
import { podHostnameAndDomain } from './hostname.js';

/** First line of a managed hosts file. */
export const managedHostsHeader = '# Kubernetes-managed hosts file.\n';
/** First line of a host-network pod's hosts file (the node's file follows). */
export const managedHostsHeaderWithHostNetwork = '# Kubernetes-managed hosts file (host network).\n';

/** How to render a pod's hosts file. */
export interface EtcHostsOptions {
  /** The cluster domain, e.g. 'cluster.local'. */
  clusterDomain: string;
  /**
   * The node's /etc/hosts text, for hostNetwork pods. When given, a hostNetwork pod gets it behind
   * the host-network header plus its hostAliases, as upstream; when left out, hostNetwork pods
   * get undefined (mount the node's file as it is).
   */
  nodeHostsFile?: string;
}

function hostAliasEntries(aliases: readonly HostAlias[] | undefined): string {
  if (!aliases || aliases.length === 0) return '';
  let text = '\n# Entries added by HostAliases.\n';
  for (const alias of aliases) text += `${alias.ip ?? ''}\t${(alias.hostnames ?? []).join('\t')}\n`;
  return text;
}

/**
 * The pod's managed /etc/hosts: header, localhost and IPv6 lines, one line per pod IP
 * (`<ip>\t<hostname>.<subdomain>.<ns>.svc.<domain>\t<hostname>` with a subdomain, else
 * `<ip>\t<hostname>`), then the hostAliases section. Undefined for hostNetwork pods unless
 * options.nodeHostsFile is given. Throws when spec.hostname or spec.subdomain is invalid.
 */
export function renderEtcHosts(pod: Pod, podIPs: readonly string[], options: EtcHostsOptions): string | undefined {
  if (pod.spec?.hostNetwork) {
    if (options.nodeHostsFile === undefined) return undefined;
    return managedHostsHeaderWithHostNetwork + options.nodeHostsFile + hostAliasEntries(pod.spec.hostAliases);
  }
  const { hostname, hostDomain } = podHostnameAndDomain(pod, options.clusterDomain);
  let text = managedHostsHeader;
  text += '127.0.0.1\tlocalhost\n';
  text += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  text += 'fe00::0\tip6-localnet\n';
  text += 'fe00::0\tip6-mcastprefix\n';
  text += 'fe00::1\tip6-allnodes\n';
  text += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) {
    text += hostDomain !== '' ? `${ip}\t${hostname}.${hostDomain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  }
  return text + hostAliasEntries(pod.spec?.hostAliases);
}
