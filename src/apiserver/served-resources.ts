/** The API server's side of discovery for in-process controllers: its registry as {@link Discovery}. */
import type { ApiResource, Discovery } from '../client/discovery.js';
import { resourceTypes } from './registry.js';

/** Reports the registry's resource types (the ones the API server serves). */
export class RegistryDiscovery implements Discovery {
  private readonly resources: readonly ApiResource[] = resourceTypes.map((type) => ({
    group: type.group,
    version: type.version,
    kind: type.kind,
    plural: type.plural,
    namespaced: type.namespaced,
    verbs: [...type.verbs],
  }));

  serverResources(): readonly ApiResource[] {
    return this.resources;
  }
}
