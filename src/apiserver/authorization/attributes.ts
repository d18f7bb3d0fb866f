/** Turns a parsed request into the attributes authorizers decide on. */
import type { RequestInfo } from '../request-info.js';
import type { RequestAttributes } from './rules.js';

/** The HTTP methods of non-resource requests, by the verb parseRequestInfo gave them. */
const nonResourceVerbs: Record<string, string> = { create: 'post', update: 'put' };

/**
 * The attributes of a request: resource requests keep their verb; non-resource requests use the
 * lower-case HTTP method (`get`, `post`...) and their path, as upstream.
 */
export function requestAttributes(info: RequestInfo, path?: string): RequestAttributes {
  return {
    isResourceRequest: info.isResourceRequest,
    verb: info.isResourceRequest ? info.verb : (nonResourceVerbs[info.verb] ?? info.verb),
    apiGroup: info.apiGroup,
    namespace: info.namespace,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
    path: path ?? `/${info.parts.join('/')}`,
  };
}

/**
 * The name a list or watch selects with `fieldSelector=metadata.name=<name>`, which authorizers
 * see as the request's name (upstream's RequestInfoFactory), so a node may watch the one Secret
 * its pod uses; undefined for any other selector.
 */
export function nameSelectedBy(fieldSelector: string | undefined): string | undefined {
  const match = /^metadata\.name(?:=|==)([^,]+)$/.exec(fieldSelector ?? '');
  return match?.[1];
}
