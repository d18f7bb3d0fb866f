import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { systemClock, type Clock } from '../apimachinery/clock.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { Client, ResourceRef } from '../client/client.js';
import { Informer, objectKey } from '../client/informer.js';
import { BoundedFrequencyRunner } from './bounded-frequency-runner.js';
import { baseRuleset, serviceContribution, sliceOwner, type desiredRuleset, type NodeFacts, type SkippedPort } from './desired-ruleset.js';
import { RulesetBuilder } from './ruleset-builder.js';
import { NftablesSyncer, type CommandRunner, type SyncOutcome } from './nftables.js';
import { ConntrackFlusher, removedPairs, udpEndpointPairs, type UdpEndpointPair } from './conntrack.js';
import type { TablePart } from './table-part.js';
import type { Ruleset } from './ruleset.js';
import { frontendIndex, type FrontendIndex } from './frontend-index.js';

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
  /** Least time between two syncs. Default 1000 ms (kube-proxy's minSyncPeriod). */
  minSyncIntervalMs?: number;
  /** A sync happens at least this often. Default 30000 ms (kube-proxy's syncPeriod). */
  syncPeriodMs?: number;
  /** A full sync happens at least this often, besides at start and after failures. Default 1 hour (kube-proxy's). */
  fullSyncPeriodMs?: number;
  /**
   * Deletes the conntrack entries of UDP endpoints a sync removed (so clients stop reaching a
   * gone endpoint). Default: {@link ConntrackFlusher} with `run`.
   */
  flushUdpEntries?: (pairs: UdpEndpointPair[]) => Promise<void>;
  /**
   * Other parts of the table the proxy loads in its transactions, e.g. a
   * PolicyEnforcer for NetworkPolicies. The proxy starts them. Default none.
   */
  parts?: TablePart[];
  /** Told about Service ports the proxy leaves out (for events) when that list changes. */
  onSkipped?: (skipped: SkippedPort[]) => void;
  /** Told after each sync. */
  onSynced?: (outcome: SyncOutcome) => void;
  /** Told about failed syncs and informer failures. Default: console.error. */
  onError?: (error: unknown) => void;
}

const byService = 'service';

/**
 * The node's Service proxy: watches Services and EndpointSlices and keeps our nftables table
 * equal to {@link desiredRuleset} of them. Only the Services that changed are recomputed (a
 * {@link RulesetBuilder} holds the rest); syncs go through a bounded-frequency runner, so
 * changes in a burst become one partial sync.
 */
export class ServiceProxy {
  private readonly services: Informer<Service & KubeObject>;
  private readonly endpointSlices: Informer<EndpointSlice & KubeObject>;
  private readonly syncer: NftablesSyncer;
  private readonly runner: BoundedFrequencyRunner;
  private readonly builder: RulesetBuilder;
  private readonly clock: Clock;
  private readonly onError: (error: unknown) => void;
  private dirty = new Set<string>();
  private readonly parts: TablePart[];
  private dirtyParts = new Set<TablePart>();
  private lastFullSync = -Infinity;
  private lastSkipped = '[]';
  /** The UDP frontend/endpoint pairs the loaded ruleset has, by Service. */
  private readonly udpPairs = new Map<string, ReturnType<typeof udpEndpointPairs>>();
  private readonly flushUdpEntries: (pairs: UdpEndpointPair[]) => Promise<void>;
  /** {@link frontendIndex}'s answer until a Service changes. */
  private frontends: FrontendIndex | undefined;

  constructor(private readonly options: ServiceProxyOptions) {
    this.clock = options.clock ?? systemClock;
    this.onError = options.onError ?? ((error) => console.error('service proxy:', error));
    this.services = new Informer<Service & KubeObject>(options.client, servicesRef, { clock: this.clock, onError: this.onError });
    this.endpointSlices = new Informer<EndpointSlice & KubeObject>(options.client, endpointSlicesRef, {
      clock: this.clock,
      onError: this.onError,
      indexers: { [byService]: (slice) => [sliceOwner(slice) ?? ''] },
    });
    this.parts = options.parts ?? [];
    this.builder = new RulesetBuilder(baseRuleset(options.node, options.table));
    this.syncer = new NftablesSyncer({ run: options.run });
    const flusher = new ConntrackFlusher({ run: options.run });
    this.flushUdpEntries = options.flushUdpEntries ?? ((pairs) => flusher.flush(pairs));
    this.runner = new BoundedFrequencyRunner({
      fn: () => this.syncOnce(),
      minIntervalMs: options.minSyncIntervalMs,
      maxIntervalMs: options.syncPeriodMs,
      clock: this.clock,
      onError: this.onError,
    });
  }

  /** Watches and syncs until `signal` aborts; resolves once stopped. */
  async start(signal: AbortSignal): Promise<void> {
    const serviceChanged = (svc: Service & KubeObject): void => {
      this.frontends = undefined;
      this.markDirty(objectKey(svc));
    };
    const sliceChanged = (slice: EndpointSlice & KubeObject): void => this.markDirty(sliceOwner(slice));
    this.services.addEventHandler({ onAdd: serviceChanged, onUpdate: (_, svc) => serviceChanged(svc), onDelete: serviceChanged });
    this.endpointSlices.addEventHandler({
      onAdd: sliceChanged,
      onUpdate: (old, slice) => {
        sliceChanged(old);
        sliceChanged(slice);
      },
      onDelete: sliceChanged,
    });
    for (const part of this.parts) {
      this.dirtyParts.add(part);
      part.onChange(() => {
        this.dirtyParts.add(part);
        this.runner.request();
      });
    }
    const informers = [this.services.start(signal), this.endpointSlices.start(signal), ...this.parts.map((part) => part.start(signal))];
    const synced = await Promise.all([
      this.services.waitForSync(signal),
      this.endpointSlices.waitForSync(signal),
      ...this.parts.map((part) => part.waitForSync(signal)),
    ]);
    if (synced.every(Boolean)) await this.runner.loop(signal);
    this.syncer.close();
    await Promise.all(informers);
  }

  /**
   * The Service port behind each frontend (ClusterIP, NodePort, load-balancer address and
   * port) of the Services in the proxy's cache, for the connection metrics. Built again only
   * after a Service changed.
   */
  frontendIndex(): FrontendIndex {
    return (this.frontends ??= frontendIndex(this.services.store.list(), this.options.node));
  }

  /** The ruleset the proxy keeps in the kernel (live: do not modify), for the connection counters. */
  ruleset(): Ruleset {
    return this.builder.ruleset();
  }

  private markDirty(serviceKey: string | undefined): void {
    if (serviceKey === undefined) return;
    this.dirty.add(serviceKey);
    this.runner.request();
  }

  private async syncOnce(): Promise<void> {
    const dirty = this.dirty;
    this.dirty = new Set();
    const stale: UdpEndpointPair[] = [];
    for (const key of dirty) {
      const svc = this.services.store.getByKey(key);
      const slices = this.endpointSlices.byIndex(byService, key);
      const contribution = svc ? serviceContribution(svc, slices, this.options.node) : undefined;
      this.builder.set(key, contribution);
      const pairs = udpEndpointPairs(contribution);
      stale.push(...removedPairs(this.udpPairs.get(key) ?? new Map(), pairs));
      if (pairs.size > 0) this.udpPairs.set(key, pairs);
      else this.udpPairs.delete(key);
    }
    const parts = this.dirtyParts;
    this.dirtyParts = new Set();
    for (const part of parts) this.builder.set(part.owner, part.contribution());
    const now = this.clock.now().getTime();
    // A part whose chains changed (a NetworkPolicy added, edited or removed) needs a full sync.
    const redeclared = this.builder.takeRedeclared();
    const full = redeclared || this.syncer.needsFullSync || now - this.lastFullSync >= (this.options.fullSyncPeriodMs ?? 3_600_000);
    // A full sync declares the table anew: sets, maps and chains nothing uses any more go.
    if (full) this.builder.compact();
    const outcome = await this.syncer.syncChanges(this.builder.ruleset(), this.builder.takeChanges(), { full });
    if (full) this.lastFullSync = now;
    const skipped = this.builder.skipped();
    const skippedText = JSON.stringify(skipped);
    if (skippedText !== this.lastSkipped) this.options.onSkipped?.(skipped);
    this.lastSkipped = skippedText;
    this.options.onSynced?.(outcome);
    // Only once the kernel no longer sends new packets there; a failure is reported, not retried.
    if (stale.length > 0) await this.flushUdpEntries(stale).catch(this.onError);
  }
}
