import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from '../../pki/files.js';
import { encryptionConfigurationText, parseEncryptionConfiguration, type EncryptionConfiguration, type EncryptionKey, type ProviderConfig } from './config.js';

/** Where `--secrets-encryption` keeps its configuration, as k3s's `server/cred/encryption-config.json`. */
export function defaultEncryptionConfigFile(dataDir: string): string {
  return join(dataDir, 'server', 'cred', 'encryption-config.json');
}

/** Reads and checks an EncryptionConfiguration file; throws naming the file on any problem. */
export async function loadEncryptionConfig(file: string): Promise<EncryptionConfiguration> {
  const text = await readFileIfExists(file);
  if (text === undefined) throw new Error(`encryption provider config ${file} does not exist`);
  try {
    return parseEncryptionConfiguration(text);
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Writes a configuration owner-only (0600), atomically: a crash never leaves a half-written key file. */
export async function saveEncryptionConfig(file: string, config: EncryptionConfiguration): Promise<void> {
  await writeFileAtomic(file, encryptionConfigurationText(config), 0o600);
}

/** A fresh random key of a provider type, named as k3s names rotated keys (`aescbckey-<time>`). */
export function newEncryptionKey(type: Exclude<ProviderConfig['type'], 'identity'>, now: Date, plainName = false): EncryptionKey {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return { name: plainName ? `${type}key` : `${type}key-${stamp}`, secret: randomBytes(32) };
}

/**
 * The configuration in `file`, creating it when absent as k3s's `--secrets-encryption` does:
 * Secrets sealed by aescbc with a fresh 32-byte key, identity reading what was stored before.
 */
export async function ensureEncryptionConfig(file: string, now: Date = new Date()): Promise<EncryptionConfiguration> {
  if ((await readFileIfExists(file)) !== undefined) return loadEncryptionConfig(file);
  const config: EncryptionConfiguration = {
    resources: [{ resources: ['secrets'], providers: [{ type: 'aescbc', keys: [newEncryptionKey('aescbc', now, true)] }, { type: 'identity', keys: [] }] }],
  };
  await saveEncryptionConfig(file, config);
  return config;
}

/** Rotation's first step: each entry's writing provider gets a fresh key in front; every old key still reads. */
export function withNewWriteKeys(config: EncryptionConfiguration, now: Date): EncryptionConfiguration {
  return {
    resources: config.resources.map((entry) => {
      const [first, ...rest] = entry.providers;
      if (!first || first.type === 'identity') return entry;
      return { ...entry, providers: [{ type: first.type, keys: [newEncryptionKey(first.type, now), ...first.keys] }, ...rest] };
    }),
  };
}

/**
 * Rotation's last step, once every value is rewritten: each entry keeps its writing key only (and
 * identity, so what is written in plaintext by another server still reads).
 */
export function withWriteKeysOnly(config: EncryptionConfiguration): EncryptionConfiguration {
  return {
    resources: config.resources.map((entry) => {
      const [first, ...rest] = entry.providers;
      if (!first || first.type === 'identity') return entry;
      const identity = rest.some((p) => p.type === 'identity') ? [{ type: 'identity' as const, keys: [] }] : [];
      return { ...entry, providers: [{ type: first.type, keys: first.keys.slice(0, 1) }, ...identity] };
    }),
  };
}
