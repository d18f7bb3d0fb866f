/** The API server's side of discovery for in-process controllers: its registry as {@link Discovery}. */
import type { ApiResource, Discovery } from '../client/discovery.js';
import { ServedTypes } from './registry.js';

/** Reports the types the API server serves, built-in and custom, and when they change. */
export class RegistryDiscovery implements Discovery {
  private cached?: readonly ApiResource[];

  /** `served`: the server's types (default: the built-in ones only). */
  constructor(private readonly served: ServedTypes = new ServedTypes()) {
    served.subscribe(() => (this.cached = undefined));
  }

  serverResources(): readonly ApiResource[] {
    this.cached ??= this.served.all().map((type) => ({
      group: type.group,
      version: type.version,
      kind: type.kind,
      plural: type.plural,
      namespaced: type.namespaced,
      verbs: [...type.verbs],
    }));
    return this.cached;
  }

  subscribe(listener: () => void): () => void {
    return this.served.subscribe(listener);
  }
}
