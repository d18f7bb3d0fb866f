import { createHash } from 'node:crypto';
import { discoveryGroups, discoveryTypes, groupVersion, resourceTypes, type ResourceType } from './registry.js';

/** The legacy `/api` answer: APIVersions. */
export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(group: string, versions: string[]): object {
  const vs = versions.map((v) => ({ groupVersion: groupVersion(group, v), version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

/** The legacy `/apis` answer: APIGroupList. */
export function apiGroupList(types: readonly ResourceType[] = resourceTypes): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: discoveryGroups(types).map((g) => groupEntry(g.group, g.versions)),
  };
}

/** `/apis/GROUP`: APIGroup, or undefined when not served. */
export function apiGroup(group: string, types: readonly ResourceType[] = resourceTypes): object | undefined {
  const g = discoveryGroups(types).find((x) => x.group === group);
  if (!g) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g.group, g.versions) };
}

function storageVersionHash(r: ResourceType): string {
  return createHash('sha256').update(`${r.group}/${r.version}/${r.kind}`).digest('base64').slice(0, 11);
}

/** `/api/v1` and `/apis/GROUP/VERSION`: APIResourceList, or undefined when not served. */
export function apiResourceList(group: string, version: string, served: readonly ResourceType[] = resourceTypes): object | undefined {
  const types = discoveryTypes(served).filter((r) => r.group === group && r.version === version);
  if (!types.length) return undefined;
  const resources: object[] = [];
  for (const r of types) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
      storageVersionHash: storageVersionHash(r),
    });
    for (const s of r.subresources) {
      resources.push({
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    ...(group ? { apiVersion: 'v1' } : {}),
    groupVersion: groupVersion(group, version),
    resources,
  };
}

/**
 * The aggregated discovery document (apidiscovery.k8s.io v2 or v2beta1) that kubectl 1.27+
 * asks for at `/api` (core group only) and `/apis` (every other group).
 */
export function aggregatedDiscovery(core: boolean, apiVersion: 'v2' | 'v2beta1', types: readonly ResourceType[] = resourceTypes): object {
  const groups = core ? [{ group: '', versions: ['v1'] }] : discoveryGroups(types);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: discoveryTypes(types)
          .filter((r) => r.group === g.group && r.version === v)
          .map((r) => ({
            resource: r.plural,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: r.verbs,
            ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
            ...(r.categories.length ? { categories: r.categories } : {}),
            ...(r.subresources.length
              ? {
                  subresources: r.subresources.map((s) => ({
                    subresource: s.name,
                    responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
                    verbs: s.verbs,
                  })),
                }
              : {}),
          })),
        freshness: 'Current',
      })),
    })),
  };
}

/** The Kubernetes version the server reports at /version and as its OpenAPI documents' `info.version`. */
export const servedGitVersion = 'v1.32.0+skiff';

/** The `/version` answer. */
export function versionInfo(): object {
  return {
    major: '1',
    minor: '32',
    gitVersion: servedGitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
