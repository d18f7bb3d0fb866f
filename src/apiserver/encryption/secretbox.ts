import { timingSafeEqual } from 'node:crypto';

/*
 * NaCl's secretbox (XSalsa20 and Poly1305), which node:crypto lacks, written from the published
 * algorithms (Bernstein's Salsa20 and XSalsa20 papers, RFC 8439 for Poly1305). Values of a few
 * kilobytes (Secrets) are its use: Poly1305 runs on BigInt, simple rather than fast.
 */

const sigma = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

function rotl(v: number, n: number): number {
  return (v << n) | (v >>> (32 - n));
}

/** Salsa20's 20 rounds over `x` in place. */
function salsaRounds(x: Uint32Array): void {
  for (let i = 0; i < 10; i++) {
    // Column round, then row round.
    x[4]! ^= rotl((x[0]! + x[12]!) | 0, 7); x[8]! ^= rotl((x[4]! + x[0]!) | 0, 9); x[12]! ^= rotl((x[8]! + x[4]!) | 0, 13); x[0]! ^= rotl((x[12]! + x[8]!) | 0, 18);
    x[9]! ^= rotl((x[5]! + x[1]!) | 0, 7); x[13]! ^= rotl((x[9]! + x[5]!) | 0, 9); x[1]! ^= rotl((x[13]! + x[9]!) | 0, 13); x[5]! ^= rotl((x[1]! + x[13]!) | 0, 18);
    x[14]! ^= rotl((x[10]! + x[6]!) | 0, 7); x[2]! ^= rotl((x[14]! + x[10]!) | 0, 9); x[6]! ^= rotl((x[2]! + x[14]!) | 0, 13); x[10]! ^= rotl((x[6]! + x[2]!) | 0, 18);
    x[3]! ^= rotl((x[15]! + x[11]!) | 0, 7); x[7]! ^= rotl((x[3]! + x[15]!) | 0, 9); x[11]! ^= rotl((x[7]! + x[3]!) | 0, 13); x[15]! ^= rotl((x[11]! + x[7]!) | 0, 18);
    x[1]! ^= rotl((x[0]! + x[3]!) | 0, 7); x[2]! ^= rotl((x[1]! + x[0]!) | 0, 9); x[3]! ^= rotl((x[2]! + x[1]!) | 0, 13); x[0]! ^= rotl((x[3]! + x[2]!) | 0, 18);
    x[6]! ^= rotl((x[5]! + x[4]!) | 0, 7); x[7]! ^= rotl((x[6]! + x[5]!) | 0, 9); x[4]! ^= rotl((x[7]! + x[6]!) | 0, 13); x[5]! ^= rotl((x[4]! + x[7]!) | 0, 18);
    x[11]! ^= rotl((x[10]! + x[9]!) | 0, 7); x[8]! ^= rotl((x[11]! + x[10]!) | 0, 9); x[9]! ^= rotl((x[8]! + x[11]!) | 0, 13); x[10]! ^= rotl((x[9]! + x[8]!) | 0, 18);
    x[12]! ^= rotl((x[15]! + x[14]!) | 0, 7); x[13]! ^= rotl((x[12]! + x[15]!) | 0, 9); x[14]! ^= rotl((x[13]! + x[12]!) | 0, 13); x[15]! ^= rotl((x[14]! + x[13]!) | 0, 18);
  }
}

/** The Salsa20 input block of a 32-byte key and 16 bytes of nonce/counter. */
function salsaState(key: Uint8Array, input: Uint8Array): Uint32Array {
  const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const n = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const s = new Uint32Array(16);
  s[0] = sigma[0]!; s[5] = sigma[1]!; s[10] = sigma[2]!; s[15] = sigma[3]!;
  for (let i = 0; i < 4; i++) {
    s[1 + i] = k.readUInt32LE(4 * i);
    s[11 + i] = k.readUInt32LE(16 + 4 * i);
    s[6 + i] = n.readUInt32LE(4 * i);
  }
  return s;
}

/** HSalsa20: a subkey from a 32-byte key and a 16-byte input. */
function hsalsa20(key: Uint8Array, input: Uint8Array): Buffer {
  const x = salsaState(key, input);
  salsaRounds(x);
  const out = Buffer.alloc(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((word, i) => out.writeUInt32LE(x[word]!, 4 * i));
  return out;
}

/** `length` bytes of XSalsa20 keystream for a 32-byte key and a 24-byte nonce. */
function xsalsa20Stream(key: Uint8Array, nonce: Uint8Array, length: number): Buffer {
  const subkey = hsalsa20(key, nonce.subarray(0, 16));
  const input = Buffer.alloc(16);
  Buffer.from(nonce.subarray(16, 24)).copy(input, 0);
  const out = Buffer.alloc(Math.ceil(length / 64) * 64);
  for (let block = 0; block * 64 < length; block++) {
    input.writeBigUInt64LE(BigInt(block), 8);
    const state = salsaState(subkey, input);
    const x = Uint32Array.from(state);
    salsaRounds(x);
    for (let i = 0; i < 16; i++) out.writeUInt32LE((x[i]! + state[i]!) >>> 0, block * 64 + 4 * i);
  }
  return out.subarray(0, length);
}

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** Poly1305's 16-byte tag of `message` under a one-time 32-byte key (RFC 8439 §2.5). */
export function poly1305(message: Uint8Array, key: Uint8Array): Buffer {
  const p = (1n << 130n) - 5n;
  const r = littleEndian(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = littleEndian(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < message.length; i += 16) {
    const block = message.subarray(i, i + 16);
    acc = ((acc + littleEndian(block) + (1n << BigInt(8 * block.length))) * r) % p;
  }
  let tag = (acc + s) & ((1n << 128n) - 1n);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(tag & 0xffn);
    tag >>= 8n;
  }
  return out;
}

/** NaCl's `secretbox`: the 16-byte Poly1305 tag followed by the XSalsa20 ciphertext. */
export function secretboxSeal(plaintext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer {
  if (key.length !== 32 || nonce.length !== 24) throw new Error('secretbox takes a 32-byte key and a 24-byte nonce');
  const stream = xsalsa20Stream(key, nonce, 32 + plaintext.length);
  const ciphertext = Buffer.alloc(plaintext.length);
  for (let i = 0; i < plaintext.length; i++) ciphertext[i] = plaintext[i]! ^ stream[32 + i]!;
  return Buffer.concat([poly1305(ciphertext, stream.subarray(0, 32)), ciphertext]);
}

/** NaCl's `secretbox_open`: the plaintext, or undefined when the tag does not match. */
export function secretboxOpen(sealed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | undefined {
  if (key.length !== 32 || nonce.length !== 24) throw new Error('secretbox takes a 32-byte key and a 24-byte nonce');
  if (sealed.length < 16) return undefined;
  const ciphertext = sealed.subarray(16);
  const stream = xsalsa20Stream(key, nonce, 32 + ciphertext.length);
  if (!timingSafeEqual(poly1305(ciphertext, stream.subarray(0, 32)), sealed.subarray(0, 16))) return undefined;
  const plaintext = Buffer.alloc(ciphertext.length);
  for (let i = 0; i < ciphertext.length; i++) plaintext[i] = ciphertext[i]! ^ stream[32 + i]!;
  return plaintext;
}
