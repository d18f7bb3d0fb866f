import { formatIPv4, parseCIDR, parseIPv4 } from '../../apimachinery/net.js';

/**
 * Pod IPs of one node's pod CIDR, as a host-local IPAM plugin hands them out: the network
 * address, the first host (the bridge's gateway) and the broadcast address are never given;
 * each owner key gets one address, kept until released. IPv4 only.
 */
export class PodIPPool {
  private readonly base: number;
  private readonly first: number;
  private readonly last: number;
  private readonly byOwner = new Map<string, number>();
  private readonly owners = new Map<number, string>();
  private cursor: number;

  /** @throws Error for a CIDR that is not IPv4 or has fewer than 4 addresses. */
  constructor(readonly cidr: string) {
    const range = parseCIDR(cidr);
    if (range.size < 4) throw new Error(`pod CIDR ${cidr} is too small`);
    this.base = range.base;
    this.first = range.base + 2;
    this.last = range.base + range.size - 2;
    this.cursor = this.first;
  }

  /** Whether `ip` lies in this pool's CIDR. */
  contains(ip: string): boolean {
    const n = parseIPv4(ip);
    return n !== undefined && n >= this.base && n <= this.last + 1;
  }

  /** The address of `owner`, allocating the next free one; undefined when the range is full. */
  allocate(owner: string): string | undefined {
    const held = this.byOwner.get(owner);
    if (held !== undefined) return formatIPv4(held);
    const span = this.last - this.first + 1;
    for (let i = 0; i < span; i++) {
      const candidate = this.first + ((this.cursor - this.first + i) % span);
      if (this.owners.has(candidate)) continue;
      this.take(owner, candidate);
      // Next search starts after this address, so a released IP is not reused at once.
      this.cursor = candidate + 1 > this.last ? this.first : candidate + 1;
      return formatIPv4(candidate);
    }
    return undefined;
  }

  /** Records that `owner` already holds `ip` (seen in a pod's status); false if not in range or held by another. */
  reserve(owner: string, ip: string): boolean {
    const n = parseIPv4(ip);
    if (n === undefined || n < this.first || n > this.last) return false;
    const holder = this.owners.get(n);
    if (holder !== undefined) return holder === owner;
    if (this.byOwner.has(owner)) return false;
    this.take(owner, n);
    return true;
  }

  /** Frees the address of `owner`, if any. */
  release(owner: string): void {
    const held = this.byOwner.get(owner);
    if (held === undefined) return;
    this.byOwner.delete(owner);
    this.owners.delete(held);
  }

  /** Addresses in use. */
  get used(): number {
    return this.byOwner.size;
  }

  private take(owner: string, n: number): void {
    this.byOwner.set(owner, n);
    this.owners.set(n, owner);
  }
}
