/**
 * A minimal DER (ASN.1 distinguished encoding) writer and reader: just enough to build and inspect
 * X.509 certificates. Encoders return complete TLV byte strings; `readElement` walks them.
 */

/** Universal ASN.1 tags used by X.509. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Encodes one TLV element with the given tag byte and content. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(tag), encodeLength(content.length), content]);
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** SEQUENCE of the given encoded elements. */
export function sequence(...elements: Uint8Array[]): Buffer {
  return tlv(Tag.SEQUENCE, Buffer.concat(elements));
}

/** SET of the given encoded elements, sorted by encoding as DER requires for SET OF. */
export function set(...elements: Uint8Array[]): Buffer {
  const sorted = [...elements].map((e) => Buffer.from(e)).sort(Buffer.compare);
  return tlv(Tag.SET, Buffer.concat(sorted));
}

/** Context-specific constructed tag `[n]` wrapping already-encoded content (EXPLICIT tagging). */
export function explicit(tagNumber: number, ...elements: Uint8Array[]): Buffer {
  return tlv(0xa0 | tagNumber, Buffer.concat(elements));
}

/** Context-specific primitive tag `[n]` with raw content (IMPLICIT tagging of a primitive type). */
export function implicitPrimitive(tagNumber: number, content: Uint8Array): Buffer {
  return tlv(0x80 | tagNumber, content);
}

/** A non-negative INTEGER from big-endian unsigned bytes (minimal encoding, sign byte when needed). */
export function unsignedInteger(value: Uint8Array | number): Buffer {
  let bytes: Buffer;
  if (typeof value === 'number') {
    const out: number[] = [];
    for (let n = value; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
    bytes = Buffer.from(out);
  } else {
    bytes = Buffer.from(value);
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.of(0);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
  return tlv(Tag.INTEGER, bytes);
}

/** BOOLEAN (DER: TRUE is 0xff). */
export function boolean(value: boolean): Buffer {
  return tlv(Tag.BOOLEAN, Buffer.of(value ? 0xff : 0x00));
}

/** OCTET STRING. */
export function octetString(content: Uint8Array): Buffer {
  return tlv(Tag.OCTET_STRING, content);
}

/** BIT STRING holding whole bytes (no unused bits), e.g. a signature. */
export function bitStringBytes(content: Uint8Array): Buffer {
  return tlv(Tag.BIT_STRING, Buffer.concat([Buffer.of(0), content]));
}

/**
 * BIT STRING of named bits (bit 0 is the most significant bit of the first byte), with trailing
 * zero bits removed as DER requires for named bit lists.
 */
export function namedBitString(bits: number[]): Buffer {
  if (bits.length === 0) return tlv(Tag.BIT_STRING, Buffer.of(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)]! |= 0x80 >> bit % 8;
  const unused = 7 - (highest % 8);
  return tlv(Tag.BIT_STRING, Buffer.concat([Buffer.of(unused), bytes]));
}

/** OBJECT IDENTIFIER from dotted form, e.g. `2.5.4.3`. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid OID ${dotted}`);
    return n;
  });
  if (arcs.length < 2) throw new Error(`invalid OID ${dotted}`);
  const out: number[] = [];
  const first = [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)];
  for (const arc of first) {
    const groups: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) groups.unshift((n & 0x7f) | 0x80);
    out.push(...groups);
  }
  return tlv(Tag.OID, Buffer.from(out));
}

/** UTF8String. */
export function utf8String(value: string): Buffer {
  return tlv(Tag.UTF8_STRING, Buffer.from(value, 'utf8'));
}

/** IA5String (ASCII), as used for dNSName. */
export function ia5String(value: string): Buffer {
  return tlv(Tag.IA5_STRING, Buffer.from(value, 'ascii'));
}

/** X.509 Time: UTCTime for years 1950–2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5). */
export function time(date: Date): Buffer {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const rest =
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z';
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(Tag.UTC_TIME, Buffer.from(pad(year % 100) + rest, 'ascii'));
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(pad(year, 4) + rest, 'ascii'));
}

/** One decoded DER element: its tag byte, content bytes, and the whole encoding. */
export interface DerElement {
  tag: number;
  content: Buffer;
  /** The complete TLV encoding of this element. */
  encoded: Buffer;
}

/** Reads the element starting at `offset` of `data`; throws on malformed or indefinite lengths. */
export function readElement(data: Buffer, offset = 0): DerElement {
  const tag = data[offset];
  let lengthByte = data[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('DER: truncated element');
  let cursor = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: unsupported length encoding');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = data[cursor++];
      if (lengthByte === undefined) throw new Error('DER: truncated length');
      length = length * 256 + lengthByte;
    }
  }
  const end = cursor + length;
  if (end > data.length) throw new Error('DER: element overruns its container');
  return { tag, content: data.subarray(cursor, end), encoded: data.subarray(offset, end) };
}

/** The child elements of a constructed element's content. */
export function readChildren(content: Buffer): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = 0; offset < content.length; ) {
    const child = readElement(content, offset);
    children.push(child);
    offset += child.encoded.length;
  }
  return children;
}

/** Decodes OBJECT IDENTIFIER content bytes to dotted form. */
export function decodeOid(content: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}
