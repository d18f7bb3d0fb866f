import { resolve } from 'node:path';
import type { EncryptionConfiguration } from '../apiserver/encryption/config.js';
import { defaultEncryptionConfigFile, loadEncryptionConfig, saveEncryptionConfig, withNewWriteKeys, withWriteKeysOnly } from '../apiserver/encryption/config-file.js';
import { EncryptingStore } from '../apiserver/encryption/encrypting-store.js';
import { encryptedPrefix } from '../apiserver/encryption/transformer.js';
import { readFileIfExists } from '../pki/files.js';
import { openStore } from '../storage/open.js';
import type { Store } from '../storage/store.js';
import { defaultDataDir, flagHelp, parseFlags, UsageError, type FlagSpec } from './flags.js';
import { defaultServerPointerFile, readServerPointer } from './server-pointer.js';
import { datastoreTLSFiles } from './server-command.js';

/** `skiff secrets-encrypt`'s flags: where the keys and the datastore are. */
export const secretsEncryptFlags: FlagSpec[] = [
  { name: 'data-dir', type: 'string', help: "the server's data dir", default: defaultDataDir() },
  { name: 'encryption-provider-config', type: 'string', help: 'the EncryptionConfiguration file (default <data-dir>/server/cred/encryption-config.json)', default: '' },
  { name: 'datastore-endpoint', type: 'string', help: "the server's --datastore-endpoint (empty: its SQLite file)", default: '' },
  { name: 'datastore-cafile', type: 'string', help: "the server's --datastore-cafile", default: '' },
  { name: 'datastore-certfile', type: 'string', help: "the server's --datastore-certfile", default: '' },
  { name: 'datastore-keyfile', type: 'string', help: "the server's --datastore-keyfile", default: '' },
];

const usage = `Usage: skiff secrets-encrypt status|rotate|reencrypt [flags]

Manages the encryption at rest of a server started with --secrets-encryption (or
--encryption-provider-config). rotate and reencrypt work on the datastore directly: stop
every server using it first, then start them again (they read the new keys at start).

  status     the configured providers and keys, and which key each stored value is under
  rotate     a fresh key writes, every value is rewritten under it, the old keys are dropped
  reencrypt  rewrites every value not under the writing key (plaintext, older keys)

Flags:
`;

/** Options of {@link runSecretsEncrypt}. */
export interface SecretsEncryptOptions {
  /** Where a running server says which data dir it uses. Default {@link defaultServerPointerFile}. */
  pointerFile?: string;
  /** The time new keys are named after. Default: now. */
  now?: Date;
  /** Where results go. Default console.log. */
  print?: (line: string) => void;
}

/** How many stored values of encrypted resources sit under each key (`identity` for plaintext). */
export async function countByKey(store: Store, encrypting: EncryptingStore): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.list('/registry/', { limit: 500, ...(startAfter !== undefined ? { startAfter } : {}) });
    for (const kv of page.items) {
      if (!encrypting.transformerFor(kv.key)) continue;
      const label = kv.value.startsWith(encryptedPrefix) ? kv.value.slice(encryptedPrefix.length).split(':').slice(0, 3).join(':') : 'identity';
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    if (!page.more || page.items.length === 0) return counts;
    startAfter = page.items[page.items.length - 1]!.key;
  }
}

function describe(config: EncryptionConfiguration): string[] {
  const lines = ['Active  Resources                 Provider   Key'];
  for (const entry of config.resources) {
    let first = true;
    for (const provider of entry.providers) {
      for (const key of provider.keys.length > 0 ? provider.keys.map((k) => k.name) : ['-']) {
        lines.push(`${first ? '  *   ' : '      '}  ${entry.resources.join(',').padEnd(24)}  ${provider.type.padEnd(9)}  ${key}`);
        first = false;
      }
    }
  }
  return lines;
}

/** `skiff secrets-encrypt status|rotate|reencrypt ARGS` (k3s's command, working on the datastore directly). */
export async function runSecretsEncrypt(args: string[], options: SecretsEncryptOptions = {}): Promise<number> {
  const [action, ...rest] = args;
  const print = options.print ?? ((line: string) => console.log(line));
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
    print(`${usage}${flagHelp(secretsEncryptFlags)}`);
    return 0;
  }
  if (!['status', 'rotate', 'reencrypt'].includes(action)) throw new UsageError(`unknown action ${JSON.stringify(action)}: expected status, rotate or reencrypt`);
  const flags = parseFlags(rest, secretsEncryptFlags);
  if (flags.help) {
    print(`${usage}${flagHelp(secretsEncryptFlags)}`);
    return 0;
  }
  const dataDir = resolve(String(flags['data-dir']));
  const file = String(flags['encryption-provider-config'] || '') || defaultEncryptionConfigFile(dataDir);
  if ((await readFileIfExists(file)) === undefined) {
    if (action === 'status') {
      print(`Encryption Status: Disabled (no ${file}; start the server with --secrets-encryption)`);
      return 0;
    }
    throw new Error(`${file} does not exist: start the server once with --secrets-encryption first`);
  }
  const config = await loadEncryptionConfig(file);
  if (action !== 'status') {
    const running = readServerPointer(options.pointerFile ?? defaultServerPointerFile());
    if (running && resolve(running.dataDir) === dataDir) {
      throw new Error(`a server (pid ${running.pid}) is running on ${dataDir}: stop it first, it holds the keys in memory`);
    }
  }
  const store = await openStore(String(flags['datastore-endpoint'] ?? ''), dataDir, datastoreTLSFiles(flags));
  try {
    if (action === 'status') {
      print(`Encryption Status: Enabled (${file})`);
      for (const line of describe(config)) print(line);
      const counts = await countByKey(store, new EncryptingStore(store, config));
      print('Stored values:');
      for (const [key, count] of [...counts].sort()) print(`  ${key}: ${count}`);
      return 0;
    }
    if (action === 'reencrypt') {
      const { checked, rewritten } = await new EncryptingStore(store, config).rewriteStale();
      await store.compact(await store.currentRevision());
      print(`reencrypted ${rewritten} of ${checked} values; history compacted`);
      return 0;
    }
    // rotate: the new key first (saved before any value uses it), rewrite, then drop the old keys.
    const staged = withNewWriteKeys(config, options.now ?? new Date());
    await saveEncryptionConfig(file, staged);
    const { checked, rewritten } = await new EncryptingStore(store, staged).rewriteStale();
    const final = withWriteKeysOnly(staged);
    // Every value must read under the final keys before the old ones are forgotten.
    const leftOver = await new EncryptingStore(store, final).rewriteStale();
    if (leftOver.rewritten > 0) throw new Error(`${leftOver.rewritten} values were written during the rotation: run it again`);
    await saveEncryptionConfig(file, final);
    // Old revisions hold values under the dropped keys (or plaintext): compact them away.
    await store.compact(await store.currentRevision());
    print(`rotated to ${final.resources.map((r) => r.providers[0]?.keys[0]?.name ?? 'identity').join(', ')}: rewrote ${rewritten} of ${checked} values, dropped the old keys, compacted history`);
    return 0;
  } finally {
    await store.close();
  }
}
