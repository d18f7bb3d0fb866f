/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's tools/leaderelection with a
 * LeaseLock: the holder renews the lease every retry period; others take it over once it has not
 * been renewed for the lease duration.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import { resources, type Client } from './client.js';
import { systemClock, type Clock } from '../apimachinery/clock.js';

/** A time as upstream serialises metav1.MicroTime: RFC 3339 in UTC with six fractional digits. */
export function formatMicroTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Options of {@link LeaderElector}. */
export interface LeaderElectorOptions {
  client: Client;
  /** Namespace of the Lease. Default `kube-system`. */
  namespace?: string;
  /** Name of the Lease, e.g. `kube-controller-manager`. */
  name: string;
  /** This candidate's identity (holderIdentity), unique among candidates. */
  identity: string;
  /** How long a lease stays valid after its renewTime. Default 15. */
  leaseDurationSeconds?: number;
  /** How long the leader keeps retrying a failing renewal before giving up. Default 10. */
  renewDeadlineSeconds?: number;
  /** Interval between acquire and renew attempts. Default 2. */
  retryPeriodSeconds?: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** On stopping (signal aborted while leading), give the lease up so another can take it at once. Default false, as client-go. */
  releaseOnCancel?: boolean;
  /** Told about failed attempts other than losing a race. Default: ignored. */
  onError?: (error: unknown) => void;
}

/** What {@link LeaderElector.run} calls. */
export interface LeaderCallbacks {
  /** Leadership acquired; `leaderSignal` aborts when it is lost or `run`'s signal aborts. Not awaited. */
  onStartedLeading(leaderSignal: AbortSignal): void | Promise<void>;
  /** Leadership ended (only called after onStartedLeading). */
  onStoppedLeading?(): void;
  /** The observed leader changed (including to this identity). */
  onNewLeader?(identity: string): void;
}

type LeaseObject = Lease & KubeObject;

/**
 * A leader election candidate. `run` tries to acquire the lease every retry period until it
 * holds it (the lease is absent, expired — renewTime + leaseDurationSeconds before now — or
 * already ours), calls `onStartedLeading`, then renews every retry period; when renewals fail
 * for renewDeadline it aborts the leader signal, calls `onStoppedLeading` and returns. Writes use
 * the lease's resourceVersion, so of two racing candidates one gets 409 and retries later.
 */
export class LeaderElector {
  private readonly client: Client;
  private readonly namespace: string;
  private readonly name: string;
  private readonly identity: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private readonly releaseOnCancel: boolean;
  private readonly reportError: (error: unknown) => void;
  private leading = false;
  private observedLeader = '';
  private callbacks: LeaderCallbacks | undefined;

  constructor(options: LeaderElectorOptions) {
    this.client = options.client;
    this.namespace = options.namespace ?? 'kube-system';
    this.name = options.name;
    this.identity = options.identity;
    const leaseDuration = options.leaseDurationSeconds ?? 15;
    const renewDeadline = options.renewDeadlineSeconds ?? 10;
    const retryPeriod = options.retryPeriodSeconds ?? 2;
    // The same checks as client-go's NewLeaderElector.
    if (leaseDuration <= renewDeadline) throw new Error('leaseDuration must be greater than renewDeadline');
    if (renewDeadline <= retryPeriod * 1.2) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
    if (retryPeriod <= 0) throw new Error('retryPeriod must be greater than zero');
    if (!this.identity) throw new Error('identity may not be empty');
    this.leaseDurationMs = leaseDuration * 1000;
    this.renewDeadlineMs = renewDeadline * 1000;
    this.retryPeriodMs = retryPeriod * 1000;
    this.clock = options.clock ?? systemClock;
    this.releaseOnCancel = options.releaseOnCancel ?? false;
    this.reportError = options.onError ?? (() => undefined);
  }

  /** Whether this candidate currently leads. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen on the lease ('' if none yet). */
  getLeader(): string {
    return this.observedLeader;
  }

  /** Campaigns, leads, and returns when leadership is lost or `signal` aborts. */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    this.callbacks = callbacks;
    if (!(await this.acquire(signal))) return;
    const leader = new AbortController();
    const stop = (): void => leader.abort();
    signal.addEventListener('abort', stop, { once: true });
    this.leading = true;
    try {
      const started = callbacks.onStartedLeading(leader.signal);
      if (started instanceof Promise) started.catch((err: unknown) => this.reportError(err));
      await this.renew(signal);
    } finally {
      signal.removeEventListener('abort', stop);
      leader.abort();
      this.leading = false;
      if (signal.aborted && this.releaseOnCancel) await this.release();
      callbacks.onStoppedLeading?.();
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) return true;
      await this.clock.sleep(this.retryPeriodMs, signal);
    }
    return false;
  }

  /** Renews every retry period; returns when a renewal keeps failing for renewDeadline, or on abort. */
  private async renew(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.clock.sleep(this.retryPeriodMs, signal);
      if (signal.aborted) return;
      const deadline = this.clock.now().getTime() + this.renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted && !renewed) {
        renewed = await this.attemptBefore(deadline);
        if (renewed) break;
        const left = deadline - this.clock.now().getTime();
        if (left <= 0) return;
        await this.clock.sleep(Math.min(this.retryPeriodMs, left), signal);
        if (deadline - this.clock.now().getTime() <= 0) return;
      }
    }
  }

  /** One tryAcquireOrRenew that counts as failed if it has not answered by `deadline`. */
  private attemptBefore(deadline: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = this.clock.setTimer(deadline - this.clock.now().getTime(), () => resolve(false));
      void this.tryAcquireOrRenew().then((ok) => {
        timer.cancel();
        resolve(ok);
      });
    });
  }

  /** One attempt; true if this candidate holds the lease afterwards. Never throws. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const nowText = formatMicroTime(now);
    const leaseSeconds = this.leaseDurationMs / 1000;
    let lease: LeaseObject;
    try {
      lease = await this.client.get<LeaseObject>(resources.leases, this.namespace, this.name);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) {
        this.reportError(err);
        return false;
      }
      try {
        await this.client.create<LeaseObject>(resources.leases, this.namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace: this.namespace },
          spec: {
            holderIdentity: this.identity,
            leaseDurationSeconds: leaseSeconds,
            acquireTime: nowText,
            renewTime: nowText,
            leaseTransitions: 0,
          },
        });
      } catch (createErr) {
        if (!(createErr instanceof StatusError && createErr.code === 409)) this.reportError(createErr);
        return false;
      }
      this.observe(this.identity);
      return true;
    }

    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    this.observe(holder);
    if (holder && holder !== this.identity && !this.expired(spec, now)) return false;
    const ours = holder === this.identity;
    const updated: LeaseObject = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: this.identity,
        leaseDurationSeconds: leaseSeconds,
        renewTime: nowText,
        acquireTime: ours && spec.acquireTime ? spec.acquireTime : nowText,
        leaseTransitions: ours ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      await this.client.update<LeaseObject>(resources.leases, this.namespace, updated);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) this.reportError(err);
      return false;
    }
    this.observe(this.identity);
    return true;
  }

  private expired(spec: NonNullable<Lease['spec']>, now: Date): boolean {
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : NaN;
    if (Number.isNaN(renewed)) return true;
    const durationMs = (spec.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
    return renewed + durationMs < now.getTime();
  }

  /** Gives the lease up (holderIdentity cleared, 1 s duration), as client-go's release. */
  private async release(): Promise<void> {
    try {
      const lease = await this.client.get<LeaseObject>(resources.leases, this.namespace, this.name);
      if (lease.spec?.holderIdentity !== this.identity) return;
      const nowText = formatMicroTime(this.clock.now());
      await this.client.update<LeaseObject>(resources.leases, this.namespace, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: nowText, acquireTime: nowText },
      });
    } catch (err) {
      this.reportError(err);
    }
  }

  private observe(holder: string): void {
    if (holder === this.observedLeader) return;
    this.observedLeader = holder;
    if (holder) this.callbacks?.onNewLeader?.(holder);
  }
}
