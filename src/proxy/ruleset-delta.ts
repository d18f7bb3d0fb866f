import { compareText, elementText, mapKind, type NftChain, type NftMap, type Ruleset } from './ruleset.js';

/** An element's value before or after a change: `{ value }` when present (value undefined in a set), null when absent. */
export type ElementState = { value: string | undefined } | null;

/** What a partial sync changes, as data. */
export interface RulesetChanges {
  /** Sets and maps to declare (new since the last sync). */
  newMaps: Map<string, NftMap>;
  /** Chains to declare with their rules (new since the last sync). */
  newChains: Map<string, NftChain>;
  /** Map or set name → element key → its state before and after. */
  elements: Map<string, Map<string, { before: ElementState; after: ElementState }>>;
}

/** What a partial sync changes: the `nft -f` text and the model the kernel then holds. */
export interface RulesetDelta {
  /** The transaction's text; '' when nothing changed. */
  text: string;
  /**
   * The kernel's state after the transaction: the new model plus the sets, maps and chains
   * the old one had and the new one lacks (left in place, emptied, until the next full sync).
   */
  applied: Ruleset;
  /** Element adds plus deletes in the text (a changed map value counts as both). */
  elementChanges: number;
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

/**
 * The `nft -f` text of {@link RulesetChanges} for table `family table`: declarations of new
 * sets, maps and chains, then element deletes (a changed value is a delete and an add of the
 * same key in the one transaction), then adds.
 */
export function renderChanges(family: string, table: string, changes: RulesetChanges): { text: string; elementChanges: number } {
  const where = `${family} ${table}`;
  const out: string[] = [];
  for (const name of [...changes.newMaps.keys()].sort(compareText)) {
    const map = changes.newMaps.get(name)!;
    out.push(`add ${mapKind(map)} ${where} ${name} { ${map.declaration.join('; ')}; }\n`);
  }
  for (const name of [...changes.newChains.keys()].sort(compareText)) {
    const rules = changes.newChains.get(name)!.rules;
    // A base chain's `type … hook …` line goes in braces; plain rules follow as `add rule`.
    const hook = rules[0]?.startsWith('type ') ? ` { ${rules[0]} }` : '';
    out.push(`add chain ${where} ${name}${hook}\n`);
    for (const rule of hook ? rules.slice(1) : rules) out.push(`add rule ${where} ${name} ${rule}\n`);
  }
  const deletes: string[] = [];
  const adds: string[] = [];
  let elementChanges = 0;
  for (const name of [...changes.elements.keys()].sort(compareText)) {
    const gone: string[] = [];
    const added: string[] = [];
    for (const [key, { before, after }] of changes.elements.get(name)!) {
      if (before && after && before.value === after.value) continue;
      if (before) gone.push(key);
      if (after) added.push(elementText(key, after.value));
    }
    if (gone.length) deletes.push(`delete element ${where} ${name} { ${gone.sort(compareText).join(', ')} }\n`);
    if (added.length) adds.push(`add element ${where} ${name} { ${added.sort(compareText).join(', ')} }\n`);
    elementChanges += gone.length + added.length;
  }
  return { text: [...out, ...deletes, ...adds].join(''), elementChanges };
}

/**
 * The partial sync from `current` (what the kernel holds) to `desired`: only element deletes
 * and adds, plus declarations of new sets, maps and chains. Returns undefined when that cannot
 * express the change (another table, a chain's rules or a declaration changed): then a full
 * sync is needed.
 */
export function rulesetDelta(current: Ruleset, desired: Ruleset): RulesetDelta | undefined {
  if (current.family !== desired.family || current.table !== desired.table) return undefined;
  const maps = new Map<string, NftMap>(desired.maps);
  const chains = new Map<string, NftChain>(desired.chains);
  for (const [name, map] of current.maps) {
    const wanted = desired.maps.get(name);
    if (!wanted) maps.set(name, { ...map, elements: new Map() });
    else if (!sameLines(map.declaration, wanted.declaration) || Boolean(map.dynamic) !== Boolean(wanted.dynamic)) return undefined;
  }
  for (const [name, chain] of current.chains) {
    const wanted = desired.chains.get(name);
    if (!wanted) chains.set(name, chain);
    else if (!sameLines(chain.rules, wanted.rules)) return undefined;
  }
  const changes: RulesetChanges = {
    newMaps: new Map([...desired.maps].filter(([name]) => !current.maps.has(name))),
    newChains: new Map([...desired.chains].filter(([name]) => !current.chains.has(name))),
    elements: new Map(),
  };
  for (const [name, after] of maps) {
    if (after.dynamic) continue;
    const before = current.maps.get(name)?.elements ?? new Map<string, string | undefined>();
    const changed = new Map<string, { before: ElementState; after: ElementState }>();
    for (const [key, value] of before) {
      const present = after.elements.has(key);
      if (!present || after.elements.get(key) !== value) changed.set(key, { before: { value }, after: present ? { value: after.elements.get(key) } : null });
    }
    for (const [key, value] of after.elements) if (!before.has(key)) changed.set(key, { before: null, after: { value } });
    if (changed.size) changes.elements.set(name, changed);
  }
  const { text, elementChanges } = renderChanges(desired.family, desired.table, changes);
  return { text, applied: { ...desired, maps, chains }, elementChanges };
}
