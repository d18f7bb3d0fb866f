import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../apimachinery/object.js';
import type { Client, ResourceRef } from '../client/client.js';
import { emptySnapshot, snapshotKinds, snapshotResources, type ClusterSnapshot, type SnapshotKind } from './snapshot.js';

/** Options of {@link readSnapshot}. */
export interface ReadSnapshotOptions {
  /** The kinds to list. Default every one of {@link snapshotKinds}. */
  kinds?: readonly SnapshotKind[];
  /** Items per list page (the `limit` of each request). Default 500. */
  pageSize?: number;
  /** The observer's clock, for `now`. Default Date.now. */
  now?: () => number;
  /**
   * Resources outside the snapshot whose names views may show only to users who may list them
   * across all namespaces, asked with a SelfSubjectAccessReview; each one denied is put in
   * `forbidden`. Default `['secrets']`.
   */
  accessChecks?: readonly ResourceRef[];
}

const selfSubjectAccessReviews: ResourceRef = { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews' };
const secretsRef: ResourceRef = { group: '', version: 'v1', resource: 'secrets' };

/** Whether the user may list `ref` in every namespace (a failed review counts as no). */
async function mayListEverywhere(client: Client, ref: ResourceRef): Promise<boolean> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb: 'list', group: ref.group, version: ref.version, resource: ref.resource } },
  };
  try {
    const answer = await client.create<KubeObject & { status?: { allowed?: boolean } }>(selfSubjectAccessReviews, '', review);
    return answer.status?.allowed === true;
  } catch (error) {
    if (error instanceof StatusError) return false;
    throw error;
  }
}

/** Every item of a resource across all namespaces, page after page. */
async function listAll(client: Client, ref: ResourceRef, pageSize: number): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let next: string | undefined;
  do {
    const page = await client.list(ref, '', { limit: pageSize, ...(next ? { continue: next } : {}) });
    items.push(...page.items);
    next = page.continue || undefined;
  } while (next);
  return items;
}

/**
 * One snapshot of the cluster as `client`'s user sees it: every kind of {@link snapshotResources}
 * listed across all namespaces (in parallel, paged). A resource the user may not list (403) is
 * left empty and its plural name put in `forbidden`; one the server does not serve (404, e.g.
 * the Gateway API before its CRDs exist) is left empty. Each of `accessChecks` (Secrets) the user
 * may not list everywhere is named in `forbidden` too. Any other failure is thrown. No changes,
 * no traffic: those come from an observer that keeps watching.
 */
export async function readSnapshot(client: Client, options: ReadSnapshotOptions = {}): Promise<ClusterSnapshot> {
  const pageSize = options.pageSize ?? 500;
  const snapshot = emptySnapshot((options.now ?? Date.now)());
  const kinds = options.kinds ?? snapshotKinds;
  const forbidden = new Set<string>();
  const checks = (options.accessChecks ?? [secretsRef]).map(async (ref) => {
    if (!(await mayListEverywhere(client, ref))) forbidden.add(ref.resource);
  });
  await Promise.all([
    ...checks,
    ...kinds.map(async (kind) => {
      const ref = snapshotResources[kind];
      try {
        (snapshot[kind] as KubeObject[]) = await listAll(client, ref, pageSize);
      } catch (error) {
        if (!(error instanceof StatusError)) throw error;
        if (error.code === 403) forbidden.add(ref.resource);
        else if (error.code !== 404) throw error;
      }
    }),
  ]);
  snapshot.forbidden = [...forbidden].sort();
  return snapshot;
}
