import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { systemClock, type Clock } from '../apimachinery/clock.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { Client, ResourceRef } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { BoundedFrequencyRunner } from './bounded-frequency-runner.js';
import { desiredRuleset, type NodeFacts, type SkippedPort } from './desired-ruleset.js';
import { NftablesSyncer, type CommandRunner, type SyncOutcome } from './nftables.js';

const servicesRef: ResourceRef = { group: '', version: 'v1', resource: 'services' };
const endpointSlicesRef: ResourceRef = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

/** Options of {@link ServiceProxy}. */
export interface ServiceProxyOptions {
  client: Client;
  node: NodeFacts;
  /** Our table's name. Default `skiff`. */
  table?: string;
  /** Default: the system clock. */
  clock?: Clock;
  /** Runs `nft`. Default: a real process. */
  run?: CommandRunner;
  /** Least time between two syncs. Default 1000 ms. */
  minSyncIntervalMs?: number;
  /** A sync happens at least this often. Default 30000 ms. */
  syncPeriodMs?: number;
  /** Every this many syncs one is full even without a failure. Default 0: only after failures and at start. */
  fullSyncEvery?: number;
  /** Told about Service ports the proxy leaves out (for events), on each sync that finds them. */
  onSkipped?: (skipped: SkippedPort[]) => void;
  /** Told after each sync. */
  onSynced?: (outcome: SyncOutcome) => void;
  /** Told about failed syncs and informer failures. Default: console.error. */
  onError?: (error: unknown) => void;
}

/**
 * The node's Service proxy: watches Services and EndpointSlices and keeps our nftables table
 * equal to {@link desiredRuleset} of them, through a bounded-frequency runner (changes in a
 * burst become one sync).
 */
export class ServiceProxy {
  private readonly services: Informer<Service & KubeObject>;
  private readonly endpointSlices: Informer<EndpointSlice & KubeObject>;
  private readonly syncer: NftablesSyncer;
  private readonly runner: BoundedFrequencyRunner;
  private readonly onError: (error: unknown) => void;
  private syncs = 0;
  private lastSkipped = '';

  constructor(private readonly options: ServiceProxyOptions) {
    const clock = options.clock ?? systemClock;
    this.onError = options.onError ?? ((error) => console.error('service proxy:', error));
    this.services = new Informer<Service & KubeObject>(options.client, servicesRef, { clock, onError: this.onError });
    this.endpointSlices = new Informer<EndpointSlice & KubeObject>(options.client, endpointSlicesRef, { clock, onError: this.onError });
    this.syncer = new NftablesSyncer({ run: options.run });
    this.runner = new BoundedFrequencyRunner({
      fn: () => this.syncOnce(),
      minIntervalMs: options.minSyncIntervalMs,
      maxIntervalMs: options.syncPeriodMs,
      clock,
      onError: this.onError,
    });
  }

  /** Watches and syncs until `signal` aborts; resolves once stopped. */
  async start(signal: AbortSignal): Promise<void> {
    const changed = (): void => this.runner.request();
    this.services.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    this.endpointSlices.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    const informers = [this.services.start(signal), this.endpointSlices.start(signal)];
    const synced = await Promise.all([this.services.waitForSync(signal), this.endpointSlices.waitForSync(signal)]);
    if (synced.every(Boolean)) await this.runner.loop(signal);
    await Promise.all(informers);
  }

  private async syncOnce(): Promise<void> {
    const { ruleset, skipped } = desiredRuleset({
      services: this.services.list(),
      endpointSlices: this.endpointSlices.list(),
      node: this.options.node,
      table: this.options.table,
    });
    const every = this.options.fullSyncEvery ?? 0;
    const full = every > 0 && this.syncs % every === 0;
    this.syncs++;
    const outcome = await this.syncer.sync(ruleset, { full });
    const skippedText = JSON.stringify(skipped);
    if (skipped.length > 0 && skippedText !== this.lastSkipped) this.options.onSkipped?.(skipped);
    this.lastSkipped = skippedText;
    this.options.onSynced?.(outcome);
  }
}
