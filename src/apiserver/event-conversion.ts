import type { KubeObject } from '../apimachinery/object.js';

/**
 * events.k8s.io/v1 Events are core/v1 Events stored once and shown two ways, as upstream
 * converts them. These are the renamed fields (events.k8s.io name → core name).
 */
const renamed: [string, string][] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
  ['reportingController', 'reportingComponent'],
];

function rename(obj: KubeObject, pairs: [string, string][], apiVersion: string): KubeObject {
  const out: KubeObject = { ...obj, apiVersion, kind: 'Event' };
  for (const [from, to] of pairs) {
    if (from in out) {
      if (out[from] !== undefined) out[to] = out[from];
      delete out[from];
    }
  }
  return out;
}

/** An events.k8s.io/v1 Event in core/v1 form, for storage. */
export function eventToCore(obj: KubeObject): KubeObject {
  return rename(obj, renamed, 'v1');
}

/** A stored core/v1 Event in events.k8s.io/v1 form. */
export function eventFromCore(obj: KubeObject): KubeObject {
  return rename(obj, renamed.map(([a, b]) => [b, a]), 'events.k8s.io/v1');
}
