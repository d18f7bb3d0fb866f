/**
 * Upstream's service-account TokensController, for the legacy token Secrets users still create:
 * a Secret of type `kubernetes.io/service-account-token` annotated with
 * `kubernetes.io/service-account.name` gets `data.token` (a non-expiring token), `ca.crt` and
 * `namespace`, and the account's UID in `kubernetes.io/service-account.uid`. A Secret whose
 * account is gone (or was recreated with another UID) is deleted, as upstream does.
 */
import type { Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import { objectKey, splitKey, type Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';

/** The Secret type of legacy service-account tokens. */
export const serviceAccountTokenSecretType = 'kubernetes.io/service-account-token';
/** The annotations that name the account. */
export const serviceAccountNameAnnotation = 'kubernetes.io/service-account.name';
export const serviceAccountUIDAnnotation = 'kubernetes.io/service-account.uid';

/** Signs a legacy token for a Secret of an account (the API server's service-account key does). */
export type LegacyTokenSigner = (namespace: string, serviceAccount: { name: string; uid: string }, secretName: string) => string;

type SecretObject = Secret & KubeObject;
type ServiceAccountObject = ServiceAccount & KubeObject;

/** Fills legacy service-account token Secrets. */
export class TokensController implements Controller {
  readonly name = 'serviceaccount-token-controller';
  readonly queueName = 'serviceaccount_tokens_secret';
  readonly workers = 1;

  private readonly secrets: Informer<SecretObject>;
  private readonly serviceAccounts: Informer<ServiceAccountObject>;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly sign: LegacyTokenSigner,
    private readonly caPem: string,
  ) {
    this.secrets = ctx.informers.informerFor<SecretObject>(resources.secrets, { fieldSelector: `type=${serviceAccountTokenSecretType}` });
    this.serviceAccounts = ctx.informers.informerFor<ServiceAccountObject>(resources.serviceaccounts);
  }

  /** Token Secrets and ServiceAccounts. */
  get caches(): SyncedCache[] {
    return [this.secrets, this.serviceAccounts];
  }

  /** A token Secret queues itself; a ServiceAccount deleted or recreated queues its Secrets. */
  watch(queue: KeyQueue): void {
    const add = (s: SecretObject) => queue.add(objectKey(s));
    this.secrets.addEventHandler({ onAdd: add, onUpdate: (_old, s) => add(s) });
    const bySA = (sa: ServiceAccountObject) => {
      for (const s of this.secrets.list(sa.metadata?.namespace ?? '')) {
        if (s.metadata?.annotations?.[serviceAccountNameAnnotation] === sa.metadata?.name) add(s);
      }
    };
    this.serviceAccounts.addEventHandler({ onAdd: bySA, onUpdate: (_old, sa) => bySA(sa), onDelete: bySA });
  }

  /** Fills or deletes the Secret of this key. */
  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const secret = this.secrets.get(namespace, name);
    if (!secret || secret.type !== serviceAccountTokenSecretType || secret.metadata?.deletionTimestamp) return {};
    const annotations = secret.metadata?.annotations ?? {};
    const accountName = annotations[serviceAccountNameAnnotation] ?? '';
    const account = this.serviceAccounts.get(namespace, accountName);
    const wantedUID = annotations[serviceAccountUIDAnnotation];
    if (!account || (wantedUID && wantedUID !== account.metadata?.uid)) {
      // Upstream deletes tokens of a missing account; a Secret created just before its account waits for it.
      if (!account && !wantedUID) return {};
      await this.ignoreGone(this.ctx.client.delete(resources.secrets, namespace, name, { preconditions: { uid: secret.metadata?.uid } }));
      return {};
    }
    const data = secret.data ?? {};
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    if (data.token && data['ca.crt'] === b64(this.caPem) && data.namespace === b64(namespace) && wantedUID) return {};
    const uid = account.metadata?.uid ?? '';
    const token = data.token ? Buffer.from(data.token, 'base64').toString('utf8') : this.sign(namespace, { name: accountName, uid }, name);
    await this.ignoreGone(
      this.ctx.client.update<SecretObject>(resources.secrets, namespace, {
        ...secret,
        metadata: { ...secret.metadata, annotations: { ...annotations, [serviceAccountUIDAnnotation]: uid } },
        data: { ...data, token: b64(token), 'ca.crt': b64(this.caPem), namespace: b64(namespace) },
      }),
    );
    return {};
  }

  private async ignoreGone(write: Promise<unknown>): Promise<void> {
    try {
      await write;
    } catch (err) {
      // Deleted meanwhile, or changed meanwhile (the change queues it again).
      if (err instanceof StatusError && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }
}

/** Builds the controller with the signer and the cluster CA (the composition root has both). */
export function tokensControllerFactory(sign: LegacyTokenSigner, caPem: string): ControllerFactory {
  return (ctx) => new TokensController(ctx, sign, caPem);
}
