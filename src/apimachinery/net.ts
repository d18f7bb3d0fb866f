/**
 * IP addresses and CIDRs: parsing, formatting, and the first address of a range (the
 * `kubernetes` Service's ClusterIP, a pod network's gateway).
 */
import { isIP, isIPv4 } from 'node:net';

/** The network-order bytes of an IPv4 (4 bytes) or IPv6 (16 bytes) address; throws when not an IP. */
export function ipToBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (isIP(address) !== 6) throw new Error(`not an IP address: ${address}`);
  let text = address.replace(/%.*$/, '');
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const b = v4Tail[1]!.split('.').map(Number);
    const hex = (hi: number, lo: number): string => ((hi << 8) | lo).toString(16);
    text = text.slice(0, -v4Tail[1]!.length) + `${hex(b[0]!, b[1]!)}:${hex(b[2]!, b[3]!)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Formats 4 or 16 address bytes: dotted IPv4, or IPv6 with the longest zero run compressed (RFC 5952). */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw new Error(`IP address must be 4 or 16 bytes, got ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * The first usable address of a CIDR (network address + 1), e.g. `10.43.0.0/16` → `10.43.0.1`:
 * the ClusterIP of the `kubernetes` Service.
 */
export function firstAddressInCIDR(cidr: string): string {
  const [address, prefixText] = cidr.trim().split('/');
  const bytes = ipToBytes(address ?? '');
  const prefix = Number(prefixText);
  if (prefixText === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8) {
    throw new Error(`invalid CIDR: ${cidr}`);
  }
  for (let bit = prefix; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = (bytes[i]! + 1) & 0xff;
    if (bytes[i] !== 0) break;
  }
  return bytesToIp(bytes);
}

/** A parsed IPv4 CIDR. */
export interface IPv4Range {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
  /** Number of addresses in the range. */
  size: number;
}

/** Parses `a.b.c.d` into a number, or undefined. */
export function parseIPv4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

/** Formats a number as `a.b.c.d`. */
export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses `10.43.0.0/16`; throws on bad input. */
export function parseCIDR(cidr: string): IPv4Range {
  const [ip, bits] = cidr.split('/');
  const addr = parseIPv4(ip ?? '');
  const prefix = Number(bits);
  if (addr === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  }
  const size = 2 ** (32 - prefix);
  const base = prefix === 0 ? 0 : (addr & ~(size - 1)) >>> 0;
  return { base, prefix, size };
}

/** An IP in one spelling (IPv6 compressed, lower case), or undefined when not an IP. */
export function canonicalIP(text: string): string | undefined {
  return isIP(text) ? bytesToIp(ipToBytes(text)) : undefined;
}
