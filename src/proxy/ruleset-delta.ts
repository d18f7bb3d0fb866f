import { compareText, elementText, mapKind, type NftChain, type NftMap, type Ruleset } from './ruleset.js';

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
 * The partial sync from `current` (what the kernel holds) to `desired`: only element deletes
 * and adds, plus declarations of new sets, maps and chains. Returns undefined when that cannot
 * express the change (another table, a chain's rules or a declaration changed): then a full
 * sync is needed.
 */
export function rulesetDelta(current: Ruleset, desired: Ruleset): RulesetDelta | undefined {
  if (current.family !== desired.family || current.table !== desired.table) return undefined;
  const where = `${desired.family} ${desired.table}`;
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

  const declarations: string[] = [];
  for (const name of [...desired.maps.keys()].sort(compareText)) {
    if (current.maps.has(name)) continue;
    const map = desired.maps.get(name)!;
    declarations.push(`add ${mapKind(map)} ${where} ${name} { ${map.declaration.join('; ')}; }\n`);
  }
  for (const name of [...desired.chains.keys()].sort(compareText)) {
    if (current.chains.has(name)) continue;
    const rules = desired.chains.get(name)!.rules;
    // A base chain's `type … hook …` line goes in braces; plain rules follow as `add rule`.
    const hook = rules[0]?.startsWith('type ') ? ` { ${rules[0]} }` : '';
    declarations.push(`add chain ${where} ${name}${hook}\n`);
    for (const rule of hook ? rules.slice(1) : rules) declarations.push(`add rule ${where} ${name} ${rule}\n`);
  }

  const deletes: string[] = [];
  const adds: string[] = [];
  let elementChanges = 0;
  for (const name of [...maps.keys()].sort(compareText)) {
    const after = maps.get(name)!;
    if (after.dynamic) continue;
    const before = current.maps.get(name)?.elements ?? new Map<string, string | undefined>();
    const gone: string[] = [];
    const added: string[] = [];
    for (const [key, value] of before) {
      if (!after.elements.has(key)) gone.push(key);
      else if (after.elements.get(key) !== value) {
        gone.push(key);
        added.push(elementText(key, after.elements.get(key)));
      }
    }
    for (const [key, value] of after.elements) if (!before.has(key)) added.push(elementText(key, value));
    if (gone.length) deletes.push(`delete element ${where} ${name} { ${gone.sort(compareText).join(', ')} }\n`);
    if (added.length) adds.push(`add element ${where} ${name} { ${added.sort(compareText).join(', ')} }\n`);
    elementChanges += gone.length + added.length;
  }
  // Deletes first: a changed value is a delete and an add of the same key in one transaction.
  const text = [...declarations, ...deletes, ...adds].join('');
  return { text, applied: { ...desired, maps, chains }, elementChanges };
}
