import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../apimachinery/object.js';
import { StatusError } from '../apimachinery/errors.js';
import { resources, type Client } from './client.js';
import type { Clock } from '../apimachinery/clock.js';

/** Records core/v1 Events about objects, as client-go's EventRecorder does. */
export interface EventRecorder {
  /** `type` is Normal or Warning; `reason` is UpperCamelCase (SuccessfulCreate, ...). */
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** Options of {@link ApiEventRecorder}. */
export interface ApiEventRecorderOptions {
  client: Client;
  clock: Clock;
  /** source.component and reportingComponent, e.g. `deployment-controller`. */
  component: string;
  /** source.host (the node, for kubelets). */
  host?: string;
  /** Called when an event cannot be written (events are best effort, as upstream). */
  onError?: (err: unknown) => void;
}

function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Writes Events through the API, without blocking the caller. Repeats of one event (same
 * object, reason, message) within the recorder's life bump `count` and `lastTimestamp` of the
 * first, as upstream's event correlator does.
 */
export class ApiEventRecorder implements EventRecorder {
  private readonly seen = new Map<string, { namespace: string; name: string; count: number }>();

  constructor(private readonly options: ApiEventRecorderOptions) {}

  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    void this.write(obj, type, reason, message).catch((err: unknown) => (this.options.onError ?? ((e) => console.error('event:', e)))(err));
  }

  private async write(obj: KubeObject, type: string, reason: string, message: string): Promise<void> {
    const { client, clock, component } = this.options;
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const key = `${meta.uid}/${reason}/${message}`;
    const now = formatTime(clock.now());
    const prior = this.seen.get(key);
    if (prior) {
      prior.count++;
      try {
        await client.patch(resources.events, prior.namespace, prior.name, 'merge', { count: prior.count, lastTimestamp: now });
        return;
      } catch (err) {
        // The event was removed (TTL or by hand): write a fresh one below.
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
    }
    const name = `${meta.name}.${randomBytes(8).toString('hex')}`;
    await client.create(resources.events, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component, ...(this.options.host ? { host: this.options.host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: component,
      reportingInstance: this.options.host ?? '',
    });
    this.seen.set(key, { namespace, name, count: 1 });
    if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value as string);
  }
}

/** Keeps events in memory, for tests. */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: { object: string; type: string; reason: string; message: string }[] = [];

  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const m = obj.metadata ?? {};
    this.events.push({ object: `${obj.kind}/${m.namespace ? `${m.namespace}/` : ''}${m.name}`, type, reason, message });
  }
}
