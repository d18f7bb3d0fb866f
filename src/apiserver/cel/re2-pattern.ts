/** RE2 flags JavaScript's RegExp has under the same letter: case-insensitive, `.` matches newline, multi-line `^`/`$`. */
const translatableFlags = new Set(['i', 's', 'm']);

/** A leading `(?flags)` or `(?flags-flags)` group. */
const flagGroup = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/;

/**
 * The JavaScript RegExp for a RE2 pattern (the syntax of CEL's `matches`). JavaScript accepts
 * no inline flag groups; RE2 patterns often start with one, as in `(?i)abc` or `^(?i)abc`
 * (Gateway API's GRPCRoute rules). Flag groups at the start of the pattern, also after leading
 * `^` anchors, set the flags of the whole rest of the pattern, so they become the RegExp's
 * flags (`i`, `s`, `m`, cleared again by `(?-m)`). A `^` keeps the meaning RE2 gives it: written
 * before `(?m)` it matches only at the start of the text. Every other construct is handed to RegExp
 * as it is. Throws SyntaxError for a pattern RegExp rejects and for RE2's ungreedy flag `U`,
 * which JavaScript cannot express.
 */
export function re2RegExp(pattern: string): RegExp {
  let rest = pattern;
  /** Each leading `^`, with whether `m` was set where it stands. */
  const anchors: boolean[] = [];
  const flags = new Set<string>();
  for (;;) {
    if (rest.startsWith('^')) {
      anchors.push(flags.has('m'));
      rest = rest.slice(1);
      continue;
    }
    const group = flagGroup.exec(rest);
    if (!group) break;
    const [whole, set = '', cleared = ''] = group;
    if (set === '' && cleared === '') throw new SyntaxError(`Invalid regular expression: ${pattern}: empty flag group`);
    for (const f of set + cleared) {
      if (f === 'U') throw new SyntaxError(`Invalid regular expression: ${pattern}: the ungreedy flag (?U) is not supported`);
      if (!translatableFlags.has(f)) throw new SyntaxError(`Invalid regular expression: ${pattern}: unknown flag ${f}`);
    }
    for (const f of set) flags.add(f);
    for (const f of cleared) flags.delete(f);
    rest = rest.slice(whole.length);
  }
  // The RegExp's `m` applies to every `^`: an anchor read under other flags than the final ones becomes a lookbehind.
  const multiLine = flags.has('m');
  const prefix = anchors.map((underM) => (underM === multiLine ? '^' : underM ? '(?<![^\\n])' : '(?<![\\s\\S])')).join('');
  return new RegExp(prefix + rest, [...flags].sort().join(''));
}
