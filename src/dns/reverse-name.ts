/**
 * Reverse DNS names: `<d>.<c>.<b>.<a>.in-addr.arpa` for IPv4, 32 nibbles in reverse order under
 * `ip6.arpa` for IPv6 (RFC 1035 3.5, RFC 3596 2.5).
 */
import { isIPv4 } from 'node:net';
import { bytesToIp, ipToBytes } from '../apimachinery/net.js';

/**
 * The address a reverse name (lower case, no trailing dot) stands for, canonical, or undefined
 * for any other name (also for partial names such as `3.2.1.in-addr.arpa`).
 */
export function reverseNameToIP(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reverse().join('.');
  }
  if (name.endsWith('.ip6.arpa')) {
    const nibbles = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    return bytesToIp(Buffer.from(nibbles.reverse().join(''), 'hex'));
  }
  return undefined;
}

/** The reverse name of an IPv4 or IPv6 address. @throws Error when `ip` is not an address. */
export function ipToReverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  return `${ipToBytes(ip).toString('hex').split('').reverse().join('.')}.ip6.arpa`;
}
