import type { Histogram, Registry } from '../apimachinery/metrics.js';
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent } from '../storage/store.js';
import { requestDurationBuckets } from './request-metrics.js';

/**
 * The resource a key belongs to, as upstream's group-resource string: `/registry/core/pods/ns/x`
 * is `pods`, `/registry/apps/deployments/ns/x` is `deployments.apps`.
 */
export function resourceOfKey(key: string): string {
  // /registry/<group>/<plural>/...
  const groupStart = key.indexOf('/', 1) + 1;
  const groupEnd = groupStart > 0 ? key.indexOf('/', groupStart) : -1;
  if (groupEnd < 0) return '';
  const pluralEnd = key.indexOf('/', groupEnd + 1);
  const plural = key.slice(groupEnd + 1, pluralEnd < 0 ? key.length : pluralEnd);
  const group = key.slice(groupStart, groupEnd);
  return group === 'core' ? plural : `${plural}.${group}`;
}

/**
 * A {@link Store} that times every operation into upstream's `etcd_request_duration_seconds`
 * {operation, type} (the name upstream gives it whatever the backend, SQLite included), `type`
 * being the group-resource of the key.
 */
export class InstrumentedStore implements Store {
  private readonly duration: Histogram;
  private readonly now: () => number;

  constructor(
    private readonly inner: Store,
    registry: Registry,
  ) {
    this.now = registry.now;
    this.duration = registry.histogram({
      name: 'etcd_request_duration_seconds',
      help: 'Etcd request latency in seconds for each operation and object type.',
      labelNames: ['operation', 'type'],
      buckets: requestDurationBuckets,
    });
  }

  private async timed<T>(operation: string, key: string, run: Promise<T>): Promise<T> {
    const start = this.now();
    try {
      return await run;
    } finally {
      this.duration.labels(operation, resourceOfKey(key)).observe((this.now() - start) / 1000);
    }
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.timed('get', key, this.inner.get(key));
  }

  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.timed('list', prefix, this.inner.list(prefix, options));
  }

  count(prefix: string): Promise<number> {
    return this.timed('count', prefix, this.inner.count(prefix));
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.timed('create', key, this.inner.create(key, value));
  }

  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.timed('update', key, this.inner.update(key, value, expectedRevision));
  }

  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.timed('delete', key, this.inner.delete(key, expectedRevision));
  }

  watch(prefix: string, afterRevision: number, signal: AbortSignal): AsyncIterable<WatchEvent> {
    return this.inner.watch(prefix, afterRevision, signal);
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Keeps upstream's `apiserver_storage_objects{resource}` current: before each scrape, counts
 * the keys under each of `prefixes` (-1 when counting fails, as upstream).
 */
export function trackStorageObjects(registry: Registry, store: Store, prefixes: readonly string[]): () => void {
  const objects = registry.gauge({
    name: 'apiserver_storage_objects',
    help: 'Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
    labelNames: ['resource'],
  });
  const unique = [...new Set(prefixes)];
  return registry.onCollect(async () => {
    await Promise.all(
      unique.map(async (prefix) => {
        const gauge = objects.labels(resourceOfKey(prefix));
        gauge.set(await store.count(prefix).catch(() => -1));
      }),
    );
  });
}
