/**
 * The shape of a decoded document, measured without recursion (so no depth overflows the call
 * stack) and once per distinct node (so YAML aliases, which decode to shared references, cost
 * nothing to measure however far they would expand).
 */

/**
 * How deep Skiff lets a stored object nest. Upstream's JSON decoder allows 10,000 levels; V8's
 * own recursion (JSON.stringify included) overflows its default stack near 2,000, so Skiff
 * refuses past 1,000 with a 400 rather than fail later with a 500. Real objects nest a few dozen levels.
 */
export const maxNestingDepth = 1000;

/** What {@link measureJSON} finds. */
export interface JSONShape {
  /** Levels of arrays and objects on the deepest path (a scalar is 0, `{}` is 1). */
  depth: number;
  /** Arrays, objects and scalars as they would be written out, aliases expanded. */
  expandedNodes: number;
  /** Arrays and objects that are distinct in memory, plus scalars once per place. */
  distinctNodes: number;
}

/** Measures a decoded JSON or YAML value in time linear in its distinct nodes. */
export function measureJSON(value: unknown): JSONShape {
  const done = new Map<object, { depth: number; expanded: number }>();
  let distinct = 0;
  const childrenOf = (node: object): unknown[] => (Array.isArray(node) ? node : Object.values(node));
  const stack: { node: object; expanded: boolean }[] = [];
  /** Nodes whose children are being measured: meeting one again is a cycle. */
  const open = new Set<object>();
  if (value !== null && typeof value === 'object') stack.push({ node: value, expanded: false });
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (done.has(top.node)) {
      stack.pop();
      continue;
    }
    const children = childrenOf(top.node);
    if (!top.expanded) {
      top.expanded = true;
      open.add(top.node);
      distinct++;
      for (const child of children) {
        if (child !== null && typeof child === 'object') {
          // A cycle cannot come from JSON; from YAML it would be an alias to an ancestor.
          if (open.has(child)) throw new Error('the document refers to itself');
          if (!done.has(child)) stack.push({ node: child, expanded: false });
        } else {
          distinct++;
        }
      }
      continue;
    }
    let depth = 0;
    let expanded = 1;
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        const measured = done.get(child)!;
        depth = Math.max(depth, measured.depth);
        expanded += measured.expanded;
      } else {
        expanded += 1;
      }
    }
    done.set(top.node, { depth: depth + 1, expanded });
    open.delete(top.node);
    stack.pop();
  }
  const root = value !== null && typeof value === 'object' ? done.get(value)! : { depth: 0, expanded: 1 };
  return { depth: root.depth, expandedNodes: root.expanded, distinctNodes: Math.max(distinct, 1) };
}
