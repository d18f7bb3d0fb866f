/**
 * The hashes controllers put in names and labels, after upstream's controller.ComputeHash
 * (FNV-32a over the object, then the collision count) and rand.SafeEncodeString; used for the
 * pod-template-hash label and ControllerRevision names.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';

/** Serialises a value as JSON with object keys sorted at every level and undefined members dropped. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : stableStringify(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${stableStringify(member)}`).join(',')}}`;
}

/** FNV-1a, 32 bits. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

// Upstream's rand.SafeEncodeString alphabet: no vowels (no words) and no confusable 0/1/3.
const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Upstream's SafeEncodeString: each character mapped into the safe alphabet by its code. */
export function safeEncodeString(text: string): string {
  let out = '';
  for (let index = 0; index < text.length; index += 1) out += safeAlphabet[text.charCodeAt(index) % safeAlphabet.length];
  return out;
}

/**
 * The pod-template-hash label value: FNV-32a over the template's stable JSON, then the
 * collision count as 4 little-endian bytes (when set), rendered as the decimal hash passed
 * through SafeEncodeString — upstream's recipe. Upstream hashes a Go-specific dump of the
 * template, so the values differ from a real cluster's; they are stable within Skiff.
 */
export function podTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  const bytes = new TextEncoder().encode(stableStringify(template ?? {}));
  let hash = fnv32a(bytes);
  if (collisionCount !== undefined) {
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv32a(count, hash);
  }
  return safeEncodeString(String(hash));
}
