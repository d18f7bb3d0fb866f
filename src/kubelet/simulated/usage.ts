/**
 * What simulated nodes report at `/stats/summary`: no container runs, so a pod's usage is
 * what its annotation `skiff.dev/simulated-usage` says (`cpu=200m,memory=64Mi`, quantities as
 * in resource requests), shared evenly between its containers; a pod without the annotation
 * uses nothing. The node's usage is a base figure plus its running pods'. Tests change the
 * annotation to drive autoscaling.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity, Scale } from '../../apimachinery/quantity.js';
import type { CPUStats, MemoryStats, PodStats, Summary } from '../../apimachinery/stats-summary.js';

/** The pod annotation a simulated pod's usage is read from. */
export const simulatedUsageAnnotation = 'skiff.dev/simulated-usage';

/** Usage in nanocores and bytes. */
export interface SimulatedUsage {
  nanoCores: number;
  bytes: number;
}

/** Parses `cpu=200m,memory=64Mi` (either part may be left out); undefined when malformed. */
export function parseSimulatedUsage(text: string): SimulatedUsage | undefined {
  const out: SimulatedUsage = { nanoCores: 0, bytes: 0 };
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    const q = value ? parseQuantity(value) : undefined;
    if (!q) return undefined;
    if (key === 'cpu') out.nanoCores = Number(q.scaledValue(Scale.nano));
    else if (key === 'memory') out.bytes = q.value();
    else return undefined;
  }
  return out;
}

/** Options of {@link simulatedSummary}. */
export interface SimulatedSummaryOptions {
  /** What the node itself uses besides its pods. Default cpu 100m, memory 256Mi. */
  systemUsage?: SimulatedUsage;
  /** When the node started. */
  nodeStartTime: Date;
}

function figures(usage: SimulatedUsage, since: Date, now: Date): { cpu: CPUStats; memory: MemoryStats } {
  const time = now.toISOString();
  const seconds = Math.max(0, (now.getTime() - since.getTime()) / 1000);
  return {
    cpu: { time, usageNanoCores: usage.nanoCores, usageCoreNanoSeconds: Math.round(usage.nanoCores * seconds) },
    memory: { time, usageBytes: usage.bytes, workingSetBytes: usage.bytes },
  };
}

/** The summary of a simulated node running `pods` (those Running on it). */
export function simulatedSummary(nodeName: string, pods: readonly Pod[], now: Date, options: SimulatedSummaryOptions): Summary {
  const system = options.systemUsage ?? { nanoCores: 100_000_000, bytes: 256 * 1024 * 1024 };
  const total = { ...system };
  const podStats: PodStats[] = [];
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running') continue;
    const usage = parseSimulatedUsage(pod.metadata?.annotations?.[simulatedUsageAnnotation] ?? '') ?? { nanoCores: 0, bytes: 0 };
    total.nanoCores += usage.nanoCores;
    total.bytes += usage.bytes;
    const started = new Date(pod.status.startTime ?? now.toISOString());
    const containers = pod.spec?.containers ?? [];
    const share = { nanoCores: Math.round(usage.nanoCores / Math.max(1, containers.length)), bytes: Math.round(usage.bytes / Math.max(1, containers.length)) };
    podStats.push({
      podRef: { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', uid: pod.metadata?.uid ?? '' },
      startTime: started.toISOString(),
      containers: containers.map((c) => ({ name: c.name, startTime: started.toISOString(), ...figures(share, started, now) })),
      ...figures(usage, started, now),
    });
  }
  return { node: { nodeName, startTime: options.nodeStartTime.toISOString(), ...figures(total, options.nodeStartTime, now) }, pods: podStats };
}
