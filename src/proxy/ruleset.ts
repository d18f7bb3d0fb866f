/**
 * The Service proxy's desired kernel state as plain data, and its rendering as `nft -f` text.
 * Everything lives in ONE table of our own; Services are elements of a few sets and maps (not
 * chains), so a change is a handful of element adds and deletes.
 */

/** A named set or map of the table. */
export interface NftMap {
  /** Declaration body lines without elements, e.g. `type ipv4_addr . inet_proto . inet_service : verdict`. */
  declaration: string[];
  /**
   * Element key → element value (`undefined` for a set). Keys and values are nft text
   * (`10.170.11.11 . tcp . 80`, `goto endpoints-2`).
   */
  elements: Map<string, string | undefined>;
  /** Elements the kernel adds itself (session affinity): never rendered nor diffed. */
  dynamic?: boolean;
}

/** A chain: its rules as nft text, the first one may be the `type … hook …` line. */
export interface NftChain {
  rules: string[];
}

/** One table's worth of sets, maps and chains. */
export interface Ruleset {
  /** The address family of the table: `ip` (IPv4 only). */
  family: 'ip';
  /** The table's name, e.g. `skiff`. */
  table: string;
  maps: Map<string, NftMap>;
  chains: Map<string, NftChain>;
}

/** `add table` then `delete table` so the delete succeeds whether or not the table exists. */
function tableReset(model: Ruleset): string {
  return `add table ${model.family} ${model.table}\ndelete table ${model.family} ${model.table}\n`;
}

function sortedKeys<T>(m: Map<string, T>): string[] {
  return [...m.keys()].sort(compareText);
}

/** A stable order for element and object names (plain code-unit order). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `key` or `key : value`. */
export function elementText(key: string, value: string | undefined): string {
  return value === undefined ? key : `${key} : ${value}`;
}

/**
 * The `nft -f` text of a full sync: the table deleted and declared again with all its sets,
 * maps (with their elements) and chains, in one transaction.
 */
export function renderRuleset(model: Ruleset): string {
  const out: string[] = [tableReset(model), `table ${model.family} ${model.table} {\n`];
  for (const name of sortedKeys(model.maps)) {
    const map = model.maps.get(name)!;
    out.push(`\t${mapKind(map)} ${name} {\n`);
    for (const line of map.declaration) out.push(`\t\t${line}\n`);
    if (!map.dynamic && map.elements.size > 0) {
      const items = sortedKeys(map.elements).map((k) => elementText(k, map.elements.get(k)));
      out.push(`\t\telements = {\n${items.map((e) => `\t\t\t${e},\n`).join('')}\t\t}\n`);
    }
    out.push('\t}\n');
  }
  for (const name of sortedKeys(model.chains)) {
    out.push(`\tchain ${name} {\n`);
    for (const rule of model.chains.get(name)!.rules) out.push(`\t\t${rule}\n`);
    out.push('\t}\n');
  }
  out.push('}\n');
  return out.join('');
}

/** Whether the declaration is a map's (its type has a `:` data part). */
export function isMapDeclaration(map: NftMap): boolean {
  return map.declaration.some((line) => /^(type|typeof) .* : /.test(line));
}

/** `map` or `set`, from the declaration. */
export function mapKind(map: NftMap): 'map' | 'set' {
  return isMapDeclaration(map) ? 'map' : 'set';
}
