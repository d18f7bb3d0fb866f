/**
 * The ServiceAccount controller, after upstream's pkg/controller/serviceaccount
 * (ServiceAccountsController): every active Namespace has the `default` ServiceAccount.
 */
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import type { SyncResult } from '../../client/work-queue.js';
import type { Controller, ControllerContext, ControllerFactory, KeyQueue, SyncedCache } from '../../client/controller.js';

/** The component name of this controller. */
export const serviceAccountControllerName = 'serviceaccount-controller';

/** Options of {@link ServiceAccountController}. */
export interface ServiceAccountControllerOptions {
  /** The ServiceAccounts every namespace gets (upstream's ServiceAccounts option). Default `['default']`. */
  serviceAccounts?: readonly string[];
  /** Concurrent syncs (upstream's --concurrent-serviceaccount-token-syncs). Default 5. */
  workers?: number;
}

type NamespaceObject = Namespace & KubeObject;
type ServiceAccountObject = ServiceAccount & KubeObject;

function isActive(ns: Namespace): boolean {
  return !ns.metadata?.deletionTimestamp && (ns.status?.phase ?? 'Active') === 'Active';
}

function isNamespaceTerminating(err: StatusError): boolean {
  return err.code === 403 && (err.details?.causes ?? []).some((cause: { reason?: string }) => cause.reason === 'NamespaceTerminating');
}

/**
 * Creates the managed ServiceAccounts (`default`) in every active Namespace, and again when one
 * is deleted. A Namespace being deleted refuses new content; that is not an error.
 */
export class ServiceAccountController implements Controller {
  readonly name = serviceAccountControllerName;
  readonly queueName = 'serviceaccount';

  private readonly namespaces: Informer<NamespaceObject>;
  private readonly serviceAccounts: Informer<ServiceAccountObject>;
  private readonly managed: readonly string[];
  readonly workers: number;

  constructor(
    private readonly ctx: ControllerContext,
    options: ServiceAccountControllerOptions = {},
  ) {
    this.managed = options.serviceAccounts ?? ['default'];
    this.workers = options.workers ?? 5;
    this.namespaces = ctx.informers.informerFor<NamespaceObject>(resources.namespaces);
    this.serviceAccounts = ctx.informers.informerFor<ServiceAccountObject>(resources.serviceaccounts);
  }

  /** The Namespace and ServiceAccount caches. */
  get caches(): SyncedCache[] {
    return [this.namespaces, this.serviceAccounts];
  }

  /** Registers the event handlers: each finds the keys concerned and queues them. */
  watch(queue: KeyQueue): void {
    this.namespaces.addEventHandler({
      onAdd: (ns) => queue.add(ns.metadata?.name ?? ''),
      onUpdate: (_old, ns) => queue.add(ns.metadata?.name ?? ''),
    });
    this.serviceAccounts.addEventHandler({
      onDelete: (sa) => {
        if (this.managed.includes(sa.metadata?.name ?? '')) queue.add(sa.metadata?.namespace ?? '');
      },
    });
  }

  /** Creates the missing managed ServiceAccounts of the Namespace of this name. */
  async sync(namespace: string): Promise<SyncResult> {
    const ns = this.namespaces.get('', namespace);
    if (!ns || !isActive(ns)) return {};
    for (const name of this.managed) {
      if (this.serviceAccounts.get(namespace, name)) continue;
      const sa: ServiceAccountObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
      try {
        await this.ctx.client.create(resources.serviceaccounts, namespace, sa);
      } catch (err) {
        if (err instanceof StatusError && (err.reason === 'AlreadyExists' || err.code === 404 || isNamespaceTerminating(err))) continue;
        throw err;
      }
    }
    return {};
  }
}

/** Builds the ServiceAccount controller with default options. */
export const serviceAccountControllerFactory: ControllerFactory = (ctx) => new ServiceAccountController(ctx);
