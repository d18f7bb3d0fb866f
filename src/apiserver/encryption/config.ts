import { load } from 'js-yaml';

/** The providers {@link parseEncryptionConfiguration} understands, by their config key. */
export type ProviderType = 'aescbc' | 'aesgcm' | 'secretbox' | 'identity';

/** One key of a provider: its name (written into each value's prefix) and its secret bytes. */
export interface EncryptionKey {
  name: string;
  secret: Buffer;
}

/** One provider of a resource group, in order: the first encrypts, all decrypt. */
export interface ProviderConfig {
  type: ProviderType;
  /** Empty for identity. */
  keys: EncryptionKey[];
}

/** The providers of a set of resources. */
export interface ResourceEncryption {
  /** As written: `secrets`, `configmaps`, `deployments.apps`, `*.` (the core group), `*.*`. */
  resources: string[];
  providers: ProviderConfig[];
}

/** A parsed and checked `apiserver.config.k8s.io/v1` EncryptionConfiguration. */
export interface EncryptionConfiguration {
  resources: ResourceEncryption[];
}

const keySizes: Record<Exclude<ProviderType, 'identity'>, number[]> = { aescbc: [16, 24, 32], aesgcm: [16, 24, 32], secretbox: [32] };
const knownProviders = new Set(['aescbc', 'aesgcm', 'secretbox', 'identity', 'kms']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses an EncryptionConfiguration (YAML or JSON) as kube-apiserver's
 * `--encryption-provider-config` reads it, checking what upstream's validation checks: the kind,
 * at least one resource and one provider per entry, exactly one provider type per provider item,
 * unique key names, base64 secrets of the sizes the cipher takes. Throws an Error listing every
 * problem. `kms` is refused (no KMS plugin runs here).
 */
export function parseEncryptionConfiguration(text: string): EncryptionConfiguration {
  const doc = load(text);
  const errors: string[] = [];
  if (!isRecord(doc)) throw new Error('encryption configuration: not an object');
  if (doc.kind !== 'EncryptionConfiguration') errors.push(`kind: Invalid value: ${JSON.stringify(doc.kind)}: must be EncryptionConfiguration`);
  if (doc.apiVersion !== 'apiserver.config.k8s.io/v1' && doc.apiVersion !== 'apiserver.config.k8s.io/v1beta1') {
    errors.push(`apiVersion: Invalid value: ${JSON.stringify(doc.apiVersion)}: must be apiserver.config.k8s.io/v1`);
  }
  const resources: ResourceEncryption[] = [];
  const entries = Array.isArray(doc.resources) ? doc.resources : [];
  if (entries.length === 0) errors.push('resources: Required value: resources is a required field');
  entries.forEach((entry: unknown, i) => {
    const path = `resources[${i}]`;
    if (!isRecord(entry)) return void errors.push(`${path}: Invalid value: not an object`);
    const names = Array.isArray(entry.resources) ? entry.resources.filter((r): r is string => typeof r === 'string' && r !== '') : [];
    if (names.length === 0) errors.push(`${path}.resources: Required value: resources is a required field`);
    const providerItems = Array.isArray(entry.providers) ? entry.providers : [];
    if (providerItems.length === 0) errors.push(`${path}.providers: Required value: providers is a required field`);
    const providers: ProviderConfig[] = [];
    providerItems.forEach((item: unknown, j) => {
      const ppath = `${path}.providers[${j}]`;
      const types = isRecord(item) ? Object.keys(item).filter((k) => knownProviders.has(k)) : [];
      if (!isRecord(item) || types.length !== 1) return void errors.push(`${ppath}: Invalid value: exactly one provider must be specified in each providers entry`);
      const type = types[0]!;
      if (type === 'kms') return void errors.push(`${ppath}.kms: Forbidden: KMS providers are not supported by this server`);
      if (type === 'identity') return void providers.push({ type: 'identity', keys: [] });
      const cipher = type as Exclude<ProviderType, 'identity'>;
      const body = item[type];
      const keyItems = isRecord(body) && Array.isArray(body.keys) ? body.keys : [];
      if (keyItems.length === 0) return void errors.push(`${ppath}.${type}.keys: Required value: keys is a required field`);
      const keys: EncryptionKey[] = [];
      const seen = new Set<string>();
      keyItems.forEach((key: unknown, k) => {
        const kpath = `${ppath}.${type}.keys[${k}]`;
        const name = isRecord(key) && typeof key.name === 'string' ? key.name : '';
        const secretText = isRecord(key) && typeof key.secret === 'string' ? key.secret : '';
        if (name === '') errors.push(`${kpath}.name: Required value: key name is required`);
        else if (name.includes(':')) errors.push(`${kpath}.name: Invalid value: ${JSON.stringify(name)}: should not contain ":"`);
        else if (seen.has(name)) errors.push(`${kpath}.name: Duplicate value: ${JSON.stringify(name)}`);
        seen.add(name);
        if (secretText === '') return void errors.push(`${kpath}.secret: Required value: secret is required`);
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(secretText) || secretText.length % 4 !== 0) {
          return void errors.push(`${kpath}.secret: Invalid value: "REDACTED": secrets must be base64 encoded`);
        }
        const secret = Buffer.from(secretText, 'base64');
        if (!keySizes[cipher].includes(secret.length)) {
          return void errors.push(`${kpath}.secret: Invalid value: "REDACTED": secret is not of the expected length, got ${secret.length}, expected one of [${keySizes[cipher].join(' ')}]`);
        }
        keys.push({ name, secret });
      });
      providers.push({ type: cipher, keys });
    });
    resources.push({ resources: names, providers });
  });
  if (errors.length > 0) throw new Error(`invalid encryption configuration:\n  ${errors.join('\n  ')}`);
  return { resources };
}

/** A configuration's text (JSON, as k3s writes it), for files this server writes. */
export function encryptionConfigurationText(config: EncryptionConfiguration): string {
  const doc = {
    kind: 'EncryptionConfiguration',
    apiVersion: 'apiserver.config.k8s.io/v1',
    resources: config.resources.map((entry) => ({
      resources: entry.resources,
      providers: entry.providers.map((p) =>
        p.type === 'identity' ? { identity: {} } : { [p.type]: { keys: p.keys.map((k) => ({ name: k.name, secret: k.secret.toString('base64') })) } },
      ),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
