/** Pod state the StatefulSet controller reads beyond apimachinery's pod helpers. */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodReady } from '../../apimachinery/pod.js';

/** Phase Running and Ready (upstream's isRunningAndReady). */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}
