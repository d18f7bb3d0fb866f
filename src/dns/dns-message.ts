/**
 * DNS messages on the wire, around dns-packet: reading a query (header fields dns-packet does not
 * type, EDNS0), and encoding a response that fits its transport (RFC 1035 4.2.1: 512 bytes over
 * UDP, or the EDNS0 payload size of RFC 6891; the TC bit when the answer does not fit).
 */
import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type Question } from 'dns-packet';

/** A query as read from the wire. */
export interface DnsQuery {
  id: number;
  /** OPCODE from the header (0 = QUERY). */
  opcode: number;
  recursionDesired: boolean;
  checkingDisabled: boolean;
  questions: Question[];
  /** The OPT records of the additional section (one for EDNS0; more is a format error). */
  opts: OptAnswer[];
}

/** The sections and code of a response. */
export interface DnsResponseContent {
  /** RCODE: the 4-bit ones by name, or BADVERS (16, EDNS0 only). */
  rcode: 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED' | 'BADVERS';
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** Options of {@link encodeResponse}. */
export interface EncodeResponseOptions {
  transport: 'udp' | 'tcp';
  /** UDP payload size advertised in EDNS0 answers and the most sent over UDP. Default 1232. */
  maxUdpPayloadSize?: number;
}

const rcodeValues: Record<DnsResponseContent['rcode'], number> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
};

/** Largest message over UDP without EDNS0 (RFC 1035 2.3.4). */
const classicUdpLimit = 512;
/** Largest DNS message over TCP (two-byte length prefix). */
const tcpLimit = 65535;

/**
 * Reads a query. @throws Error for anything that is not a well-formed query message (a
 * response, bad names, counts beyond the data): such packets are dropped.
 */
export function decodeQuery(packet: Buffer): DnsQuery {
  if (packet.length < 12) throw new Error('message shorter than a header');
  if (packet[2]! & 0x80) throw new Error('not a query (QR set)');
  const decoded: DecodedPacket = dnsPacket.decode(packet);
  const additionals = decoded.additionals ?? [];
  return {
    id: decoded.id ?? 0,
    opcode: (packet[2]! >> 3) & 0xf,
    recursionDesired: (packet[2]! & 0x01) !== 0,
    checkingDisabled: (packet[3]! & 0x10) !== 0,
    questions: decoded.questions ?? [],
    opts: additionals.filter((a): a is OptAnswer => a.type === 'OPT'),
  };
}

/**
 * The response to `query` carrying `content`, encoded for `transport`. Over UDP a response larger
 * than the client's limit (512 bytes, or its EDNS0 size up to `maxUdpPayloadSize`) first loses its
 * additional records (RFC 2181 9), and if still too large is sent with TC and empty sections, so
 * the client asks again over TCP.
 */
export function encodeResponse(query: DnsQuery, content: DnsResponseContent, options: EncodeResponseOptions): { packet: Buffer; truncated: boolean } {
  const maxUdp = options.maxUdpPayloadSize ?? 1232;
  const requestOpt = query.opts.length === 1 ? query.opts[0] : undefined;
  const rcode = rcodeValues[content.rcode];
  const opt: OptAnswer | undefined = requestOpt
    ? {
        name: '.',
        type: 'OPT',
        udpPayloadSize: maxUdp,
        extendedRcode: rcode >> 4,
        ednsVersion: 0,
        // DO is echoed (RFC 3225 3); no records here are signed.
        flags: requestOpt.flag_do ? dnsPacket.DNSSEC_OK : 0,
        flag_do: requestOpt.flag_do,
        options: [],
      }
    : undefined;
  const limit =
    options.transport === 'tcp' ? tcpLimit : requestOpt ? Math.max(classicUdpLimit, Math.min(requestOpt.udpPayloadSize, maxUdp)) : classicUdpLimit;
  const flags = (truncated: boolean): number =>
    (query.opcode << 11) |
    (content.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) |
    (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) |
    (query.recursionDesired ? dnsPacket.RECURSION_DESIRED : 0) |
    dnsPacket.RECURSION_AVAILABLE |
    (query.checkingDisabled ? dnsPacket.CHECKING_DISABLED : 0) |
    (rcode & 0xf);
  const withOpt = (records: Answer[]): Answer[] => (opt ? [...records, opt] : records);
  const message: WireMessage = {
    id: query.id,
    flags: flags(false),
    questions: query.questions,
    answers: content.answers,
    authorities: content.authorities,
    additionals: withOpt(content.additionals),
  };
  const full = encodeCompressed(message);
  if (full.length <= limit) return { packet: full, truncated: false };
  const withoutAdditionals = encodeCompressed({ ...message, additionals: withOpt([]) });
  if (withoutAdditionals.length <= limit) return { packet: withoutAdditionals, truncated: false };
  const truncated = encodeCompressed({ ...message, flags: flags(true), answers: [], authorities: [], additionals: withOpt([]) });
  return { packet: truncated, truncated: true };
}

interface WireMessage {
  id: number;
  flags: number;
  questions: Question[];
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** The per-record codecs dns-packet exports besides its message codec (untyped in @types/dns-packet). */
interface RecordCodecs {
  answer: { encode(record: Answer): Buffer };
  question: { encode(question: Question, buf: Buffer, offset: number): unknown; encodingLength(question: Question): number };
  name: { encodingLength(name: string): number };
}

const recordCodecs = dnsPacket as unknown as RecordCodecs;

/**
 * A response message with owner names compressed (RFC 1035 4.1.4): dns-packet writes every name
 * in full, so a record whose owner name was written before (the question's, usually) starts with
 * a pointer to it instead. Headless Services with many endpoints then fit UDP as they would from
 * any other server.
 */
function encodeCompressed(message: WireMessage): Buffer {
  const questionLength = message.questions.reduce((sum, q) => sum + recordCodecs.question.encodingLength(q), 0);
  const head = Buffer.alloc(12 + questionLength);
  head.writeUInt16BE(message.id, 0);
  // QR set: a response.
  head.writeUInt16BE(0x8000 | (message.flags & 0x7fff), 2);
  head.writeUInt16BE(message.questions.length, 4);
  let questionOffset = 12;
  for (const q of message.questions) {
    recordCodecs.question.encode(q, head, questionOffset);
    questionOffset += recordCodecs.question.encodingLength(q);
  }
  head.writeUInt16BE(message.answers.length, 6);
  head.writeUInt16BE(message.authorities.length, 8);
  head.writeUInt16BE(message.additionals.length, 10);
  const parts: Buffer[] = [head];
  let offset = head.length;
  const written = new Map<string, number>();
  const question = message.questions[0];
  if (question) written.set(normalizeOwner(question.name), 12);
  for (const record of [...message.answers, ...message.authorities, ...message.additionals]) {
    const encoded = recordCodecs.answer.encode(record);
    const owner = normalizeOwner(record.name);
    const earlier = owner ? written.get(owner) : undefined;
    if (earlier !== undefined) {
      const pointer = Buffer.alloc(2);
      pointer.writeUInt16BE(0xc000 | earlier);
      const rest = encoded.subarray(recordCodecs.name.encodingLength(record.name));
      parts.push(pointer, rest);
      offset += 2 + rest.length;
      continue;
    }
    // Pointers hold 14 bits of offset.
    if (owner && offset <= 0x3fff) written.set(owner, offset);
    parts.push(encoded);
    offset += encoded.length;
  }
  return Buffer.concat(parts);
}

function normalizeOwner(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * The error response a query gets before any lookup, or undefined when it can be answered:
 * NOTIMP for opcodes other than QUERY, FORMERR unless exactly one question and at most one OPT,
 * BADVERS for EDNS versions above 0 (RFC 6891 6.1.3), REFUSED for classes other than IN.
 */
export function rejectQuery(query: DnsQuery): DnsResponseContent | undefined {
  const error = (rcode: DnsResponseContent['rcode']): DnsResponseContent => ({ rcode, authoritative: false, answers: [], authorities: [], additionals: [] });
  if (query.opcode !== 0) return error('NOTIMP');
  if (query.questions.length !== 1 || query.opts.length > 1) return error('FORMERR');
  if ((query.opts[0]?.ednsVersion ?? 0) > 0) return error('BADVERS');
  const klass = query.questions[0]?.class ?? 'IN';
  if (klass !== 'IN') return error('REFUSED');
  return undefined;
}
