import type { KubeObject } from '../apimachinery/object.js';
import type { NowClock } from '../apimachinery/clock.js';
import type { JsonObject } from './defaults/util.js';
import type { TypeStrategy } from './strategy.js';
import { validateCertificateSigningRequest, validateCertificateSigningRequestUpdate } from './validation/certificates.js';

interface Condition {
  type?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  status?: string;
}

/** Conditions with upstream's defaults: status True, times set when missing. */
function defaultConditions(obj: KubeObject, now: string): void {
  const status = obj.status as { conditions?: Condition[] } | undefined;
  for (const c of status?.conditions ?? []) {
    c.status ||= 'True';
    c.lastUpdateTime ||= now;
    c.lastTransitionTime ||= now;
  }
}

/** Keeps the stored spec and metadata on a subresource write (the resourceVersion is the writer's). */
function keepSpecAndMeta(obj: KubeObject, old: KubeObject): void {
  obj.spec = old.spec;
  const rv = obj.metadata?.resourceVersion;
  obj.metadata = { ...old.metadata, resourceVersion: rv };
}

/**
 * The CertificateSigningRequest strategy, as upstream's: create drops any status; an update of
 * the object changes metadata only; /approval changes the conditions only (the certificate
 * stays); /status changes the certificate and other conditions while Approved and Denied stay as
 * they were (only /approval decides them).
 */
export function csrStrategy(base: TypeStrategy, clock: NowClock): TypeStrategy {
  const now = () => clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    ...base,
    hasStatusSubresource: true,
    prepareForCreate(obj) {
      obj.status = {};
    },
    prepareForUpdate(obj, old, subresource) {
      if (subresource === 'approval') {
        keepSpecAndMeta(obj, old);
        const conditions = (obj.status as { conditions?: unknown } | undefined)?.conditions;
        obj.status = { ...(old.status as object), conditions };
        if (conditions === undefined) delete (obj.status as { conditions?: unknown }).conditions;
      } else if (subresource === 'status') {
        keepSpecAndMeta(obj, old);
        const decided = ((old.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).filter((c) => c.type === 'Approved' || c.type === 'Denied');
        const others = ((obj.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).filter((c) => c.type !== 'Approved' && c.type !== 'Denied');
        obj.status = { ...(obj.status as object), conditions: [...decided, ...others] };
        if (!decided.length && !others.length) delete (obj.status as { conditions?: unknown }).conditions;
      } else {
        obj.spec = old.spec;
        obj.status = old.status;
      }
      defaultConditions(obj, now());
    },
    validateCreate: (obj) => validateCertificateSigningRequest(obj as JsonObject),
    validateUpdate: (obj, old) => validateCertificateSigningRequestUpdate(obj as JsonObject, old as JsonObject),
  };
}
