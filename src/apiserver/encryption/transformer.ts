import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey, ProviderConfig, ProviderType } from './config.js';
import { secretboxOpen, secretboxSeal } from './secretbox.js';

/** A value read back: the plaintext, and whether it should be rewritten (not under the writing key). */
export interface ReadValue {
  value: string;
  /** True when the value was not written by the first provider's first key (identity included). */
  stale: boolean;
}

/**
 * Turns stored values into plaintext and back for one set of resources, as upstream's prefix
 * transformer does: the first provider's first key encrypts, every provider and key decrypts
 * the values carrying its prefix `k8s:enc:<provider>:v1:<key name>:`, and identity reads values
 * without a prefix.
 */
export interface ValueTransformer {
  /** The stored form of `plaintext` kept under storage key `key` (bound into aesgcm's tag). */
  toStorage(plaintext: string, key: string): string;
  /** The plaintext of a stored value; throws when no provider can read it. */
  fromStorage(stored: string, key: string): ReadValue;
  /** The prefix every value written now starts with ('' for identity). */
  readonly writePrefix: string;
}

/** The prefix of every encrypted value: values starting otherwise are plaintext. */
export const encryptedPrefix = 'k8s:enc:';

interface PrefixedCipher {
  prefix: string;
  seal(plaintext: Buffer, key: string): Buffer;
  open(sealed: Buffer, key: string): Buffer;
}

function cbcName(secret: Buffer): string {
  return `aes-${secret.length * 8}-cbc`;
}

function gcmName(secret: Buffer): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  return `aes-${secret.length * 8}-gcm` as ReturnType<typeof gcmName>;
}

/** AES-CBC with PKCS#7 padding, a random 16-byte IV first, as upstream's aescbc. */
function aescbc(key: EncryptionKey): Omit<PrefixedCipher, 'prefix'> {
  return {
    seal(plaintext) {
      const iv = randomBytes(16);
      const cipher = createCipheriv(cbcName(key.secret), key.secret, iv);
      return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]);
    },
    open(sealed) {
      if (sealed.length < 32 || sealed.length % 16 !== 0) throw new Error('the stored data is not a multiple of the block size');
      const decipher = createDecipheriv(cbcName(key.secret), key.secret, sealed.subarray(0, 16));
      return Buffer.concat([decipher.update(sealed.subarray(16)), decipher.final()]);
    },
  };
}

/** AES-GCM with a random 12-byte nonce first and the 16-byte tag last; the storage key is the additional data, as upstream's aesgcm. */
function aesgcm(key: EncryptionKey): Omit<PrefixedCipher, 'prefix'> {
  return {
    seal(plaintext, storageKey) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv(gcmName(key.secret), key.secret, nonce);
      cipher.setAAD(Buffer.from(storageKey));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([nonce, body, cipher.getAuthTag()]);
    },
    open(sealed, storageKey) {
      if (sealed.length < 12 + 16) throw new Error('the stored data was shorter than the required size');
      const decipher = createDecipheriv(gcmName(key.secret), key.secret, sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(storageKey));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
    },
  };
}

/** XSalsa20-Poly1305 (NaCl secretbox) with a random 24-byte nonce first, as upstream's secretbox. */
function secretbox(key: EncryptionKey): Omit<PrefixedCipher, 'prefix'> {
  return {
    seal(plaintext) {
      const nonce = randomBytes(24);
      return Buffer.concat([nonce, secretboxSeal(plaintext, nonce, key.secret)]);
    },
    open(sealed) {
      if (sealed.length < 24 + 16) throw new Error('the stored data was shorter than the required size');
      const opened = secretboxOpen(sealed.subarray(24), sealed.subarray(0, 24), key.secret);
      if (!opened) throw new Error('output array was not large enough for encryption');
      return opened;
    },
  };
}

const ciphers: Record<Exclude<ProviderType, 'identity'>, (key: EncryptionKey) => Omit<PrefixedCipher, 'prefix'>> = { aescbc, aesgcm, secretbox };

/**
 * The transformer of an ordered list of providers (see {@link ValueTransformer}). Stored values
 * are the prefix followed by the sealed bytes in base64 (the store keeps strings).
 */
export function prefixTransformer(providers: ProviderConfig[]): ValueTransformer {
  const entries: (PrefixedCipher | 'identity')[] = [];
  for (const provider of providers) {
    if (provider.type === 'identity') entries.push('identity');
    else for (const key of provider.keys) entries.push({ prefix: `${encryptedPrefix}${provider.type}:v1:${key.name}:`, ...ciphers[provider.type](key) });
  }
  const writer = entries[0];
  if (!writer) throw new Error('no encryption providers');
  return {
    writePrefix: writer === 'identity' ? '' : writer.prefix,
    toStorage(plaintext, key) {
      if (writer === 'identity') return plaintext;
      return writer.prefix + writer.seal(Buffer.from(plaintext, 'utf8'), key).toString('base64');
    },
    fromStorage(stored, key) {
      for (const [i, entry] of entries.entries()) {
        if (entry === 'identity') {
          // Plaintext; a value with an encryption prefix is for another entry (or no one).
          if (!stored.startsWith(encryptedPrefix)) return { value: stored, stale: i !== 0 };
          continue;
        }
        if (!stored.startsWith(entry.prefix)) continue;
        try {
          const value = entry.open(Buffer.from(stored.slice(entry.prefix.length), 'base64'), key).toString('utf8');
          return { value, stale: i !== 0 };
        } catch (error) {
          throw new Error(`unable to transform key "${key}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
      }
      if (stored.startsWith(encryptedPrefix)) throw new Error(`unable to transform key "${key}": no matching prefix found`);
      throw new Error(`unable to transform key "${key}": identity transformer is not configured, and the value is not encrypted`);
    },
  };
}
