import { isStatusError, type StatusError } from '../../apimachinery/errors.js';
import type { KubeObject } from '../../apimachinery/object.js';
import { resources, type Client, type ResourceRef } from '../../client/client.js';
import type { SeedObject } from './seed-manifests.js';

/** The field manager of `skiff demo`'s server-side applies. */
export const demoFieldManager = 'skiff-demo';

const refByKind: Record<string, ResourceRef> = {
  Namespace: resources.namespaces,
  Pod: resources.pods,
  Service: resources.services,
  Deployment: resources.deployments,
  StatefulSet: resources.statefulsets,
  CronJob: resources.cronjobs,
};

function refusesClusterIP(err: unknown): err is StatusError {
  return isStatusError(err, 422) && (err.details?.causes ?? []).some((c) => c.field?.startsWith('spec.clusterIP') ?? false);
}

function clusterIPOf(obj: KubeObject): string {
  return (obj.spec as { clusterIP?: string } | undefined)?.clusterIP ?? '';
}

function withoutClusterIP(obj: KubeObject): KubeObject {
  const spec = { ...(obj.spec as Record<string, unknown>) };
  delete spec.clusterIP;
  delete spec.clusterIPs;
  return { ...obj, spec };
}

/**
 * Applies objects with server-side apply (created when missing, updated otherwise, so a
 * second run changes nothing). A Service whose fixed clusterIP the server refuses (outside
 * its service CIDR, or taken) is applied without it, and `log` says so in one line.
 * Returns the clusterIP of each Service applied, by name.
 */
export async function applySeed(client: Client, objects: SeedObject[], log: (line: string) => void): Promise<Map<string, string>> {
  const clusterIPs = new Map<string, string>();
  for (const object of objects) {
    const obj = object as KubeObject;
    const ref = refByKind[obj.kind ?? ''];
    if (!ref) throw new Error(`skiff demo cannot apply a ${obj.kind}`);
    const name = obj.metadata?.name ?? '';
    const namespace = obj.kind === 'Namespace' ? '' : obj.metadata?.namespace ?? '';
    const apply = (body: KubeObject) => client.patch(ref, namespace, name, 'apply', body, { fieldManager: demoFieldManager, force: true });
    let applied: KubeObject;
    try {
      applied = await apply(obj);
    } catch (err) {
      if (!refusesClusterIP(err)) throw err;
      applied = await apply(withoutClusterIP(obj));
      const why = err.details?.causes?.find((c) => c.field?.startsWith('spec.clusterIP'))?.message ?? err.message;
      log(`service/${name}: the API refused clusterIP ${clusterIPOf(obj)} (${why}); it has ${clusterIPOf(applied)} instead (the seed's IPs need 'skiff server --service-cidr 10.170.0.0/16')`);
    }
    if (obj.kind === 'Service') clusterIPs.set(name, clusterIPOf(applied));
    log(`${obj.kind?.toLowerCase()}/${name} applied`);
  }
  return clusterIPs;
}
