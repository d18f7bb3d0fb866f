/**
 * Forwarding of names outside the cluster to upstream resolvers, with a small cache that keeps
 * answers for their TTL (negative answers for their SOA minimum, RFC 2308 5).
 */
import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { connect, isIPv6 } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Question, type SoaAnswer } from 'dns-packet';
import type { Clock, TimerHandle } from '../apimachinery/clock.js';
import { errorMessage } from '../apimachinery/errors.js';

/** An upstream resolver. */
export interface Upstream {
  address: string;
  /** Default 53. */
  port?: number;
}

/** An upstream's answer to one question. */
export interface UpstreamAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  authorities: Answer[];
  /** Without the OPT record. */
  additionals: Answer[];
}

/** Options of {@link UpstreamForwarder}. */
export interface UpstreamForwarderOptions {
  /** Resolvers asked in order until one answers; called on each question. */
  upstreams: () => Promise<Upstream[]>;
  /** Times the cache and the per-upstream timeout. */
  clock: Clock;
  /** How long each upstream gets per question. Default 2000 ms. */
  timeoutMs?: number;
  /** Answers kept at most. Default 10000. */
  cacheSize?: number;
  /** Longest a positive answer is kept. Default 3600 s (CoreDNS' cache). */
  maxTtlSeconds?: number;
  /** Longest a negative answer is kept. Default 1800 s (CoreDNS' cache). */
  maxNegativeTtlSeconds?: number;
  /** Told about upstreams failing. Default: console.error. */
  onError?: (message: string) => void;
}

interface CacheEntry {
  answer: UpstreamAnswer;
  storedAtMs: number;
  expiresAtMs: number;
}

/** The EDNS0 size asked of upstreams: answers up to this size come over UDP. */
const upstreamUdpPayloadSize = 1232;

/**
 * Asks upstream resolvers (UDP, then TCP when the answer is truncated) and caches their answers.
 * `resolve` yields undefined when no upstream gives a usable answer (the server then answers
 * SERVFAIL; those failures are not cached).
 */
export class UpstreamForwarder {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly timeoutMs: number;
  private readonly cacheSize: number;
  private readonly maxTtl: number;
  private readonly maxNegativeTtl: number;

  constructor(private readonly options: UpstreamForwarderOptions) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.maxTtl = options.maxTtlSeconds ?? 3600;
    this.maxNegativeTtl = options.maxNegativeTtlSeconds ?? 1800;
  }

  /** Cached answers (expired ones included until looked up or evicted). */
  get cachedAnswers(): number {
    return this.cache.size;
  }

  /** The answer to `question`, from the cache (TTLs counted down) or from an upstream. */
  async resolve(question: Question): Promise<UpstreamAnswer | undefined> {
    const key = `${question.name.toLowerCase().replace(/\.$/, '')}|${question.type}|${question.class ?? 'IN'}`;
    const now = this.options.clock.now().getTime();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAtMs > now) return aged(hit.answer, Math.floor((now - hit.storedAtMs) / 1000));
    if (hit) this.cache.delete(key);
    for (const upstream of await this.options.upstreams()) {
      const answer = await this.ask(upstream, question);
      if (!answer) continue;
      this.store(key, answer, this.options.clock.now().getTime());
      return answer;
    }
    return undefined;
  }

  private store(key: string, answer: UpstreamAnswer, now: number): void {
    const ttl = cacheTtl(answer, this.maxTtl, this.maxNegativeTtl);
    if (ttl <= 0) return;
    this.cache.delete(key);
    this.cache.set(key, { answer, storedAtMs: now, expiresAtMs: now + ttl * 1000 });
    // Oldest first: Map iteration is insertion order.
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  private async ask(upstream: Upstream, question: Question): Promise<UpstreamAnswer | undefined> {
    const id = randomInt(0, 0x10000);
    const query = dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name: question.name, type: question.type, class: question.class ?? 'IN' }],
      additionals: [{ name: '.', type: 'OPT', udpPayloadSize: upstreamUdpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    });
    let reply = await this.exchange(upstream, query, 'udp');
    if (reply && isTruncated(reply)) reply = await this.exchange(upstream, query, 'tcp');
    if (!reply) return undefined;
    let decoded: DecodedPacket;
    try {
      decoded = dnsPacket.decode(reply);
    } catch (err) {
      this.report(upstream, `undecodable answer: ${errorMessage(err)}`);
      return undefined;
    }
    const echoed = decoded.questions?.[0];
    if (decoded.id !== id || !echoed || echoed.name.toLowerCase() !== question.name.toLowerCase().replace(/\.$/, '') || echoed.type !== question.type) {
      return undefined;
    }
    const rcode = reply[3]! & 0xf;
    if (rcode !== 0 && rcode !== 3) return undefined;
    return {
      rcode: rcode === 3 ? 'NXDOMAIN' : 'NOERROR',
      answers: decoded.answers ?? [],
      authorities: decoded.authorities ?? [],
      additionals: (decoded.additionals ?? []).filter((a) => a.type !== 'OPT'),
    };
  }

  /** One request and its reply (undefined on timeout or error), over a fresh socket each time. */
  private exchange(upstream: Upstream, query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const port = upstream.port ?? 53;
    return new Promise<Buffer | undefined>((resolve) => {
      let timer: TimerHandle | undefined;
      let done = false;
      const cleanups: (() => void)[] = [];
      const finish = (reply: Buffer | undefined): void => {
        if (done) return;
        done = true;
        timer?.cancel();
        for (const cleanup of cleanups) cleanup();
        resolve(reply);
      };
      timer = this.options.clock.setTimer(this.timeoutMs, () => finish(undefined));
      if (transport === 'udp') {
        const socket = createSocket(isIPv6(upstream.address) ? 'udp6' : 'udp4');
        cleanups.push(() => socket.close());
        socket.on('error', (err) => {
          this.report(upstream, errorMessage(err));
          finish(undefined);
        });
        socket.on('message', (msg, from) => {
          // Only the upstream's reply to this query id: anything else is ignored.
          if (from.port !== port || from.address !== upstream.address || msg.length < 12 || msg.readUInt16BE(0) !== query.readUInt16BE(0)) return;
          finish(msg);
        });
        socket.send(query, port, upstream.address);
        return;
      }
      const socket = connect({ host: upstream.address, port });
      cleanups.push(() => socket.destroy());
      let buffered: Buffer = Buffer.alloc(0);
      socket.on('error', (err) => {
        this.report(upstream, errorMessage(err));
        finish(undefined);
      });
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) finish(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
      });
      socket.on('end', () => finish(undefined));
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
  }

  private report(upstream: Upstream, message: string): void {
    const text = `dns: upstream ${upstream.address}:${upstream.port ?? 53}: ${message}`;
    if (this.options.onError) this.options.onError(text);
    else console.error(text);
  }
}

function isTruncated(reply: Buffer): boolean {
  return reply.length >= 4 && (reply[2]! & 0x02) !== 0;
}

/** How long an answer may be cached: its smallest TTL, or for a negative one its SOA's. */
function cacheTtl(answer: UpstreamAnswer, maxTtl: number, maxNegativeTtl: number): number {
  if (answer.answers.length > 0) {
    const ttls = [...answer.answers, ...answer.authorities, ...answer.additionals].map(recordTtl);
    return Math.min(maxTtl, ...ttls);
  }
  const soa = answer.authorities.find((a): a is SoaAnswer => a.type === 'SOA');
  if (!soa) return 0;
  return Math.min(maxNegativeTtl, soa.ttl ?? 0, soa.data.minimum ?? 0);
}

function recordTtl(a: Answer): number {
  return a.type === 'OPT' ? Infinity : (a.ttl ?? 0);
}

/** A copy of a cached answer with `elapsed` seconds taken off every TTL. */
function aged(answer: UpstreamAnswer, elapsed: number): UpstreamAnswer {
  const age = (records: Answer[]): Answer[] =>
    records.map((r) => (r.type === 'OPT' ? r : { ...r, ttl: Math.max(0, (r.ttl ?? 0) - elapsed) }));
  return { rcode: answer.rcode, answers: age(answer.answers), authorities: age(answer.authorities), additionals: age(answer.additionals) };
}
