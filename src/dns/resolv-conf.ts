/**
 * The host's resolvers from resolv.conf(5): its `nameserver` lines, the default upstreams of the
 * cluster DNS server.
 */
import { isIP } from 'node:net';
import type { Upstream } from './upstream.js';

/**
 * The nameservers of a resolv.conf text, in order, port 53 (IPv6 zone suffixes dropped;
 * anything that is not an address skipped, as the resolver does).
 */
export function resolvConfNameservers(text: string): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const [keyword, value] = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (keyword !== 'nameserver' || !value) continue;
    const address = value.replace(/%.*$/, '');
    if (isIP(address)) out.push({ address, port: 53 });
  }
  return out;
}
