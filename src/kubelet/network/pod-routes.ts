/**
 * The flat pod network across nodes, host-gw style (flannel's host-gw backend): every node routes
 * each other node's pod CIDR via that node's InternalIP, so pods reach each other directly, with
 * their own source addresses. Needs the nodes on one L2 segment (or routers that know the routes).
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { Node } from 'kubernetes-types/core/v1.js';
import { systemClock, type Clock } from '../../apimachinery/clock.js';
import type { EventHandlers } from '../../client/informer.js';
import { errorMessage } from '../../apimachinery/errors.js';

/** One route of the pod network: `cidr` (another node's pod CIDR) via `via` (that node's InternalIP). */
export interface PodRoute {
  cidr: string;
  via: string;
}

/** Where {@link PodRoutes} reads Nodes from: an `Informer<Node>` of all nodes fits. */
export interface NodeSource {
  list(): Node[];
  addEventHandler(handlers: EventHandlers<Node>): void;
}

/** Runs a command to completion and returns its stdout; rejects on a non-zero exit. */
export type CommandRunner = (command: string, args: string[], input?: string) => Promise<string>;

/** The `proto` number our routes carry, so that we list, replace and delete only our own (83 = 'S'; unused by iproute2's rt_protos). */
export const podRouteProtocol = 83;

/** The iptables nat chain holding the pod-to-pod masquerade exemptions. */
export const noMasqueradeChain = 'SKIFF-POSTROUTING';

const isIPv4CIDR = (s: string): boolean => /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(s);
const isIPv4 = (s: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(s);

/** The IPv4 pod CIDRs of a node (spec.podCIDRs, else spec.podCIDR). */
export function nodePodCIDRs(node: Node): string[] {
  const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  return cidrs.filter(isIPv4CIDR);
}

/**
 * The routes this node needs: every other node's IPv4 pod CIDR via its IPv4 InternalIP. Nodes
 * without either are left out, as is a CIDR this node holds itself or one already claimed by
 * another node (the first by name wins). Sorted by CIDR. Pure.
 */
export function desiredPodRoutes(nodes: readonly Node[], selfName: string): PodRoute[] {
  const self = nodes.find((n) => n.metadata?.name === selfName);
  const taken = new Set(self ? nodePodCIDRs(self) : []);
  const routes: PodRoute[] = [];
  const others = nodes.filter((n) => n.metadata?.name !== selfName).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const node of others) {
    const via = node.status?.addresses?.find((a) => a.type === 'InternalIP' && isIPv4(a.address))?.address;
    if (!via) continue;
    for (const cidr of nodePodCIDRs(node)) {
      if (taken.has(cidr)) continue;
      taken.add(cidr);
      routes.push({ cidr, via });
    }
  }
  return routes.sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0));
}

/**
 * The iptables-restore input (nat table, applied with --noflush) of the masquerade exemptions:
 * traffic from this node's pods to another node's pods is ACCEPTed in nat POSTROUTING before the
 * CNI bridge plugin's MASQUERADE rules (ipMasq) see it, as flannel does. Pure.
 */
export function noMasqueradeRules(ownCIDRs: readonly string[], remoteCIDRs: readonly string[]): string {
  const lines = ['*nat', `:${noMasqueradeChain} - [0:0]`];
  for (const src of ownCIDRs) {
    for (const dst of remoteCIDRs) lines.push(`-A ${noMasqueradeChain} -s ${src} -d ${dst} -m comment --comment "skiff: pod to pod, not masqueraded" -j ACCEPT`);
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** Options of {@link PodRoutes}. */
export interface PodRoutesOptions {
  /**
   * All Nodes, not only this one: each other node's podCIDRs and InternalIP make a route. This is
   * why the agent keeps one cluster-wide Node watch while it watches everything else by name.
   */
  nodes: NodeSource;
  /** This node's name. */
  nodeName: string;
  /** Default: execFile (`ip`, `iptables`, `iptables-restore` from PATH). */
  run?: CommandRunner;
  /** Set net.ipv4.ip_forward to 1 in this network namespace (the node routes for its pods). Default true. */
  enableForwarding?: boolean;
  /** Exempt pod-to-pod traffic between nodes from the CNI bridge's masquerade. Default true. */
  exemptPodTrafficFromMasquerade?: boolean;
  /** How often routes are reconciled without a Node change (e.g. after a link went down and took them). Default 60 s. */
  resyncPeriodMs?: number;
  /** Delay before retrying a failed reconcile. Default 5 s. */
  retryDelayMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** Changes and errors. Default console.error. */
  log?: (message: string) => void;
}

interface IpRoute {
  dst?: string;
  gateway?: string;
  protocol?: string;
}

function defaultRun(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // A command that exits without reading its input makes the write fail with EPIPE: its exit status tells the story.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')}: exit ${code}: ${stderr.trim()}`));
    });
  });
}

/**
 * Keeps this node's pod routes (and masquerade exemptions) in line with the Nodes: the one part of
 * the agent that changes the kernel's routing. It replaces routes it wants, deletes routes it added
 * that are no longer wanted, and never touches routes it did not add (they carry another `proto`).
 * Routes stay when the agent stops, so pods keep talking across an agent restart (as flannel).
 */
export class PodRoutes {
  private readonly run: CommandRunner;
  private readonly clock: Clock;
  private readonly log: (message: string) => void;
  private dirty = true;
  private wake: (() => void) | undefined;
  private lastApplied = '';

  constructor(private readonly options: PodRoutesOptions) {
    this.run = options.run ?? defaultRun;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? ((m) => console.error(m));
  }

  /** Reconciles on every Node change (and periodically) until `signal` aborts. Call once the node source is started; never rejects. */
  async start(signal: AbortSignal): Promise<void> {
    const poke = () => {
      this.dirty = true;
      this.wake?.();
    };
    this.options.nodes.addEventHandler({ onAdd: poke, onUpdate: (o, n) => (o !== n ? poke() : undefined), onDelete: poke });
    signal.addEventListener('abort', () => this.wake?.(), { once: true });
    const resyncMs = this.options.resyncPeriodMs ?? 60_000;
    let nextResync = this.clock.now().getTime() + resyncMs;
    while (!signal.aborted) {
      if (!this.dirty && this.clock.now().getTime() < nextResync) {
        const woken = new Promise<void>((resolve) => (this.wake = resolve));
        await Promise.race([woken, this.clock.sleep(nextResync - this.clock.now().getTime(), signal)]);
        this.wake = undefined;
        continue;
      }
      this.dirty = false;
      nextResync = this.clock.now().getTime() + resyncMs;
      try {
        await this.reconcile();
      } catch (err) {
        this.log(`pod routes: ${errorMessage(err)}`);
        this.dirty = true;
        await this.clock.sleep(this.options.retryDelayMs ?? 5000, signal);
      }
    }
  }

  /** One pass: forwarding on, routes as wanted, masquerade exemptions as wanted. Exposed for tests. */
  async reconcile(): Promise<void> {
    const nodes = this.options.nodes.list();
    const wanted = desiredPodRoutes(nodes, this.options.nodeName);
    if (this.options.enableForwarding ?? true) await this.enableForwarding();

    const all = JSON.parse((await this.run('ip', ['-4', '-j', 'route', 'show', 'table', 'main'])) || '[]') as IpRoute[];
    const ours = new Map<string, IpRoute>();
    const others = new Set<string>();
    for (const r of all) {
      if (!r.dst) continue;
      if (r.protocol === String(podRouteProtocol)) ours.set(r.dst, r);
      else others.add(r.dst);
    }
    const changes: string[] = [];
    for (const { cidr, via } of wanted) {
      if (others.has(cidr)) {
        // Someone else routes this CIDR (e.g. the bridge for our own pods): theirs stands.
        this.log(`pod routes: not routing ${cidr} via ${via}: a route not ours exists`);
        continue;
      }
      if (ours.get(cidr)?.gateway === via) continue;
      await this.run('ip', ['route', 'replace', cidr, 'via', via, 'proto', String(podRouteProtocol)]);
      changes.push(`+${cidr} via ${via}`);
    }
    const wantedCIDRs = new Set(wanted.map((r) => r.cidr));
    for (const dst of ours.keys()) {
      if (wantedCIDRs.has(dst)) continue;
      await this.run('ip', ['route', 'del', dst, 'proto', String(podRouteProtocol)]);
      changes.push(`-${dst}`);
    }
    if (changes.length > 0) this.log(`pod routes: ${changes.join(', ')}`);

    if (this.options.exemptPodTrafficFromMasquerade ?? true) {
      const self = nodes.find((n) => n.metadata?.name === this.options.nodeName);
      const rules = noMasqueradeRules(self ? nodePodCIDRs(self) : [], wanted.map((r) => r.cidr));
      if (rules !== this.lastApplied) {
        await this.run('iptables-restore', ['--noflush', '-w', '5'], rules);
        await this.ensureJump();
        this.lastApplied = rules;
      }
    }
  }

  private async enableForwarding(): Promise<void> {
    // /proc/sys/net is per network namespace: this writes the node's (the agent's) namespace.
    const path = '/proc/sys/net/ipv4/ip_forward';
    if ((await readFile(path, 'utf8')).trim() === '1') return;
    await writeFile(path, '1\n');
    this.log('pod routes: enabled net.ipv4.ip_forward');
  }

  /** The jump into our chain, first in nat POSTROUTING, before the CNI plugin's (appended) rules. */
  private async ensureJump(): Promise<void> {
    const jump = ['-t', 'nat', '-w', '5'];
    const rule = ['POSTROUTING', '-m', 'comment', '--comment', 'skiff pod network', '-j', noMasqueradeChain];
    try {
      await this.run('iptables', [...jump, '-C', ...rule]);
    } catch {
      await this.run('iptables', [...jump, '-I', rule[0] ?? 'POSTROUTING', '1', ...rule.slice(1)]);
    }
  }
}
