/**
 * Mutating admission as upstream's admission chain: plugins that may change an object after
 * defaulting and before validation, each deciding which operations it handles. Plugins read the
 * cluster through the stores they are given; they never write other objects.
 */
import type { KubeObject } from '../../apimachinery/object.js';
import type { ResourceType } from '../registry.js';
import type { UserInfo } from '../auth.js';

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
 * final object and may only refuse it (create, update and delete).
 */
export interface ValidatingAdmissionPlugin {
  readonly name: string;
  /** Throws a StatusError to refuse the write. */
  validate(attributes: ValidatingAdmissionAttributes): Promise<void>;
}

/** Runs the plugins that handle a write, in order. */
export class AdmissionChain {
  /**
   * @param currentUser the user of the request being served (default: none, every write is
   *   from inside the server).
   */
  constructor(
    private readonly plugins: readonly MutatingAdmissionPlugin[],
    private readonly currentUser: () => UserInfo | undefined = () => undefined,
    private readonly validating: readonly ValidatingAdmissionPlugin[] = [],
  ) {}

  /** Lets every plugin that handles the write change the object. */
  async admit(attributes: AdmissionAttributes): Promise<void> {
    attributes.user ??= this.currentUser();
    for (const plugin of this.plugins) {
      if (plugin.handles(attributes)) await plugin.admit(attributes);
    }
  }

  /** Lets every validating plugin refuse the write (after validation, before it is stored). */
  async validate(attributes: ValidatingAdmissionAttributes): Promise<void> {
    attributes.user ??= this.currentUser();
    for (const plugin of this.validating) await plugin.validate(attributes);
  }
}
