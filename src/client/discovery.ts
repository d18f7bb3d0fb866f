/**
 * What the API server serves, as upstream's discovery client reports it (APIResource with its
 * group and version): the controllers that work on every type (garbage collector, namespace
 * deletion) read it instead of a built-in list.
 */

/** One served resource type (upstream's metav1.APIResource with its group version). */
export interface ApiResource {
  /** API group, '' for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, as in URLs. */
  plural: string;
  namespaced: boolean;
  /** Verbs the resource supports (get, list, watch, create, update, patch, delete, deletecollection). */
  verbs: readonly string[];
}

/** Upstream's discovery ServerResources: every served resource type of every group version. */
export interface Discovery {
  serverResources(): readonly ApiResource[];
  /**
   * Calls `listener` after the served types change (a CustomResourceDefinition added or
   * removed); returns the function that stops it. Absent: the types never change.
   */
  subscribe?(listener: () => void): () => void;
}

/** The served resource of kind `kind` in `apiVersion` (`group/version`, or `version` for the core group), if any. */
export function findResourceByKind(discovery: Discovery, apiVersion: string, kind: string): ApiResource | undefined {
  return discovery.serverResources().find((resource) => (resource.group ? `${resource.group}/${resource.version}` : resource.version) === apiVersion && resource.kind === kind);
}
