/**
 * The kubelet's Summary API (`/stats/summary`, upstream's stats/v1alpha1): the part of it the
 * metrics pipeline reads. Node agents produce it; the API server's metrics.k8s.io reads it.
 */

/** CPU figures of a node, pod or container at `time`. */
export interface CPUStats {
  /** RFC 3339 time of the sample. */
  time: string;
  /** Average usage over the last sampling window, in nanocores (1e9 = one core). */
  usageNanoCores?: number;
  /** Cumulative CPU time since the container (or node) started, in core-nanoseconds. */
  usageCoreNanoSeconds?: number;
}

/** Memory figures of a node, pod or container at `time`. */
export interface MemoryStats {
  time: string;
  /** Total memory in use, including page cache (cgroup memory.current). */
  usageBytes?: number;
  /** Usage minus inactive file cache: what the OOM killer and metrics-server count. */
  workingSetBytes?: number;
}

/** One container's figures. */
export interface ContainerStats {
  name: string;
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
}

/** One pod's figures. */
export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStats[];
  cpu?: CPUStats;
  memory?: MemoryStats;
}

/** `/stats/summary`. */
export interface Summary {
  node: { nodeName: string; startTime: string; cpu?: CPUStats; memory?: MemoryStats };
  pods: PodStats[];
}
