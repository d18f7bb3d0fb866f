import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { systemClock, type Clock } from '../apimachinery/clock.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import type { NodeFacts } from './desired-ruleset.js';
import { policyContribution } from './network-policy.js';
import type { Contribution } from './ruleset-builder.js';
import type { TablePart } from './table-part.js';

/** Options of {@link PolicyEnforcer}. */
export interface PolicyEnforcerOptions {
  client: Client;
  /** Only `nodeName` is read: the pods of this node are enforced. */
  node: Pick<NodeFacts, 'nodeName'>;
  /** Default: the system clock. */
  clock?: Clock;
  /** Told about informer failures. Default: console.error. */
  onError?: (error: unknown) => void;
}

/** What of a pod the policy model reads; other changes (conditions, restarts…) do not matter. */
function podFingerprint(pod: Pod): string {
  const ports = (pod.spec?.containers ?? []).map((c) => (c.ports ?? []).map((p) => [p.name, p.protocol, p.containerPort]));
  return JSON.stringify([
    pod.metadata?.labels ?? {},
    pod.spec?.nodeName,
    pod.spec?.hostNetwork,
    pod.status?.phase,
    pod.status?.podIP,
    pod.status?.podIPs,
    ports,
  ]);
}

/**
 * NetworkPolicy enforcement for one node, as a part of the Service proxy's table: watches
 * NetworkPolicies, all Pods (peers may run anywhere) and Namespaces, and gives
 * {@link policyContribution} of them. Compose it into the node's ServiceProxy
 * (`new ServiceProxy({ ..., parts: [new PolicyEnforcer({ client, node })] })`): the proxy starts
 * it and loads its sets and chains in its own bounded-frequency syncs.
 */
export class PolicyEnforcer implements TablePart {
  readonly owner = 'part:network-policies';
  private readonly policies: Informer<NetworkPolicy & KubeObject>;
  private readonly pods: Informer<Pod & KubeObject>;
  private readonly namespaces: Informer<Namespace & KubeObject>;
  private readonly listeners: (() => void)[] = [];
  private cached: Contribution | undefined;

  constructor(private readonly options: PolicyEnforcerOptions) {
    const clock = options.clock ?? systemClock;
    const onError = options.onError ?? ((error: unknown) => console.error('network policy enforcer:', error));
    this.policies = new Informer<NetworkPolicy & KubeObject>(options.client, resources.networkpolicies, { clock, onError });
    this.pods = new Informer<Pod & KubeObject>(options.client, resources.pods, { clock, onError });
    this.namespaces = new Informer<Namespace & KubeObject>(options.client, resources.namespaces, { clock, onError });
  }

  /** Calls `listener` whenever the contribution may have changed. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Watches until `signal` aborts; resolves once stopped. */
  async start(signal: AbortSignal): Promise<void> {
    const changed = (): void => {
      this.cached = undefined;
      for (const listener of this.listeners) listener();
    };
    this.policies.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    this.namespaces.addEventHandler({
      onAdd: changed,
      onUpdate: (old, ns) => {
        if (JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(ns.metadata?.labels ?? {})) changed();
      },
      onDelete: changed,
    });
    this.pods.addEventHandler({
      onAdd: changed,
      onUpdate: (old, pod) => {
        if (podFingerprint(old) !== podFingerprint(pod)) changed();
      },
      onDelete: changed,
    });
    await Promise.all([this.policies.start(signal), this.pods.start(signal), this.namespaces.start(signal)]);
  }

  /** Resolves true once NetworkPolicies, Pods and Namespaces are listed. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    const synced = await Promise.all([this.policies.waitForSync(signal), this.pods.waitForSync(signal), this.namespaces.waitForSync(signal)]);
    return synced.every(Boolean);
  }

  /** The policy sets and chains for the cached objects (computed again only after a change). */
  contribution(): Contribution {
    this.cached ??= policyContribution({
      policies: this.policies.list(),
      pods: this.pods.list(),
      namespaces: this.namespaces.list(),
      node: this.options.node,
    });
    return this.cached;
  }
}
