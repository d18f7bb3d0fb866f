/**
 * A minimal protobuf wire-format writer for tests: builds messages field by field, writing every
 * field it is given (zero values included, as gogo protobuf does for non-pointer fields).
 */
export class WireWriter {
  private readonly parts: Buffer[] = [];

  private rawVarint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    while (v > 0x7fn) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.parts.push(Buffer.from(bytes));
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint(BigInt(field * 8 + wireType));
  }

  /** A varint field (int32/int64/bool/enum); negatives as 10-byte two's complement. */
  varint(field: number, value: number | bigint | boolean): this {
    this.tag(field, 0);
    this.rawVarint(typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value));
    return this;
  }

  /** A length-delimited field of raw bytes. */
  bytes(field: number, value: Buffer): this {
    this.tag(field, 2);
    this.rawVarint(BigInt(value.length));
    this.parts.push(value);
    return this;
  }

  /** A UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** An embedded message field. */
  message(field: number, value: WireWriter): this {
    return this.bytes(field, value.finish());
  }

  /** A packed repeated varint field. */
  packed(field: number, values: number[]): this {
    const inner = new WireWriter();
    for (const v of values) inner.rawVarint(BigInt(v));
    return this.bytes(field, inner.finish());
  }

  /** A map entry {1 key, 2 string value} as a repeated field. */
  mapString(field: number, key: string, value: string): this {
    return this.message(field, new WireWriter().string(1, key).string(2, value));
  }

  /** Appends bytes as they are (for malformed-input tests). */
  raw(bytes: Buffer): this {
    this.parts.push(bytes);
    return this;
  }

  /** The encoded bytes. */
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A full `application/vnd.kubernetes.protobuf` body: `k8s\0` + runtime.Unknown. */
export function protobufBody(apiVersion: string, kind: string, object: WireWriter): Buffer {
  const typeMeta = new WireWriter().string(1, apiVersion).string(2, kind);
  const unknown = new WireWriter().message(1, typeMeta).message(2, object).string(3, '').string(4, '');
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown.finish()]);
}
