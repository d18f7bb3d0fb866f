import type { Pod } from 'kubernetes-types/core/v1.js';

/** `containerPort/protocol` of a declared port, e.g. `8080/TCP`. */
export function portKey(p: { containerPort: number; protocol?: string }): string {
  return `${p.containerPort}/${p.protocol ?? 'TCP'}`;
}

/**
 * The ports a pod's containers declare: `8080/TCP` → the containers that declare it, in the
 * pod's order. A port with two or more containers is a conflict: containers of a pod share one
 * network namespace, so only one of them can bind it.
 */
export function portClaims(pod: Pod): Map<string, string[]> {
  const claimed = new Map<string, string[]>();
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      const names = claimed.get(portKey(p)) ?? [];
      if (!names.includes(c.name)) names.push(c.name);
      claimed.set(portKey(p), names);
    }
  }
  return claimed;
}

/**
 * The containers that declare a port another container of the pod declares too and that have
 * restarted or are not running: those whose log says why (`bind: Address in use`).
 */
export function containersLosingPorts(pod: Pod): string[] {
  const contested = new Set([...portClaims(pod).values()].filter((names) => names.length > 1).flat());
  const statuses = pod.status?.containerStatuses ?? [];
  return [...contested]
    .filter((name) => {
      const s = statuses.find((x) => x.name === name);
      return s !== undefined && ((s.restartCount ?? 0) > 0 || s.state?.running === undefined);
    })
    .sort();
}
