/**
 * The cluster DNS server (the part of CoreDNS' kubernetes and forward plugins a cluster needs):
 * answers names under the cluster domain from the shared Service and EndpointSlice informers,
 * forwards the rest to upstream resolvers. The socket layer here is thin: answers are built by
 * {@link answerClusterQuestion} and encoded by {@link encodeResponse}.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer, isIPv6, type AddressInfo, type Server, type Socket } from 'node:net';
import { systemClock, type Clock } from '../apimachinery/clock.js';
import { errorMessage } from '../apimachinery/errors.js';
import type { InformerFactory } from '../client/informer.js';
import { AnswerCache } from './answer-cache.js';
import { answerClusterQuestion, normalizeName, type ClusterZone } from './cluster-answer.js';
import { ClusterDnsState } from './cluster-state.js';
import { decodeQuery, encodeResponse, rejectQuery, type DnsQuery, type DnsResponseContent } from './dns-message.js';
import { resolvConfNameservers } from './resolv-conf.js';
import { UpstreamForwarder, type Upstream } from './upstream.js';

/** Options of {@link ClusterDnsServer}. */
export interface ClusterDnsServerOptions {
  /** Shared informers: the server uses (and starts) those of Services and EndpointSlices. */
  informers: InformerFactory;
  /** Address the UDP and TCP listeners bind. Default `0.0.0.0`. */
  listenAddress?: string;
  /** UDP port. Default 53 (0 picks a free port). */
  udpPort?: number;
  /** TCP port. Default 53 (0 picks a free port). */
  tcpPort?: number;
  /** The cluster domain. Default `cluster.local`. */
  clusterDomain?: string;
  /** TTL of cluster records and negative answers, in seconds. Default 5. */
  ttlSeconds?: number;
  /** Whether `<a>-<b>-<c>-<d>.<ns>.pod.<zone>` names resolve (kube-dns' insecure pod records). Default true. */
  podRecords?: boolean;
  /**
   * Resolvers for names outside the cluster. Default: the nameservers of the host's resolv.conf
   * (read by `readResolvConf`). None: such names get SERVFAIL.
   */
  upstreams?: Upstream[];
  /** Reads the host's resolv.conf. Default: reads /etc/resolv.conf. */
  readResolvConf?: () => Promise<string>;
  /** Per-upstream timeout. Default 2000 ms. */
  upstreamTimeoutMs?: number;
  /** Upstream answers cached at most. Default 10000. */
  upstreamCacheSize?: number;
  /** UDP payload size advertised with EDNS0, and the largest UDP answer sent. Default 1232. */
  maxUdpPayloadSize?: number;
  /** A TCP connection idle this long is closed. Default 10000 ms (RFC 7766 6.2.3 suggests seconds). */
  tcpIdleTimeoutMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** Told about socket and upstream failures. Default: console.error. */
  onError?: (message: string) => void;
}

/** Counters of a {@link ClusterDnsServer}. */
export interface ClusterDnsStats {
  /** Well-formed queries received. */
  queries: number;
  /** Packets dropped as not decodable as a query. */
  malformed: number;
  /** Questions sent to upstream resolvers (cache misses and hits alike). */
  forwarded: number;
  /** Answers with SERVFAIL. */
  serverFailures: number;
  /** UDP answers sent with TC (too large). */
  truncated: number;
}

/** Where a started server listens. */
export interface ClusterDnsAddresses {
  udp: AddressInfo;
  tcp: AddressInfo;
}

/**
 * The cluster DNS server. `start(signal)` starts the informers it needs, binds UDP and TCP and
 * resolves with their addresses; it stops listening when `signal` aborts. Before the caches have
 * synced, cluster names get SERVFAIL (never a false NXDOMAIN).
 */
export class ClusterDnsServer {
  /** Counters, updated as packets come in. */
  readonly stats: ClusterDnsStats = { queries: 0, malformed: 0, forwarded: 0, serverFailures: 0, truncated: 0 };

  private readonly state: ClusterDnsState;
  private readonly zone: ClusterZone;
  private readonly clock: Clock;
  private readonly forwarder: UpstreamForwarder;
  private readonly answerCache = new AnswerCache();
  private readonly reportError: (message: string) => void;
  private upstreams: Promise<Upstream[]> | undefined;

  constructor(private readonly options: ClusterDnsServerOptions) {
    this.clock = options.clock ?? systemClock;
    this.reportError = options.onError ?? ((message) => console.error(`dns: ${message}`));
    this.state = ClusterDnsState.fromInformers(options.informers, () => this.clock.now()).state;
    this.zone = {
      domain: normalizeName(options.clusterDomain ?? 'cluster.local'),
      ttlSeconds: options.ttlSeconds ?? 5,
      podRecords: options.podRecords ?? true,
    };
    this.forwarder = new UpstreamForwarder({
      upstreams: () => (this.upstreams ??= this.loadUpstreams()),
      clock: this.clock,
      timeoutMs: options.upstreamTimeoutMs,
      cacheSize: options.upstreamCacheSize,
      onError: this.reportError,
    });
  }

  /** Starts the informers and listeners; resolves with the bound addresses. */
  async start(signal: AbortSignal): Promise<ClusterDnsAddresses> {
    this.options.informers.start(signal);
    const host = this.options.listenAddress ?? '0.0.0.0';
    const udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    const tcp = createServer((conn) => this.serveTcp(conn));
    const connections = new Set<Socket>();
    tcp.on('connection', (conn) => {
      connections.add(conn);
      conn.on('close', () => connections.delete(conn));
    });
    udp.on('message', (msg, from) => {
      void this.respond(msg, 'udp').then((reply) => {
        if (reply) udp.send(reply, from.port, from.address);
      });
    });
    const stop = (): void => {
      udp.close();
      tcp.close();
      for (const conn of connections) conn.destroy();
    };
    try {
      await bindUdp(udp, this.options.udpPort ?? 53, host);
      await listenTcp(tcp, this.options.tcpPort ?? 53, host);
    } catch (err) {
      stop();
      throw err;
    }
    udp.on('error', (err) => this.reportError(`udp: ${errorMessage(err)}`));
    tcp.on('error', (err) => this.reportError(`tcp: ${errorMessage(err)}`));
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    return { udp: udp.address(), tcp: tcp.address() as AddressInfo };
  }

  /**
   * The encoded answer to one message received over `transport`, or undefined when it is dropped
   * (malformed). Never throws.
   */
  async respond(packet: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let query: DnsQuery;
    try {
      query = decodeQuery(packet);
    } catch {
      this.stats.malformed++;
      return undefined;
    }
    this.stats.queries++;
    // Read before answering: cluster answers are computed synchronously from this generation.
    const generation = this.state.serial();
    const cached = this.answerCache.get(query, transport, generation);
    if (cached) {
      if (cached[2]! & 0x02) this.stats.truncated++;
      return cached;
    }
    let content: DnsResponseContent;
    let cacheable = false;
    try {
      const rejection = rejectQuery(query);
      if (rejection) content = rejection;
      else ({ content, cacheable } = await this.answer(query));
    } catch (err) {
      this.reportError(`answering ${JSON.stringify(query.questions[0]?.name)}: ${errorMessage(err)}`);
      content = { rcode: 'SERVFAIL', authoritative: false, answers: [], authorities: [], additionals: [] };
      cacheable = false;
    }
    if (content.rcode === 'SERVFAIL') this.stats.serverFailures++;
    try {
      const { packet: reply, truncated } = encodeResponse(query, content, { transport, maxUdpPayloadSize: this.options.maxUdpPayloadSize });
      if (truncated) this.stats.truncated++;
      if (cacheable) this.answerCache.set(query, transport, generation, reply);
      return reply;
    } catch (err) {
      // A question that decodes but cannot be encoded back (a label dns-packet mangles).
      this.stats.malformed++;
      this.reportError(`encoding an answer: ${errorMessage(err)}`);
      return undefined;
    }
  }

  /** The answer, and whether it depends on the cluster state alone (then its encoding is cached). */
  private async answer(query: DnsQuery): Promise<{ content: DnsResponseContent; cacheable: boolean }> {
    const question = query.questions[0]!;
    const cluster = answerClusterQuestion(question, this.state, this.zone);
    if (cluster.kind === 'answer') {
      if (!cluster.chase) return { content: cluster, cacheable: cluster.rcode !== 'SERVFAIL' };
      // A CNAME out of the cluster (ExternalName): its target's records come from upstream.
      this.stats.forwarded++;
      const upstream = await this.forwarder.resolve(cluster.chase);
      return { content: upstream ? { ...cluster, answers: [...cluster.answers, ...upstream.answers] } : cluster, cacheable: false };
    }
    this.stats.forwarded++;
    const upstream = await this.forwarder.resolve(question);
    if (!upstream) return { content: { rcode: 'SERVFAIL', authoritative: false, answers: [], authorities: [], additionals: [] }, cacheable: false };
    return { content: { ...upstream, authoritative: false }, cacheable: false };
  }

  private async loadUpstreams(): Promise<Upstream[]> {
    if (this.options.upstreams) return this.options.upstreams;
    const read = this.options.readResolvConf ?? (() => readFile('/etc/resolv.conf', 'utf8'));
    try {
      const found = resolvConfNameservers(await read());
      // The host may name this very server (a node-local setup): asking it would loop.
      const ownPort = this.options.udpPort ?? 53;
      const own = new Set([this.options.listenAddress ?? '0.0.0.0', '127.0.0.1', '::1', '0.0.0.0', '::']);
      return found.filter((u) => !((u.port ?? 53) === ownPort && own.has(u.address)));
    } catch (err) {
      this.reportError(`reading resolv.conf: ${errorMessage(err)}`);
      // Read again on the next forwarded question.
      this.upstreams = undefined;
      return [];
    }
  }

  /** Serves one TCP connection: length-prefixed messages (RFC 1035 4.2.2), answered as they come. */
  private serveTcp(conn: Socket): void {
    let buffered: Buffer = Buffer.alloc(0);
    conn.setTimeout(this.options.tcpIdleTimeoutMs ?? 10_000, () => conn.destroy());
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (length === 0) {
          this.stats.malformed++;
          conn.destroy();
          return;
        }
        if (buffered.length < 2 + length) break;
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        void this.respond(message, 'tcp').then((reply) => {
          if (!reply || conn.destroyed) return;
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(reply.length);
          conn.write(Buffer.concat([prefix, reply]));
        });
      }
    });
  }
}

function bindUdp(socket: UdpSocket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

function listenTcp(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
