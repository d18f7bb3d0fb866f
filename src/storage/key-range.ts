/**
 * The smallest string greater than every string that starts with `prefix`, in
 * UTF-8 byte order (the order SQLite's BINARY collation and etcd use), or
 * undefined when no such string exists (empty prefix, or one made only of the
 * highest code point).
 */
export function prefixEnd(prefix: string): string | undefined {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    const last = codePoints.pop() as string;
    const codePoint = last.codePointAt(0) as number;
    if (codePoint < 0x10ffff) {
      // Skip the surrogate block: it is not valid in UTF-8.
      const next = codePoint + 1 === 0xd800 ? 0xe000 : codePoint + 1;
      return codePoints.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/** The etcd `range_end` that covers exactly the keys starting with `prefix` (byte-wise successor). */
export function prefixEndBytes(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  // No upper bound: etcd reads a range end of "\0" as "to the end of the key space".
  return Buffer.from([0]);
}
