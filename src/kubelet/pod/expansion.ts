/**
 * `$(VAR)` expansion with the rules of upstream's forked golang expansion package: `$(NAME)` is
 * replaced by the mapping's value, `$$` is an escaped `$`, a reference whose name is unknown is
 * left as written, an unterminated `$(` and a `$` before any other character are kept verbatim.
 */

/** Maps a variable name to its value; returns the reference itself (`$(NAME)`) for unknown names. */
export type ExpansionMapping = (name: string) => string;

/** A mapping that looks names up in each source in turn, leaving unknown references as `$(NAME)`. */
export function mappingFor(...sources: ReadonlyMap<string, string>[]): ExpansionMapping {
  return (name) => {
    for (const source of sources) {
      const value = source.get(name);
      if (value !== undefined) return value;
    }
    return `$(${name})`;
  };
}

/** Expands the `$(VAR)` references of `input` through `mapping`. */
export function expand(input: string, mapping: ExpansionMapping): string {
  let output = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    output += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') {
      output += '$';
    } else if (next === '(') {
      const closer = input.indexOf(')', cursor + 2);
      if (closer === -1) {
        output += '$(';
      } else {
        output += mapping(input.slice(cursor + 2, closer));
        advance = closer - cursor;
      }
    } else {
      output += '$' + next;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return output + input.slice(checkpoint);
}
