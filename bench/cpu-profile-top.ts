/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, and
 * the same time grouped by source file. Usage:
 *   node dist/bench/cpu-profile-top.js PROFILE.cpuprofile [TOP=10] [--per=N]
 * Also lists inclusive time (self and callees) of the functions matching `--match=REGEX`
 * (default: Skiff's own code), which shows which stage of a request the time goes to.
 * `--from=S` and `--to=S` keep only the samples between S seconds after the profile's start and
 * S seconds after it (e.g. to leave out a server's start-up); `--timeline` prints the busy share
 * of each second, to find that window.
 * With `--per=N` each figure is also given as microseconds per unit of work (N units in the
 * profile, e.g. the creates the server answered), so runs of different lengths compare.
 */
import { readFileSync } from 'node:fs';

/** A node of a V8 CPU profile (the fields this summary reads). */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** A V8 CPU profile (`.cpuprofile`). */
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time in microseconds by key, largest first. */
function ranked(totals: Map<string, number>): [string, number][] {
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** A source URL shortened to what names it (the part after dist/ or node:). */
function shortUrl(url: string): string {
  if (!url) return '';
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 6);
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + 14);
  return url;
}

const [file, topArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: cpu-profile-top PROFILE.cpuprofile [TOP] [--per=N]');
  process.exit(2);
}
const top = Number(topArg ?? 10);
const perArg = process.argv.find((a) => a.startsWith('--per='));
const per = perArg ? Number(perArg.slice(6)) : 0;
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const matchArg = process.argv.find((a) => a.startsWith('--match='));
const match = new RegExp(matchArg ? matchArg.slice(8) : '^(src|bench)/');
const inclusive = new Map<string, number>();
const nameOf = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = shortUrl(url);
  return { name: `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`, where };
};
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
let idle = 0;
const seconds = (flag: string) => {
  const arg = process.argv.find((a) => a.startsWith(`--${flag}=`));
  return arg ? Number(arg.slice(flag.length + 3)) * 1e6 : undefined;
};
const from = seconds('from') ?? 0;
const to = seconds('to') ?? Infinity;
const busyBySecond: number[] = [];
let at = 0;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  // Each sample's time is the delta to the next sample (V8's own convention in DevTools).
  const dt = profile.timeDeltas[i + 1] ?? 0;
  const node = byId.get(profile.samples[i]!)!;
  if (at < from || at > to) continue;
  if (node.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  const second = Math.floor(at / 1e6);
  busyBySecond[second] = (busyBySecond[second] ?? 0) + dt;
  total += dt;
  const { name, where } = nameOf(node);
  // Each function once per sample, however deep it recurses.
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const frame = nameOf(byId.get(id)!);
    if (!match.test(frame.where) || seen.has(frame.name)) continue;
    seen.add(frame.name);
    inclusive.set(frame.name, (inclusive.get(frame.name) ?? 0) + dt);
  }
  byFunction.set(name, (byFunction.get(name) ?? 0) + dt);
  const fileKey = where || node.callFrame.functionName;
  byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + dt);
}
const wall = Math.min(to, profile.endTime - profile.startTime) - from;
if (process.argv.includes('--timeline')) {
  console.log(`busy % by second: ${Array.from(busyBySecond, (us, i) => `${i}:${Math.round((us ?? 0) / 1e4)}`).join(' ')}`);
}
const fmt = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %${per ? ` ${(us / per).toFixed(1).padStart(7)} µs/unit` : ''}`;
console.log(`${file}: ${(wall / 1e6).toFixed(1)} s profiled, busy ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s${per ? `, ${(total / per).toFixed(1)} µs busy per unit (${per} units)` : ''}`);
console.log(`top ${top} functions by self time:`);
for (const [name, us] of ranked(byFunction).slice(0, top)) console.log(`${fmt(us)}  ${name}`);
console.log(`top ${top} files by self time:`);
for (const [name, us] of ranked(byFile).slice(0, top)) console.log(`${fmt(us)}  ${name}`);
console.log(`top ${top * 3} functions matching ${match} by inclusive time:`);
for (const [name, us] of ranked(inclusive).slice(0, top * 3)) console.log(`${fmt(us)}  ${name}`);
