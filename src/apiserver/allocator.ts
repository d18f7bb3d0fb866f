import { StorageError, type Store } from '../storage/store.js';
import { StatusError } from '../apimachinery/errors.js';
import { formatIPv4, parseCIDR, parseIPv4, type IPv4Range } from '../apimachinery/net.js';

interface AllocationState {
  /** Allocated items (IP strings or port numbers as strings). */
  used: string[];
}

/**
 * Hands out items of a finite range (ClusterIPs, NodePorts) with the set of allocated items
 * kept in the store under one key and changed by compare-and-swap, so that several servers
 * sharing a datastore never give one item twice, across restarts too.
 */
export class RangeAllocator {
  private next = 0;

  /**
   * @param store where the allocation record lives
   * @param key the record's key, e.g. `/registry/ranges/serviceips`
   * @param items the number of allocatable items
   * @param itemAt the item at an index (0 ≤ i < items)
   * @param indexOf the index of an item, or undefined when outside the range
   * @param what a name for messages ("IP", "port")
   */
  constructor(
    private readonly store: Store,
    private readonly key: string,
    private readonly items: number,
    private readonly itemAt: (i: number) => string,
    private readonly indexOf: (item: string) => number | undefined,
    private readonly what: string,
  ) {}

  /** True when an item lies inside the range. */
  contains(item: string): boolean {
    return this.indexOf(item) !== undefined;
  }

  /** Allocates a specific item; throws `AllocationError` if it is outside the range or taken. */
  async allocate(item: string): Promise<void> {
    if (this.indexOf(item) === undefined) throw new AllocationError('OutOfRange', `${item} is not in the range`);
    await this.mutate((used) => {
      if (used.has(item)) throw new AllocationError('Taken', `provided ${this.what} is already allocated`);
      used.add(item);
    });
  }

  /** Allocates some free item; throws `AllocationError('Full')` when none is left. */
  async allocateNext(): Promise<string> {
    let chosen = '';
    await this.mutate((used) => {
      for (let n = 0; n < this.items; n++) {
        const i = (this.next + n) % this.items;
        const item = this.itemAt(i);
        if (!used.has(item)) {
          used.add(item);
          chosen = item;
          this.next = i + 1;
          return;
        }
      }
      throw new AllocationError('Full', `range is full`);
    });
    return chosen;
  }

  /** Releases an item; releasing a free item is harmless. */
  async release(item: string): Promise<void> {
    await this.mutate((used) => {
      used.delete(item);
    });
  }

  /** Whether an item is allocated now. */
  async isAllocated(item: string): Promise<boolean> {
    const kv = await this.store.get(this.key);
    if (!kv) return false;
    return (JSON.parse(kv.value) as AllocationState).used.includes(item);
  }

  private async mutate(change: (used: Set<string>) => void): Promise<void> {
    for (;;) {
      const kv = await this.store.get(this.key);
      const used = new Set(kv ? (JSON.parse(kv.value) as AllocationState).used : []);
      const before = used.size;
      change(used);
      const state: AllocationState = { used: [...used] };
      if (kv && used.size === before && kv.value === JSON.stringify(state)) return;
      try {
        if (kv) await this.store.update(this.key, JSON.stringify(state), kv.modRevision);
        else await this.store.create(this.key, JSON.stringify(state));
        return;
      } catch (err) {
        // Another writer changed the record between read and write: read it again.
        if (err instanceof StorageError && (err.code === 'RevisionMismatch' || err.code === 'KeyExists')) continue;
        throw err;
      }
    }
  }
}

/** Why an allocation failed. */
export class AllocationError extends Error {
  override readonly name = 'AllocationError';
  constructor(
    readonly code: 'OutOfRange' | 'Taken' | 'Full',
    message: string,
  ) {
    super(message);
  }
}

/** The ClusterIP allocator of a service CIDR (network and broadcast addresses excluded, as upstream). */
export function clusterIPAllocator(store: Store, serviceCIDR: string): RangeAllocator {
  const range = parseCIDR(serviceCIDR);
  const usable = Math.max(0, range.size - 2);
  return new RangeAllocator(
    store,
    '/registry/ranges/serviceips',
    usable,
    (i) => formatIPv4(range.base + 1 + i),
    (ip) => {
      const n = parseIPv4(ip);
      if (n === undefined) return undefined;
      const i = n - range.base - 1;
      return i >= 0 && i < usable ? i : undefined;
    },
    'IP',
  );
}

/** The NodePort allocator for a port range such as 30000-32767. */
export function nodePortAllocator(store: Store, first = 30000, last = 32767): RangeAllocator {
  return new RangeAllocator(
    store,
    '/registry/ranges/servicenodeports',
    last - first + 1,
    (i) => String(first + i),
    (p) => {
      const n = Number(p);
      return Number.isInteger(n) && n >= first && n <= last ? n - first : undefined;
    },
    'port',
  );
}

/** Maps an allocation failure to upstream's 422 for the field it concerns. */
export function allocationStatus(err: unknown): StatusError | undefined {
  if (err instanceof AllocationError && err.code === 'Full') {
    return new StatusError(500, 'InternalError', `Internal error occurred: failed to allocate a serviceIP: range is full`);
  }
  return undefined;
}
