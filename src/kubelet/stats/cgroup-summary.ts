/**
 * The node agent's `/stats/summary` from cgroup v2 figures, as cAdvisor reads them for the
 * kubelet: a container's CPU time from `cpu.stat` usage_usec, its memory from `memory.current`
 * and its working set as memory.current minus `memory.stat` inactive_file; the node's from
 * /proc/stat and /proc/meminfo. containerd with cgroupfs and no cgroup parent (how Skiff runs
 * it) puts each container in `<cgroupRoot>/k8s.io/<container id>` (cgroup v1: under the
 * cpuacct and memory hierarchies, read from cpuacct.usage, memory.usage_in_bytes and
 * total_inactive_file). usageNanoCores is the rate between this sample and the one before it;
 * a container seen the first time reports its average since it started, the node nothing.
 */
import { readFile } from 'node:fs/promises';
import type { ContainerStats, CPUStats, MemoryStats, PodStats, Summary } from '../../apimachinery/stats-summary.js';
import type { NowClock } from '../../apimachinery/clock.js';

/** Reads a file's text; undefined when it does not exist. */
export type ReadStatsFile = (path: string) => Promise<string | undefined>;

/** A running container the runtime reports, with the pod it belongs to. */
export interface RunningContainer {
  id: string;
  name: string;
  podName: string;
  podNamespace: string;
  podUid: string;
  /** When the container was created. */
  startTime: Date;
}

/** One cgroup's raw figures. */
export interface CgroupUsage {
  usageCoreNanoSeconds: number;
  usageBytes: number;
  workingSetBytes: number;
}

/** Options of {@link CgroupSummaryProvider}. */
export interface CgroupSummaryOptions {
  nodeName: string;
  /** The running containers (from CRI ListContainers). */
  containers(): Promise<RunningContainer[]>;
  /** Reads files (tests pass a fake file system). */
  readFile: ReadStatsFile;
  clock: NowClock;
  /** Where cgroup v2 is mounted. Default `/sys/fs/cgroup`. */
  cgroupRoot?: string;
  /** Where /proc is. Default `/proc`. */
  procRoot?: string;
  /** When the node started (default: the clock's time at construction). */
  nodeStartTime?: Date;
}

/** A `key value` line file (cpu.stat, memory.stat) as a map. */
function keyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** A cgroup's usage from its cpu.stat, memory.current and memory.stat texts. */
export function parseCgroupUsage(cpuStat: string, memoryCurrent: string, memoryStat: string): CgroupUsage {
  const usageUsec = keyValues(cpuStat).get('usage_usec') ?? 0;
  const usageBytes = Number(memoryCurrent.trim()) || 0;
  const inactiveFile = keyValues(memoryStat).get('inactive_file') ?? 0;
  return { usageCoreNanoSeconds: usageUsec * 1000, usageBytes, workingSetBytes: Math.max(0, usageBytes - inactiveFile) };
}

/** A cgroup v1 container's usage from cpuacct.usage (ns), memory.usage_in_bytes and memory.stat (total_inactive_file). */
export function parseCgroupV1Usage(cpuacctUsage: string, memoryUsage: string, memoryStat: string): CgroupUsage {
  const usageBytes = Number(memoryUsage.trim()) || 0;
  const stat = keyValues(memoryStat);
  const inactiveFile = stat.get('total_inactive_file') ?? stat.get('inactive_file') ?? 0;
  return { usageCoreNanoSeconds: Number(cpuacctUsage.trim()) || 0, usageBytes, workingSetBytes: Math.max(0, usageBytes - inactiveFile) };
}

/** The node's usage from /proc/stat (USER_HZ = 100 ticks a second) and /proc/meminfo. */
export function parseNodeUsage(procStat: string, meminfo: string): CgroupUsage {
  const cpuLine = procStat.split('\n').find((l) => l.startsWith('cpu '));
  const ticks = (cpuLine ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
  const busy = ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + (t || 0)), 0);
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? 0) * 1024;
  return {
    usageCoreNanoSeconds: busy * 10_000_000,
    usageBytes: kb('MemTotal') - kb('MemFree'),
    workingSetBytes: kb('MemTotal') - kb('MemAvailable'),
  };
}

/**
 * Builds `/stats/summary` from the cgroups of the running containers; remembers each
 * cgroup's last CPU sample to report usageNanoCores.
 */
export class CgroupSummaryProvider {
  private readonly previous = new Map<string, { at: number; usage: number }>();
  private readonly nodeStartTime: Date;

  constructor(private readonly options: CgroupSummaryOptions) {
    this.nodeStartTime = options.nodeStartTime ?? options.clock.now();
  }

  /** Reads one container's cgroup (v2, else v1's cpuacct and memory hierarchies); undefined when it is gone. */
  async containerUsage(id: string): Promise<CgroupUsage | undefined> {
    const root = this.options.cgroupRoot ?? '/sys/fs/cgroup';
    const read = (path: string) => this.options.readFile(`${root}/${path}`);
    const [cpu, current, stat] = await Promise.all([read(`k8s.io/${id}/cpu.stat`), read(`k8s.io/${id}/memory.current`), read(`k8s.io/${id}/memory.stat`)]);
    if (cpu !== undefined && current !== undefined) return parseCgroupUsage(cpu, current, stat ?? '');
    const [cpuacct, usage, v1stat] = await Promise.all([
      read(`cpuacct/k8s.io/${id}/cpuacct.usage`),
      read(`memory/k8s.io/${id}/memory.usage_in_bytes`),
      read(`memory/k8s.io/${id}/memory.stat`),
    ]);
    if (cpuacct === undefined || usage === undefined) return undefined;
    return parseCgroupV1Usage(cpuacct, usage, v1stat ?? '');
  }

  /** The summary now. */
  async summary(): Promise<Summary> {
    const now = this.options.clock.now();
    const time = now.toISOString();
    const proc = this.options.procRoot ?? '/proc';
    const pods = new Map<string, PodStats>();
    const containers = await this.options.containers();
    const live = new Set(containers.map((c) => `container/${c.id}`));
    for (const c of containers) {
      const usage = await this.containerUsage(c.id);
      if (!usage) continue;
      const key = `${c.podNamespace}/${c.podName}`;
      let pod = pods.get(key);
      if (!pod) {
        pod = { podRef: { name: c.podName, namespace: c.podNamespace, uid: c.podUid }, startTime: c.startTime.toISOString(), containers: [] };
        pods.set(key, pod);
      }
      const stats: ContainerStats = { name: c.name, startTime: c.startTime.toISOString(), ...this.figures(`container/${c.id}`, usage, now, c.startTime) };
      pod.containers.push(stats);
    }
    for (const pod of pods.values()) {
      pod.cpu = sumCPU(pod.containers.map((c) => c.cpu), time);
      pod.memory = sumMemory(pod.containers.map((c) => c.memory), time);
    }
    const [procStat, meminfo] = await Promise.all([this.options.readFile(`${proc}/stat`), this.options.readFile(`${proc}/meminfo`)]);
    const nodeUsage = procStat !== undefined && meminfo !== undefined ? parseNodeUsage(procStat, meminfo) : undefined;
    // Forget the samples of containers that are gone.
    for (const key of this.previous.keys()) if (key !== 'node' && !live.has(key)) this.previous.delete(key);
    return {
      node: { nodeName: this.options.nodeName, startTime: this.nodeStartTime.toISOString(), ...(nodeUsage ? this.figures('node', nodeUsage, now) : {}) },
      pods: [...pods.values()],
    };
  }

  /**
   * CPU and memory figures; usageNanoCores is the rate since the previous sample, or for a
   * container seen the first time its average since it started (`since`).
   */
  private figures(key: string, usage: CgroupUsage, now: Date, since?: Date): { cpu: CPUStats; memory: MemoryStats } {
    const time = now.toISOString();
    const at = now.getTime();
    const prev = this.previous.get(key) ?? (since && since.getTime() < at ? { at: since.getTime(), usage: 0 } : undefined);
    this.previous.set(key, { at, usage: usage.usageCoreNanoSeconds });
    const elapsedNs = prev ? (at - prev.at) * 1e6 : 0;
    const usageNanoCores = prev && elapsedNs > 0 && usage.usageCoreNanoSeconds >= prev.usage ? Math.round(((usage.usageCoreNanoSeconds - prev.usage) / elapsedNs) * 1e9) : undefined;
    return {
      cpu: { time, usageCoreNanoSeconds: usage.usageCoreNanoSeconds, ...(usageNanoCores !== undefined ? { usageNanoCores } : {}) },
      memory: { time, usageBytes: usage.usageBytes, workingSetBytes: usage.workingSetBytes },
    };
  }
}

function sumCPU(stats: (CPUStats | undefined)[], time: string): CPUStats {
  const out: CPUStats = { time, usageCoreNanoSeconds: 0 };
  let rates = true;
  for (const s of stats) {
    out.usageCoreNanoSeconds! += s?.usageCoreNanoSeconds ?? 0;
    if (s?.usageNanoCores === undefined) rates = false;
    else out.usageNanoCores = (out.usageNanoCores ?? 0) + s.usageNanoCores;
  }
  if (!rates) delete out.usageNanoCores;
  return out;
}

function sumMemory(stats: (MemoryStats | undefined)[], time: string): MemoryStats {
  return {
    time,
    usageBytes: stats.reduce((n, s) => n + (s?.usageBytes ?? 0), 0),
    workingSetBytes: stats.reduce((n, s) => n + (s?.workingSetBytes ?? 0), 0),
  };
}

/** Reads a file from disk; undefined when it (or its cgroup) does not exist. */
export async function readStatsFileFromDisk(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENODEV' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
