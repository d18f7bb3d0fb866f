/**
 * A pod's hostname and domain, as upstream's kubelet GeneratePodHostNameAndDomain and
 * GetNodenameForKernel compute them.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** Longest hostname the kernel takes (64 bytes with the terminating NUL). */
const hostnameMaxLength = 63;
/** Longest FQDN the kernel takes as a nodename. */
const fqdnMaxLength = 64;

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkDnsLabel(what: string, value: string): void {
  const problems: string[] = [];
  if (value.length > 63) problems.push('must be no more than 63 characters');
  if (!dns1123Label.test(value)) {
    problems.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  if (problems.length > 0) throw new Error(`pod ${what} ${JSON.stringify(value)} is not a valid DNS label: ${problems.join(';')}`);
}

/** A pod's short hostname and, when it has a subdomain, its domain (`<subdomain>.<ns>.svc.<clusterDomain>`). */
export interface PodHostnameAndDomain {
  hostname: string;
  /** Empty when the pod has no subdomain. */
  hostDomain: string;
}

/**
 * The pod's hostname (spec.hostname, else the pod name, cut to 63 characters without a trailing
 * '-' or '.') and domain. Throws when spec.hostname or spec.subdomain is not a DNS label.
 */
export function podHostnameAndDomain(pod: Pod, clusterDomain: string): PodHostnameAndDomain {
  const podName = pod.metadata?.name ?? '';
  let hostname = podName;
  const specHostname = pod.spec?.hostname ?? '';
  if (specHostname !== '') {
    checkDnsLabel('Hostname', specHostname);
    hostname = specHostname;
  }
  if (hostname.length > hostnameMaxLength) {
    hostname = hostname.slice(0, hostnameMaxLength).replace(/[-.]+$/, '');
    if (hostname === '') throw new Error(`hostname for pod ${JSON.stringify(podName)} was invalid: ${JSON.stringify(podName)}`);
  }
  let hostDomain = '';
  const subdomain = pod.spec?.subdomain ?? '';
  if (subdomain !== '') {
    checkDnsLabel('Subdomain', subdomain);
    hostDomain = `${subdomain}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}`;
  }
  return { hostname, hostDomain };
}

/**
 * The hostname the pod's kernel gets: the FQDN `<hostname>.<hostDomain>` when
 * spec.setHostnameAsFQDN is set and the pod has a domain, else the short hostname.
 * Throws when the FQDN is longer than 64 characters.
 */
export function podKernelHostname(pod: Pod, names: PodHostnameAndDomain): string {
  if (!pod.spec?.setHostnameAsFQDN || names.hostDomain === '') return names.hostname;
  const fqdn = `${names.hostname}.${names.hostDomain}`;
  if (fqdn.length > fqdnMaxLength) {
    throw new Error(
      `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${fqdnMaxLength} characters is the max, ${fqdn.length} characters requested)`,
    );
  }
  return fqdn;
}
