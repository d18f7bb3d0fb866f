/** One media range of an Accept header with its parameters. */
export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

/** Parses an Accept header into its media ranges, in the order given. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const i = p.indexOf('=');
      if (i > 0) params[p.slice(0, i).trim()] = p.slice(i + 1).trim();
    }
    return { type: (type ?? '').toLowerCase(), params };
  });
}

/** What a response is rendered as. */
export type ResponseShape =
  | { kind: 'object'; format: 'json' | 'yaml' }
  | { kind: 'table'; version: 'v1' | 'v1beta1'; includeObject: string }
  | { kind: 'partial'; version: 'v1' | 'v1beta1' };

const isJSON = (t: string) => t === 'application/json' || t === 'application/*' || t === '*/*';

/**
 * Chooses how to render a resource response from the Accept header, as upstream does:
 * the first range the server can produce wins. Returns undefined when none fits (406).
 */
export function negotiateResource(accept: string | undefined, query: URLSearchParams): ResponseShape | undefined {
  for (const r of parseAccept(accept)) {
    if (r.params.as === 'Table' && r.params.g === 'meta.k8s.io' && isJSON(r.type)) {
      const version = r.params.v === 'v1beta1' ? 'v1beta1' : r.params.v === 'v1' ? 'v1' : undefined;
      if (version) return { kind: 'table', version, includeObject: query.get('includeObject') ?? 'Metadata' };
      continue;
    }
    if (
      (r.params.as === 'PartialObjectMetadata' || r.params.as === 'PartialObjectMetadataList') &&
      r.params.g === 'meta.k8s.io' &&
      isJSON(r.type)
    ) {
      return { kind: 'partial', version: r.params.v === 'v1beta1' ? 'v1beta1' : 'v1' };
    }
    if (r.params.as) continue;
    if (isJSON(r.type)) return { kind: 'object', format: 'json' };
    if (r.type === 'application/yaml') return { kind: 'object', format: 'yaml' };
  }
  return undefined;
}

/** Chooses the discovery form: aggregated v2, v2beta1, or the legacy one. */
export function negotiateDiscovery(accept: string | undefined): 'v2' | 'v2beta1' | 'legacy' | undefined {
  for (const r of parseAccept(accept)) {
    if (r.params.as === 'APIGroupDiscoveryList' && r.params.g === 'apidiscovery.k8s.io') {
      if (r.params.v === 'v2') return 'v2';
      if (r.params.v === 'v2beta1') return 'v2beta1';
      continue;
    }
    if (r.params.as) continue;
    if (isJSON(r.type)) return 'legacy';
  }
  return undefined;
}
