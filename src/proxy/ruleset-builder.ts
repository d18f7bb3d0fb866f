import type { SkippedPort } from './desired-ruleset.js';
import type { ElementState, RulesetChanges } from './ruleset-delta.js';
import type { NftChain, NftMap, Ruleset } from './ruleset.js';

/** One element a Service wants in a set or map. */
export interface ContributedElement {
  map: string;
  key: string;
  /** undefined in a set. */
  value: string | undefined;
}

/** Everything one Service puts in the ruleset. */
export interface Contribution {
  elements: ContributedElement[];
  /** Sets and maps its elements need (their `elements` are ignored). */
  maps: Map<string, NftMap>;
  /** Chains its elements jump to. */
  chains: Map<string, NftChain>;
  skipped: SkippedPort[];
}

interface Holder {
  owner: string;
  value: string | undefined;
}

const frontendMaps = new Set(['frontends', 'no-endpoint-frontends']);

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

/** Elements by map, key and value (a Service may want one element twice, e.g. a hairpin pair for two ports). */
function byIdentity(elements: ContributedElement[]): Map<string, ContributedElement> {
  return new Map(elements.map((e) => [`${e.map}\n${e.key}\n${e.value ?? ''}`, e]));
}

/**
 * The ruleset as the sum of per-Service {@link Contribution}s, kept up to date in place: a
 * changed Service costs work in proportion to its own elements, not to the cluster's. When two
 * Services want the same element key, the first owner (in `namespace/name` order) wins and the
 * others are reported skipped (also when one has endpoints and the other not). It records what changed since {@link takeChanges} for a partial sync.
 */
export class RulesetBuilder {
  private readonly live: Ruleset;
  private readonly baseMaps: Set<string>;
  private readonly baseChains: Set<string>;
  private readonly contributions = new Map<string, Contribution>();
  /** Owners whose contribution skipped something (so {@link skipped} need not visit every Service). */
  private readonly skippingOwners = new Set<string>();
  private readonly holders = new Map<string, Map<string, Holder[]>>();
  private readonly declarationUsers = new Map<string, number>();
  /** Map → key → state before the first change since the last takeChanges. */
  private touched = new Map<string, Map<string, ElementState>>();
  private newMaps = new Map<string, NftMap>();
  private newChains = new Map<string, NftChain>();
  private readonly conflicts = new Set<string>();
  private redeclared = false;

  /**
   * @param base the sets, maps and chains every ruleset has (copied; their elements ignored).
   * @param options.recordChanges whether to record changes for {@link takeChanges} (default
   *   true; a builder used once for a whole ruleset saves the work).
   */
  constructor(base: Ruleset, private readonly options: { recordChanges?: boolean } = {}) {
    this.live = {
      family: base.family,
      table: base.table,
      maps: new Map([...base.maps].map(([name, map]) => [name, { ...map, elements: new Map() }])),
      chains: new Map(base.chains),
    };
    this.baseMaps = new Set(base.maps.keys());
    this.baseChains = new Set(base.chains.keys());
  }

  /** The current ruleset (live: do not modify; it changes with {@link set}). */
  ruleset(): Ruleset {
    return this.live;
  }

  /** Replaces what `owner` (a Service's `namespace/name`) contributes; undefined removes it. */
  set(owner: string, contribution: Contribution | undefined): void {
    const old = this.contributions.get(owner);
    if (contribution) {
      for (const [name, map] of contribution.maps) this.use(name, map, this.live.maps, this.newMaps);
      for (const [name, chain] of contribution.chains) this.use(name, chain, this.live.chains, this.newChains);
      this.contributions.set(owner, contribution);
    } else {
      this.contributions.delete(owner);
    }
    if (contribution && contribution.skipped.length > 0) this.skippingOwners.add(owner);
    else this.skippingOwners.delete(owner);
    if (!old || old.elements.length === 0) {
      // A new owner (every Service of a full sync): nothing to compare with; hold skips repeats.
      for (const e of contribution?.elements ?? []) this.hold(e, owner);
    } else {
      const wanted = byIdentity(contribution?.elements ?? []);
      const had = byIdentity(old.elements);
      for (const [id, e] of had) if (!wanted.has(id)) this.release(e.map, e.key, owner);
      for (const [id, e] of wanted) if (!had.has(id)) this.hold(e, owner);
    }
    if (old) {
      for (const name of old.maps.keys()) this.declarationUsers.set(name, (this.declarationUsers.get(name) ?? 1) - 1);
      for (const name of old.chains.keys()) this.declarationUsers.set(`chain ${name}`, (this.declarationUsers.get(`chain ${name}`) ?? 1) - 1);
    }
  }

  /** Service ports left out: those the contributions skipped, and frontends another Service holds. */
  skipped(): SkippedPort[] {
    const out: SkippedPort[] = [];
    for (const owner of [...this.skippingOwners].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const s of this.contributions.get(owner)!.skipped) out.push(s.service === owner ? s : { ...s, service: owner });
    }
    for (const key of [...this.conflicts].sort()) {
      const [winner, ...losers] = this.frontendHolders(key);
      for (const loser of losers) out.push({ service: loser.owner, reason: `${key.replace(/ \. /g, ' ')} is already served for ${winner?.owner}` });
    }
    return out;
  }

  /** What changed since the last call (or since construction), and forgets it. */
  takeChanges(): RulesetChanges {
    const elements = new Map<string, Map<string, { before: ElementState; after: ElementState }>>();
    for (const [map, keys] of this.touched) {
      const live = this.live.maps.get(map)!.elements;
      const changed = new Map<string, { before: ElementState; after: ElementState }>();
      for (const [key, before] of keys) {
        const after: ElementState = live.has(key) ? { value: live.get(key) } : null;
        if (before?.value === after?.value && (before === null) === (after === null)) continue;
        changed.set(key, { before, after });
      }
      if (changed.size) elements.set(map, changed);
    }
    const changes: RulesetChanges = { newMaps: this.newMaps, newChains: this.newChains, elements };
    this.touched = new Map();
    this.newMaps = new Map();
    this.newChains = new Map();
    return changes;
  }

  /**
   * Drops the sets, maps and chains no contribution uses any more and forgets pending changes:
   * for a full sync, which declares the table anew.
   */
  compact(): void {
    // Pending changes first: they may name the maps dropped below.
    this.takeChanges();
    for (const [name, users] of this.declarationUsers) {
      if (users > 0) continue;
      this.declarationUsers.delete(name);
      if (name.startsWith('chain ')) {
        if (!this.baseChains.has(name.slice(6))) this.live.chains.delete(name.slice(6));
      } else if (!this.baseMaps.has(name) && this.live.maps.get(name)?.elements.size === 0) {
        this.live.maps.delete(name);
      }
    }
  }

  /**
   * Whether a set's, map's or chain's declaration changed since the last call (a contribution
   * such as the NetworkPolicy part rewrites its chains' rules): only a full sync can load that.
   */
  takeRedeclared(): boolean {
    const redeclared = this.redeclared;
    this.redeclared = false;
    return redeclared;
  }

  private use<T extends NftMap | NftChain>(name: string, declaration: T, live: Map<string, T>, added: Map<string, T>): void {
    const id = live === (this.live.chains as Map<string, unknown>) ? `chain ${name}` : name;
    this.declarationUsers.set(id, (this.declarationUsers.get(id) ?? 0) + 1);
    const current = live.get(name);
    if (current === undefined) {
      live.set(name, declaration);
      added.set(name, declaration);
    } else if ('rules' in current && 'rules' in declaration && !sameLines(current.rules, declaration.rules)) {
      live.set(name, declaration);
      this.redeclared = true;
    } else if ('declaration' in current && 'declaration' in declaration && !sameLines(current.declaration, declaration.declaration)) {
      current.declaration = declaration.declaration;
      this.redeclared = true;
    }
  }

  private remember(map: string, key: string): void {
    if (this.options.recordChanges === false) return;
    let keys = this.touched.get(map);
    if (!keys) {
      keys = new Map();
      this.touched.set(map, keys);
    }
    if (keys.has(key)) return;
    const elements = this.live.maps.get(map)!.elements;
    keys.set(key, elements.has(key) ? { value: elements.get(key) } : null);
  }

  private hold(element: ContributedElement, owner: string): void {
    const { map, key, value } = element;
    let byKey = this.holders.get(map);
    if (!byKey) {
      byKey = new Map();
      this.holders.set(map, byKey);
    }
    const list = byKey.get(key);
    if (!list) {
      // The common case: a key nobody holds yet.
      byKey.set(key, [{ owner, value }]);
      this.remember(map, key);
      this.live.maps.get(map)!.elements.set(key, value);
      if (frontendMaps.has(map)) this.noteConflict(map, key);
      return;
    }
    // The same element twice from one owner (a hairpin pair for two ports) is held once.
    if (list.some((h) => h.owner === owner && h.value === value)) return;
    let at = list.findIndex((h) => h.owner > owner);
    if (at < 0) at = list.length;
    list.splice(at, 0, { owner, value });
    if (at === 0) {
      this.remember(map, key);
      this.live.maps.get(map)!.elements.set(key, value);
    }
    this.noteConflict(map, key);
  }

  private release(map: string, key: string, owner: string): void {
    const list = this.holders.get(map)?.get(key);
    const at = list?.findIndex((h) => h.owner === owner) ?? -1;
    if (!list || at < 0) return;
    list.splice(at, 1);
    if (at === 0) {
      this.remember(map, key);
      const elements = this.live.maps.get(map)!.elements;
      if (list.length > 0) elements.set(key, list[0]!.value);
      else elements.delete(key);
    }
    if (list.length === 0) this.holders.get(map)!.delete(key);
    this.noteConflict(map, key);
  }

  /** Who holds a frontend key in either frontend map, first owner first. */
  private frontendHolders(key: string): Holder[] {
    const all = [...frontendMaps].flatMap((map) => this.holders.get(map)?.get(key) ?? []);
    return all.sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  }

  private noteConflict(map: string, key: string): void {
    if (!frontendMaps.has(map)) return;
    let holders = 0;
    for (const name of frontendMaps) holders += this.holders.get(name)?.get(key)?.length ?? 0;
    if (holders > 1) this.conflicts.add(key);
    else this.conflicts.delete(key);
  }
}
