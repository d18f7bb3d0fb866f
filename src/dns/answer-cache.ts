/**
 * Encoded answers to cluster questions, kept while the cluster state does not change: the same
 * Service name asked again costs a map lookup and a copy instead of a lookup and an encoding.
 */
import type { DnsQuery } from './dns-message.js';

/** Options of {@link AnswerCache}. */
export interface AnswerCacheOptions {
  /** Answers kept at most; when full, the oldest goes. Default 10000. */
  maxEntries?: number;
}

/**
 * Encoded responses by everything in a query that shapes the bytes of its answer: the question as
 * spelt (the answer echoes it), transport, EDNS0 presence, size and DO bit. Everything is dropped
 * when the state's generation (the SOA serial) moves. {@link AnswerCache.get} patches the id and
 * the RD and CD bits of the query in.
 */
export class AnswerCache {
  private readonly entries = new Map<string, Buffer>();
  private readonly maxEntries: number;
  private generation: number | undefined;

  constructor(options: AnswerCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** The cached answer to `query` for state `generation`, as a fresh buffer, or undefined. */
  get(query: DnsQuery, transport: 'udp' | 'tcp', generation: number): Buffer | undefined {
    if (generation !== this.generation) {
      this.entries.clear();
      this.generation = generation;
      return undefined;
    }
    const cached = this.entries.get(cacheKey(query, transport));
    if (!cached) return undefined;
    const out = Buffer.from(cached);
    out.writeUInt16BE(query.id, 0);
    out[2] = (out[2]! & ~0x01) | (query.recursionDesired ? 0x01 : 0);
    out[3] = (out[3]! & ~0x10) | (query.checkingDisabled ? 0x10 : 0);
    return out;
  }

  /** Keeps `response`, the answer to `query` built from state `generation`. */
  set(query: DnsQuery, transport: 'udp' | 'tcp', generation: number, response: Buffer): void {
    if (generation !== this.generation) {
      this.entries.clear();
      this.generation = generation;
    }
    const key = cacheKey(query, transport);
    this.entries.delete(key);
    this.entries.set(key, Buffer.from(response));
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

function cacheKey(query: DnsQuery, transport: 'udp' | 'tcp'): string {
  const q = query.questions[0];
  const opt = query.opts[0];
  const edns = opt ? `${opt.udpPayloadSize}|${opt.flag_do ? 1 : 0}` : '-';
  return `${transport}|${q?.name ?? ''}|${q?.type ?? ''}|${q?.class ?? ''}|${query.opcode}|${query.opts.length}|${edns}`;
}
