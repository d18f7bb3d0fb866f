/**
 * Summarises a V8 heap snapshot (`node --heapsnapshot-signal`, `v8.writeHeapSnapshot`, or
 * bench/scale's BENCH_SERVER_HEAP_SNAPSHOT): self size by object type and constructor, and the
 * objects that retain the most (dominator tree, as DevTools' "Retained Size"), each with a label
 * made of its string properties (an Informer shows its resource, say) and the chain of
 * constructors that retains it. Reads snapshots over JSON.parse's size limit. Usage:
 *   node dist/bench/heap-snapshot-top.js FILE.heapsnapshot [TOP=40] [--classes=Informer,WatchHub]
 * `--classes` also lists every instance of those constructors with its retained size.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The parsed parts of a snapshot this summary reads. */
interface Snapshot {
  nodeFields: number;
  nodeTypes: string[];
  edgeFields: number;
  edgeTypes: string[];
  /** Per node: type, name, id, self_size, edge_count (offsets below). */
  nodes: Float64Array;
  /** Per edge: type, name_or_index, to_node (a nodes offset). */
  edges: Uint32Array;
  strings: string[];
  offsets: { type: number; name: number; selfSize: number; edgeCount: number; edgeType: number; edgeName: number; toNode: number };
}

function readWhole(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(size);
    for (let at = 0; at < size; ) at += readSync(fd, buf, at, Math.min(1 << 30, size - at), at);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Parses the unsigned integers of the JSON array starting at `from` (just after its `[`). */
function parseNumbers(buf: Buffer, from: number, into: { length: number; [i: number]: number }): number {
  let i = from;
  let n = 0;
  let value = -1;
  for (;; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) value = (value < 0 ? 0 : value * 10) + (c - 48);
    else {
      if (value >= 0) into[n++] = value;
      value = -1;
      if (c === 93) break; // ]
    }
  }
  if (n !== into.length) throw new Error(`expected ${into.length} numbers, read ${n}`);
  return i + 1;
}

function parseSnapshot(path: string): Snapshot {
  const buf = readWhole(path);
  const nodesAt = buf.indexOf('"nodes":[');
  const header = JSON.parse(buf.toString('utf8', buf.indexOf('{', 1), nodesAt).replace(/,\s*$/, '')) as {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
    node_count: number;
    edge_count: number;
  };
  const meta = header.meta;
  const nodes = new Float64Array(header.node_count * meta.node_fields.length);
  let at = parseNumbers(buf, nodesAt + 9, nodes);
  const edgesAt = buf.indexOf('"edges":[', at);
  const edges = new Uint32Array(header.edge_count * meta.edge_fields.length);
  at = parseNumbers(buf, edgesAt + 9, edges);
  const stringsAt = buf.indexOf('"strings":[', at) + 11;
  const strings: string[] = [];
  for (let i = stringsAt; ; ) {
    while (buf[i] !== 34 && buf[i] !== 93) i++; // " or ]
    if (buf[i] === 93) break;
    let end = i + 1;
    while (buf[end] !== 34) end += buf[end] === 92 ? 2 : 1; // skip escapes
    strings.push(JSON.parse(buf.toString('utf8', i, end + 1)) as string);
    i = end + 1;
  }
  const nf = meta.node_fields;
  const ef = meta.edge_fields;
  return {
    nodeFields: nf.length,
    nodeTypes: meta.node_types[0],
    edgeFields: ef.length,
    edgeTypes: meta.edge_types[0],
    nodes,
    edges,
    strings,
    offsets: {
      type: nf.indexOf('type'),
      name: nf.indexOf('name'),
      selfSize: nf.indexOf('self_size'),
      edgeCount: nf.indexOf('edge_count'),
      edgeType: ef.indexOf('type'),
      edgeName: ef.indexOf('name_or_index'),
      toNode: ef.indexOf('to_node'),
    },
  };
}

/** Immediate dominators (Cooper, Harvey and Kennedy's iteration) and retained sizes, ignoring weak edges. */
function dominators(s: Snapshot): { idom: Int32Array; retained: Float64Array; firstEdge: Uint32Array } {
  const count = s.nodes.length / s.nodeFields;
  const o = s.offsets;
  const weak = s.edgeTypes.indexOf('weak');
  const firstEdge = new Uint32Array(count + 1);
  for (let n = 0; n < count; n++) firstEdge[n + 1] = firstEdge[n]! + s.nodes[n * s.nodeFields + o.edgeCount]!;
  // Post-order from the root (node 0).
  const order = new Int32Array(count).fill(-1);
  const byOrder = new Int32Array(count);
  const stack = new Int32Array(count);
  const cursor = new Uint32Array(count);
  const visited = new Uint8Array(count);
  let top = 0;
  let next = 0;
  stack[top++] = 0;
  visited[0] = 1;
  cursor[0] = firstEdge[0]!;
  while (top > 0) {
    const n = stack[top - 1]!;
    if (cursor[n]! < firstEdge[n + 1]!) {
      const e = cursor[n]!++ * s.edgeFields;
      if (s.edges[e + o.edgeType] === weak) continue;
      const to = s.edges[e + o.toNode]! / s.nodeFields;
      if (visited[to]) continue;
      visited[to] = 1;
      cursor[to] = firstEdge[to]!;
      stack[top++] = to;
    } else {
      top--;
      order[n] = next;
      byOrder[next++] = n;
    }
  }
  // Predecessors of reachable nodes.
  const predCount = new Uint32Array(count + 1);
  for (let n = 0; n < count; n++) {
    if (order[n]! < 0) continue;
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e++) {
      if (s.edges[e * s.edgeFields + o.edgeType] === weak) continue;
      predCount[s.edges[e * s.edgeFields + o.toNode]! / s.nodeFields + 1]!++;
    }
  }
  for (let n = 0; n < count; n++) predCount[n + 1]! += predCount[n]!;
  const preds = new Int32Array(predCount[count]!);
  const fill = predCount.slice(0, count);
  for (let n = 0; n < count; n++) {
    if (order[n]! < 0) continue;
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e++) {
      if (s.edges[e * s.edgeFields + o.edgeType] === weak) continue;
      preds[fill[s.edges[e * s.edgeFields + o.toNode]! / s.nodeFields]!++] = n;
    }
  }
  // idom by post-order number; the root is last.
  const root = order[0]!;
  const idom = new Int32Array(next).fill(-1);
  idom[root] = root;
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = next - 2; i >= 0; i--) {
      const n = byOrder[i]!;
      let d = -1;
      for (let p = predCount[n]!; p < predCount[n + 1]!; p++) {
        let b = order[preds[p]!]!;
        if (idom[b] === -1) continue;
        if (d === -1) {
          d = b;
          continue;
        }
        while (b !== d) {
          while (b < d) b = idom[b]!;
          while (d < b) d = idom[d]!;
        }
      }
      if (d !== -1 && idom[i] !== d) {
        idom[i] = d;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(next);
  for (let i = 0; i < next; i++) retained[i] = s.nodes[byOrder[i]! * s.nodeFields + o.selfSize]!;
  for (let i = 0; i < next - 1; i++) retained[idom[i]!]! += retained[i]!;
  // Back to node indices.
  const idomByNode = new Int32Array(count).fill(-1);
  const retainedByNode = new Float64Array(count);
  for (let i = 0; i < next; i++) {
    idomByNode[byOrder[i]!] = byOrder[idom[i]!]!;
    retainedByNode[byOrder[i]!] = retained[i]!;
  }
  return { idom: idomByNode, retained: retainedByNode, firstEdge };
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

function main(): void {
  const [path, topArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!path) throw new Error('usage: heap-snapshot-top FILE.heapsnapshot [TOP] [--classes=A,B]');
  const top = Number(topArg ?? 40);
  const classes = new Set((process.argv.find((a) => a.startsWith('--classes='))?.slice(10) ?? '').split(',').filter(Boolean));
  const s = parseSnapshot(path);
  const o = s.offsets;
  const count = s.nodes.length / s.nodeFields;
  const { idom, retained, firstEdge } = dominators(s);
  const typeOf = (n: number) => s.nodeTypes[s.nodes[n * s.nodeFields + o.type]!]!;
  const nameOf = (n: number) => s.strings[s.nodes[n * s.nodeFields + o.name]!]!;
  const objectType = s.nodeTypes.indexOf('object');
  const closureType = s.nodeTypes.indexOf('closure');
  const stringTypes = new Set(['string', 'concatenated string', 'sliced string'].map((t) => s.nodeTypes.indexOf(t)));
  const elementEdge = s.edgeTypes.indexOf('element');
  const hiddenEdge = s.edgeTypes.indexOf('hidden');
  const propertyEdge = s.edgeTypes.indexOf('property');
  const internalEdge = s.edgeTypes.indexOf('internal');
  /** Constructor (objects) or type (others). */
  const kindOf = (n: number) => (s.nodes[n * s.nodeFields + o.type] === objectType ? nameOf(n) : `(${typeOf(n)})`);
  /** Up to 3 short string properties, e.g. `resource=pods`. */
  const labelOf = (n: number) => {
    const parts: string[] = [];
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]! && parts.length < 6; e++) {
      const at = e * s.edgeFields;
      if (s.edges[at + o.edgeType] !== propertyEdge || s.strings[s.edges[at + o.edgeName]!] === '__proto__') continue;
      const to = s.edges[at + o.toNode]! / s.nodeFields;
      if (!stringTypes.has(s.nodes[to * s.nodeFields + o.type]!)) continue;
      const value = nameOf(to);
      if (value.length <= 40) parts.push(`${s.strings[s.edges[at + o.edgeName]!]}=${value}`);
    }
    // An object's nested `ref`-like object: one level down for strings (and functions) too.
    if (parts.length < 6) {
      for (let e = firstEdge[n]!; e < firstEdge[n + 1]! && parts.length < 6; e++) {
        const at = e * s.edgeFields;
        if (s.edges[at + o.edgeType] !== propertyEdge || s.strings[s.edges[at + o.edgeName]!] === '__proto__') continue;
        const to = s.edges[at + o.toNode]! / s.nodeFields;
        if (s.nodes[to * s.nodeFields + o.type] !== objectType) continue;
        for (let f = firstEdge[to]!; f < firstEdge[to + 1]! && parts.length < 6; f++) {
          const fat = f * s.edgeFields;
          if (s.edges[fat + o.edgeType] !== propertyEdge) continue;
          const leaf = s.edges[fat + o.toNode]! / s.nodeFields;
          if (s.nodes[leaf * s.nodeFields + o.type] === closureType && nameOf(leaf)) {
            parts.push(`${s.strings[s.edges[at + o.edgeName]!]}.${s.strings[s.edges[fat + o.edgeName]!]}=${nameOf(leaf)}()`);
          } else if (stringTypes.has(s.nodes[leaf * s.nodeFields + o.type]!) && nameOf(leaf).length <= 40) {
            parts.push(`${s.strings[s.edges[at + o.edgeName]!]}.${s.strings[s.edges[fat + o.edgeName]!]}=${nameOf(leaf)}`);
          }
        }
      }
    }
    const kind = kindHeld(n);
    if (kind) parts.push(`holds kind=${kind}`);
    return parts.join(' ');
  };
  /** The first `kind` string property found breadth-first within a few levels (what a cache or history holds). */
  const kindHeld = (n: number): string | undefined => {
    let level = [n];
    const seen = new Set<number>([n]);
    for (let depth = 0; depth < 7 && level.length; depth++) {
      const nextLevel: number[] = [];
      for (const m of level) {
        for (let e = firstEdge[m]!; e < firstEdge[m + 1]!; e++) {
          const at = e * s.edgeFields;
          const type = s.edges[at + o.edgeType];
          const to = s.edges[at + o.toNode]! / s.nodeFields;
          if (type === propertyEdge && s.strings[s.edges[at + o.edgeName]!] === 'kind' && depth > 0 && stringTypes.has(s.nodes[to * s.nodeFields + o.type]!)) return nameOf(to);
          if ((type === propertyEdge || type === elementEdge || type === hiddenEdge || type === internalEdge) && !seen.has(to) && seen.size < 20000) {
            seen.add(to);
            nextLevel.push(to);
          }
        }
      }
      level = nextLevel;
    }
    return undefined;
  };
  /** The constructors of the dominator chain above `n` (nearest first), skipping internals. */
  const chainOf = (n: number) => {
    const names: string[] = [];
    for (let d = idom[n]!; d > 0 && names.length < 6; d = idom[d]!) {
      if (s.nodes[d * s.nodeFields + o.type] === objectType && !/^(Object|Array|Map|Set|system \/ .*)$/.test(nameOf(d))) names.push(nameOf(d));
    }
    return names.join(' < ');
  };

  let total = 0;
  const byKind = new Map<string, { size: number; count: number }>();
  for (let n = 0; n < count; n++) {
    if (idom[n]! < 0) continue;
    const size = s.nodes[n * s.nodeFields + o.selfSize]!;
    total += size;
    const k = kindOf(n);
    const entry = byKind.get(k) ?? { size: 0, count: 0 };
    entry.size += size;
    entry.count++;
    byKind.set(k, entry);
  }
  console.log(`reachable: ${mib(total)} in ${count} nodes`);
  console.log('\nself size by constructor or type:');
  for (const [k, v] of [...byKind].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
    console.log(`  ${mib(v.size).padStart(11)} ${String(v.count).padStart(9)}  ${k}`);
  }
  // Largest holders: objects whose retained size is not mostly their dominator's own.
  const candidates: number[] = [];
  for (let n = 1; n < count; n++) {
    if (idom[n]! < 0 || retained[n]! < total / 500) continue;
    if (s.nodes[n * s.nodeFields + o.type] !== objectType) continue;
    candidates.push(n);
  }
  candidates.sort((a, b) => retained[b]! - retained[a]!);
  console.log('\nlargest retainers (retained size, constructor, label, retained by):');
  for (const n of candidates.slice(0, top)) {
    console.log(`  ${mib(retained[n]!).padStart(11)}  ${nameOf(n)} ${labelOf(n)}  < ${chainOf(n)}`);
  }
  // Strings held more than once: what interning them would save.
  const copies = new Map<string, { count: number; size: number }>();
  const plainString = s.nodeTypes.indexOf('string');
  for (let n = 0; n < count; n++) {
    if (idom[n]! < 0 || s.nodes[n * s.nodeFields + o.type] !== plainString) continue;
    const text = nameOf(n);
    const entry = copies.get(text) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += s.nodes[n * s.nodeFields + o.selfSize]!;
    copies.set(text, entry);
  }
  let duplicate = 0;
  for (const c of copies.values()) duplicate += c.size - c.size / c.count;
  console.log(`\nstrings: ${mib(duplicate)} in copies of a string held more than once; most copied:`);
  for (const [text, c] of [...copies].sort((a, b) => b[1].size - b[1].size / b[1].count - (a[1].size - a[1].size / a[1].count)).slice(0, 15)) {
    console.log(`  ${mib(c.size - c.size / c.count).padStart(11)} ${String(c.count).padStart(8)} x ${JSON.stringify(text.slice(0, 60))}`);
  }
  if (classes.size) {
    console.log('\ninstances:');
    const rows: string[] = [];
    let sum = 0;
    for (let n = 0; n < count; n++) {
      if (idom[n]! < 0 || s.nodes[n * s.nodeFields + o.type] !== objectType || !classes.has(nameOf(n))) continue;
      sum += retained[n]!;
      if (retained[n]! > 1024 * 1024) rows.push(`${mib(retained[n]!).padStart(11)}  ${nameOf(n)} ${labelOf(n)}  < ${chainOf(n)}`);
    }
    for (const r of rows.sort((a, b) => parseFloat(b) - parseFloat(a))) console.log(`  ${r}`);
    console.log(`  (all instances: ${mib(sum)})`);
    // What the largest instances hold: their dominator-tree children, two levels down.
    const children = new Map<number, number[]>();
    for (let n = 0; n < count; n++) {
      const d = idom[n]!;
      if (d < 0 || retained[n]! < 256 * 1024) continue;
      let list = children.get(d);
      if (!list) children.set(d, (list = []));
      list.push(n);
    }
    const edgeNameTo = (from: number, to: number) => {
      for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e++) {
        const at = e * s.edgeFields;
        if (s.edges[at + o.toNode]! / s.nodeFields !== to) continue;
        const type = s.edges[at + o.edgeType];
        return type === elementEdge || type === hiddenEdge ? `[${s.edges[at + o.edgeName]}]` : s.strings[s.edges[at + o.edgeName]!]!;
      }
      return '…';
    };
    const expand = (n: number, depth: number, indent: string) => {
      const list = (children.get(n) ?? []).sort((a, b) => retained[b]! - retained[a]!).slice(0, 6);
      for (const c of list) {
        console.log(`${indent}${mib(retained[c]!).padStart(11)}  .${edgeNameTo(n, c)} ${kindOf(c)} ${labelOf(c)}`);
        if (depth > 1) expand(c, depth - 1, indent + '    ');
      }
    };
    console.log('\nwhat the largest instances hold:');
    const largest: number[] = [];
    for (let n = 0; n < count; n++) {
      if (idom[n]! >= 0 && s.nodes[n * s.nodeFields + o.type] === objectType && classes.has(nameOf(n)) && retained[n]! > total / 50) largest.push(n);
    }
    for (const n of largest.sort((a, b) => retained[b]! - retained[a]!)) {
      console.log(`  ${mib(retained[n]!)} ${nameOf(n)} ${labelOf(n)}`);
      expand(n, 4, '    ');
    }
  }
}

main();
