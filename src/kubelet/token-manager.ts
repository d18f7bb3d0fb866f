import type { Pod, ServiceAccountTokenProjection } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../apimachinery/object.js';
import { systemClock, type NowClock } from '../apimachinery/clock.js';
import { resources, type Client } from '../client/client.js';

/** Options of {@link ServiceAccountTokenManager}. */
export interface ServiceAccountTokenManagerOptions {
  /** The API client (TokenRequest goes through `serviceaccounts/token`). */
  client: Client;
  /** Default: the system clock. */
  clock?: NowClock;
}

interface CachedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/** Upstream refreshes a token past 80 % of its lifetime, and any token older than a day. */
const refreshFraction = 0.8;
const maxAgeMs = 24 * 60 * 60 * 1000;

/**
 * The tokens of pods' projected serviceAccountToken volumes, as upstream's kubelet token
 * manager: a TokenRequest bound to the pod (its audience and lifetime from the projection),
 * kept until 80 % of its lifetime has passed, then requested again at the pod's next sync
 * (the agent syncs running pods every few seconds and rewrites volumes whose content changed).
 */
export class ServiceAccountTokenManager {
  private readonly client: Client;
  private readonly clock: NowClock;
  private readonly cache = new Map<string, CachedToken>();

  constructor(options: ServiceAccountTokenManagerOptions) {
    this.client = options.client;
    this.clock = options.clock ?? systemClock;
  }

  /** The token for a pod's projection: the cached one while fresh, else a new one from the API. */
  async token(pod: Pod, projection: ServiceAccountTokenProjection): Promise<string> {
    const uid = pod.metadata?.uid ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    const serviceAccount = pod.spec?.serviceAccountName || 'default';
    const expirationSeconds = projection.expirationSeconds ?? 3600;
    const audiences = projection.audience ? [projection.audience] : [];
    const key = JSON.stringify([uid, namespace, serviceAccount, audiences, expirationSeconds]);
    const now = this.clock.now().getTime();
    const cached = this.cache.get(key);
    if (cached && !this.needsRefresh(cached, now)) return cached.token;
    try {
      const answer = await this.client.create<KubeObject>(
        resources.serviceaccounts,
        namespace,
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          metadata: { name: serviceAccount, namespace },
          spec: { audiences, expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid } },
        },
        { subresource: 'token' },
      );
      const status = (answer.status ?? {}) as { token?: string; expirationTimestamp?: string };
      if (!status.token) throw new Error('the TokenRequest answer holds no token');
      const expiresAt = status.expirationTimestamp ? new Date(status.expirationTimestamp).getTime() : now + expirationSeconds * 1000;
      this.cache.set(key, { token: status.token, issuedAt: now, expiresAt });
      return status.token;
    } catch (err) {
      // A token still valid serves until the API answers again (as upstream's manager).
      if (cached && cached.expiresAt > now) return cached.token;
      throw new Error(`failed to fetch token: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** Drops the tokens of a pod that is gone. */
  forgetPod(uid: string): void {
    for (const key of this.cache.keys()) {
      if ((JSON.parse(key) as string[])[0] === uid) this.cache.delete(key);
    }
  }

  private needsRefresh(cached: CachedToken, now: number): boolean {
    return now > cached.issuedAt + (cached.expiresAt - cached.issuedAt) * refreshFraction || now > cached.issuedAt + maxAgeMs;
  }
}
