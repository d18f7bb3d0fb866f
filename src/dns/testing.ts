/**
 * Test support for the DNS server: a stand-in upstream resolver on 127.0.0.1 answering from a
 * table, and a one-shot DNS client over UDP and TCP.
 */
import { createSocket } from 'node:dgram';
import { connect, createServer, type Socket } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';

/** What the test resolver answers to a name and type (`name|type`, lower case, no trailing dot). */
export interface TestRecordSet {
  rcode?: 'NOERROR' | 'NXDOMAIN';
  answers?: Answer[];
  authorities?: Answer[];
}

/** A running {@link startTestResolver}. */
export interface TestResolver {
  port: number;
  /** Questions received, as `name|type`, over UDP and TCP. */
  readonly asked: string[];
  /** Transports of the questions received, in order. */
  readonly transports: ('udp' | 'tcp')[];
  /** Answers over UDP are sent truncated (TC, no records) when true. */
  truncateUdp: boolean;
  /** Questions are not answered at all when true. */
  silent: boolean;
  close(): Promise<void>;
}

/**
 * Starts a resolver on 127.0.0.1 (UDP and TCP on the same free port) answering from `records`
 * (mutable: tests change it); unknown names get REFUSED.
 */
export async function startTestResolver(records: Map<string, TestRecordSet>): Promise<TestResolver> {
  const udp = createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = udp.address().port;
  const connections = new Set<Socket>();
  const resolver: TestResolver = {
    port,
    asked: [],
    transports: [],
    truncateUdp: false,
    silent: false,
    close: async () => {
      for (const c of connections) c.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
  const reply = (message: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined => {
    const q = dnsPacket.decode(message);
    const question = q.questions?.[0];
    if (!question || resolver.silent) return undefined;
    const key = `${question.name.toLowerCase()}|${question.type}`;
    resolver.asked.push(key);
    resolver.transports.push(transport);
    const set = records.get(key);
    const rcode = set ? (set.rcode === 'NXDOMAIN' ? 3 : 0) : 5;
    const truncated = transport === 'udp' && resolver.truncateUdp;
    return dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.RECURSION_AVAILABLE | (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) | rcode,
      questions: [question],
      answers: truncated ? [] : (set?.answers ?? []),
      authorities: truncated ? [] : (set?.authorities ?? []),
    });
  };
  udp.on('message', (msg, from) => {
    const out = reply(msg, 'udp');
    if (out) udp.send(out, from.port, from.address);
  });
  const tcp = createServer((conn) => {
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    let buffered: Buffer = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const out = reply(buffered.subarray(2, 2 + buffered.readUInt16BE(0)), 'tcp');
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        if (out) conn.write(Buffer.concat([lengthPrefix(out.length), out]));
      }
    });
  });
  await new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', resolve));
  return resolver;
}

function lengthPrefix(length: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(length);
  return b;
}

/** Sends one message over UDP and resolves with the first reply, or undefined after `timeoutMs`. */
export function udpExchange(port: number, message: Buffer, timeoutMs = 2000, host = '127.0.0.1'): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const finish = (reply: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    socket.on('message', (msg) => finish(msg));
    socket.send(message, port, host);
  });
}

/** Sends messages over one TCP connection and resolves with as many replies (in arrival order). */
export function tcpExchange(port: number, messages: Buffer[], host = '127.0.0.1'): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const replies: Buffer[] = [];
    let buffered: Buffer = Buffer.alloc(0);
    const socket = connect({ port, host }, () => {
      socket.write(Buffer.concat(messages.flatMap((m) => [lengthPrefix(m.length), m])));
    });
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        replies.push(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      }
      if (replies.length === messages.length) {
        socket.destroy();
        resolve(replies);
      }
    });
  });
}

/** An encoded query for one question (RD set, id 1 unless given). */
export function encodeQuery(name: string, type: string, extra: Partial<Packet> = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: 1,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'A', class: 'IN' }],
    ...extra,
  });
}

/** Decodes a reply, with the rcode from the header. */
export function decodeReply(reply: Buffer): DecodedPacket & { rcodeValue: number } {
  return { ...dnsPacket.decode(reply), rcodeValue: reply[3]! & 0xf };
}
