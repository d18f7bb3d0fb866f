/**
 * Admission as upstream's chain: mutating plugins that may change an object after defaulting
 * and before validation, then validating plugins that may only refuse it, each deciding which
 * operations it handles. Plugins read the
 * cluster through the stores they are given; they never write other objects.
 */
import type { KubeObject } from '../../apimachinery/object.js';
import type { ResourceType } from '../registry.js';
import type { UserInfo } from '../auth.js';
import { StatusError } from '../../apimachinery/errors.js';

/** The operation being admitted, as upstream's admission.Operation. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** What a plugin is told about a write. */
export interface AdmissionAttributes {
  operation: AdmissionOperation;
  type: ResourceType;
  namespace: string;
  /** The object as it will be written; a mutating plugin changes it in place. */
  object: KubeObject;
  /** The stored object on UPDATE and DELETE. */
  oldObject?: KubeObject;
  /** The subresource written ('' for the main resource). */
  subresource: string;
  /** Who asked, for requests over HTTPS; undefined for components inside the server (trusted). */
  user?: UserInfo;
  /** A dry run: plugins record nothing. */
  dryRun?: boolean;
}

/** One mutating admission plugin. */
export interface MutatingAdmissionPlugin {
  /** Upstream's plugin name, e.g. `DefaultStorageClass`. */
  readonly name: string;
  /** Whether the plugin acts on this write at all (cheap: checked on every write). */
  handles(attributes: AdmissionAttributes): boolean;
  /** Changes `attributes.object`; throws a StatusError to refuse the write. */
  admit(attributes: AdmissionAttributes): Promise<void>;
}

/** What a validating plugin is told: as {@link AdmissionAttributes}, with no object on DELETE. */
export type ValidatingAdmissionAttributes = Omit<AdmissionAttributes, 'object'> & { object?: KubeObject };

/**
 * One validating admission plugin: runs after mutating admission and validation, sees the
 * final object and may only refuse it (or, as upstream's ResourceQuota, record what the write
 * will use); create, update and delete.
 */
export interface ValidatingAdmissionPlugin {
  /** Upstream's plugin name, e.g. `ResourceQuota`. */
  readonly name: string;
  /** Whether the plugin acts on this write at all (cheap: checked on every write). Default: every write. */
  handles?(attributes: ValidatingAdmissionAttributes): boolean;
  /** Throws a StatusError to refuse the write. */
  validate(attributes: ValidatingAdmissionAttributes): Promise<void>;
}

/** A plugin of the chain: mutating, validating, or both. */
export type AdmissionPlugin = MutatingAdmissionPlugin | ValidatingAdmissionPlugin | (MutatingAdmissionPlugin & ValidatingAdmissionPlugin);

/** Upstream's admission.NewForbidden: `<resource> "<name>" is forbidden: <reason>` (403). */
export function admissionForbidden(a: ValidatingAdmissionAttributes, reason: string): StatusError {
  const resource = a.type.group ? `${a.type.plural}.${a.type.group}` : a.type.plural;
  const name = a.object?.metadata?.name ?? a.oldObject?.metadata?.name ?? '';
  const subject = name ? `${resource} ${JSON.stringify(name)}` : resource;
  return new StatusError(403, 'Forbidden', `${subject} is forbidden: ${reason}`, {
    ...(name ? { name } : {}),
    ...(a.type.group ? { group: a.type.group } : {}),
    kind: a.type.plural,
  });
}

/** Runs the plugins that handle a write, in order. */
export class AdmissionChain {
  /**
   * @param currentUser the user of the request being served (default: none, every write is
   *   from inside the server).
   */
  constructor(
    private readonly plugins: readonly AdmissionPlugin[],
    private readonly currentUser: () => UserInfo | undefined = () => undefined,
    private readonly validating: readonly ValidatingAdmissionPlugin[] = [],
  ) {}

  /** Lets every plugin that handles the write change the object. */
  async admit(attributes: AdmissionAttributes): Promise<void> {
    attributes.user ??= this.currentUser();
    for (const plugin of this.plugins) {
      if ('admit' in plugin && plugin.handles(attributes)) await plugin.admit(attributes);
    }
  }

  /** Lets every validating plugin that handles the write refuse it (after validation, before it is stored). */
  async validate(attributes: ValidatingAdmissionAttributes): Promise<void> {
    attributes.user ??= this.currentUser();
    for (const plugin of [...this.plugins, ...this.validating]) {
      if ('validate' in plugin && (plugin.handles?.(attributes) ?? true)) await plugin.validate(attributes);
    }
  }
}
