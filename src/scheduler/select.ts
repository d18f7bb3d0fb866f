/**
 * One scheduling decision: filter, score, pick (upstream's schedulePod / selectHost).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { prepareCycle, runCycleFilters, type SchedulingCycle } from './cycle.js';
import { failedSchedulingMessage, type FilterFailure, type NodeInfo } from './filters.js';
import { defaultScoreWeights, scoreNodes, type NodeScore, type ScoreWeights } from './scores.js';
import { buildSnapshot } from './snapshot.js';

/** Options of selectNode. */
export interface SelectNodeOptions {
  /** Uniform random source in [0, 1) breaking ties between equally scored nodes. Default Math.random. */
  random?: () => number;
  /** Plugin weights. Default defaultScoreWeights. */
  weights?: Readonly<ScoreWeights>;
  /** The pod's prepared cycle (the cluster-wide view). Default: prepared over `nodes`, as if they were the whole cluster. */
  cycle?: SchedulingCycle;
  /**
   * The caller ran the filters on `nodes` with this same cycle and passes only those that fit
   * (the scheduler's search for feasible nodes): they are scored without being filtered again.
   * Default false.
   */
  filtered?: boolean;
}

/** The outcome of selectNode. */
export type SelectNodeResult =
  | { nodeName: string; scores: NodeScore[] }
  | { nodeName: undefined; message: string; failures: Map<string, FilterFailure> };

/**
 * Picks the node for a pod: runs the filters (default, then topology spread and inter-pod
 * affinity when the pod's cycle has them) on every node, scores the feasible
 * ones, and returns the highest total; ties are broken uniformly at random by reservoir
 * sampling as upstream's selectHost. A single feasible node is returned without scoring.
 * When nothing fits, `message` is upstream's FailedScheduling text.
 */
export function selectNode(pod: Pod, nodes: readonly NodeInfo[], options: SelectNodeOptions = {}): SelectNodeResult {
  const random = options.random ?? Math.random;
  const feasible: NodeInfo[] = [];
  const failures = new Map<string, FilterFailure>();
  const cycle = options.cycle ?? prepareCycle(pod, buildSnapshot(nodes));
  for (const info of nodes) {
    if (options.filtered) {
      feasible.push(info);
      continue;
    }
    const result = runCycleFilters(pod, info, cycle);
    if (result.fit) feasible.push(info);
    else failures.set(info.node.metadata?.name ?? '', result);
  }
  if (feasible.length === 0) {
    return { nodeName: undefined, message: failedSchedulingMessage(nodes.length, [...failures.values()]), failures };
  }
  if (feasible.length === 1) return { nodeName: feasible[0]?.node.metadata?.name ?? '', scores: [] };
  const scores = scoreNodes(pod, feasible, options.weights ?? defaultScoreWeights, cycle);
  let best: NodeScore | undefined;
  let ties = 0;
  for (const score of scores) {
    if (!best || score.total > best.total) {
      best = score;
      ties = 1;
    } else if (score.total === best.total) {
      ties += 1;
      if (Math.floor(random() * ties) === 0) best = score;
    }
  }
  return { nodeName: best?.nodeName ?? '', scores };
}
