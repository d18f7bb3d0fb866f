import type { ConfigMap, KeyToPath, Secret } from 'kubernetes-types/core/v1.js';
import type { Payload } from './atomic-writer.js';
import { VolumeSetupError } from './errors.js';

/** The mode upstream's API defaulting gives configMap, secret, projected and downwardAPI files. */
export const defaultFileMode = 0o644;

/**
 * Builds the payload of a configMap volume (or projection) as upstream's configmap.MakePayload:
 * without items every key of `data` and `binaryData` becomes a file with `defaultMode`; with
 * items only those keys, at their paths and modes. A missing key is skipped when `optional`,
 * otherwise an error (`configmap references non-existent config key: k`).
 */
export function configMapPayload(configMap: ConfigMap | undefined, items: readonly KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  const data = configMap?.data ?? {};
  const binary = configMap?.binaryData ?? {};
  const lookup = (key: string): Buffer | undefined => {
    if (Object.hasOwn(data, key)) return Buffer.from(data[key]!, 'utf8');
    if (Object.hasOwn(binary, key)) return Buffer.from(binary[key]!, 'base64');
    return undefined;
  };
  return keyedPayload(Object.keys(data).concat(Object.keys(binary)), lookup, items, defaultMode, optional, 'configmap references non-existent config key');
}

/**
 * Builds the payload of a secret volume (or projection) as upstream's secret.MakePayload: `data`
 * values are base64-decoded (`stringData`, normally folded into `data` by the API server, is
 * honoured too). Missing keys: `secret references non-existent secret key: k` unless optional.
 */
export function secretPayload(secret: Secret | undefined, items: readonly KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  const data = secret?.data ?? {};
  const stringData = secret?.stringData ?? {};
  const lookup = (key: string): Buffer | undefined => {
    if (Object.hasOwn(stringData, key)) return Buffer.from(stringData[key]!, 'utf8');
    if (Object.hasOwn(data, key)) return Buffer.from(data[key]!, 'base64');
    return undefined;
  };
  return keyedPayload(Object.keys(data).concat(Object.keys(stringData)), lookup, items, defaultMode, optional, 'secret references non-existent secret key');
}

function keyedPayload(
  keys: readonly string[],
  lookup: (key: string) => Buffer | undefined,
  items: readonly KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
  missingKeyMessage: string,
): Payload {
  const payload: Payload = new Map();
  if (!items || items.length === 0) {
    for (const key of keys) payload.set(key, { data: lookup(key)!, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const data = lookup(item.key);
    if (data === undefined) {
      if (optional) continue;
      throw new VolumeSetupError(`${missingKeyMessage}: ${item.key}`);
    }
    payload.set(item.path, { data, mode: item.mode ?? defaultMode });
  }
  return payload;
}
